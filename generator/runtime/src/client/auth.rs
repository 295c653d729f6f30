//! Credentials and the security schemes they satisfy (OAS 3.0.3 §4.7.27 Security Scheme Object,
//! §4.7.30 Security Requirement Object).
//!
//! Generated code declares each scheme of the spec as a `const` [`AuthScheme`] and passes each
//! operation's requirements to [`Call::security`](super::Call::security); callers register a
//! [`Credential`] per scheme key on the client or per request. Secrets never reach `Debug`
//! output. Tests: `tests/client.rs` (`auth_*`).

use std::fmt;
use std::sync::OnceLock;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use reqwest::header::{AUTHORIZATION, HeaderMap, HeaderName, HeaderValue};

/// A secret string (API key, token, password) that `Debug` never prints.
///
/// ```
/// use oagen_rt::client::Secret;
///
/// let secret = Secret::new("sk-live-123");
/// assert_eq!(format!("{secret:?}"), "Secret(***)");
/// assert_eq!(secret.expose(), "sk-live-123");
/// ```
#[derive(Clone)]
pub struct Secret {
    text: String,
    /// The header values made of it, kept from the first request that sends them: the same
    /// credential goes out with every request.
    headers: SecretHeaders,
}

/// A secret's header values, `None` when the text is not a valid header value.
#[derive(Clone, Default)]
struct SecretHeaders {
    /// The text itself (an API key in a header).
    plain: OnceLock<Option<HeaderValue>>,
    /// `Bearer <text>`.
    bearer: OnceLock<Option<HeaderValue>>,
}

impl Secret {
    /// Wraps a secret value.
    ///
    /// ```
    /// let secret = oagen_rt::client::Secret::new(String::from("token"));
    /// # assert_eq!(secret.expose(), "token");
    /// ```
    pub fn new(value: impl Into<String>) -> Self {
        Secret {
            text: value.into(),
            headers: SecretHeaders::default(),
        }
    }

    /// The secret in clear, for putting it on the wire.
    ///
    /// ```
    /// assert_eq!(oagen_rt::client::Secret::new("k").expose(), "k");
    /// ```
    pub fn expose(&self) -> &str {
        &self.text
    }

    /// The secret as a sensitive header value (after `Bearer ` when `bearer`); `None` when
    /// it cannot be one.
    fn header(&self, bearer: bool) -> Option<HeaderValue> {
        let (cell, prefix) = match bearer {
            true => (&self.headers.bearer, "Bearer "),
            false => (&self.headers.plain, ""),
        };
        cell.get_or_init(|| sensitive(&format!("{prefix}{}", self.text)))
            .clone()
    }
}

impl PartialEq for Secret {
    fn eq(&self, other: &Self) -> bool {
        self.text == other.text
    }
}

impl Eq for Secret {}

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
    fn secret(&self) -> Option<&Secret> {
        match self {
            Credential::ApiKey(secret) | Credential::Bearer(secret) => Some(secret),
            Credential::Basic { .. } => None,
        }
    }

    /// The text of [`secret`](Self::secret).
    fn token(&self) -> Option<&str> {
        self.secret().map(Secret::expose)
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

/// Credentials placed in the query and in cookies (headers are placed by [`place_headers`]).
#[derive(Default)]
pub(crate) struct Placed {
    pub(crate) query: Vec<(String, String)>,
    pub(crate) cookies: Vec<(String, String)>,
    /// Query parameter names whose values must not show in error messages.
    pub(crate) secret_query_names: Vec<&'static str>,
}

/// `text` as a header value marked sensitive; `None` if it cannot be one.
fn sensitive(text: &str) -> Option<HeaderValue> {
    let mut value = HeaderValue::from_str(text).ok()?;
    value.set_sensitive(true);
    Some(value)
}

/// The header an API key goes in. `Authorization`, the usual one, is recognised without
/// parsing the name.
fn header_name(name: &'static str, key: &str) -> Result<HeaderName, String> {
    if name.eq_ignore_ascii_case("authorization") {
        return Ok(AUTHORIZATION);
    }
    HeaderName::from_bytes(name.as_bytes())
        .map_err(|_| format!("`{name}` (scheme `{key}`) is not a valid header name"))
}

fn fits(kind: AuthKind, credential: &Credential) -> bool {
    match kind {
        AuthKind::Basic => matches!(credential, Credential::Basic { .. }),
        _ => credential.token().is_some(),
    }
}

/// The first alternative whose schemes all have a fitting credential. An empty alternative
/// means no authentication is needed; when no alternative can be satisfied the result is empty
/// too: the request goes out without credentials and the server decides (usually 401).
pub(crate) fn choose<'c>(
    security: Security,
    lookup: impl Fn(&str) -> Option<&'c Credential>,
) -> &'static [&'static AuthScheme] {
    security
        .iter()
        .copied()
        .find(|alternative| {
            alternative
                .iter()
                .all(|scheme| lookup(scheme.key).is_some_and(|c| fits(scheme.kind, c)))
        })
        .unwrap_or_default()
}

/// The chosen schemes with their credentials (looked up again: `choose` allocates nothing).
fn chosen<'c>(
    chosen: &'static [&'static AuthScheme],
    lookup: impl Fn(&str) -> Option<&'c Credential>,
) -> impl Iterator<Item = (&'static AuthScheme, &'c Credential)> {
    chosen.iter().filter_map(move |scheme| {
        let credential = lookup(scheme.key).filter(|c| fits(scheme.kind, c))?;
        Some((*scheme, credential))
    })
}

/// Places the credentials of the [`choose`]n schemes that go in the query or a cookie.
pub(crate) fn place<'c>(
    schemes: &'static [&'static AuthScheme],
    lookup: impl Fn(&str) -> Option<&'c Credential>,
) -> Placed {
    let mut placed = Placed::default();
    for (scheme, credential) in chosen(schemes, lookup) {
        let token = || credential.token().unwrap_or_default().to_owned();
        match scheme.kind {
            AuthKind::ApiKeyQuery(name) => {
                placed.query.push((name.to_owned(), token()));
                placed.secret_query_names.push(name);
            }
            AuthKind::ApiKeyCookie(name) => placed.cookies.push((name.to_owned(), token())),
            AuthKind::ApiKeyHeader(_) | AuthKind::Bearer | AuthKind::Basic => {}
        }
    }
    placed
}

/// Sets the headers of the [`choose`]n schemes that go in a header, replacing same-named
/// ones. Values are marked sensitive.
pub(crate) fn place_headers<'c>(
    schemes: &'static [&'static AuthScheme],
    lookup: impl Fn(&str) -> Option<&'c Credential>,
    headers: &mut HeaderMap,
) -> Result<(), String> {
    for (scheme, credential) in chosen(schemes, lookup) {
        let invalid = || {
            format!(
                "the credential for `{}` is not a valid header value",
                scheme.key
            )
        };
        let secret = |bearer| {
            credential
                .secret()
                .and_then(|secret| secret.header(bearer))
                .ok_or_else(invalid)
        };
        let (name, value) = match (scheme.kind, credential) {
            (AuthKind::Basic, Credential::Basic { username, password }) => {
                let encoded = STANDARD.encode(format!("{username}:{}", password.expose()));
                let value = sensitive(&format!("Basic {encoded}")).ok_or_else(invalid)?;
                (AUTHORIZATION, value)
            }
            (AuthKind::Bearer, _) => (AUTHORIZATION, secret(true)?),
            (AuthKind::ApiKeyHeader(name), _) => (header_name(name, scheme.key)?, secret(false)?),
            // `fits` admitted only Basic credentials for Basic schemes; the others go in the
            // query or a cookie (`place`).
            (AuthKind::Basic | AuthKind::ApiKeyQuery(_) | AuthKind::ApiKeyCookie(_), _) => {
                continue;
            }
        };
        headers.insert(name, value);
    }
    Ok(())
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

    /// The headers and the other placements of the chosen alternative.
    fn placed(security: Security, creds: &BTreeMap<&str, Credential>) -> (HeaderMap, Placed) {
        let lookup = |key: &str| creds.get(key);
        let schemes = choose(security, lookup);
        let mut headers = HeaderMap::new();
        place_headers(schemes, lookup, &mut headers).unwrap();
        (headers, place(schemes, lookup))
    }

    #[test]
    fn first_satisfiable_alternative_wins() {
        let creds = BTreeMap::from([
            ("key", Credential::api_key("s")),
            ("bearer", Credential::bearer("t")),
        ]);
        let (headers, both) = placed(&[&[&KEY, &BASIC], &[&BEARER, &KEY]], &creds);
        assert_eq!(headers.len(), 1);
        assert_eq!(headers[AUTHORIZATION].to_str().unwrap(), "Bearer t");
        assert!(headers[AUTHORIZATION].is_sensitive());
        assert_eq!(both.query, [("k".to_owned(), "s".to_owned())]);
        assert_eq!(both.secret_query_names, ["k"]);
    }

    #[test]
    fn empty_alternative_and_unsatisfiable_send_nothing() {
        let creds = BTreeMap::from([("basic", Credential::bearer("wrong kind"))]);
        let (headers, none) = placed(&[&[], &[&BEARER]], &creds);
        assert!(headers.is_empty() && none.query.is_empty());
        let (headers, _) = placed(&[&[&BASIC]], &creds);
        assert!(headers.is_empty());
    }

    #[test]
    fn basic_is_base64_of_user_and_password() {
        let creds = BTreeMap::from([("basic", Credential::basic("Aladdin", "open sesame"))]);
        let (headers, _) = placed(&[&[&BASIC]], &creds);
        // RFC 7617 §2's example.
        assert_eq!(
            headers[AUTHORIZATION].to_str().unwrap(),
            "Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ=="
        );
    }

    #[test]
    fn api_keys_go_in_their_header_each_time() {
        const IN_AUTHORIZATION: AuthScheme = AuthScheme {
            key: "key",
            kind: AuthKind::ApiKeyHeader("Authorization"),
        };
        const IN_CUSTOM: AuthScheme = AuthScheme {
            key: "key",
            kind: AuthKind::ApiKeyHeader("X-API-Key"),
        };
        let creds = BTreeMap::from([("key", Credential::bearer("sk-1"))]);
        for _ in 0..2 {
            let (headers, _) = placed(&[&[&IN_AUTHORIZATION, &IN_CUSTOM]], &creds);
            assert_eq!(headers[AUTHORIZATION], "sk-1");
            assert_eq!(headers["x-api-key"], "sk-1");
            assert!(headers["x-api-key"].is_sensitive());
        }
        assert_eq!(creds["key"], Credential::bearer("sk-1"));
    }

    #[test]
    fn bad_header_values_are_reported_without_the_secret() {
        let creds = BTreeMap::from([("bearer", Credential::bearer("line\nbreak"))]);
        let lookup = |key: &str| creds.get(key);
        let schemes = choose(&[&[&BEARER]], lookup);
        for _ in 0..2 {
            let err = place_headers(schemes, lookup, &mut HeaderMap::new())
                .err()
                .unwrap();
            assert!(!err.contains("line"), "{err}");
        }
    }
}
