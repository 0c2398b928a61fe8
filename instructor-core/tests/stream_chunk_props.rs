//! The stable stand-in for the `chunks` fuzz target, run by CI for a bounded number of cases:
//! whatever events a server streams (chunk-shaped JSON with hostile values, error objects,
//! arbitrary text), a streamed extraction never panics and always ends, in every streaming mode.

mod common;

use common::User;
use instructor_core::{ChunkIter, Client, Error, Instructor, Mode, Request, ToolSchema, Transport};
use proptest::prelude::*;
use serde::Deserialize;
use serde_json::{json, Value};

#[derive(Debug, Clone, PartialEq, Deserialize)]
enum Tool {
    User(User),
}

impl Instructor for Tool {
    type Partial = Value;
    fn schema_name() -> String {
        "Tool".into()
    }
    fn json_schema() -> Value {
        json!({})
    }
    fn json_schema_strict() -> Value {
        json!({})
    }
    fn parallel_tools() -> Option<Vec<ToolSchema>> {
        Some(vec![ToolSchema {
            name: "User".into(),
            description: None,
            parameters: User::json_schema(),
            strict_parameters: User::json_schema(),
        }])
    }
}

/// Streams the given event texts, then ends.
struct Events(Vec<String>);

impl Transport for Events {
    fn send(&self, _: &Value) -> instructor_core::Result<String> {
        Err(Error::Configuration("streams only".into()))
    }
    fn stream(&self, _: &Value) -> instructor_core::Result<ChunkIter> {
        Ok(Box::new(self.0.clone().into_iter().map(Ok)))
    }
}

fn text() -> impl Strategy<Value = String> {
    prop_oneof![
        Just(String::new()),
        "[{}\\[\\]\":,a-z0-9 `\n\\\\]{0,12}",
        Just("{\"name\": \"Jo".to_owned()),
        Just("```json\n{\"items\": [".to_owned()),
        any::<String>(),
    ]
}

fn number() -> impl Strategy<Value = Value> {
    prop_oneof![
        any::<u32>().prop_map(Value::from),
        any::<u64>().prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        any::<f64>().prop_map(|f| json!(f)),
        Just(Value::Null),
        Just(json!("7")),
    ]
}

fn tool_call() -> impl Strategy<Value = Value> {
    (
        number(),
        proptest::option::of(text()),
        proptest::option::of("User|Other|"),
        proptest::option::of(text()),
    )
        .prop_map(|(index, id, name, arguments)| {
            json!({"index": index, "id": id, "type": "function",
                   "function": {"name": name, "arguments": arguments}})
        })
}

fn delta() -> impl Strategy<Value = Value> {
    (
        proptest::option::of(text()),
        proptest::collection::vec(tool_call(), 0..4),
        proptest::option::of((proptest::option::of("User|"), text())),
        proptest::option::of(text()),
    )
        .prop_map(|(content, tool_calls, function, refusal)| {
            let mut d = json!({"content": content, "tool_calls": tool_calls, "refusal": refusal});
            if let Some((name, args)) = function {
                d["function_call"] = json!({"name": name, "arguments": args});
            }
            d
        })
}

fn verdicts() -> impl Strategy<Value = Value> {
    prop_oneof![
        Just(Value::Null),
        Just(json!({"hate": {"filtered": false, "severity": "safe"}})),
        Just(json!({"violence": {"filtered": true, "severity": "high"}})),
        Just(json!({"protected_material_text": {"filtered": false, "detected": true}})),
        Just(json!("not an object")),
        Just(
            json!([{"prompt_index": 0, "content_filter_results": {"jailbreak": {"filtered": true}}}])
        ),
    ]
}

fn chunk() -> impl Strategy<Value = String> {
    let choice = (
        number(),
        proptest::option::of(delta()),
        proptest::option::of("stop|length|tool_calls|content_filter|function_call|"),
        verdicts(),
    )
        .prop_map(|(index, delta, finish, verdicts)| {
            json!({"index": index, "delta": delta, "finish_reason": finish,
                   "content_filter_results": verdicts})
        });
    let usage = (number(), number(), number()).prop_map(
        |(p, c, t)| json!({"prompt_tokens": p, "completion_tokens": c, "total_tokens": t}),
    );
    prop_oneof![
        8 => (proptest::collection::vec(choice, 0..3), proptest::option::of(usage), verdicts())
            .prop_map(|(choices, usage, prompt)| json!({"id": "c", "model": "m", "choices": choices,
                "usage": usage, "prompt_filter_results": prompt}).to_string()),
        1 => (proptest::option::of("content_filter|server_error|"), text(), number()).prop_map(
            |(code, message, status)| json!({"error": {"code": code, "message": message,
                "status": status, "param": "prompt",
                "innererror": {"content_filter_result": {"hate": {"filtered": true}}}}}).to_string()),
        1 => text(),
    ]
}

fn request() -> Request {
    Request::new("m").user("Extract")
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 1_500, ..ProptestConfig::default() })]

    /// Hostile events never panic a stream, in any streaming mode, and every stream ends.
    #[test]
    fn hostile_streams_end_without_panicking(
        events in proptest::collection::vec(chunk(), 0..12),
        mode in proptest::sample::select(vec![
            Mode::Tools, Mode::ToolsStrict, Mode::Functions, Mode::Json, Mode::JsonSchema,
            Mode::MdJson, Mode::ParallelTools,
        ]),
    ) {
        let client = Client::new(Events(events.clone())).with_mode(mode).max_retries(0);
        if mode != Mode::ParallelTools {
            let mut partials = client.create_partial::<User>(request()).unwrap();
            // Every stream ends: at most one item per event, the final flush, and an error.
            prop_assert!(partials.by_ref().take(events.len() + 3).count() <= events.len() + 2);
            prop_assert!(partials.next().is_none());
            let items = client.create_iterable::<User>(request()).unwrap();
            prop_assert!(items.take(1_000).count() < 1_000);
        } else {
            let items = client.create_iterable::<Tool>(request()).unwrap();
            prop_assert!(items.take(1_000).count() < 1_000);
        }
    }
}
