//! When to retry and how long to wait: exponential backoff with full jitter ("Exponential
//! Backoff And Jitter", AWS Architecture Blog, 2015), bounded by `Retry-After` (RFC 9110
//! §10.2.3) when the server sends one.
//!
//! The decisions are pure functions of the policy, the response and the clock so they can be
//! unit-tested here; the loop that sleeps lives in `call.rs`, and `tests/client.rs` (`retry_*`)
//! checks it against a real server.

use std::time::{Duration, SystemTime};

use reqwest::StatusCode;
use reqwest::header::HeaderMap;

/// How a request is retried.
///
/// A request is retried when it got no response (connection refused, reset, timed out) or an
/// answer that says "try again": 429, 502, 503, 504, and 500 for idempotent requests.
/// Requests that are not idempotent (POST, PATCH, unless the generated code says otherwise)
/// are retried only if [`retry_non_idempotent`](Self::retry_non_idempotent) is set, except
/// when the connection could not even be opened: the server never saw those.
///
/// Waits double from [`initial_backoff`](Self::initial_backoff) up to
/// [`max_backoff`](Self::max_backoff), each drawn uniformly below that bound when
/// [`jitter`](Self::jitter) is on. A `Retry-After` header (seconds or an HTTP date,
/// `retry-after-ms` too) or, on a JSON 429 or 503 without one, a top-level `retry_after` or
/// `retryAfter` number of seconds replaces the computed wait, even when longer than
/// `max_backoff`; if it asks for more than [`max_retry_after`](Self::max_retry_after) the
/// response is returned to the caller instead.
///
/// ```
/// use oagen_rt::client::RetryPolicy;
/// use std::time::Duration;
///
/// let patient = RetryPolicy { max_retries: 6, max_backoff: Duration::from_secs(30), ..RetryPolicy::default() };
/// assert_eq!(patient.initial_backoff, Duration::from_millis(100));
/// assert_eq!(RetryPolicy::none().max_retries, 0);
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Retries after the first attempt; 0 disables retrying. Default 3.
    pub max_retries: u32,
    /// The bound of the first wait. Default 100 ms.
    pub initial_backoff: Duration,
    /// The largest bound of a computed wait. Default 10 s.
    pub max_backoff: Duration,
    /// Draw each wait uniformly from zero to its bound ("full jitter"). Default on.
    pub jitter: bool,
    /// Also retry requests that are not idempotent. Default off.
    pub retry_non_idempotent: bool,
    /// The longest `Retry-After` honoured; a longer one returns the response. Default 60 s.
    pub max_retry_after: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            max_retries: 3,
            initial_backoff: Duration::from_millis(100),
            max_backoff: Duration::from_secs(10),
            jitter: true,
            retry_non_idempotent: false,
            max_retry_after: Duration::from_secs(60),
        }
    }
}

impl RetryPolicy {
    /// A policy that never retries.
    ///
    /// ```
    /// let once = oagen_rt::client::RetryPolicy::none();
    /// assert_eq!(once.max_retries, 0);
    /// ```
    pub fn none() -> Self {
        RetryPolicy {
            max_retries: 0,
            ..RetryPolicy::default()
        }
    }

    /// The computed wait before retry number `retry` (0 for the first retry).
    pub(crate) fn backoff(&self, retry: u32) -> Duration {
        let bound = self
            .initial_backoff
            .saturating_mul(2u32.saturating_pow(retry.min(31)))
            .min(self.max_backoff);
        if self.jitter {
            bound.mul_f64(fastrand::f64())
        } else {
            bound
        }
    }
}

/// Statuses that say the same request may succeed later. A 500 may have had side effects, so
/// it counts only for idempotent requests.
pub(crate) fn retryable_status(status: StatusCode, idempotent: bool) -> bool {
    matches!(status.as_u16(), 429 | 502 | 503 | 504) || (status.as_u16() == 500 && idempotent)
}

fn seconds(text: &str) -> Option<Duration> {
    let seconds: f64 = text.trim().parse().ok()?;
    if seconds.is_sign_negative() {
        None
    } else {
        Duration::try_from_secs_f64(seconds).ok()
    }
}

/// The wait a response asks for in its headers: `retry-after-ms` (milliseconds, sent by some
/// APIs), then `Retry-After` as delta-seconds or an HTTP date (a date in the past means now).
pub(crate) fn retry_after_header(headers: &HeaderMap, now: SystemTime) -> Option<Duration> {
    let text = |name: &str| headers.get(name).and_then(|value| value.to_str().ok());
    if let Some(ms) = text("retry-after-ms").and_then(seconds) {
        return Some(ms / 1000);
    }
    let value = text("retry-after")?;
    seconds(value).or_else(|| {
        let date = httpdate::parse_http_date(value.trim()).ok()?;
        Some(date.duration_since(now).unwrap_or(Duration::ZERO))
    })
}

/// The wait a JSON error body asks for: a top-level `retry_after` or `retryAfter` number of
/// seconds.
pub(crate) fn retry_after_body(body: &[u8]) -> Option<Duration> {
    let value: serde_json::Value = serde_json::from_slice(body).ok()?;
    let object = value.as_object()?;
    let field = object
        .get("retry_after")
        .or_else(|| object.get("retryAfter"))?;
    let seconds = field.as_f64()?;
    if seconds.is_sign_negative() {
        None
    } else {
        Duration::try_from_secs_f64(seconds).ok()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use reqwest::header::HeaderValue;

    fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (name, value) in pairs {
            map.insert(*name, HeaderValue::from_str(value).unwrap());
        }
        map
    }

    #[test]
    fn backoff_doubles_and_caps_without_jitter() {
        let policy = RetryPolicy {
            initial_backoff: Duration::from_millis(100),
            max_backoff: Duration::from_millis(450),
            jitter: false,
            ..RetryPolicy::default()
        };
        let waits: Vec<u128> = (0..4).map(|n| policy.backoff(n).as_millis()).collect();
        assert_eq!(waits, [100, 200, 400, 450]);
        assert_eq!(policy.backoff(u32::MAX), Duration::from_millis(450));
    }

    #[test]
    fn jitter_stays_below_the_bound() {
        let policy = RetryPolicy::default();
        for retry in 0..6 {
            let bound = Duration::from_millis(100 << retry).min(policy.max_backoff);
            assert!(policy.backoff(retry) <= bound);
        }
    }

    #[test]
    fn retry_after_reads_seconds_dates_and_milliseconds() {
        let now = SystemTime::UNIX_EPOCH + Duration::from_secs(784_111_777);
        assert_eq!(
            retry_after_header(&headers(&[("retry-after", " 3 ")]), now),
            Some(Duration::from_secs(3))
        );
        assert_eq!(
            retry_after_header(&headers(&[("retry-after", "0.5")]), now),
            Some(Duration::from_millis(500))
        );
        // RFC 9110 §5.6.7's example date is `now` + 0 s; one minute later is 60 s away.
        let date = [("retry-after", "Sun, 06 Nov 1994 08:50:37 GMT")];
        assert_eq!(
            retry_after_header(&headers(&date), now),
            Some(Duration::from_secs(60))
        );
        let past = now + Duration::from_secs(3600);
        assert_eq!(
            retry_after_header(&headers(&date), past),
            Some(Duration::ZERO)
        );
        let ms = [("retry-after-ms", "250"), ("retry-after", "9")];
        assert_eq!(
            retry_after_header(&headers(&ms), now),
            Some(Duration::from_millis(250))
        );
        assert_eq!(
            retry_after_header(&headers(&[("retry-after", "soon")]), now),
            None
        );
        assert_eq!(
            retry_after_header(&headers(&[("retry-after", "-1")]), now),
            None
        );
        assert_eq!(retry_after_header(&HeaderMap::new(), now), None);
    }

    #[test]
    fn retry_after_in_json_bodies() {
        assert_eq!(
            retry_after_body(br#"{"retry_after": 2}"#),
            Some(Duration::from_secs(2))
        );
        assert_eq!(
            retry_after_body(br#"{"retryAfter": 0.25}"#),
            Some(Duration::from_millis(250))
        );
        assert_eq!(retry_after_body(br#"{"error": {"retry_after": 2}}"#), None);
        assert_eq!(retry_after_body(br#"{"retry_after": "2"}"#), None);
        assert_eq!(retry_after_body(b"not json"), None);
    }

    #[test]
    fn which_statuses_retry() {
        for code in [429, 502, 503, 504] {
            assert!(
                retryable_status(StatusCode::from_u16(code).unwrap(), false),
                "{code}"
            );
        }
        assert!(retryable_status(StatusCode::INTERNAL_SERVER_ERROR, true));
        assert!(!retryable_status(StatusCode::INTERNAL_SERVER_ERROR, false));
        assert!(!retryable_status(StatusCode::NOT_FOUND, true));
        assert!(!retryable_status(StatusCode::NOT_IMPLEMENTED, true));
    }
}
