//! Backoff with jitter and the server's retry-after headers.

use std::collections::hash_map::RandomState;
use std::hash::{BuildHasher, Hasher};
use std::time::{Duration, SystemTime};

use http::header::HeaderMap;

use crate::config::RetryPolicy;

/// True for statuses worth retrying: timeouts, conflicts (a lock held by a request still running),
/// rate limits and server errors, as the official SDKs retry them.
pub(crate) fn retryable_status(status: u16) -> bool {
    matches!(status, 408 | 409 | 429) || (500..600).contains(&status)
}

/// What the server asked to wait: `retry-after-ms`, `x-ms-retry-after-ms` (milliseconds), then
/// `retry-after` (seconds or an HTTP-date).
pub(crate) fn retry_after(headers: &HeaderMap) -> Option<Duration> {
    let text = |name: &str| {
        headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::trim)
    };
    for name in ["retry-after-ms", "x-ms-retry-after-ms"] {
        if let Some(ms) = text(name).and_then(|t| t.parse::<f64>().ok()) {
            if ms.is_finite() && ms >= 0.0 {
                return Some(Duration::from_secs_f64((ms / 1000.0).min(1e9)));
            }
        }
    }
    let value = text("retry-after")?;
    if let Ok(secs) = value.parse::<f64>() {
        return (secs.is_finite() && secs >= 0.0).then(|| Duration::from_secs_f64(secs.min(1e9)));
    }
    let when = httpdate::parse_http_date(value).ok()?;
    Some(
        when.duration_since(SystemTime::now())
            .unwrap_or(Duration::ZERO),
    )
}

/// A random fraction in [0, 1) without a random-number crate: the std hasher's random keys.
fn random_fraction() -> f64 {
    let mut h = RandomState::new().build_hasher();
    h.write_u128(
        SystemTime::now()
            .duration_since(SystemTime::UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .unwrap_or(0),
    );
    (h.finish() >> 11) as f64 / (1u64 << 53) as f64
}

/// Exponential backoff for retry number `retry` (0-based), capped, minus up to 25% jitter.
pub(crate) fn backoff(policy: &RetryPolicy, retry: u32) -> Duration {
    let factor = 2f64.powi(retry.min(30) as i32);
    let base =
        (policy.initial_backoff.as_secs_f64() * factor).min(policy.max_backoff.as_secs_f64());
    Duration::from_secs_f64(base * (1.0 - 0.25 * random_fraction()))
}

/// Tracks one call's retries against the policy.
#[derive(Debug)]
pub(crate) struct RetryState<'a> {
    policy: &'a RetryPolicy,
    retries: u32,
    waited: Duration,
}

impl<'a> RetryState<'a> {
    pub(crate) fn new(policy: &'a RetryPolicy) -> Self {
        RetryState {
            policy,
            retries: 0,
            waited: Duration::ZERO,
        }
    }

    /// The wait before the next retry, or `None` when the policy says stop. A server's wait
    /// longer than `max_wait` is replaced by the backoff (as openai-python does), not obeyed and
    /// not a reason to stop.
    pub(crate) fn next_wait(&mut self, server_asked: Option<Duration>) -> Option<Duration> {
        if self.retries >= self.policy.max_retries {
            return None;
        }
        let wait = server_asked
            .filter(|w| *w <= self.policy.max_wait)
            .unwrap_or_else(|| backoff(self.policy, self.retries));
        if self.waited + wait > self.policy.budget {
            return None;
        }
        self.retries += 1;
        self.waited += wait;
        Some(wait)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use http::header::HeaderValue;

    #[test]
    fn headers() {
        let mut h = HeaderMap::new();
        h.insert("retry-after", HeaderValue::from_static("3"));
        assert_eq!(retry_after(&h), Some(Duration::from_secs(3)));
        h.insert("retry-after-ms", HeaderValue::from_static("250"));
        assert_eq!(retry_after(&h), Some(Duration::from_millis(250)));
        let mut h = HeaderMap::new();
        let later = SystemTime::now() + Duration::from_secs(30);
        h.insert(
            "retry-after",
            HeaderValue::from_str(&httpdate::fmt_http_date(later)).unwrap(),
        );
        let d = retry_after(&h).unwrap();
        assert!(
            d > Duration::from_secs(27) && d <= Duration::from_secs(30),
            "{d:?}"
        );
        for junk in ["-1", "soon", "NaN", "inf"] {
            let mut h = HeaderMap::new();
            h.insert("retry-after", HeaderValue::from_static(junk));
            assert_eq!(retry_after(&h), None, "{junk}");
        }
    }

    #[test]
    fn budget_and_cap() {
        let p = RetryPolicy {
            max_retries: 10,
            budget: Duration::from_secs(3),
            max_wait: Duration::from_secs(2),
            ..RetryPolicy::default()
        };
        let mut s = RetryState::new(&p);
        assert_eq!(
            s.next_wait(Some(Duration::from_secs(2))),
            Some(Duration::from_secs(2))
        );
        assert_eq!(
            s.next_wait(Some(Duration::from_secs(1))),
            Some(Duration::from_secs(1))
        );
        assert_eq!(s.next_wait(Some(Duration::from_millis(1))), None);
        // Over the cap: the backoff instead (500 ms less jitter), still within the budget.
        let mut s = RetryState::new(&p);
        let wait = s.next_wait(Some(Duration::from_secs(86_400))).unwrap();
        assert!(
            wait <= p.initial_backoff && wait >= p.initial_backoff.mul_f64(0.74),
            "{wait:?}"
        );
        for n in 0..40 {
            let b = backoff(&p, n);
            assert!(
                b <= p.max_backoff && b >= p.initial_backoff.mul_f64(0.74),
                "{b:?}"
            );
        }
    }
}
