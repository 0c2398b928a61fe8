//! What a service or api-version can take: the request features a mode or request needs, and
//! whether the service accepts each.

/// A request-body capability that a service or api-version may lack.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Feature {
    /// `tools` and a named `tool_choice`.
    Tools,
    /// `tool_choice: "required"`.
    ToolChoiceRequired,
    /// `tools[].function.strict`.
    StrictTools,
    /// `parallel_tool_calls`.
    ParallelToolCalls,
    /// Legacy `functions` / `function_call`.
    Functions,
    /// `response_format: {type: json_object}`.
    JsonObject,
    /// `response_format: {type: json_schema}`.
    JsonSchema,
    /// `stream_options: {include_usage}`.
    StreamUsage,
    /// `max_completion_tokens`.
    MaxCompletionTokens,
    /// `seed`.
    Seed,
    /// The `developer` role.
    DeveloperRole,
    /// The Responses API (`/responses`).
    Responses,
    /// `reasoning_effort` (reasoning models).
    ReasoningEffort,
    /// `image_url` parts in a user message.
    ImageInput,
    /// `input_audio` parts in a user message.
    AudioInput,
    /// `file` parts (PDF documents) in a user message.
    FileInput,
}

impl Feature {
    /// How the feature appears in a request body, for error messages.
    pub fn describe(self) -> &'static str {
        match self {
            Feature::Tools => "`tools`",
            Feature::ToolChoiceRequired => "`tool_choice: \"required\"`",
            Feature::StrictTools => "strict tools (`tools[].function.strict`)",
            Feature::ParallelToolCalls => "`parallel_tool_calls`",
            Feature::Functions => "legacy `functions`",
            Feature::JsonObject => "`response_format: json_object`",
            Feature::JsonSchema => "`response_format: json_schema` (structured outputs)",
            Feature::StreamUsage => "`stream_options.include_usage`",
            Feature::MaxCompletionTokens => "`max_completion_tokens`",
            Feature::Seed => "`seed`",
            Feature::DeveloperRole => "the `developer` role",
            Feature::Responses => "the Responses API (`/responses`)",
            Feature::ReasoningEffort => "`reasoning_effort`",
            Feature::ImageInput => "image parts (`image_url`)",
            Feature::AudioInput => "audio parts (`input_audio`)",
            Feature::FileInput => "file parts (`file`, PDF documents)",
        }
    }
}

/// Whether a transport's service accepts a [`Feature`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Support {
    /// Accepted.
    Yes,
    /// Not accepted by the configured api-version; `since` names the first one that has it.
    No {
        /// Service and api-version, as `Azure OpenAI api-version 2024-06-01`.
        by: String,
        /// The first api-version that accepts it, if one does.
        since: Option<String>,
    },
}
