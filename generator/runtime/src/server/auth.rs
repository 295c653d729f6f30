//! Credentials presented by the caller, read per the spec's security schemes.
//!
//! Input → output: the operation's `security` requirements (generated as `static` tables of
//! [`ServerAuthScheme`]) and the request → what the caller presented for the first
//! alternative it fully satisfies, or a 401 [`Problem`] with `WWW-Authenticate` challenges.
//!
//! This module only finds credentials; deciding whether they are valid is the
//! implementation's job (it receives them with the request). OAS 3.0.3 §4.7.30 "Security
//! Requirement Object": alternatives are ORed, the schemes inside one are ANDed, and an empty
//! alternative `{}` makes authentication optional. Tests: below and in `tests/server.rs`.

use std::fmt;

use axum::http::header;
use base64::Engine as _;

use super::input::Input;
use super::problem::Problem;

/// Where and how a security scheme's credential travels. `const`-constructible so generated
/// code can keep the tables in statics.
///
/// ```
/// use oagen_rt::server::{ServerAuthKind, ServerAuthScheme};
///
/// static API_KEY: ServerAuthScheme =
///     ServerAuthScheme { key: "api_key", kind: ServerAuthKind::ApiKeyHeader("X-Api-Key") };
/// assert_eq!(API_KEY.kind.describe(), "an API key in the `X-Api-Key` header");
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ServerAuthKind {
    /// `type: apiKey, in: header`, with the header's name.
    ApiKeyHeader(&'static str),
    /// `type: apiKey, in: query`, with the parameter's name.
    ApiKeyQuery(&'static str),
    /// `type: apiKey, in: cookie`, with the cookie's name.
    ApiKeyCookie(&'static str),
    /// `type: http, scheme: bearer` (also used for `oauth2` and `openIdConnect` tokens).
    Bearer,
    /// `type: http, scheme: basic`.
    Basic,
}

impl ServerAuthKind {
    /// What the caller should send, for the 401 detail.
    ///
    /// ```
    /// assert_eq!(oagen_rt::server::ServerAuthKind::Bearer.describe(), "a bearer token");
    /// ```
    #[must_use]
    pub fn describe(self) -> String {
        match self {
            Self::ApiKeyHeader(name) => format!("an API key in the `{name}` header"),
            Self::ApiKeyQuery(name) => format!("an API key in the `{name}` query parameter"),
            Self::ApiKeyCookie(name) => format!("an API key in the `{name}` cookie"),
            Self::Bearer => "a bearer token".to_owned(),
            Self::Basic => "a username and password (basic auth)".to_owned(),
        }
    }

    /// The `WWW-Authenticate` challenge for the HTTP schemes.
    fn challenge(self) -> Option<&'static str> {
        match self {
            Self::Bearer => Some("Bearer"),
            Self::Basic => Some("Basic realm=\"api\", charset=\"UTF-8\""),
            _ => None,
        }
    }
}

/// A security scheme as the spec names it (`key`, the name under
/// `components/securitySchemes`) and where its credential is read.
///
/// ```
/// use oagen_rt::server::{ServerAuthKind, ServerAuthScheme};
///
/// const BEARER: ServerAuthScheme = ServerAuthScheme { key: "bearerAuth", kind: ServerAuthKind::Bearer };
/// assert_eq!(BEARER.key, "bearerAuth");
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct ServerAuthScheme {
    /// The scheme's name in `components/securitySchemes`.
    pub key: &'static str,
    /// Where the credential is read.
    pub kind: ServerAuthKind,
}

/// A credential the caller presented. `Debug` hides the secrets.
///
/// ```
/// let key = oagen_rt::server::Presented::ApiKey("s3cret".into());
/// assert_eq!(format!("{key:?}"), "ApiKey(<redacted>)");
/// ```
#[derive(Clone, PartialEq, Eq)]
pub enum Presented {
    /// An API key, from a header, the query or a cookie.
    ApiKey(String),
    /// The token of `Authorization: Bearer <token>`.
    Bearer(String),
    /// The decoded pair of `Authorization: Basic <base64(username:password)>`.
    Basic {
        /// The username.
        username: String,
        /// The password.
        password: String,
    },
}

impl fmt::Debug for Presented {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::ApiKey(_) => f.write_str("ApiKey(<redacted>)"),
            Self::Bearer(_) => f.write_str("Bearer(<redacted>)"),
            Self::Basic { username, .. } => f
                .debug_struct("Basic")
                .field("username", username)
                .field("password", &"<redacted>")
                .finish(),
        }
    }
}

impl Input {
    /// What the caller presented for `scheme`, if anything usable: a non-empty API key, a
    /// non-empty bearer token, or a well-formed basic pair. The `Authorization` scheme name
    /// is matched case-insensitively (RFC 9110 §11.1).
    ///
    /// ```
    /// use axum::{body::Body, extract::Request};
    /// use oagen_rt::server::{Input, Presented, ServerAuthKind, ServerAuthScheme};
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// let request = Request::get("/").header("authorization", "bearer abc").body(Body::empty()).unwrap();
    /// let input = Input::from_request(request, 0).await.unwrap();
    /// let scheme = ServerAuthScheme { key: "token", kind: ServerAuthKind::Bearer };
    /// assert_eq!(input.credential(&scheme), Some(Presented::Bearer("abc".into())));
    /// # }
    /// ```
    #[must_use]
    pub fn credential(&self, scheme: &ServerAuthScheme) -> Option<Presented> {
        let non_empty = |value: &str| (!value.is_empty()).then(|| value.to_owned());
        match scheme.kind {
            ServerAuthKind::ApiKeyHeader(name) => self
                .headers()
                .get(name)
                .and_then(|value| value.to_str().ok())
                .and_then(non_empty)
                .map(Presented::ApiKey),
            ServerAuthKind::ApiKeyQuery(name) => self
                .query_value(name)
                .and_then(non_empty)
                .map(Presented::ApiKey),
            ServerAuthKind::ApiKeyCookie(name) => self
                .cookie_value(name)
                .and_then(non_empty)
                .map(Presented::ApiKey),
            ServerAuthKind::Bearer => self
                .authorization("bearer")
                .and_then(non_empty)
                .map(Presented::Bearer),
            ServerAuthKind::Basic => {
                let encoded = self.authorization("basic")?;
                let decoded = base64::engine::general_purpose::STANDARD
                    .decode(encoded)
                    .ok()?;
                let text = String::from_utf8(decoded).ok()?;
                let (username, password) = text.split_once(':')?;
                Some(Presented::Basic {
                    username: username.to_owned(),
                    password: password.to_owned(),
                })
            }
        }
    }

    /// Checks the operation's security requirements: each inner slice is one alternative,
    /// all of whose schemes must be presented. Returns what was presented for the first
    /// alternative fully satisfied, keyed by scheme name; an empty alternative (or no
    /// requirements at all) passes with nothing. Otherwise a 401 naming what would do, with a
    /// `WWW-Authenticate` challenge for each HTTP scheme involved.
    ///
    /// ```
    /// use axum::{body::Body, extract::Request};
    /// use oagen_rt::server::{Input, ServerAuthKind, ServerAuthScheme};
    ///
    /// static KEY: ServerAuthScheme = ServerAuthScheme { key: "key", kind: ServerAuthKind::ApiKeyQuery("api_key") };
    /// static TOKEN: ServerAuthScheme = ServerAuthScheme { key: "token", kind: ServerAuthKind::Bearer };
    /// static SECURITY: &[&[&ServerAuthScheme]] = &[&[&TOKEN], &[&KEY]];
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// let input = Input::from_request(Request::get("/?api_key=k1").body(Body::empty()).unwrap(), 0).await.unwrap();
    /// let presented = input.authenticate(SECURITY).unwrap();
    /// assert_eq!(presented[0].0, "key");
    /// let anonymous = Input::from_request(Request::get("/").body(Body::empty()).unwrap(), 0).await.unwrap();
    /// let problem = anonymous.authenticate(SECURITY).unwrap_err();
    /// assert_eq!(problem.status(), 401);
    /// assert_eq!(problem.challenges(), ["Bearer"]);
    /// # }
    /// ```
    pub fn authenticate(
        &self,
        requirements: &[&[&ServerAuthScheme]],
    ) -> Result<Vec<(&'static str, Presented)>, Problem> {
        let mut optional = requirements.is_empty();
        for alternative in requirements {
            if alternative.is_empty() {
                // Tried last, so that credentials that were sent are still passed on.
                optional = true;
                continue;
            }
            let presented: Option<Vec<_>> = alternative
                .iter()
                .map(|scheme| self.credential(scheme).map(|found| (scheme.key, found)))
                .collect();
            if let Some(presented) = presented {
                return Ok(presented);
            }
        }
        if optional {
            return Ok(Vec::new());
        }
        let expected: Vec<String> = requirements
            .iter()
            .map(|alternative| {
                let parts: Vec<String> = alternative
                    .iter()
                    .map(|scheme| scheme.kind.describe())
                    .collect();
                parts.join(" and ")
            })
            .collect();
        let mut problem = Problem::unauthorized(&expected.join(", or "));
        for scheme in requirements
            .iter()
            .flat_map(|alternative| alternative.iter())
        {
            if let Some(challenge) = scheme.kind.challenge() {
                problem = problem.with_challenge(challenge);
            }
        }
        Err(problem)
    }

    /// The credentials of `Authorization: <scheme> <credentials>`, if that is the scheme.
    fn authorization(&self, scheme: &str) -> Option<&str> {
        let value = self.headers().get(header::AUTHORIZATION)?.to_str().ok()?;
        let (name, credentials) = value.trim().split_once(' ')?;
        name.eq_ignore_ascii_case(scheme)
            .then(|| credentials.trim())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::body::Body;
    use axum::extract::Request;

    static HEADER_KEY: ServerAuthScheme = ServerAuthScheme {
        key: "header_key",
        kind: ServerAuthKind::ApiKeyHeader("X-Api-Key"),
    };
    static COOKIE_KEY: ServerAuthScheme = ServerAuthScheme {
        key: "cookie_key",
        kind: ServerAuthKind::ApiKeyCookie("session"),
    };
    static BASIC: ServerAuthScheme = ServerAuthScheme {
        key: "basic",
        kind: ServerAuthKind::Basic,
    };
    static BEARER: ServerAuthScheme = ServerAuthScheme {
        key: "bearer",
        kind: ServerAuthKind::Bearer,
    };

    async fn input(headers: &[(&str, &str)]) -> Input {
        let mut request = Request::get("/");
        for (name, value) in headers {
            request = request.header(*name, *value);
        }
        Input::from_request(request.body(Body::empty()).unwrap(), 0)
            .await
            .unwrap()
    }

    #[tokio::test]
    async fn reads_each_kind() {
        let basic = base64::engine::general_purpose::STANDARD.encode("ann:pa:ss");
        let input = input(&[
            ("x-api-key", "k1"),
            ("cookie", "session=c1"),
            ("authorization", &format!("Basic {basic}")),
        ])
        .await;
        assert_eq!(
            input.credential(&HEADER_KEY),
            Some(Presented::ApiKey("k1".into()))
        );
        assert_eq!(
            input.credential(&COOKIE_KEY),
            Some(Presented::ApiKey("c1".into()))
        );
        assert_eq!(
            input.credential(&BASIC),
            Some(Presented::Basic {
                username: "ann".into(),
                password: "pa:ss".into()
            })
        );
        assert_eq!(input.credential(&BEARER), None, "basic is not bearer");
    }

    #[tokio::test]
    async fn malformed_credentials_are_not_presented() {
        let input = input(&[("authorization", "Basic !!!"), ("x-api-key", "")]).await;
        assert_eq!(input.credential(&BASIC), None);
        assert_eq!(input.credential(&HEADER_KEY), None);
        let input = input_bearer("Bearer ").await;
        assert_eq!(input.credential(&BEARER), None);
    }

    async fn input_bearer(value: &str) -> Input {
        input(&[("authorization", value)]).await
    }

    #[tokio::test]
    async fn all_schemes_of_an_alternative_are_needed() {
        static BOTH: &[&[&ServerAuthScheme]] = &[&[&HEADER_KEY, &BEARER]];
        let only_key = input(&[("x-api-key", "k")]).await;
        let problem = only_key.authenticate(BOTH).unwrap_err();
        assert_eq!(
            problem.detail(),
            Some("credentials required: an API key in the `X-Api-Key` header and a bearer token")
        );
        let both = input(&[("x-api-key", "k"), ("authorization", "Bearer t")]).await;
        let presented = both.authenticate(BOTH).unwrap();
        let keys: Vec<_> = presented.iter().map(|(key, _)| *key).collect();
        assert_eq!(keys, ["header_key", "bearer"]);
    }

    #[tokio::test]
    async fn empty_alternative_makes_auth_optional_but_keeps_what_was_sent() {
        static OPTIONAL: &[&[&ServerAuthScheme]] = &[&[], &[&BEARER]];
        let anonymous = input(&[]).await;
        assert!(anonymous.authenticate(OPTIONAL).unwrap().is_empty());
        let with_token = input_bearer("Bearer t").await;
        assert_eq!(with_token.authenticate(OPTIONAL).unwrap().len(), 1);
        assert!(anonymous.authenticate(&[]).unwrap().is_empty());
    }

    #[tokio::test]
    async fn challenges_for_http_schemes_only() {
        static ANY: &[&[&ServerAuthScheme]] = &[&[&BASIC], &[&HEADER_KEY], &[&BEARER]];
        let problem = input(&[]).await.authenticate(ANY).unwrap_err();
        assert_eq!(
            problem.challenges(),
            ["Basic realm=\"api\", charset=\"UTF-8\"", "Bearer"]
        );
    }
}
