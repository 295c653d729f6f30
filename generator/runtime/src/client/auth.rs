//! Credentials and the security schemes they satisfy (OAS 3.0.3 §4.7.27 Security Scheme Object,
//! §4.7.30 Security Requirement Object).
//!
//! Generated code declares each scheme of the spec as a `const` [`AuthScheme`] and passes each
//! operation's requirements to [`Call::security`](super::Call::security); callers register a
//! [`Credential`] per scheme key on the client or per request. Secrets never reach `Debug`
//! output. Tests: `tests/client.rs` (`auth_*`).

use std::fmt;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use reqwest::header::{AUTHORIZATION, HeaderName, HeaderValue};

/// A secret string (API key, token, password) that `Debug` never prints.
///
/// ```
/// use oagen_rt::client::Secret;
///
/// let secret = Secret::new("sk-live-123");
/// assert_eq!(format!("{secret:?}"), "Secret(***)");
/// assert_eq!(secret.expose(), "sk-live-123");
/// ```
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    /// Wraps a secret value.
    ///
    /// ```
    /// let secret = oagen_rt::client::Secret::new(String::from("token"));
    /// # assert_eq!(secret.expose(), "token");
    /// ```
    pub fn new(value: impl Into<String>) -> Self {
        Secret(value.into())
    }

    /// The secret in clear, for putting it on the wire.
    ///
    /// ```
    /// assert_eq!(oagen_rt::client::Secret::new("k").expose(), "k");
    /// ```
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(***)")
    }
}

/// What a caller proves its identity with. Which scheme it satisfies is decided by the scheme's
/// [`AuthKind`]: `Basic` needs a [`Credential::Basic`], every other kind takes the secret of an
/// [`ApiKey`](Credential::ApiKey) or [`Bearer`](Credential::Bearer) credential.
///
/// ```
/// use oagen_rt::client::Credential;
///
/// let basic = Credential::basic("ada", "hunter2");
/// let shown = format!("{basic:?}");
/// assert!(shown.contains("ada") && !shown.contains("hunter2"));
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Credential {
    /// An API key sent in a header, query parameter or cookie, as the scheme says.
    ApiKey(Secret),
    /// A token sent as `Authorization: Bearer <token>`.
    Bearer(Secret),
    /// A user name and password sent as `Authorization: Basic <base64(user:password)>`.
    Basic {
        /// The user name, sent in clear.
        username: String,
        /// The password.
        password: Secret,
    },
}

impl Credential {
    /// An API key.
    ///
    /// ```
    /// let key = oagen_rt::client::Credential::api_key("k-123");
    /// assert_eq!(format!("{key:?}"), "ApiKey(Secret(***))");
    /// ```
    pub fn api_key(key: impl Into<String>) -> Self {
        Credential::ApiKey(Secret::new(key))
    }

    /// A bearer token.
    ///
    /// ```
    /// let token = oagen_rt::client::Credential::bearer("eyJ...");
    /// assert!(matches!(token, oagen_rt::client::Credential::Bearer(_)));
    /// ```
    pub fn bearer(token: impl Into<String>) -> Self {
        Credential::Bearer(Secret::new(token))
    }

    /// A user name and password for HTTP Basic authentication.
    ///
    /// ```
    /// let basic = oagen_rt::client::Credential::basic("ada", "pw");
    /// assert!(matches!(basic, oagen_rt::client::Credential::Basic { .. }));
    /// ```
    pub fn basic(username: impl Into<String>, password: impl Into<String>) -> Self {
        Credential::Basic {
            username: username.into(),
            password: Secret::new(password),
        }
    }

    /// The single secret of an API key or bearer credential.
    fn token(&self) -> Option<&str> {
        match self {
            Credential::ApiKey(secret) | Credential::Bearer(secret) => Some(secret.expose()),
            Credential::Basic { .. } => None,
        }
    }
}

/// A security scheme of the spec (`components.securitySchemes`), written by generated code as
/// a `const`. `key` is the scheme's name in the spec, under which credentials are registered.
///
/// ```
/// use oagen_rt::client::{AuthKind, AuthScheme};
///
/// const API_KEY: AuthScheme = AuthScheme { key: "ApiKey", kind: AuthKind::ApiKeyHeader("X-API-Key") };
/// const BEARER: AuthScheme = AuthScheme { key: "bearerAuth", kind: AuthKind::Bearer };
/// // Either scheme alone satisfies the operation:
/// static SECURITY: &[&[&AuthScheme]] = &[&[&API_KEY], &[&BEARER]];
/// # assert_eq!(SECURITY.len(), 2);
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct AuthScheme {
    /// The scheme's name in `components.securitySchemes`.
    pub key: &'static str,
    /// Where and how the credential is sent.
    pub kind: AuthKind,
}

/// Where and how a scheme's credential is sent.
///
/// ```
/// use oagen_rt::client::AuthKind;
///
/// const IN_QUERY: AuthKind = AuthKind::ApiKeyQuery("api_key");
/// # assert_ne!(IN_QUERY, AuthKind::Bearer);
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum AuthKind {
    /// `type: apiKey, in: header`, with the header's name.
    ApiKeyHeader(&'static str),
    /// `type: apiKey, in: query`, with the parameter's name.
    ApiKeyQuery(&'static str),
    /// `type: apiKey, in: cookie`, with the cookie's name.
    ApiKeyCookie(&'static str),
    /// `type: http, scheme: bearer` (also used for OAuth2 and OpenID Connect access tokens).
    Bearer,
    /// `type: http, scheme: basic`.
    Basic,
}

/// An operation's security requirements: alternatives, each a conjunction of schemes.
pub(crate) type Security = &'static [&'static [&'static AuthScheme]];

/// Where the chosen credentials go on the request.
#[derive(Default)]
pub(crate) struct Placed {
    pub(crate) headers: Vec<(HeaderName, HeaderValue)>,
    pub(crate) query: Vec<(String, String)>,
    pub(crate) cookies: Vec<(String, String)>,
    /// Query parameter names whose values must not show in error messages.
    pub(crate) secret_query_names: Vec<&'static str>,
}

fn fits(kind: AuthKind, credential: &Credential) -> bool {
    match kind {
        AuthKind::Basic => matches!(credential, Credential::Basic { .. }),
        _ => credential.token().is_some(),
    }
}

/// Picks the first alternative whose schemes all have a fitting credential and places them.
/// An empty alternative means no authentication is needed; when no alternative can be
/// satisfied the request goes out without credentials and the server decides (usually 401).
pub(crate) fn place<'c>(
    security: Security,
    lookup: impl Fn(&str) -> Option<&'c Credential>,
) -> Result<Placed, String> {
    let chosen = security.iter().find_map(|alternative| {
        alternative
            .iter()
            .map(|scheme| {
                lookup(scheme.key)
                    .filter(|c| fits(scheme.kind, c))
                    .map(|c| (*scheme, c))
            })
            .collect::<Option<Vec<_>>>()
    });
    let mut placed = Placed::default();
    for (scheme, credential) in chosen.unwrap_or_default() {
        let invalid = || {
            format!(
                "the credential for `{}` is not a valid header value",
                scheme.key
            )
        };
        let sensitive = |text: &str| {
            let mut value = HeaderValue::from_str(text).map_err(|_| invalid())?;
            value.set_sensitive(true);
            Ok::<_, String>(value)
        };
        match (scheme.kind, credential) {
            (AuthKind::Basic, Credential::Basic { username, password }) => {
                let encoded = STANDARD.encode(format!("{username}:{}", password.expose()));
                placed
                    .headers
                    .push((AUTHORIZATION, sensitive(&format!("Basic {encoded}"))?));
            }
            (AuthKind::Bearer, credential) => {
                let token = credential.token().unwrap_or_default();
                placed
                    .headers
                    .push((AUTHORIZATION, sensitive(&format!("Bearer {token}"))?));
            }
            (AuthKind::ApiKeyHeader(name), credential) => {
                let name = HeaderName::from_bytes(name.as_bytes()).map_err(|_| {
                    format!(
                        "`{name}` (scheme `{}`) is not a valid header name",
                        scheme.key
                    )
                })?;
                placed
                    .headers
                    .push((name, sensitive(credential.token().unwrap_or_default())?));
            }
            (AuthKind::ApiKeyQuery(name), credential) => {
                placed.query.push((
                    name.to_owned(),
                    credential.token().unwrap_or_default().to_owned(),
                ));
                placed.secret_query_names.push(name);
            }
            (AuthKind::ApiKeyCookie(name), credential) => {
                placed.cookies.push((
                    name.to_owned(),
                    credential.token().unwrap_or_default().to_owned(),
                ));
            }
            // `fits` admitted only Basic credentials for Basic schemes.
            (AuthKind::Basic, _) => {}
        }
    }
    Ok(placed)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeMap;

    const KEY: AuthScheme = AuthScheme {
        key: "key",
        kind: AuthKind::ApiKeyQuery("k"),
    };
    const BASIC: AuthScheme = AuthScheme {
        key: "basic",
        kind: AuthKind::Basic,
    };
    const BEARER: AuthScheme = AuthScheme {
        key: "bearer",
        kind: AuthKind::Bearer,
    };

    fn placed(security: Security, creds: &BTreeMap<&str, Credential>) -> Placed {
        place(security, |key| creds.get(key)).unwrap()
    }

    #[test]
    fn first_satisfiable_alternative_wins() {
        let creds = BTreeMap::from([
            ("key", Credential::api_key("s")),
            ("bearer", Credential::bearer("t")),
        ]);
        let both = placed(&[&[&KEY, &BASIC], &[&BEARER, &KEY]], &creds);
        assert_eq!(both.headers.len(), 1);
        assert_eq!(both.headers[0].1.to_str().unwrap(), "Bearer t");
        assert!(both.headers[0].1.is_sensitive());
        assert_eq!(both.query, [("k".to_owned(), "s".to_owned())]);
        assert_eq!(both.secret_query_names, ["k"]);
    }

    #[test]
    fn empty_alternative_and_unsatisfiable_send_nothing() {
        let creds = BTreeMap::from([("basic", Credential::bearer("wrong kind"))]);
        let none = placed(&[&[], &[&BEARER]], &creds);
        assert!(none.headers.is_empty() && none.query.is_empty());
        let unsatisfied = placed(&[&[&BASIC]], &creds);
        assert!(unsatisfied.headers.is_empty());
    }

    #[test]
    fn basic_is_base64_of_user_and_password() {
        let creds = BTreeMap::from([("basic", Credential::basic("Aladdin", "open sesame"))]);
        let basic = placed(&[&[&BASIC]], &creds);
        // RFC 7617 §2's example.
        assert_eq!(
            basic.headers[0].1.to_str().unwrap(),
            "Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ=="
        );
    }

    #[test]
    fn bad_header_values_are_reported_without_the_secret() {
        let creds = BTreeMap::from([("bearer", Credential::bearer("line\nbreak"))]);
        let err = place(&[&[&BEARER]], |key| creds.get(key)).err().unwrap();
        assert!(!err.contains("line"), "{err}");
    }
}
