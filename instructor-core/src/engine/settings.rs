//! What a client does with every request: mode, retries, a default system prompt, hooks, limits.

use crate::engine::hooks::Hooks;
use crate::error::Error;
use crate::mode::Mode;

/// Settings shared by the blocking and the async client.
#[derive(Debug, Clone, Default)]
pub struct Settings {
    /// How the schema is sent and the reply read.
    pub mode: Mode,
    /// Re-asks after the first attempt: `max_retries(2)` means at most 3 requests in all.
    pub max_retries: u32,
    /// A system message put first in requests that have none.
    pub system_prompt: Option<String>,
    /// The model or deployment for requests that name none, over the transport's default.
    pub default_model: Option<String>,
    /// Observers.
    pub hooks: Hooks,
    /// Bounds on what one reply may hold.
    pub limits: Limits,
    /// Record prompts and replies on the tracing spans (`gen_ai.input.messages`,
    /// `gen_ai.output.messages`); off by default.
    pub trace_content: bool,
}

/// Bounds on what one streamed reply may hold, so that a runaway model or a hostile server cannot
/// grow a stream's memory without end. A reply past a limit ends the extraction with
/// [`Error::LimitExceeded`](crate::Error::LimitExceeded).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Bytes of content, tool-call arguments and refusal text one streamed reply may accumulate
    /// (default [`Limits::DEFAULT_MAX_STREAM_BYTES`], the transport's cap on one reply body).
    pub max_stream_bytes: usize,
    /// Tool calls one streamed reply may make (default [`Limits::DEFAULT_MAX_TOOL_CALLS`], the
    /// number of tools one request may offer).
    pub max_tool_calls: usize,
}

impl Limits {
    /// The text of one streamed reply went past `max_stream_bytes`.
    pub(crate) fn text_exceeded(&self) -> Error {
        Error::LimitExceeded {
            what: "the streamed reply's text".to_owned(),
            limit: format!("{} bytes", self.max_stream_bytes),
            raise: ".max_stream_bytes(..) on the client".to_owned(),
        }
    }

    /// One streamed reply made more than `max_tool_calls` tool calls.
    pub(crate) fn calls_exceeded(&self) -> Error {
        Error::LimitExceeded {
            what: "the number of tool calls in the streamed reply".to_owned(),
            limit: format!("{} calls", self.max_tool_calls),
            raise: ".max_tool_calls(..) on the client".to_owned(),
        }
    }

    /// 16 MiB.
    pub const DEFAULT_MAX_STREAM_BYTES: usize = 16 * 1024 * 1024;
    /// 128.
    pub const DEFAULT_MAX_TOOL_CALLS: usize = 128;
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            max_stream_bytes: Self::DEFAULT_MAX_STREAM_BYTES,
            max_tool_calls: Self::DEFAULT_MAX_TOOL_CALLS,
        }
    }
}

impl Settings {
    /// Attempts in all: the first and the re-asks.
    pub fn max_attempts(&self) -> u32 {
        self.max_retries.saturating_add(1)
    }
}
