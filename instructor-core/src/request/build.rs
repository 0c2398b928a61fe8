//! Putting a body together for the mode's API: chat completions (`messages`, sampling settings,
//! the mode's fields) or the Responses API (`instructions`, `input` items, `max_output_tokens`,
//! `reasoning`).

use std::sync::OnceLock;

use serde_json::{json, Value};

use crate::message::Message;
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
    // A body lives as long as its extraction (a re-ask appends to it): it is built with room for
    // the fields it gets and no more (each takes 96 bytes).
    let room = mode_fields.len()
        + usize::from(options.one_tool_call)
        + usize::from(options.stream) * (1 + usize::from(options.stream_usage))
        + request.extra.len();
    let mut body = match options.api {
        Api::ChatCompletions => chat(request, model, messages, room),
        Api::Responses => responses(request, model, messages, room),
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
            body.insert("stream_options", include_usage());
        }
    }
    for (k, v) in &request.extra {
        body.insert(k.clone(), Field::Json(v.clone()));
    }
    body
}

/// `{"include_usage": true}`, serialized once and shared: as a `Value` it was an `IndexMap` built
/// and kept for every streamed request.
fn include_usage() -> Field {
    static SHARED: OnceLock<Field> = OnceLock::new();
    SHARED
        .get_or_init(|| Field::shared(&json!({"include_usage": true})))
        .clone()
}

fn empty(endpoint: Endpoint, messages: Vec<Message>, fields: usize) -> RequestBody {
    RequestBody {
        endpoint,
        fields: Vec::with_capacity(fields),
        messages,
    }
}

/// How many of `fields` have a value.
fn count_set(fields: &[(&'static str, Option<Value>)]) -> usize {
    fields.iter().filter(|(_, v)| v.is_some()).count()
}

/// Sets each field that has a value.
fn put_all<const N: usize>(body: &mut RequestBody, fields: [(&'static str, Option<Value>); N]) {
    for (k, v) in fields {
        if let Some(v) = v {
            body.insert(k, Field::Json(v));
        }
    }
}

/// `room`: how many fields the caller adds after these.
fn chat(r: &Request, model: String, messages: Vec<Message>, room: usize) -> RequestBody {
    let sampling = [
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
    ];
    let mut body = empty(
        Endpoint::ChatCompletions,
        messages,
        2 + count_set(&sampling) + room,
    );
    body.insert("model", Field::Json(Value::String(model)));
    body.insert("messages", Field::Messages);
    put_all(&mut body, sampling);
    body
}

/// The Responses API's body: the system messages become `instructions`, the rest `input`.
fn responses(r: &Request, model: String, mut messages: Vec<Message>, room: usize) -> RequestBody {
    let mut instructions = Vec::new();
    messages.retain(|m| match m {
        Message::System { content, .. } => {
            instructions.push(content.joined_text());
            false
        }
        _ => true,
    });
    let max_output = r.max_completion_tokens.or(r.max_tokens);
    let sampling = [
        ("temperature", r.temperature.map(|v| json!(v))),
        ("top_p", r.top_p.map(|v| json!(v))),
        ("max_output_tokens", max_output.map(|v| json!(v))),
        (
            "reasoning",
            r.reasoning_effort.map(|e| json!({"effort": e.as_str()})),
        ),
        ("store", r.store.map(Value::Bool)),
        ("user", r.user.as_ref().map(|v| json!(v))),
    ];
    let fixed = 2 + usize::from(!instructions.is_empty());
    let mut body = empty(
        Endpoint::Responses,
        messages,
        fixed + count_set(&sampling) + room,
    );
    body.insert("model", Field::Json(Value::String(model)));
    if !instructions.is_empty() {
        body.insert(
            "instructions",
            Field::Json(Value::String(instructions.join("\n\n"))),
        );
    }
    body.insert("input", Field::Input);
    put_all(&mut body, sampling);
    body
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn chat() -> BodyOptions {
        BodyOptions {
            api: Api::ChatCompletions,
            stream: false,
            stream_usage: false,
            one_tool_call: false,
        }
    }

    #[test]
    fn a_replacing_reask_truncates_typed_or_json_messages() {
        let mut typed = build(
            &[],
            &Request::new("m"),
            "m".into(),
            vec![Message::user("a")],
            chat(),
        );
        let first = typed.message_count();
        typed.push_messages(vec![Message::user("fix 1")]);
        typed.truncate_messages(first);
        typed.push_messages(vec![Message::user("fix 2")]);
        assert_eq!(
            typed.to_value()["messages"],
            json!([{"role": "user", "content": "a"}, {"role": "user", "content": "fix 2"}])
        );

        let request =
            Request::new("m").extra("messages", json!([{"role": "user", "content": "b"}]));
        let mut own = build(&[], &request, "m".into(), Vec::new(), chat());
        let first = own.message_count();
        assert_eq!(first, 1);
        own.push_messages(vec![Message::user("fix 1")]);
        own.truncate_messages(first);
        own.push_messages(vec![Message::user("fix 2")]);
        assert_eq!(
            own.to_value()["messages"],
            json!([{"role": "user", "content": "b"}, {"role": "user", "content": "fix 2"}])
        );
    }

    #[test]
    fn a_body_is_built_with_room_for_its_fields_only() {
        let shared = Field::shared(&json!([{"type": "function"}]));
        let mode_fields = [("tools", shared.clone()), ("tool_choice", shared)];
        let sampled = Request::new("m")
            .temperature(0.2)
            .seed(7)
            .extra("x", json!(1));
        let system = Request::new("m").system("be brief");
        for (request, api) in [
            (Request::new("m"), Api::ChatCompletions),
            (sampled.clone(), Api::ChatCompletions),
            (sampled, Api::Responses),
            (system, Api::Responses),
        ] {
            for (stream, one_tool_call) in [(false, false), (true, true)] {
                let options = BodyOptions {
                    api,
                    stream,
                    stream_usage: stream,
                    one_tool_call,
                };
                let messages = request.messages.clone();
                let body = build(&mode_fields, &request, "m".into(), messages, options);
                assert_eq!(body.fields.capacity(), body.fields.len(), "{options:?}");
            }
        }
    }
}
