//! The one error type of the SDK.

use std::time::Duration;

use serde_json::Value;

use crate::completion::{ChatCompletion, Usage};
use crate::content_filter::Categories;
use crate::validation::ValidationErrors;

/// Everything that can go wrong, each with what to do about it.
///
/// Secrets (API keys, tokens) never appear in any variant.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The service rejected the credentials (HTTP 401 or 403).
    #[error("authentication failed (HTTP {status}): {message}. Check the endpoint and the API key or token, and for Entra ID the role \"Cognitive Services OpenAI User\" and the scope https://cognitiveservices.azure.com/.default")]
    Authentication {
        /// HTTP status.
        status: u16,
        /// The server's message.
        message: String,
    },

    /// The deployment named in the request does not exist on this endpoint.
    #[error("deployment `{deployment}` was not found at {endpoint}: {message}. Check the deployment name in the Azure portal (it is not always the model name); a deployment made in the last 5 minutes may not be ready yet")]
    DeploymentNotFound {
        /// The deployment asked for.
        deployment: String,
        /// The endpoint asked.
        endpoint: String,
        /// The server's message.
        message: String,
    },

    /// Azure's content filter blocked the prompt or the completion.
    #[error("the {origin} was blocked by the content filter (categories: {}): {message}. Rephrase the input or review the deployment's content filter policy", .categories.join(", "))]
    ContentFilter {
        /// `prompt` or `completion`.
        origin: FilterOrigin,
        /// The categories that were filtered (`hate`, `violence`, `jailbreak`, …).
        categories: Vec<String>,
        /// The server's message.
        message: String,
    },

    /// Too many requests, even after the transport's own retries.
    #[error("rate limited (HTTP 429){}: {message}. Slow down, raise the deployment's quota, or raise the retry budget", .retry_after.map(|d| format!(", retry after {:.1}s", d.as_secs_f64())).unwrap_or_default())]
    RateLimited {
        /// What the server asked to wait, if it said.
        retry_after: Option<Duration>,
        /// The server's message.
        message: String,
    },

    /// Any other error the service answered with.
    #[error("the service answered HTTP {status}{}: {message}", .code.as_ref().map(|c| format!(" ({c})")).unwrap_or_default())]
    Api {
        /// HTTP status.
        status: u16,
        /// The error code the server sent, if any.
        code: Option<String>,
        /// The server's message, or an excerpt of a body that was not JSON.
        message: String,
        /// Azure's `apim-request-id` or `x-request-id`, for support tickets.
        request_id: Option<String>,
    },

    /// No answer in time.
    #[error("timed out after {:.1}s while {phase}. Raise the timeout, or check that the endpoint is reachable", .after.as_secs_f64())]
    Timeout {
        /// Connecting, waiting for the reply, or reading the stream.
        phase: String,
        /// The limit that ran out.
        after: Duration,
    },

    /// The connection failed or broke.
    #[error("transport error: {message}. Check the endpoint URL and the network")]
    Transport {
        /// What failed.
        message: String,
        /// The underlying error.
        #[source]
        source: Option<Box<dyn std::error::Error + Send + Sync>>,
    },

    /// The stream ended before the service said it was done.
    #[error("the stream ended early: {message}. The value would be incomplete; retry the request")]
    StreamInterrupted {
        /// What happened.
        message: String,
    },

    /// The reply was cut at the token limit.
    #[error("the reply was cut at the token limit (finish_reason `length`). Raise max_tokens / max_completion_tokens or ask for less")]
    Truncated,

    /// The model declined to answer.
    #[error("the model refused: {0}")]
    Refusal(String),

    /// The reply could not be read as the mode's answer, or not as the target type.
    #[error("could not read the model's reply: {message}")]
    Parse {
        /// What was wrong.
        message: String,
    },

    /// The value was parsed but did not pass validation.
    #[error("the value failed validation: {0}")]
    Validation(ValidationErrors),

    /// Every attempt failed.
    #[error("{} attempt(s) failed; the last: {}. Raise max_retries, simplify the type, or use a stronger model", .0.attempts, .0.errors.last().map(|e| e.to_string().trim_end_matches('.').to_owned()).unwrap_or_default())]
    RetriesExhausted(Box<RetriesExhausted>),

    /// The request or client is configured wrongly or asks for what the service cannot do.
    #[error("configuration error: {0}")]
    Configuration(String),

    /// A reply went past one of the limits that keep a call bounded.
    #[error("{what} went past its limit of {limit}. If such replies are expected, raise it with {raise}")]
    LimitExceeded {
        /// What grew too large, as `the streamed reply's text`.
        what: String,
        /// The limit, with its unit.
        limit: String,
        /// The setting that raises it, as `.max_stream_bytes(..) on the client`.
        raise: String,
    },

    /// A request of a batch that never ran: its batch `failed` validation, `expired` before
    /// reaching it, or was `cancelled`.
    #[error("the request was not run: batch {batch} ended `{status}`: {message}. Submit it again in a new batch")]
    BatchNotRun {
        /// The batch it was in.
        batch: String,
        /// How the batch ended (`failed`, `expired`, `cancelled`), or the code the service gave
        /// the request (`batch_expired`, …).
        status: String,
        /// What the service said, if anything.
        message: String,
    },

    /// The mode or a request field is not available with this service or api-version.
    #[error("{what} is not supported by {by}{}{}", .since.as_ref().map(|v| format!("; it needs api-version {v} or later")).unwrap_or_default(), .suggestion.as_ref().map(|s| format!("; {s}")).unwrap_or_default())]
    Unsupported {
        /// What was asked for.
        what: String,
        /// The service and api-version.
        by: String,
        /// The first api-version that has it, if any.
        since: Option<String>,
        /// What would work instead.
        suggestion: Option<String>,
    },
}

/// Where the content filter struck.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FilterOrigin {
    /// The input.
    Prompt,
    /// The model's output.
    Completion,
}

impl std::fmt::Display for FilterOrigin {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            FilterOrigin::Prompt => "prompt",
            FilterOrigin::Completion => "completion",
        })
    }
}

/// What every attempt of an extraction did, when none succeeded.
#[derive(Debug)]
pub struct RetriesExhausted {
    /// How many requests were sent.
    pub attempts: u32,
    /// The error of each attempt, in order.
    pub errors: Vec<Error>,
    /// The last completion received, if any.
    pub last_completion: Option<ChatCompletion>,
    /// Tokens summed over all attempts.
    pub usage: Usage,
}

impl Error {
    /// A stable snake_case name for the variant (`validation`, `retries_exhausted`,
    /// `content_filter`, …), for logs, metrics and UIs that must tell errors apart without
    /// matching on Rust types.
    ///
    /// ```
    /// assert_eq!(instructor_core::Error::Truncated.kind(), "truncated");
    /// ```
    pub fn kind(&self) -> &'static str {
        match self {
            Error::Authentication { .. } => "authentication",
            Error::DeploymentNotFound { .. } => "deployment_not_found",
            Error::ContentFilter { .. } => "content_filter",
            Error::RateLimited { .. } => "rate_limited",
            Error::Api { .. } => "api",
            Error::Timeout { .. } => "timeout",
            Error::Transport { .. } => "transport",
            Error::StreamInterrupted { .. } => "stream_interrupted",
            Error::Truncated => "truncated",
            Error::Refusal(_) => "refusal",
            Error::Parse { .. } => "parse",
            Error::Validation(_) => "validation",
            Error::RetriesExhausted(_) => "retries_exhausted",
            Error::Configuration(_) => "configuration",
            Error::LimitExceeded { .. } => "limit_exceeded",
            Error::BatchNotRun { .. } => "batch_not_run",
            Error::Unsupported { .. } => "unsupported",
        }
    }

    /// True for errors a retry of the same request may cure (rate limits, 5xx, timeouts, broken connections).
    pub fn is_transient(&self) -> bool {
        match self {
            Error::RateLimited { .. }
            | Error::Timeout { .. }
            | Error::Transport { .. }
            | Error::StreamInterrupted { .. } => true,
            Error::Api { status, .. } => *status >= 500,
            _ => false,
        }
    }

    /// True for errors the model can fix when told about them (bad JSON, schema or validation failures).
    pub fn is_reaskable(&self) -> bool {
        matches!(self, Error::Parse { .. } | Error::Validation(_))
    }

    /// A transport error with a source.
    pub fn transport(
        message: impl Into<String>,
        source: impl std::error::Error + Send + Sync + 'static,
    ) -> Self {
        Error::Transport {
            message: message.into(),
            source: Some(Box::new(source)),
        }
    }

    /// A parse error.
    pub fn parse(message: impl Into<String>) -> Self {
        Error::Parse {
            message: message.into(),
        }
    }

    /// The [`Error::ContentFilter`] that an Azure error object with code `content_filter` stands
    /// for, whether it came as an HTTP error body or as a stream event (`error` is the object
    /// inside `{"error": ..}`).
    ///
    /// The live service puts the verdicts under `innererror.content_filter_result`, the spec under
    /// `inner_error.content_filter_results`: every spelling is read. The origin is the prompt
    /// when `param` is `"prompt"` or the message speaks of the prompt.
    ///
    /// ```
    /// use instructor_core::{Error, FilterOrigin};
    /// use serde_json::json;
    /// let body = json!({"code": "content_filter", "param": "prompt", "message": "filtered",
    ///     "innererror": {"content_filter_result": {"hate": {"filtered": true}}}});
    /// let e = Error::content_filter_from(&body, "filtered");
    /// assert!(matches!(e, Error::ContentFilter { origin: FilterOrigin::Prompt, ref categories, .. }
    ///     if categories == &["hate"]));
    /// ```
    pub fn content_filter_from(error: &Value, message: impl Into<String>) -> Self {
        let message = message.into();
        let mut categories = Categories::default();
        for inner in ["innererror", "inner_error"]
            .iter()
            .filter_map(|k| error.get(*k))
        {
            for key in ["content_filter_result", "content_filter_results"] {
                if let Some(results) = inner.get(key) {
                    categories.add(results);
                }
            }
        }
        let mut categories = categories.into_vec();
        if categories.is_empty() {
            categories.push("unspecified".to_owned());
        }
        let origin = if error.get("param").and_then(Value::as_str) == Some("prompt")
            || message.to_ascii_lowercase().contains("prompt")
        {
            FilterOrigin::Prompt
        } else {
            FilterOrigin::Completion
        };
        Error::ContentFilter {
            origin,
            categories,
            message,
        }
    }
}

/// The first `max` characters of `text`, marked with `…` when cut: how replies and bodies are
/// quoted in error messages.
///
/// ```
/// assert_eq!(instructor_core::error::excerpt("ééé", 2), "éé…");
/// assert_eq!(instructor_core::error::excerpt("ab", 2), "ab");
/// ```
pub fn excerpt(text: &str, max: usize) -> String {
    match text.char_indices().nth(max) {
        Some((cut, _)) => format!("{}…", text.get(..cut).unwrap_or_default()),
        None => text.to_owned(),
    }
}

/// `Result` with this crate's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exhaustion_reads_as_one_sentence() {
        let e = Error::RetriesExhausted(Box::new(RetriesExhausted {
            attempts: 2,
            errors: vec![Error::parse("the text was: Jason is 25.")],
            last_completion: None,
            usage: Usage::default(),
        }));
        assert_eq!(
            e.to_string(),
            "2 attempt(s) failed; the last: could not read the model's reply: the text was: \
             Jason is 25. Raise max_retries, simplify the type, or use a stronger model"
        );
    }
}
