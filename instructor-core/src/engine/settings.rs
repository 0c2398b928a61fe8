//! What a client does with every request: mode, retries, a default system prompt, hooks.

use crate::engine::hooks::Hooks;
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
}

impl Settings {
    /// Attempts in all: the first and the re-asks.
    pub fn max_attempts(&self) -> u32 {
        self.max_retries.saturating_add(1)
    }
}
