//! What each Azure OpenAI api-version accepts, and the check of a request body against it.
//!
//! The table follows the published `inference.json` specs (2024-02-01, 2024-05-01-preview, 2024-06-01,
//! 2024-10-21) and Microsoft's api-version history for the previews in between: 2024-08-01-preview added
//! structured outputs (`response_format: json_schema`, `strict`), 2024-09-01-preview added
//! `max_completion_tokens`, `parallel_tool_calls` and `stream_options`, 2024-12-01-preview added the
//! `developer` role, `reasoning_effort`, `store` and `metadata`, 2025-01-01-preview `audio`,
//! `modalities`, `prediction` and `input_audio` parts. Image parts are in every saved spec
//! (2023-12-01-preview brought them); `file` parts (PDFs) are in none, so only `v1` and
//! `preview` take them here. The GA 2024-10-21 lacks
//! `stream_options`, and GA versions lack the preview-only fields after them. `v1` and `preview`
//! accept everything. An unknown dated version is judged by its date: later has what earlier had.

use std::fmt;

use instructor_core::{
    BodyValue, Content, ContentPart, Error, Feature, Message, RequestBody, Result, Support,
};
use serde_json::Value;

/// A configured Azure OpenAI api-version.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiVersion {
    raw: String,
    kind: Kind,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    /// `YYYY-MM-DD` or `YYYY-MM-DD-preview`.
    Dated { date: (u16, u8, u8), preview: bool },
    /// `v1` or `preview`: the `/openai/v1/` surface.
    V1 { preview: bool },
}

const GA_2024_10_21: (u16, u8, u8) = (2024, 10, 21);

impl ApiVersion {
    /// Parses `2024-10-21`, `2024-08-01-preview`, `v1` or `preview`.
    ///
    /// ```
    /// use instructor_azure::ApiVersion;
    /// assert!(ApiVersion::parse("2024-10-21").is_ok());
    /// assert!(ApiVersion::parse("v1").unwrap().is_v1());
    /// assert!(ApiVersion::parse("yesterday").is_err());
    /// ```
    pub fn parse(raw: &str) -> Result<Self> {
        let raw = raw.trim();
        let kind = match raw {
            "v1" => Kind::V1 { preview: false },
            "preview" => Kind::V1 { preview: true },
            _ => {
                let (date, preview) = match raw.strip_suffix("-preview") {
                    Some(d) => (d, true),
                    None => (raw, false),
                };
                let date = parse_date(date).ok_or_else(|| {
                    Error::Configuration(format!(
                        "api-version `{raw}` is not `YYYY-MM-DD`, `YYYY-MM-DD-preview`, `v1` or `preview`; \
                         e.g. set OPENAI_API_VERSION=2024-10-21"
                    ))
                })?;
                Kind::Dated { date, preview }
            }
        };
        Ok(ApiVersion {
            raw: raw.to_string(),
            kind,
        })
    }

    /// The api-version as configured.
    pub fn as_str(&self) -> &str {
        &self.raw
    }

    /// True for `v1` and `preview`, which use the `/openai/v1/` URL form with the model in the body.
    pub fn is_v1(&self) -> bool {
        matches!(self.kind, Kind::V1 { .. })
    }

    fn by(&self) -> String {
        format!("Azure OpenAI api-version {}", self.raw)
    }

    /// Whether this api-version accepts `feature`, and if not, the first one that does.
    ///
    /// ```
    /// use instructor_azure::ApiVersion;
    /// use instructor_core::{Feature, Support};
    /// let ga = ApiVersion::parse("2024-06-01").unwrap();
    /// assert_eq!(
    ///     ga.supports(Feature::JsonSchema),
    ///     Support::No { by: "Azure OpenAI api-version 2024-06-01".into(), since: Some("2024-08-01-preview".into()) }
    /// );
    /// ```
    pub fn supports(&self, feature: Feature) -> Support {
        if feature == Feature::FileInput && !self.is_v1() {
            return Support::No {
                by: self.by(),
                since: None,
            };
        }
        let since = since_of_feature(feature);
        if self.has(since) {
            Support::Yes
        } else {
            Support::No {
                by: self.by(),
                since: Some(since.version.to_string()),
            }
        }
    }

    /// True when this version accepts what first appeared in `since`.
    fn has(&self, since: Since) -> bool {
        let (date, preview) = match self.kind {
            Kind::V1 { .. } => return true,
            Kind::Dated { date, preview } => (date, preview),
        };
        let since_date = since.date;
        // The published exception to "later has what earlier had": GA 2024-10-21 has no stream_options.
        if !preview && date == GA_2024_10_21 && !since.in_ga_2024_10_21 {
            return false;
        }
        date >= since_date
    }

    /// Checks a request body before it is sent: every field and value this api-version does not
    /// accept is refused with [`Error::Unsupported`] naming the first api-version that has it.
    /// Fields this table does not know are passed through untouched.
    ///
    /// ```
    /// use instructor_azure::ApiVersion;
    /// use serde_json::json;
    /// let ga = ApiVersion::parse("2024-10-21").unwrap();
    /// let body = json!({"messages": [], "stream": true, "stream_options": {"include_usage": true}});
    /// let err = ga.check_body(&body).unwrap_err().to_string();
    /// assert!(err.contains("2024-09-01-preview"), "{err}");
    /// ```
    pub fn check_body(&self, body: &Value) -> Result<()> {
        let Some(obj) = body.as_object() else {
            return Err(Error::Configuration(
                "the request body must be a JSON object".into(),
            ));
        };
        self.check_fields(obj.iter().map(|(k, v)| (k.as_str(), BodyValue::Json(v))))
    }

    /// [`check_body`](Self::check_body) for a body the engine built, without turning it into
    /// a JSON tree (the schema-bearing field is parsed only for an api-version that may lack it).
    pub fn check_request(&self, body: &RequestBody) -> Result<()> {
        self.check_fields(body.fields())
    }

    fn check_fields<'a>(
        &self,
        fields: impl Iterator<Item = (&'a str, BodyValue<'a>)>,
    ) -> Result<()> {
        if self.is_v1() {
            return Ok(());
        }
        // The body's few fields are looked up in the table, not the table's many in the body.
        for (field, value) in fields {
            if field == "messages" {
                if !self.has(DEVELOPER) && has_developer_message(value) {
                    return Err(self.unsupported("the `developer` role".to_string(), DEVELOPER));
                }
                self.check_parts(value)?;
                continue;
            }
            let Some(since) = field_since(field) else {
                continue;
            };
            if !self.has(since) {
                return Err(self.unsupported(format!("the request field `{field}`"), since));
            }
            match field {
                // A version with structured outputs has every response format and strict tools.
                "response_format" if !self.has(JSON_SCHEMA) => {
                    self.check_response_format(&value.to_value())?
                }
                "tools" if !self.has(JSON_SCHEMA) => self.check_tools(&value.to_value())?,
                "tool_choice" if !self.has(TOOL_CHOICE_REQUIRED) => {
                    self.check_tool_choice(&value.to_value())?
                }
                _ => {}
            }
        }
        Ok(())
    }

    fn check_response_format(&self, format: &Value) -> Result<()> {
        let kind = format.get("type").and_then(Value::as_str);
        let since = match kind {
            Some("json_schema") => JSON_SCHEMA,
            Some("json_object") => TOOLS,
            _ => return Ok(()),
        };
        if self.has(since) {
            return Ok(());
        }
        let kind = kind.unwrap_or_default();
        Err(self.unsupported(format!("`response_format: {kind}`"), since))
    }

    /// For a version without `tool_choice: "required"` (the caller checks that).
    fn check_tool_choice(&self, choice: &Value) -> Result<()> {
        if choice.as_str() == Some("required") {
            return Err(self.unsupported(
                "`tool_choice: \"required\"`".to_string(),
                TOOL_CHOICE_REQUIRED,
            ));
        }
        Ok(())
    }

    /// For a version without structured outputs (the caller checks that).
    fn check_tools(&self, tools: &Value) -> Result<()> {
        let strict = tools.as_array().is_some_and(|tools| {
            tools
                .iter()
                .any(|t| t.get("function").and_then(|f| f.get("strict")).is_some())
        });
        if strict {
            return Err(self.unsupported(
                "strict tools (`tools[].function.strict`)".to_string(),
                JSON_SCHEMA,
            ));
        }
        Ok(())
    }

    /// Refuses user-message parts (images, audio, documents) this version does not take.
    fn check_parts(&self, messages: BodyValue<'_>) -> Result<()> {
        for kind in part_types(messages) {
            let feature = match kind.as_str() {
                "image_url" => Feature::ImageInput,
                "input_audio" => Feature::AudioInput,
                "file" => Feature::FileInput,
                _ => continue,
            };
            if let Support::No { by, since } = self.supports(feature) {
                let suggestion = match &since {
                    Some(v) => format!("configure api-version {v} or later (or `v1`), or leave the part out"),
                    None => "no dated api-version in this SDK's table takes it: configure `v1` or `preview`, or leave the part out".to_owned(),
                };
                return Err(Error::Unsupported {
                    what: feature.describe().to_owned(),
                    by,
                    since,
                    suggestion: Some(suggestion),
                });
            }
        }
        Ok(())
    }

    fn unsupported(&self, what: String, since: Since) -> Error {
        let since = since.version;
        Error::Unsupported {
            what,
            by: self.by(),
            since: Some(since.to_string()),
            suggestion: Some(format!(
                "configure api-version {since} or later (or `v1`), or leave the field out"
            )),
        }
    }
}

impl fmt::Display for ApiVersion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.raw)
    }
}

/// The first api-version that has a capability, and whether GA 2024-10-21 (dated after some
/// previews whose additions it did not take) has it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Since {
    version: &'static str,
    /// `version`'s date, spelled out so that checking a body parses nothing.
    date: (u16, u8, u8),
    in_ga_2024_10_21: bool,
}

const fn since(version: &'static str, date: (u16, u8, u8)) -> Since {
    Since {
        version,
        date,
        in_ga_2024_10_21: true,
    }
}

const FUNCTIONS: Since = since("2023-07-01-preview", (2023, 7, 1));
const TOOLS: Since = since("2023-12-01-preview", (2023, 12, 1));
const LOGPROBS: Since = since("2024-05-01-preview", (2024, 5, 1));
const TOOL_CHOICE_REQUIRED: Since = since("2024-06-01", (2024, 6, 1));
const JSON_SCHEMA: Since = since("2024-08-01-preview", (2024, 8, 1));
const SEPT_PREVIEW: Since = since("2024-09-01-preview", (2024, 9, 1));
const STREAM_OPTIONS: Since = Since {
    version: "2024-09-01-preview",
    date: (2024, 9, 1),
    in_ga_2024_10_21: false,
};
const DEVELOPER: Since = since("2024-12-01-preview", (2024, 12, 1));
const AUDIO: Since = since("2025-01-01-preview", (2025, 1, 1));
const RESPONSES: Since = since("2025-03-01-preview", (2025, 3, 1));
const ALWAYS: Since = since("0000-01-01", (0, 1, 1));

/// True when the conversation has a message in the `developer` role.
fn has_developer_message(messages: BodyValue<'_>) -> bool {
    match messages {
        BodyValue::Messages(m) | BodyValue::Input(m) => {
            m.iter().any(|m| matches!(m, Message::Developer { .. }))
        }
        BodyValue::Json(Value::Array(m)) => m
            .iter()
            .any(|m| m.get("role").and_then(Value::as_str) == Some("developer")),
        BodyValue::Json(_) => false,
        raw @ BodyValue::Raw(_) => has_developer_message(BodyValue::Json(&raw.to_value())),
    }
}

/// The `type` of every part of every message with parts, as sent.
fn part_types(messages: BodyValue<'_>) -> Vec<String> {
    match messages {
        BodyValue::Messages(m) | BodyValue::Input(m) => m
            .iter()
            .filter_map(|m| match m {
                Message::User {
                    content: Content::Parts(parts),
                    ..
                } => Some(parts),
                _ => None,
            })
            .flatten()
            .map(|part| match part {
                ContentPart::Text { .. } => "text",
                ContentPart::ImageUrl { .. } => "image_url",
                ContentPart::InputAudio { .. } => "input_audio",
                ContentPart::File { .. } => "file",
            })
            .map(str::to_owned)
            .collect(),
        BodyValue::Json(Value::Array(m)) => m
            .iter()
            .filter_map(|m| m.get("content").and_then(Value::as_array))
            .flatten()
            .filter_map(|part| part.get("type").and_then(Value::as_str))
            .map(str::to_owned)
            .collect(),
        BodyValue::Json(_) => Vec::new(),
        raw @ BodyValue::Raw(_) => part_types(BodyValue::Json(&raw.to_value())),
    }
}

/// The first api-version that accepts `field`, for the fields not every api-version accepts.
fn field_since(field: &str) -> Option<Since> {
    FIELD_SINCE
        .iter()
        .find(|(name, _)| *name == field)
        .map(|(_, since)| *since)
}

/// Request fields that not every api-version accepts, with the first that does.
const FIELD_SINCE: &[(&str, Since)] = &[
    ("functions", FUNCTIONS),
    ("function_call", FUNCTIONS),
    ("tools", TOOLS),
    ("tool_choice", TOOLS),
    ("seed", TOOLS),
    ("response_format", TOOLS),
    ("logprobs", LOGPROBS),
    ("top_logprobs", LOGPROBS),
    ("parallel_tool_calls", SEPT_PREVIEW),
    ("max_completion_tokens", SEPT_PREVIEW),
    ("stream_options", STREAM_OPTIONS),
    ("reasoning_effort", DEVELOPER),
    ("store", DEVELOPER),
    ("metadata", DEVELOPER),
    ("audio", AUDIO),
    ("modalities", AUDIO),
    ("prediction", AUDIO),
];

fn since_of_feature(feature: Feature) -> Since {
    match feature {
        Feature::Tools | Feature::JsonObject | Feature::Seed => TOOLS,
        Feature::Functions => FUNCTIONS,
        Feature::ToolChoiceRequired => TOOL_CHOICE_REQUIRED,
        Feature::StrictTools | Feature::JsonSchema => JSON_SCHEMA,
        Feature::ParallelToolCalls | Feature::MaxCompletionTokens => SEPT_PREVIEW,
        Feature::StreamUsage => STREAM_OPTIONS,
        Feature::DeveloperRole | Feature::ReasoningEffort => DEVELOPER,
        Feature::Responses => RESPONSES,
        // Image parts came with GPT-4 Turbo with Vision; audio parts with the audio models.
        Feature::ImageInput => TOOLS,
        Feature::AudioInput => AUDIO,
        // A feature added to the core after this table: assume every version has it.
        _ => ALWAYS,
    }
}

fn parse_date(s: &str) -> Option<(u16, u8, u8)> {
    let mut parts = s.split('-');
    let (y, m, d) = (parts.next()?, parts.next()?, parts.next()?);
    if parts.next().is_some() || y.len() != 4 || m.len() != 2 || d.len() != 2 {
        return None;
    }
    let date = (y.parse().ok()?, m.parse().ok()?, d.parse().ok()?);
    ((1..=12).contains(&date.1) && (1..=31).contains(&date.2)).then_some(date)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn v(s: &str) -> ApiVersion {
        ApiVersion::parse(s).unwrap()
    }

    #[test]
    fn every_since_date_matches_its_version() {
        let named = [
            FUNCTIONS,
            TOOLS,
            LOGPROBS,
            TOOL_CHOICE_REQUIRED,
            JSON_SCHEMA,
            SEPT_PREVIEW,
            STREAM_OPTIONS,
            DEVELOPER,
            AUDIO,
            ALWAYS,
        ];
        for since in named.iter().chain(FIELD_SINCE.iter().map(|(_, s)| s)) {
            let parsed = parse_date(since.version.trim_end_matches("-preview"));
            assert_eq!(parsed, Some(since.date), "{}", since.version);
        }
    }

    #[test]
    fn table() {
        assert_eq!(v("2024-10-21").supports(Feature::JsonSchema), Support::Yes);
        assert_eq!(
            v("2024-10-21").supports(Feature::StreamUsage),
            Support::No {
                by: "Azure OpenAI api-version 2024-10-21".into(),
                since: Some("2024-09-01-preview".into())
            }
        );
        assert_eq!(
            v("2024-09-01-preview").supports(Feature::StreamUsage),
            Support::Yes
        );
        assert_eq!(
            v("2024-08-01-preview").supports(Feature::JsonSchema),
            Support::Yes
        );
        assert!(matches!(
            v("2024-08-01-preview").supports(Feature::ParallelToolCalls),
            Support::No { .. }
        ));
        assert_eq!(v("v1").supports(Feature::DeveloperRole), Support::Yes);
        assert_eq!(v("preview").supports(Feature::StreamUsage), Support::Yes);
        assert_eq!(v("2026-03-01").supports(Feature::StreamUsage), Support::Yes);
        assert!(matches!(
            v("2024-05-01-preview").supports(Feature::ToolChoiceRequired),
            Support::No { .. }
        ));
        assert_eq!(
            v("2024-06-01").supports(Feature::ToolChoiceRequired),
            Support::Yes
        );
        assert!(matches!(
            v("2023-05-15").supports(Feature::Tools),
            Support::No { .. }
        ));
    }

    #[test]
    fn body_check() {
        let schema = json!({"messages": [], "response_format": {"type": "json_schema", "json_schema": {"name": "x"}}});
        let e = v("2024-06-01").check_body(&schema).unwrap_err().to_string();
        assert!(
            e.contains("2024-08-01-preview") && e.contains("json_schema"),
            "{e}"
        );
        assert!(v("2024-10-21").check_body(&schema).is_ok());
        let strict = json!({"messages": [], "tools": [{"type": "function", "function": {"name": "a", "strict": true}}]});
        assert!(v("2024-06-01").check_body(&strict).is_err());
        let dev = json!({"messages": [{"role": "developer", "content": "x"}]});
        assert!(v("2024-10-21").check_body(&dev).is_err());
        assert!(v("2024-12-01-preview").check_body(&dev).is_ok());
        assert!(v("2024-02-01")
            .check_body(&json!({"messages": [], "logprobs": true}))
            .is_err());
        assert!(v("2024-02-01")
            .check_body(&json!({"messages": [], "some_new_field": 1}))
            .is_ok());
    }

    #[test]
    fn parse_rejects_garbage() {
        for bad in ["", "2024-13-01", "2024-1-01", "v2", "2024-10-21-beta"] {
            assert!(ApiVersion::parse(bad).is_err(), "{bad}");
        }
    }
}
