//! How the model is asked for JSON, and where the JSON is read from.

use crate::capability::Feature;

/// How the type's schema is put into the request and where the reply's JSON is read from.
///
/// | Mode | request | JSON comes from |
/// |---|---|---|
/// | `Tools` | one tool, `tool_choice` naming it | the tool call's arguments |
/// | `ToolsStrict` | as `Tools`, with `strict: true` and the strict schema | the same |
/// | `ParallelTools` | one tool per variant of an enum, `tool_choice: "auto"` | every tool call |
/// | `Functions` | legacy `functions` + `function_call` | `function_call.arguments` |
/// | `Json` | `response_format: json_object` + the schema in the system message | the content |
/// | `JsonSchema` | `response_format: json_schema` with the strict schema | the content |
/// | `MdJson` | the schema in the system message, asking for a fenced block | the ```` ```json ```` fence |
/// | `JsonO1` | no system message, no tools; the schema goes into the user message | the content |
/// | `ResponsesTools` | Responses API: one strict function tool, forced with `tool_choice` | the `function_call` item's `arguments` |
/// | `ResponsesJsonSchema` | Responses API: `text.format` of type `json_schema`, strict | the message item's `output_text` |
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
#[non_exhaustive]
pub enum Mode {
    /// Function calling with one tool named after the type (the default).
    #[default]
    Tools,
    /// Function calling with `strict: true`: the service guarantees the schema.
    ToolsStrict,
    /// Several tool calls in one reply, one tool per variant of an enum.
    ParallelTools,
    /// Legacy `functions` / `function_call`.
    Functions,
    /// JSON mode (`json_object`) with the schema in the instructions.
    Json,
    /// Structured outputs (`json_schema`, strict).
    JsonSchema,
    /// Plain text asking for a fenced JSON block; works with any chat model.
    MdJson,
    /// For o1-style models: no system message, no tools, no streaming.
    JsonO1,
    /// The Responses API (`/responses`): a strict function tool named after the type, forced
    /// with `tool_choice`; the value is the `function_call` output item's arguments.
    ResponsesTools,
    /// The Responses API (`/responses`): structured outputs through `text.format`
    /// (`json_schema`, strict); the value is the message output item's text.
    ResponsesJsonSchema,
}

/// The API surface a mode speaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Api {
    /// `/chat/completions`.
    ChatCompletions,
    /// `/responses`.
    Responses,
}

impl Mode {
    /// Every mode, in the order of the table above.
    pub const ALL: [Mode; 10] = [
        Mode::Tools,
        Mode::ToolsStrict,
        Mode::ParallelTools,
        Mode::Functions,
        Mode::Json,
        Mode::JsonSchema,
        Mode::MdJson,
        Mode::JsonO1,
        Mode::ResponsesTools,
        Mode::ResponsesJsonSchema,
    ];

    /// The API surface the mode speaks.
    pub fn api(self) -> Api {
        match self {
            Mode::ResponsesTools | Mode::ResponsesJsonSchema => Api::Responses,
            _ => Api::ChatCompletions,
        }
    }

    /// The request features this mode needs from the service.
    pub fn required_features(self) -> &'static [Feature] {
        match self {
            Mode::Tools | Mode::ParallelTools => &[Feature::Tools],
            Mode::ToolsStrict => &[Feature::Tools, Feature::StrictTools],
            Mode::Functions => &[Feature::Functions],
            Mode::Json => &[Feature::JsonObject],
            Mode::JsonSchema => &[Feature::JsonSchema],
            Mode::MdJson | Mode::JsonO1 => &[],
            Mode::ResponsesTools | Mode::ResponsesJsonSchema => &[Feature::Responses],
        }
    }

    /// True when the JSON arrives as tool-call arguments.
    pub fn uses_tools(self) -> bool {
        matches!(
            self,
            Mode::Tools | Mode::ToolsStrict | Mode::ParallelTools | Mode::ResponsesTools
        )
    }

    /// True when the reply is checked against the strict schema.
    pub fn is_strict(self) -> bool {
        matches!(
            self,
            Mode::ToolsStrict | Mode::JsonSchema | Mode::ResponsesTools | Mode::ResponsesJsonSchema
        )
    }

    /// The name as written in Rust, for messages.
    pub fn name(self) -> &'static str {
        match self {
            Mode::Tools => "Mode::Tools",
            Mode::ToolsStrict => "Mode::ToolsStrict",
            Mode::ParallelTools => "Mode::ParallelTools",
            Mode::Functions => "Mode::Functions",
            Mode::Json => "Mode::Json",
            Mode::JsonSchema => "Mode::JsonSchema",
            Mode::MdJson => "Mode::MdJson",
            Mode::JsonO1 => "Mode::JsonO1",
            Mode::ResponsesTools => "Mode::ResponsesTools",
            Mode::ResponsesJsonSchema => "Mode::ResponsesJsonSchema",
        }
    }
}

impl std::fmt::Display for Mode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.pad(self.name())
    }
}
