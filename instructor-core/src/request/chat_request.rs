//! What a user asks for: messages, a model and sampling settings.

use serde_json::{Map, Value};

use crate::message::{ContentPart, Message};

/// A chat request before the mode adds its schema.
///
/// ```
/// use instructor_core::Request;
/// let request = Request::new("gpt-4o-mini")
///     .system("You extract people.")
///     .user("John is 30 years old")
///     .temperature(0.0);
/// assert_eq!(request.messages.len(), 2);
/// ```
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Request {
    /// The model, or on Azure the deployment name; `None` uses the client's default deployment.
    pub model: Option<String>,
    /// The conversation so far.
    pub messages: Vec<Message>,
    /// Sampling temperature.
    pub temperature: Option<f64>,
    /// Nucleus sampling.
    pub top_p: Option<f64>,
    /// Token limit of the reply (older models and api-versions).
    pub max_tokens: Option<u32>,
    /// Token limit of the reply including reasoning (newer models, api-version 2024-09-01-preview and later).
    pub max_completion_tokens: Option<u32>,
    /// Seed for best-effort determinism.
    pub seed: Option<i64>,
    /// Stop sequences.
    pub stop: Vec<String>,
    /// An end-user id for abuse monitoring.
    pub user: Option<String>,
    /// How hard a reasoning model thinks before it answers (`reasoning_effort` on chat
    /// completions, `reasoning.effort` on the Responses API). Reasoning models take no
    /// `temperature` or `top_p`: a request with both is refused before sending.
    pub reasoning_effort: Option<ReasoningEffort>,
    /// Keep the response on the service (`store`). On the Responses API a re-ask then chains
    /// from the stored response (`previous_response_id`) instead of resending the conversation.
    pub store: Option<bool>,
    /// Any other body field, sent as is.
    pub extra: Map<String, Value>,
}

impl Request {
    /// A request for `model` (on Azure: the deployment name).
    pub fn new(model: impl Into<String>) -> Self {
        Self {
            model: Some(model.into()),
            ..Self::default()
        }
    }

    /// A request for the client's default deployment.
    pub fn for_default_deployment() -> Self {
        Self::default()
    }

    /// Adds a message.
    pub fn message(mut self, message: Message) -> Self {
        self.messages.push(message);
        self
    }

    /// Adds a system message.
    pub fn system(self, text: impl Into<String>) -> Self {
        self.message(Message::system(text))
    }

    /// Adds a developer message.
    pub fn developer(self, text: impl Into<String>) -> Self {
        self.message(Message::developer(text))
    }

    /// Adds a user message.
    pub fn user(self, text: impl Into<String>) -> Self {
        self.message(Message::user(text))
    }

    /// Adds a user message with text and image parts.
    pub fn user_parts(self, parts: Vec<ContentPart>) -> Self {
        self.message(Message::user_parts(parts))
    }

    /// Adds an assistant message.
    pub fn assistant(self, text: impl Into<String>) -> Self {
        self.message(Message::assistant(text))
    }

    /// Adds a tool message answering `tool_call_id`.
    pub fn tool(self, tool_call_id: impl Into<String>, text: impl Into<String>) -> Self {
        self.message(Message::tool(tool_call_id, text))
    }

    /// Sets the model or deployment.
    pub fn model(mut self, model: impl Into<String>) -> Self {
        self.model = Some(model.into());
        self
    }

    /// Sets the temperature.
    pub fn temperature(mut self, t: f64) -> Self {
        self.temperature = Some(t);
        self
    }

    /// Sets top_p.
    pub fn top_p(mut self, p: f64) -> Self {
        self.top_p = Some(p);
        self
    }

    /// Sets max_tokens.
    pub fn max_tokens(mut self, n: u32) -> Self {
        self.max_tokens = Some(n);
        self
    }

    /// Sets max_completion_tokens.
    pub fn max_completion_tokens(mut self, n: u32) -> Self {
        self.max_completion_tokens = Some(n);
        self
    }

    /// Sets the seed.
    pub fn seed(mut self, seed: i64) -> Self {
        self.seed = Some(seed);
        self
    }

    /// Adds a stop sequence.
    pub fn stop(mut self, s: impl Into<String>) -> Self {
        self.stop.push(s.into());
        self
    }

    /// Sets the end-user id.
    pub fn end_user(mut self, user: impl Into<String>) -> Self {
        self.user = Some(user.into());
        self
    }

    /// Sets the reasoning effort (reasoning models).
    pub fn reasoning_effort(mut self, effort: ReasoningEffort) -> Self {
        self.reasoning_effort = Some(effort);
        self
    }

    /// Asks the service to store the response (see [`Request::store`]).
    pub fn store(mut self, store: bool) -> Self {
        self.store = Some(store);
        self
    }

    /// Sets any other body field.
    pub fn extra(mut self, key: impl Into<String>, value: Value) -> Self {
        self.extra.insert(key.into(), value);
        self
    }
}

/// How much a reasoning model reasons before it answers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ReasoningEffort {
    /// As little as the model allows.
    Minimal,
    /// Little.
    Low,
    /// The models' default.
    Medium,
    /// As much as it takes.
    High,
}

impl ReasoningEffort {
    /// The value as sent: `minimal`, `low`, `medium` or `high`.
    pub fn as_str(self) -> &'static str {
        match self {
            ReasoningEffort::Minimal => "minimal",
            ReasoningEffort::Low => "low",
            ReasoningEffort::Medium => "medium",
            ReasoningEffort::High => "high",
        }
    }
}
