//! Putting a body together for the mode's API: chat completions (`messages`, sampling settings,
//! the mode's fields) or the Responses API (`instructions`, `input` items, `max_output_tokens`,
//! `reasoning`).

use serde_json::{json, Value};

use crate::message::{Content, ContentPart, Message};
use crate::mode::Api;
use crate::request::body::{Endpoint, Field, RequestBody};
use crate::request::chat_request::Request;

/// What the body is for, beyond the request itself.
#[derive(Debug, Clone, Copy)]
pub(crate) struct BodyOptions {
    /// The API surface.
    pub api: Api,
    /// `stream: true`.
    pub stream: bool,
    /// `stream_options.include_usage`, where the service accepts it (chat completions).
    pub stream_usage: bool,
    /// `parallel_tool_calls: false`: one tool call and no more (Tools modes, where the service
    /// accepts the field).
    pub one_tool_call: bool,
}

/// The whole body: model, the conversation, sampling settings, the mode's fields (shared,
/// serialized once per type and mode), then the user's extra fields.
pub(crate) fn build(
    mode_fields: &[(&'static str, Field)],
    request: &Request,
    model: String,
    messages: Vec<Message>,
    options: BodyOptions,
) -> RequestBody {
    let mut body = match options.api {
        Api::ChatCompletions => chat(request, model, messages),
        Api::Responses => responses(request, model, messages),
    };
    for (k, v) in mode_fields {
        body.insert(*k, v.clone());
    }
    if options.one_tool_call {
        body.insert("parallel_tool_calls", Field::Json(Value::Bool(false)));
    }
    if options.stream {
        body.insert("stream", Field::Json(json!(true)));
        if options.stream_usage {
            body.insert(
                "stream_options",
                Field::Json(json!({"include_usage": true})),
            );
        }
    }
    for (k, v) in &request.extra {
        body.insert(k.clone(), Field::Json(v.clone()));
    }
    body
}

fn empty(endpoint: Endpoint, messages: Vec<Message>, extra: usize) -> RequestBody {
    RequestBody {
        endpoint,
        fields: Vec::with_capacity(10 + extra),
        messages,
    }
}

/// Sets each field that has a value.
fn put_all(
    body: &mut RequestBody,
    fields: impl IntoIterator<Item = (&'static str, Option<Value>)>,
) {
    for (k, v) in fields {
        if let Some(v) = v {
            body.insert(k, Field::Json(v));
        }
    }
}

fn chat(r: &Request, model: String, messages: Vec<Message>) -> RequestBody {
    let mut body = empty(Endpoint::ChatCompletions, messages, r.extra.len());
    body.insert("model", Field::Json(Value::String(model)));
    body.insert("messages", Field::Messages);
    put_all(
        &mut body,
        [
            ("temperature", r.temperature.map(|v| json!(v))),
            ("top_p", r.top_p.map(|v| json!(v))),
            ("max_tokens", r.max_tokens.map(|v| json!(v))),
            (
                "max_completion_tokens",
                r.max_completion_tokens.map(|v| json!(v)),
            ),
            (
                "reasoning_effort",
                r.reasoning_effort.map(|e| json!(e.as_str())),
            ),
            ("seed", r.seed.map(|v| json!(v))),
            ("store", r.store.map(Value::Bool)),
            ("user", r.user.as_ref().map(|v| json!(v))),
            ("stop", (!r.stop.is_empty()).then(|| json!(r.stop))),
        ],
    );
    body
}

/// The Responses API's body: the system messages become `instructions`, the rest `input`.
fn responses(r: &Request, model: String, mut messages: Vec<Message>) -> RequestBody {
    let mut instructions = Vec::new();
    messages.retain(|m| match m {
        Message::System { content, .. } => {
            instructions.push(text_of(content));
            false
        }
        _ => true,
    });
    let mut body = empty(Endpoint::Responses, messages, r.extra.len());
    body.insert("model", Field::Json(Value::String(model)));
    if !instructions.is_empty() {
        body.insert(
            "instructions",
            Field::Json(Value::String(instructions.join("\n\n"))),
        );
    }
    body.insert("input", Field::Input);
    let max_output = r.max_completion_tokens.or(r.max_tokens);
    put_all(
        &mut body,
        [
            ("temperature", r.temperature.map(|v| json!(v))),
            ("top_p", r.top_p.map(|v| json!(v))),
            ("max_output_tokens", max_output.map(|v| json!(v))),
            (
                "reasoning",
                r.reasoning_effort.map(|e| json!({"effort": e.as_str()})),
            ),
            ("store", r.store.map(Value::Bool)),
            ("user", r.user.as_ref().map(|v| json!(v))),
        ],
    );
    body
}

/// The text of a system message (its text parts, joined).
pub(crate) fn text_of(content: &Content) -> String {
    match content {
        Content::Text(t) => t.clone(),
        Content::Parts(parts) => parts
            .iter()
            .filter_map(|p| match p {
                ContentPart::Text { text } => Some(text.as_str()),
                _ => None,
            })
            .collect::<Vec<_>>()
            .join("\n"),
    }
}
