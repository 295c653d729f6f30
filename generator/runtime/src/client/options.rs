//! Per-request overrides of the client's configuration. Tests: `tests/client.rs`
//! (`options_*`, `auth_override_*`).

use std::collections::BTreeMap;
use std::fmt;
use std::time::Duration;

use reqwest::header::{HeaderMap, HeaderName, HeaderValue};

use super::{Credential, RetryPolicy};

/// Settings for one request that take precedence over the client's.
///
/// Headers set here are applied last, so they replace any header of the same name the client
/// or the operation set. A header that is not valid makes the request fail with
/// [`Error::InvalidRequest`](super::Error::InvalidRequest) when sent.
///
/// ```
/// use oagen_rt::client::{Credential, RequestOptions, RetryPolicy};
/// use std::time::Duration;
///
/// let options = RequestOptions::new()
///     .timeout(Duration::from_secs(5))
///     .header("Idempotency-Key", "3f1c")
///     .credential("bearerAuth", Credential::bearer("user-token"))
///     .retry(RetryPolicy::none());
/// let shown = format!("{options:?}");
/// assert!(shown.contains("idempotency-key") && !shown.contains("user-token") && !shown.contains("3f1c"));
/// ```
#[derive(Clone, Default)]
pub struct RequestOptions {
    /// Boxed, and only once something is set: every generated request builder holds options
    /// (most often none), and its future holds the builder twice, so they are kept to one
    /// pointer (see `collect` in `response.rs` for why futures are kept small).
    overrides: Option<Box<Overrides>>,
}

/// The settings of a [`RequestOptions`].
#[derive(Clone, Default)]
pub(crate) struct Overrides {
    pub(crate) timeout: Option<Duration>,
    pub(crate) headers: HeaderMap,
    pub(crate) credentials: BTreeMap<String, Credential>,
    pub(crate) retry: Option<RetryPolicy>,
    pub(crate) error: Option<String>,
}

impl RequestOptions {
    /// No overrides; the same as `RequestOptions::default()`.
    ///
    /// ```
    /// let options = oagen_rt::client::RequestOptions::new();
    /// # let _ = options;
    /// ```
    pub fn new() -> Self {
        RequestOptions::default()
    }

    /// The timeout of this request, in place of the client's.
    ///
    /// ```
    /// let options = oagen_rt::client::RequestOptions::new().timeout(std::time::Duration::from_millis(500));
    /// # let _ = options;
    /// ```
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.set().timeout = Some(timeout);
        self
    }

    /// Adds a header (replacing one of the same name set here before).
    ///
    /// ```
    /// let options = oagen_rt::client::RequestOptions::new().header("X-Trace", "abc");
    /// # let _ = options;
    /// ```
    pub fn header(mut self, name: &str, value: &str) -> Self {
        match (
            HeaderName::from_bytes(name.as_bytes()),
            HeaderValue::from_str(value),
        ) {
            (Ok(name), Ok(value)) => {
                self.set().headers.insert(name, value);
            }
            (Err(_), _) => {
                self.set()
                    .error
                    .get_or_insert(format!("`{name}` is not a valid header name"));
            }
            (_, Err(_)) => {
                self.set()
                    .error
                    .get_or_insert(format!("the value of header `{name}` is not valid"));
            }
        }
        self
    }

    /// A credential for the scheme named `key`, used for this request before the client's.
    ///
    /// ```
    /// use oagen_rt::client::{Credential, RequestOptions};
    ///
    /// let options = RequestOptions::new().credential("ApiKey", Credential::api_key("other-tenant"));
    /// # let _ = options;
    /// ```
    pub fn credential(mut self, key: impl Into<String>, credential: Credential) -> Self {
        self.set().credentials.insert(key.into(), credential);
        self
    }

    /// The retry policy of this request, in place of the client's.
    ///
    /// ```
    /// let options = oagen_rt::client::RequestOptions::new().retry(oagen_rt::client::RetryPolicy::none());
    /// # let _ = options;
    /// ```
    pub fn retry(mut self, policy: RetryPolicy) -> Self {
        self.set().retry = Some(policy);
        self
    }

    fn set(&mut self) -> &mut Overrides {
        self.overrides.get_or_insert_default()
    }

    /// What is set, if anything.
    pub(crate) fn overrides(&self) -> Option<&Overrides> {
        self.overrides.as_deref()
    }
}

/// Header names only: values may carry tokens.
pub(crate) struct HeaderNames<'a>(pub(crate) &'a HeaderMap);

impl fmt::Debug for HeaderNames<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list().entries(self.0.keys()).finish()
    }
}

impl fmt::Debug for RequestOptions {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let none = Overrides::default();
        let set = self.overrides().unwrap_or(&none);
        f.debug_struct("RequestOptions")
            .field("timeout", &set.timeout)
            .field("headers", &HeaderNames(&set.headers))
            .field("credentials", &set.credentials)
            .field("retry", &set.retry)
            .field("error", &set.error)
            .finish()
    }
}
