//! The client's shared state ([`ClientCore`]) and how it is configured ([`ClientBuilder`]).
//! Tests: `tests/client.rs` and the doc examples here.

use std::collections::BTreeMap;
use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use reqwest::header::{HeaderMap, HeaderName, HeaderValue, USER_AGENT};
use reqwest::{Method, Url};

use super::call::appendable_base;
use super::options::HeaderNames;
use super::{Call, Credential, RetryPolicy};

/// The request timeout when none is configured.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(60);
/// The connect timeout of clients built here.
pub const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
const DEFAULT_USER_AGENT: &str = concat!("oagen-rt/", env!("CARGO_PKG_VERSION"));

/// Everything a generated `Client` needs to send requests: base URL, HTTP client, timeouts,
/// retry policy, default headers and credentials.
///
/// Cloning is cheap (one `Arc`), so a client can be shared across tasks. `Debug` shows header
/// names and credential kinds, never their values.
///
/// ```
/// use oagen_rt::client::{ClientCore, Credential};
///
/// let core = ClientCore::new("https://api.example.com/v1/")
///     .with_credential("bearerAuth", Credential::bearer("tok-123"));
/// assert_eq!(core.base_url(), "https://api.example.com/v1");
/// assert!(!format!("{core:?}").contains("tok-123"));
/// ```
#[derive(Clone)]
pub struct ClientCore {
    inner: Arc<Inner>,
}

#[derive(Clone)]
pub(crate) struct Inner {
    /// Without its trailing slash.
    pub(crate) base_url: String,
    /// `base_url` parsed, when a request's path can be set on a copy of it instead of parsing
    /// the joined text for every request (see `call::join`).
    pub(crate) base: Option<Url>,
    pub(crate) http: reqwest::Client,
    pub(crate) timeout: Option<Duration>,
    pub(crate) retry: RetryPolicy,
    /// Including `User-Agent`.
    pub(crate) default_headers: HeaderMap,
    pub(crate) credentials: BTreeMap<String, Credential>,
}

impl ClientCore {
    /// A client with the defaults: a 60 s request timeout, a 10 s connect timeout,
    /// [`RetryPolicy::default`] and no credentials.
    ///
    /// The base URL may carry a path prefix and a trailing slash; it is checked when the first
    /// request is built (use [`builder`](Self::builder) to check it up front).
    ///
    /// # Panics
    ///
    /// Like `reqwest::Client::new`, if the TLS backend cannot be initialised.
    ///
    /// ```
    /// let core = oagen_rt::client::ClientCore::new("http://localhost:8080");
    /// assert_eq!(core.base_url(), "http://localhost:8080");
    /// ```
    pub fn new(base_url: impl Into<String>) -> Self {
        // Redirects are documented responses of the API (a 302 with a `Location` is a result
        // the caller decodes), so the client does not follow them.
        let http = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .connect_timeout(DEFAULT_CONNECT_TIMEOUT)
            .build()
            .unwrap_or_else(|_| reqwest::Client::new());
        let mut default_headers = HeaderMap::new();
        default_headers.insert(USER_AGENT, HeaderValue::from_static(DEFAULT_USER_AGENT));
        let base_url = trim_base(base_url.into());
        ClientCore {
            inner: Arc::new(Inner {
                base: Url::parse(&base_url).ok().filter(appendable_base),
                base_url,
                http,
                timeout: Some(DEFAULT_TIMEOUT),
                retry: RetryPolicy::default(),
                default_headers,
                credentials: BTreeMap::new(),
            }),
        }
    }

    /// Starts configuring a client.
    ///
    /// ```
    /// use oagen_rt::client::{ClientCore, Credential, RetryPolicy};
    /// use std::time::Duration;
    ///
    /// let core = ClientCore::builder("https://api.example.com")
    ///     .timeout(Duration::from_secs(30))
    ///     .retry(RetryPolicy { max_retries: 5, ..RetryPolicy::default() })
    ///     .user_agent("my-app/1.2")
    ///     .default_header("X-Tenant", "acme")
    ///     .credential("ApiKey", Credential::api_key("k-123"))
    ///     .build()?;
    /// # Ok::<(), oagen_rt::client::BuildError>(())
    /// ```
    pub fn builder(base_url: impl Into<String>) -> ClientBuilder {
        ClientBuilder {
            base_url: base_url.into(),
            http: None,
            timeout: Some(DEFAULT_TIMEOUT),
            connect_timeout: None,
            retry: RetryPolicy::default(),
            default_headers: HeaderMap::new(),
            credentials: BTreeMap::new(),
            errors: Vec::new(),
        }
    }

    /// The base URL, without a trailing slash.
    ///
    /// ```
    /// assert_eq!(oagen_rt::client::ClientCore::new("http://h/api/").base_url(), "http://h/api");
    /// ```
    pub fn base_url(&self) -> &str {
        &self.inner.base_url
    }

    /// The underlying reqwest client, for requests the spec does not describe.
    ///
    /// ```
    /// let core = oagen_rt::client::ClientCore::new("http://localhost");
    /// let _request = core.http_client().get("http://localhost/healthz");
    /// ```
    pub fn http_client(&self) -> &reqwest::Client {
        &self.inner.http
    }

    /// Registers (or replaces) the credential for the security scheme named `key`. Clones
    /// made before keep their credentials; the state is copied on write.
    ///
    /// ```
    /// use oagen_rt::client::{ClientCore, Credential};
    ///
    /// let mut core = ClientCore::new("http://localhost");
    /// core.set_credential("ApiKey", Credential::api_key("rotated"));
    /// ```
    pub fn set_credential(&mut self, key: impl Into<String>, credential: Credential) {
        Arc::make_mut(&mut self.inner)
            .credentials
            .insert(key.into(), credential);
    }

    /// [`set_credential`](Self::set_credential), by value.
    ///
    /// ```
    /// use oagen_rt::client::{ClientCore, Credential};
    ///
    /// let core = ClientCore::new("http://localhost").with_credential("basic", Credential::basic("u", "p"));
    /// # let _ = core;
    /// ```
    pub fn with_credential(mut self, key: impl Into<String>, credential: Credential) -> Self {
        self.set_credential(key, credential);
        self
    }

    /// Removes the credential of the scheme named `key`.
    ///
    /// ```
    /// let mut core = oagen_rt::client::ClientCore::new("http://localhost");
    /// core.remove_credential("ApiKey");
    /// ```
    pub fn remove_credential(&mut self, key: &str) {
        if self.inner.credentials.contains_key(key) {
            Arc::make_mut(&mut self.inner).credentials.remove(key);
        }
    }

    /// Starts a request to `path` (which the generated code has already filled in with
    /// [`encode_path_segment`](crate::wire::encode_path_segment)d parameters), appended to the
    /// base URL with one slash between. The call is idempotent by default for GET, HEAD,
    /// OPTIONS, TRACE, PUT and DELETE (RFC 9110 §9.2.2).
    ///
    /// ```
    /// use oagen_rt::client::ClientCore;
    ///
    /// let core = ClientCore::new("http://localhost/api");
    /// let call = core.call(reqwest::Method::GET, "/pets");
    /// # let _ = call;
    /// ```
    pub fn call(&self, method: Method, path: impl Into<String>) -> Call<'_> {
        Call::new(self, method, path.into())
    }

    pub(crate) fn inner(&self) -> &Inner {
        &self.inner
    }
}

fn trim_base(mut base_url: String) -> String {
    while base_url.ends_with('/') {
        base_url.pop();
    }
    base_url
}

impl fmt::Debug for Inner {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ClientCore")
            .field("base_url", &self.base_url)
            .field("timeout", &self.timeout)
            .field("retry", &self.retry)
            .field("default_headers", &HeaderNames(&self.default_headers))
            .field("credentials", &self.credentials)
            .finish_non_exhaustive()
    }
}

impl fmt::Debug for ClientCore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.inner.fmt(f)
    }
}

/// Configures a [`ClientCore`]; made by [`ClientCore::builder`].
///
/// Every setter is infallible; problems (an invalid header, a connect timeout for a
/// caller-supplied client, a base URL that does not parse) are collected and reported together
/// by [`build`](Self::build).
///
/// ```
/// let err = oagen_rt::client::ClientCore::builder("not a url")
///     .default_header("Bad Name", "x")
///     .build()
///     .unwrap_err();
/// assert!(err.to_string().contains("Bad Name"), "{err}");
/// assert!(err.to_string().contains("not a url"), "{err}");
/// ```
pub struct ClientBuilder {
    base_url: String,
    http: Option<reqwest::Client>,
    timeout: Option<Duration>,
    connect_timeout: Option<Duration>,
    retry: RetryPolicy,
    default_headers: HeaderMap,
    credentials: BTreeMap<String, Credential>,
    errors: Vec<String>,
}

impl ClientBuilder {
    /// Sends through this reqwest client (proxies, TLS roots, HTTP/2 settings, middleware-free
    /// tuning) instead of one built here. Timeouts, retries, default headers and credentials
    /// still apply per request; a [`connect_timeout`](Self::connect_timeout) cannot and is
    /// reported by `build`.
    ///
    /// ```
    /// let http = reqwest::Client::builder().pool_max_idle_per_host(4).build()?;
    /// let core = oagen_rt::client::ClientCore::builder("http://localhost").http_client(http).build()?;
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn http_client(mut self, http: reqwest::Client) -> Self {
        self.http = Some(http);
        self
    }

    /// The default timeout of each attempt (default 60 s): until the whole body is read, or
    /// until the headers arrive for [streamed](super::Call::stream_response) responses.
    ///
    /// ```
    /// let builder = oagen_rt::client::ClientCore::builder("http://localhost")
    ///     .timeout(std::time::Duration::from_secs(5));
    /// # let _ = builder;
    /// ```
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = Some(timeout);
        self
    }

    /// No default timeout: requests wait as long as the server takes unless a request sets
    /// [`RequestOptions::timeout`](super::RequestOptions::timeout).
    ///
    /// ```
    /// let builder = oagen_rt::client::ClientCore::builder("http://localhost").no_timeout();
    /// # let _ = builder;
    /// ```
    pub fn no_timeout(mut self) -> Self {
        self.timeout = None;
        self
    }

    /// How long opening a connection may take (default 10 s).
    ///
    /// ```
    /// let builder = oagen_rt::client::ClientCore::builder("http://localhost")
    ///     .connect_timeout(std::time::Duration::from_secs(2));
    /// # let _ = builder;
    /// ```
    pub fn connect_timeout(mut self, timeout: Duration) -> Self {
        self.connect_timeout = Some(timeout);
        self
    }

    /// The retry policy (default [`RetryPolicy::default`]).
    ///
    /// ```
    /// let builder = oagen_rt::client::ClientCore::builder("http://localhost")
    ///     .retry(oagen_rt::client::RetryPolicy::none());
    /// # let _ = builder;
    /// ```
    pub fn retry(mut self, policy: RetryPolicy) -> Self {
        self.retry = policy;
        self
    }

    /// A header sent with every request (replacing an earlier one of the same name).
    /// Operation parameters and [`RequestOptions`](super::RequestOptions) headers of the same
    /// name take precedence.
    ///
    /// ```
    /// let builder = oagen_rt::client::ClientCore::builder("http://localhost")
    ///     .default_header("X-Tenant", "acme");
    /// # let _ = builder;
    /// ```
    pub fn default_header(mut self, name: &str, value: &str) -> Self {
        match (
            HeaderName::from_bytes(name.as_bytes()),
            HeaderValue::from_str(value),
        ) {
            (Ok(name), Ok(value)) => {
                self.default_headers.insert(name, value);
            }
            (Err(_), _) => self
                .errors
                .push(format!("`{name}` is not a valid header name")),
            (_, Err(_)) => self
                .errors
                .push(format!("the value of header `{name}` is not valid")),
        }
        self
    }

    /// The `User-Agent` header (default `oagen-rt/<version>`).
    ///
    /// ```
    /// let builder = oagen_rt::client::ClientCore::builder("http://localhost").user_agent("my-app/1.0");
    /// # let _ = builder;
    /// ```
    pub fn user_agent(self, user_agent: &str) -> Self {
        self.default_header("user-agent", user_agent)
    }

    /// The credential for the security scheme named `key` in the spec.
    ///
    /// ```
    /// use oagen_rt::client::{ClientCore, Credential};
    ///
    /// let builder = ClientCore::builder("http://localhost").credential("ApiKey", Credential::api_key("k"));
    /// # let _ = builder;
    /// ```
    pub fn credential(mut self, key: impl Into<String>, credential: Credential) -> Self {
        self.credentials.insert(key.into(), credential);
        self
    }

    /// Checks the configuration and builds the client. Fails with every problem found.
    ///
    /// ```
    /// let core = oagen_rt::client::ClientCore::builder("http://localhost:3000/api/").build()?;
    /// assert_eq!(core.base_url(), "http://localhost:3000/api");
    /// # Ok::<(), oagen_rt::client::BuildError>(())
    /// ```
    pub fn build(self) -> Result<ClientCore, BuildError> {
        let mut problems = self.errors;
        let base_url = trim_base(self.base_url);
        let base = match Url::parse(&base_url) {
            Ok(base) => Some(base).filter(appendable_base),
            Err(err) => {
                problems.push(format!("base URL `{base_url}` does not parse: {err}"));
                None
            }
        };
        let http = match self.http {
            Some(http) => {
                if self.connect_timeout.is_some() {
                    problems.push(
                        "connect_timeout cannot be applied to a caller-supplied http_client; \
                         set it on that client"
                            .to_owned(),
                    );
                }
                Some(http)
            }
            None => reqwest::Client::builder()
                .redirect(reqwest::redirect::Policy::none())
                .connect_timeout(self.connect_timeout.unwrap_or(DEFAULT_CONNECT_TIMEOUT))
                .build()
                .map_err(|err| problems.push(format!("the HTTP client could not be built: {err}")))
                .ok(),
        };
        let http = match http {
            Some(http) if problems.is_empty() => http,
            _ => return Err(BuildError { problems }),
        };
        let mut default_headers = self.default_headers;
        default_headers
            .entry(USER_AGENT)
            .or_insert(HeaderValue::from_static(DEFAULT_USER_AGENT));
        Ok(ClientCore {
            inner: Arc::new(Inner {
                base_url,
                base,
                http,
                timeout: self.timeout,
                retry: self.retry,
                default_headers,
                credentials: self.credentials,
            }),
        })
    }
}

impl fmt::Debug for ClientBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ClientBuilder")
            .field("base_url", &self.base_url)
            .field("http_client", &self.http.is_some())
            .field("timeout", &self.timeout)
            .field("connect_timeout", &self.connect_timeout)
            .field("retry", &self.retry)
            .field("default_headers", &HeaderNames(&self.default_headers))
            .field("credentials", &self.credentials)
            .field("errors", &self.errors)
            .finish()
    }
}

/// Why [`ClientBuilder::build`] failed: every problem found, in the order the setters ran.
///
/// ```
/// let err = oagen_rt::client::ClientCore::builder("http://localhost")
///     .user_agent("bad\nagent")
///     .build()
///     .unwrap_err();
/// assert_eq!(err.problems(), ["the value of header `user-agent` is not valid"]);
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BuildError {
    problems: Vec<String>,
}

impl BuildError {
    /// Each problem, one sentence each.
    ///
    /// ```
    /// let err = oagen_rt::client::ClientCore::builder("::").build().unwrap_err();
    /// assert_eq!(err.problems().len(), 1);
    /// ```
    pub fn problems(&self) -> &[String] {
        &self.problems
    }
}

impl fmt::Display for BuildError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "invalid client configuration: {}",
            self.problems.join("; ")
        )
    }
}

impl std::error::Error for BuildError {}
