//! What a hostile server, a flaky transport or a careless caller meets: bounded streams, honest
//! iterables, no silently dropped data.

mod common;

use common::User;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use futures::StreamExt;
use instructor_core::completion::{Delta, FunctionCallDelta, ToolCallDelta};
use instructor_core::stream::accumulate::ToolCallAccumulator;
use instructor_core::testing::{self, ScriptedTransport};
use instructor_core::{
    AsyncClient, ChunkIter, Client, Error, Feature, FilterOrigin, Mode, Request, Transport,
};
use serde_json::{json, Value};

fn request() -> Request {
    Request::new("gpt-4o-mini").user("Extract the users")
}

/// A transport whose streams never end: the same chunk, forever.
struct Endless {
    chunk: String,
}

impl Transport for Endless {
    fn send(&self, _: &Value) -> instructor_core::Result<String> {
        Err(Error::Configuration("streams only".into()))
    }
    fn stream(&self, _: &Value) -> instructor_core::Result<ChunkIter> {
        let chunk = self.chunk.clone();
        Ok(Box::new(std::iter::repeat_with(move || Ok(chunk.clone()))))
    }
}

fn delta_chunk(delta: Value) -> String {
    json!({"id": "c", "model": "m", "choices": [{"index": 0, "delta": delta, "finish_reason": null}]})
        .to_string()
}

#[test]
fn an_endless_stream_of_small_deltas_stops_at_the_byte_cap() {
    let endless = Endless {
        chunk: delta_chunk(
            json!({"tool_calls": [{"index": 0, "id": "c1", "function": {"name": "User", "arguments": " "}}]}),
        ),
    };
    let client = Client::new(endless).max_stream_bytes(64 * 1024);
    let mut partials = client.create_partial::<User>(request()).unwrap();
    match partials.find_map(Result::err) {
        Some(Error::LimitExceeded { limit, raise, .. }) => {
            assert_eq!(limit, "65536 bytes");
            assert!(raise.contains("max_stream_bytes"), "{raise}");
        }
        other => panic!("expected the byte cap, got {other:?}"),
    }
    assert!(partials.next().is_none(), "the stream ends at the cap");
}

#[test]
fn content_and_refusal_text_count_against_the_cap_too() {
    for delta in [json!({"content": "word "}), json!({"refusal": "no "})] {
        let endless = Endless {
            chunk: delta_chunk(delta),
        };
        let client = Client::new(endless)
            .with_mode(Mode::JsonSchema)
            .max_stream_bytes(10_000);
        let error = client
            .create_partial::<User>(request())
            .unwrap()
            .find_map(Result::err);
        assert!(
            matches!(error, Some(Error::LimitExceeded { .. })),
            "{error:?}"
        );
    }
}

#[test]
fn a_stream_of_new_tool_calls_stops_at_the_tool_call_cap() {
    let calls: Vec<Value> = (0..500)
        .map(|i| {
            delta_chunk(json!({"tool_calls": [{"index": i, "id": format!("c{i}"),
            "function": {"name": "User", "arguments": "{}"}}]}))
        })
        .map(|s| serde_json::from_str(&s).unwrap())
        .collect();
    let client = Client::new(ScriptedTransport::new().stream(calls)).max_tool_calls(200);
    let error = client
        .create_partial::<User>(request())
        .unwrap()
        .find_map(Result::err);
    match error {
        Some(Error::LimitExceeded { limit, raise, .. }) => {
            assert_eq!(limit, "200 calls");
            assert!(raise.contains("max_tool_calls"));
        }
        other => panic!("expected the tool-call cap, got {other:?}"),
    }
}

#[test]
fn many_distinct_tool_call_indices_cost_linear_time() {
    // One event with 100,000 distinct indices. With a scan per fragment this took minutes; with a
    // lookup it takes milliseconds. The bound only catches a return to quadratic work.
    let delta = Delta {
        tool_calls: (0..100_000)
            .map(|i| ToolCallDelta {
                index: i,
                id: Some(format!("c{i}")),
                function: Some(FunctionCallDelta {
                    name: Some("User".into()),
                    arguments: Some("{}".into()),
                }),
            })
            .collect(),
        ..Delta::default()
    };
    let started = Instant::now();
    let mut tools = ToolCallAccumulator::new();
    assert_eq!(tools.push(&delta).len(), 100_000);
    assert_eq!(tools.push(&delta).len(), 100_000);
    assert_eq!(tools.calls().len(), 100_000);
    assert_eq!(
        tools.get(99_999).map(|c| c.arguments.as_str()),
        Some("{}{}")
    );
    assert!(
        started.elapsed() < Duration::from_secs(20),
        "{:?}",
        started.elapsed()
    );
}

/// The chunks of a stream that stops after its deltas: no finish reason, no usage chunk.
fn cut(chunks: Vec<Value>) -> Vec<Value> {
    chunks
        .into_iter()
        .filter(|c| {
            c["choices"]
                .get(0)
                .is_some_and(|choice| choice["finish_reason"].is_null())
        })
        .collect()
}

#[test]
fn a_stream_that_ends_without_a_finish_reason_is_never_a_value() {
    let json = r#"{"name": "Jason", "age": 25}"#;
    let transport = ScriptedTransport::new()
        .stream(cut(testing::tool_call_chunks("User", json, 5)))
        .stream(cut(testing::tool_call_chunks(
            "UserList",
            &format!(r#"{{"items": [{json}]}}"#),
            5,
        )));
    let client = Client::new(transport);
    let mut partials = client.create_partial::<User>(request()).unwrap();
    let last = partials.by_ref().last();
    assert!(
        matches!(last, Some(Err(Error::StreamInterrupted { .. }))),
        "{last:?}"
    );
    assert!(partials.take_final().is_none());
    let last = client.create_iterable::<User>(request()).unwrap().last();
    assert!(
        matches!(last, Some(Err(Error::StreamInterrupted { .. }))),
        "{last:?}"
    );
}

fn list(users: &[(&str, u32)]) -> String {
    let items: Vec<Value> = users
        .iter()
        .map(|(name, age)| json!({"name": name, "age": age}))
        .collect();
    json!({ "items": items }).to_string()
}

fn names(users: &[User]) -> Vec<(&str, u32)> {
    users.iter().map(|u| (u.name.as_str(), u.age)).collect()
}

fn last_message(transport: &ScriptedTransport) -> String {
    let requests = transport.requests();
    let messages = requests.last().unwrap()["messages"].as_array().unwrap();
    messages.last().unwrap()["content"]
        .as_str()
        .unwrap()
        .to_owned()
}

#[test]
fn an_iterable_retry_that_changes_a_yielded_item_is_reasked_not_mixed_in() {
    // Attempt 1 yields Jason, then Sarah fails. Attempt 2 changes Jason: the caller already holds
    // him, so nothing of attempt 2 is yielded and the model is told. Attempt 3 agrees.
    let transport = ScriptedTransport::new()
        .stream(testing::tool_call_chunks(
            "UserList",
            &list(&[("Jason", 25), ("Sarah", 300)]),
            9,
        ))
        .stream(testing::tool_call_chunks(
            "UserList",
            &list(&[("Jason", 52), ("Sarah", 30)]),
            9,
        ))
        .stream(testing::tool_call_chunks(
            "UserList",
            &list(&[("Jason", 25), ("Sarah", 30), ("Mike", 40)]),
            9,
        ));
    let client = Client::new(transport.clone()).max_retries(2);
    let users: Vec<User> = client
        .create_iterable::<User>(request())
        .unwrap()
        .map(Result::unwrap)
        .collect();
    assert_eq!(names(&users), [("Jason", 25), ("Sarah", 30), ("Mike", 40)]);
    assert_eq!(transport.requests().len(), 3);
    let told = transport.requests()[2]["messages"]
        .as_array()
        .unwrap()
        .last()
        .unwrap()["content"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(told.contains("items[0]"), "{told}");
    assert!(told.contains("already accepted"), "{told}");
}

#[test]
fn an_iterable_retry_that_drops_yielded_items_fails_rather_than_ending_short() {
    let transport = ScriptedTransport::new()
        .stream(testing::tool_call_chunks(
            "UserList",
            &list(&[("Jason", 25), ("Sarah", 30), ("Mike", 400)]),
            9,
        ))
        .stream(testing::tool_call_chunks(
            "UserList",
            &list(&[("Jason", 25)]),
            9,
        ));
    let client = Client::new(transport.clone()).max_retries(1);
    let results: Vec<_> = client.create_iterable::<User>(request()).unwrap().collect();
    assert_eq!(results.len(), 3, "{results:?}");
    let yielded: Vec<&User> = results[..2].iter().map(|r| r.as_ref().unwrap()).collect();
    assert_eq!(
        yielded
            .iter()
            .map(|u| (u.name.as_str(), u.age))
            .collect::<Vec<_>>(),
        [("Jason", 25), ("Sarah", 30)]
    );
    match &results[2] {
        Err(Error::RetriesExhausted(e)) => {
            let last = e.errors.last().unwrap().to_string();
            assert!(last.contains("stopped after 1 item"), "{last}");
        }
        other => panic!("expected exhaustion, got {other:?}"),
    }
}

#[tokio::test]
async fn the_async_iterable_keeps_the_same_promise() {
    let transport = ScriptedTransport::new()
        .stream(testing::tool_call_chunks(
            "UserList",
            &list(&[("Jason", 25), ("Sarah", 300)]),
            9,
        ))
        .stream(testing::tool_call_chunks(
            "UserList",
            &list(&[("Sarah", 30)]),
            9,
        ))
        .stream(testing::tool_call_chunks(
            "UserList",
            &list(&[("Jason", 25), ("Sarah", 30)]),
            9,
        ));
    let client = AsyncClient::new(transport.clone()).max_retries(2);
    let users: Vec<User> = client
        .create_iterable::<User>(request())
        .unwrap()
        .map(Result::unwrap)
        .collect()
        .await;
    assert_eq!(names(&users), [("Jason", 25), ("Sarah", 30)]);
    assert!(last_message(&transport).contains("items[0]"));
}

#[test]
fn more_than_one_choice_is_refused_before_sending() {
    let transport = ScriptedTransport::new();
    let client = Client::new(transport.clone());
    let error = client
        .create::<User>(request().extra("n", json!(3)))
        .unwrap_err();
    assert!(
        matches!(&error, Error::Configuration(m) if m.contains("`n: 3`")),
        "{error}"
    );
    assert!(transport.requests().is_empty());
    let one = ScriptedTransport::new().reply(testing::tool_call_completion(
        "User",
        r#"{"name": "Jason", "age": 25}"#,
    ));
    let user: User = Client::new(one)
        .create(request().extra("n", json!(1)))
        .unwrap();
    assert_eq!(user.age, 25);
}

#[test]
fn tools_modes_ask_for_one_tool_call_where_the_service_can() {
    let reply = || testing::tool_call_completion("User", r#"{"name": "Jason", "age": 25}"#);
    for mode in [Mode::Tools, Mode::ToolsStrict] {
        let transport = ScriptedTransport::new().reply(reply());
        Client::new(transport.clone())
            .with_mode(mode)
            .create::<User>(request())
            .unwrap();
        assert_eq!(
            transport.requests()[0]["parallel_tool_calls"],
            false,
            "{mode}"
        );
    }
    let old = ScriptedTransport::new().reply(reply()).without(
        Feature::ParallelToolCalls,
        "Azure OpenAI api-version 2024-06-01",
        Some("2024-09-01-preview"),
    );
    Client::new(old.clone()).create::<User>(request()).unwrap();
    assert!(old.requests()[0].get("parallel_tool_calls").is_none());
}

#[test]
fn a_tools_reply_with_several_calls_is_reasked() {
    let transport = ScriptedTransport::new()
        .reply(testing::tool_calls_completion(&[
            ("User", r#"{"name": "Jason", "age": 25}"#),
            ("User", r#"{"name": "Sarah", "age": 30}"#),
        ]))
        .reply(testing::tool_call_completion(
            "User",
            r#"{"name": "Jason", "age": 25}"#,
        ));
    let user: User = Client::new(transport.clone())
        .max_retries(1)
        .create(request())
        .unwrap();
    assert_eq!(user.name, "Jason");
    let told = last_message(&transport);
    assert!(told.contains("2 tool calls"), "{told}");
    assert!(told.contains("exactly once"), "{told}");
}

#[test]
fn a_filtered_prompt_is_a_content_filter_error_in_replies_and_streams() {
    let verdicts = json!([{"prompt_index": 0, "content_filter_results": {
        "jailbreak": {"filtered": true, "detected": true}, "hate": {"filtered": false, "severity": "safe"}}}]);
    let mut reply = testing::tool_call_completion("User", r#"{"name": "Jason", "age": 25}"#);
    reply["prompt_filter_results"] = verdicts.clone();
    let mut chunks = testing::tool_call_chunks("User", r#"{"name": "Jason", "age": 25}"#, 5);
    chunks[0]["prompt_filter_results"] = verdicts;
    let transport = ScriptedTransport::new().reply(reply).stream(chunks);
    let client = Client::new(transport);
    let prompt_filtered = |e: &Error| {
        matches!(e, Error::ContentFilter { origin: FilterOrigin::Prompt, categories, .. }
            if categories == &["jailbreak"])
    };
    let error = client.create::<User>(request()).unwrap_err();
    assert!(prompt_filtered(&error), "{error}");
    let last = client
        .create_partial::<User>(request())
        .unwrap()
        .last()
        .unwrap();
    assert!(last.as_ref().is_err_and(prompt_filtered), "{last:?}");
}

#[test]
fn a_stream_keeps_its_prompt_verdicts_on_the_completion() {
    let seen = Arc::new(Mutex::new(Vec::new()));
    let sink = seen.clone();
    let transport = ScriptedTransport::new().stream(testing::tool_call_chunks(
        "User",
        r#"{"name": "Jason", "age": 25}"#,
        5,
    ));
    let client = Client::new(transport).on_response(move |v| sink.lock().unwrap().push(v.clone()));
    let user = client
        .create_partial::<User>(request())
        .unwrap()
        .into_final()
        .unwrap();
    assert_eq!(user.age, 25);
    let completions = seen.lock().unwrap();
    assert_eq!(
        completions[0]["prompt_filter_results"][0]["content_filter_results"]["hate"]["severity"],
        "safe"
    );
}

#[test]
fn filtered_verdicts_without_a_content_filter_finish_reason_are_still_a_filtered_completion() {
    let mut reply = testing::tool_call_completion("User", r#"{"name": "Jason", "age": 25}"#);
    reply["choices"][0]["content_filter_results"] = json!({"violence": {"filtered": true, "severity": "high"},
               "protected_material_text": {"filtered": false, "detected": true}});
    let mut chunks = testing::tool_call_chunks("User", r#"{"name": "Jason", "age": 25}"#, 5);
    chunks[2]["choices"][0]["content_filter_results"] =
        json!({"violence": {"filtered": true, "severity": "high"}});
    let transport = ScriptedTransport::new().reply(reply).stream(chunks);
    let client = Client::new(transport);
    let completion_filtered = |e: &Error| {
        matches!(e, Error::ContentFilter { origin: FilterOrigin::Completion, categories, .. }
            if categories == &["violence"])
    };
    let error = client.create::<User>(request()).unwrap_err();
    assert!(completion_filtered(&error), "{error}");
    let last = client
        .create_partial::<User>(request())
        .unwrap()
        .last()
        .unwrap();
    assert!(last.as_ref().is_err_and(completion_filtered), "{last:?}");
}

#[test]
fn detected_but_not_filtered_annotations_do_not_stop_an_extraction() {
    let mut reply = testing::tool_call_completion("User", r#"{"name": "Jason", "age": 25}"#);
    reply["choices"][0]["content_filter_results"] =
        json!({"protected_material_code": {"filtered": false, "detected": true}});
    let user: User = Client::new(ScriptedTransport::new().reply(reply))
        .create(request())
        .unwrap();
    assert_eq!(user.name, "Jason");
}
