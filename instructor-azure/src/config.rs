//! Timeouts, retries and limits shared by every client.

use std::time::Duration;

/// How transient failures (HTTP 408, 409, 429, 5xx, refused connections, a connection that closed
/// before the reply) are retried.
///
/// A wait is the server's `retry-after-ms` / `retry-after` when it sends one no longer than
/// `max_wait`, otherwise exponential backoff (`initial_backoff * 2^n`, capped at `max_backoff`)
/// with up to 25% random jitter: a server asking for a day is not waited for, and is retried on
/// the backoff as the official SDKs do. No retry happens when the sum of waits for one call would
/// exceed `budget`, or when the wait would end past the call's total deadline.
///
/// ```
/// use std::time::Duration;
/// use instructor_azure::RetryPolicy;
/// let policy = RetryPolicy { max_retries: 5, budget: Duration::from_secs(30), ..RetryPolicy::default() };
/// assert_eq!(policy.max_wait, Duration::from_secs(60));
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Retries after the first attempt (default 2; 0 disables retries).
    pub max_retries: u32,
    /// First backoff when the server gives no retry-after (default 500 ms).
    pub initial_backoff: Duration,
    /// Largest computed backoff (default 8 s).
    pub max_backoff: Duration,
    /// Longest server retry-after obeyed; a longer one is replaced by the backoff (default 60 s).
    pub max_wait: Duration,
    /// Total waiting allowed for one call (default 120 s).
    pub budget: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            max_retries: 2,
            initial_backoff: Duration::from_millis(500),
            max_backoff: Duration::from_secs(8),
            max_wait: Duration::from_secs(60),
            budget: Duration::from_secs(120),
        }
    }
}

impl RetryPolicy {
    /// No retries at all.
    pub fn none() -> Self {
        RetryPolicy {
            max_retries: 0,
            ..RetryPolicy::default()
        }
    }
}

/// Connection settings shared by every client.
#[derive(Debug, Clone)]
pub(crate) struct HttpConfig {
    pub connect_timeout: Duration,
    pub read_timeout: Duration,
    pub total_timeout: Duration,
    pub retry: RetryPolicy,
    pub max_response_bytes: usize,
}

/// Default connect timeout.
pub const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
/// Default read timeout: the longest wait for the reply's headers or for the next bytes of its body.
pub const DEFAULT_READ_TIMEOUT: Duration = Duration::from_secs(300);
/// Default total deadline of one call or stream: connecting, retries, token fetches and every read.
pub const DEFAULT_TOTAL_TIMEOUT: Duration = Duration::from_secs(600);
/// Default cap on a reply body (and on one stream event).
pub const DEFAULT_MAX_RESPONSE_BYTES: usize = 16 * 1024 * 1024;

impl Default for HttpConfig {
    fn default() -> Self {
        HttpConfig {
            connect_timeout: DEFAULT_CONNECT_TIMEOUT,
            read_timeout: DEFAULT_READ_TIMEOUT,
            total_timeout: DEFAULT_TOTAL_TIMEOUT,
            retry: RetryPolicy::default(),
            max_response_bytes: DEFAULT_MAX_RESPONSE_BYTES,
        }
    }
}
