//! Building the chat-completions body for a mode.

use serde_json::{json, Map, Value};

use crate::message::{Content, Message};
use crate::mode::Mode;
use crate::request::Request;
use crate::target::{parameters, schema_instruction, Target};

/// What the body is for, beyond the request itself.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct BodyOptions {
    /// `stream: true`.
    pub stream: bool,
    /// `stream_options.include_usage`, where the service accepts it.
    pub stream_usage: bool,
}

/// The messages with the mode's instructions put in: kept system message extended, never replaced.
pub(crate) fn messages_for(mode: Mode, target: &Target, messages: &[Message]) -> Vec<Message> {
    let mut messages = messages.to_vec();
    match mode {
        Mode::Json => add_to_system(&mut messages, &schema_instruction(target, false)),
        Mode::MdJson => add_to_system(&mut messages, &schema_instruction(target, true)),
        Mode::JsonO1 => fold_into_user(&mut messages, &schema_instruction(target, false)),
        Mode::Tools
        | Mode::ToolsStrict
        | Mode::ParallelTools
        | Mode::Functions
        | Mode::JsonSchema => {}
    }
    messages
}

/// The whole body: model, messages, sampling settings, the mode's fields, then the user's extra
/// fields. The target's schema is moved into the body (it is the largest part; no copy is made).
pub(crate) fn build(
    mode: Mode,
    target: &mut Target,
    request: &Request,
    model: &str,
    messages: &[Message],
    options: BodyOptions,
) -> Value {
    let mut body = Map::new();
    body.insert("model".into(), json!(model));
    body.insert("messages".into(), json!(messages));
    insert_sampling(&mut body, request);
    insert_mode_fields(&mut body, mode, target);
    if options.stream {
        body.insert("stream".into(), json!(true));
        if options.stream_usage {
            body.insert("stream_options".into(), json!({"include_usage": true}));
        }
    }
    for (k, v) in &request.extra {
        body.insert(k.clone(), v.clone());
    }
    Value::Object(body)
}

fn insert_sampling(body: &mut Map<String, Value>, r: &Request) {
    let mut put = |k: &str, v: Option<Value>| {
        if let Some(v) = v {
            body.insert(k.to_owned(), v);
        }
    };
    put("temperature", r.temperature.map(|v| json!(v)));
    put("top_p", r.top_p.map(|v| json!(v)));
    put("max_tokens", r.max_tokens.map(|v| json!(v)));
    put(
        "max_completion_tokens",
        r.max_completion_tokens.map(|v| json!(v)),
    );
    put("seed", r.seed.map(|v| json!(v)));
    put("user", r.user.as_ref().map(|v| json!(v)));
    if !r.stop.is_empty() {
        put("stop", Some(json!(r.stop)));
    }
}

/// An object from owned values. `json!` would serialize each interpolated `Value` into a copy,
/// and the schema is the largest part of every body.
fn object<const N: usize>(pairs: [(&str, Value); N]) -> Value {
    Value::Object(pairs.into_iter().map(|(k, v)| (k.to_owned(), v)).collect())
}

fn function(name: &str, description: String, parameters: Value, strict: bool) -> Value {
    let mut f = object([
        ("name", Value::String(name.to_owned())),
        ("description", Value::String(description)),
        ("parameters", parameters),
    ]);
    if strict {
        f["strict"] = Value::Bool(true);
    }
    f
}

fn tool(function: Value) -> Value {
    object([("type", Value::from("function")), ("function", function)])
}

fn insert_mode_fields(body: &mut Map<String, Value>, mode: Mode, target: &mut Target) {
    let schema = parameters(std::mem::take(&mut target.schema));
    match mode {
        Mode::Tools | Mode::ToolsStrict => {
            let strict = mode == Mode::ToolsStrict;
            let f = function(&target.name, target.description.clone(), schema, strict);
            body.insert("tools".into(), Value::Array(vec![tool(f)]));
            body.insert("tool_choice".into(), named_tool_choice(&target.name));
        }
        Mode::ParallelTools => {
            let tools = target
                .tools
                .iter()
                .map(|t| {
                    tool(function(
                        &t.name,
                        Target::tool_description(t),
                        parameters(t.parameters.clone()),
                        false,
                    ))
                })
                .collect();
            body.insert("tools".into(), Value::Array(tools));
            body.insert("tool_choice".into(), json!("auto"));
        }
        Mode::Functions => {
            let f = function(&target.name, target.description.clone(), schema, false);
            body.insert("functions".into(), Value::Array(vec![f]));
            body.insert("function_call".into(), json!({"name": target.name}));
        }
        Mode::Json => {
            body.insert("response_format".into(), json!({"type": "json_object"}));
        }
        Mode::JsonSchema => {
            let json_schema = object([
                ("name", Value::String(target.name.clone())),
                ("description", Value::String(target.description.clone())),
                ("schema", schema),
                ("strict", Value::Bool(true)),
            ]);
            body.insert(
                "response_format".into(),
                object([
                    ("type", Value::from("json_schema")),
                    ("json_schema", json_schema),
                ]),
            );
        }
        Mode::MdJson | Mode::JsonO1 => {}
    }
}

fn named_tool_choice(name: &str) -> Value {
    json!({"type": "function", "function": {"name": name}})
}

/// Appends to the first system message, or puts a new one first.
fn add_to_system(messages: &mut Vec<Message>, text: &str) {
    for m in messages.iter_mut() {
        if let Message::System { content, .. } = m {
            content.append_text(text);
            return;
        }
    }
    messages.insert(0, Message::system(text));
}

/// o1-style models take no system message: its text and the instruction go into the first user message.
fn fold_into_user(messages: &mut Vec<Message>, instruction: &str) {
    let mut preamble = Vec::new();
    messages.retain(|m| match m {
        Message::System { content, .. } => {
            preamble.push(content_text(content));
            false
        }
        _ => true,
    });
    preamble.push(instruction.to_owned());
    let preamble = preamble.join("\n\n");
    for m in messages.iter_mut() {
        if let Message::User { content, .. } = m {
            let original = std::mem::replace(content, Content::Text(preamble));
            match original {
                Content::Text(t) => content.append_text(&t),
                Content::Parts(parts) => {
                    let mut all = vec![crate::message::ContentPart::text(content_text(content))];
                    all.extend(parts);
                    *content = Content::Parts(all);
                }
            }
            return;
        }
    }
    messages.push(Message::user(preamble));
}

fn content_text(content: &Content) -> String {
    match content {
        Content::Text(t) => t.clone(),
        Content::Parts(parts) => parts
            .iter()
            .filter_map(|p| match p {
                crate::message::ContentPart::Text { text } => Some(text.as_str()),
                crate::message::ContentPart::ImageUrl { .. } => None,
            })
            .collect::<Vec<_>>()
            .join("\n"),
    }
}
