//! Streams a UI can own: cheap clients, `Send + 'static` streams, and one extraction as a stream
//! of events with a stable JSON form.

mod common;

use common::User;
use futures::{Stream, StreamExt};
use instructor_core::testing::{self, ScriptedTransport};
use instructor_core::{
    AsyncClient, Client, ItemEvent, ItemEventIter, ItemEventStream, IterableIter, IterableStream,
    PartialEvent, PartialEventIter, PartialEventStream, PartialIter, PartialStream, Request,
};
use serde_json::{json, Value};

/// The owning stream types are `Send + 'static` (async) and `Send` (blocking).
#[allow(dead_code)]
fn streams_are_owned_and_sendable() {
    fn send_static<T: Send + 'static>() {}
    send_static::<PartialStream<User>>();
    send_static::<PartialEventStream<User>>();
    send_static::<IterableStream<User>>();
    send_static::<ItemEventStream<User>>();
    send_static::<PartialIter<ScriptedTransport, User>>();
    send_static::<PartialEventIter<ScriptedTransport, User>>();
    send_static::<IterableIter<ScriptedTransport, User>>();
    send_static::<ItemEventIter<ScriptedTransport, User>>();
    send_static::<AsyncClient<ScriptedTransport>>();
    send_static::<Client<ScriptedTransport>>();
}

fn request() -> Request {
    Request::new("gpt-4o-mini").user("Jason is 25")
}

/// A bad first attempt (age 300), then a good one.
fn transport() -> ScriptedTransport {
    ScriptedTransport::new()
        .stream(testing::tool_call_chunks(
            "User",
            r#"{"name": "Jason", "age": 300}"#,
            8,
        ))
        .stream(testing::tool_call_chunks(
            "User",
            r#"{"name": "Jason", "age": 25}"#,
            8,
        ))
}

/// A handler's view: the client goes out of scope, the stream lives on in another task.
fn owned_events(transport: ScriptedTransport) -> impl Stream<Item = PartialEvent<User>> + Send {
    let client = AsyncClient::new(transport).max_retries(1);
    let stream = client.create_partial::<User>(request()).unwrap().events();
    drop(client);
    stream
}

#[tokio::test]
async fn one_extraction_is_a_stream_of_partials_a_retry_and_the_final_value() {
    let task = tokio::spawn(owned_events(transport()).collect::<Vec<_>>());
    let events = task.await.unwrap();
    let names: Vec<&str> = events.iter().map(PartialEvent::name).collect();
    let retry = names.iter().position(|n| *n == "retry").unwrap();
    assert!(names[..retry].iter().all(|n| *n == "partial"), "{names:?}");
    assert!(retry > 0 && names.len() > retry + 2, "{names:?}");
    assert_eq!(names.last(), Some(&"final"));
    assert!(names[retry + 1..names.len() - 1]
        .iter()
        .all(|n| *n == "partial"));

    let data: Vec<Value> = events.iter().map(|e| e.data().unwrap()).collect();
    // Partials are the partial value itself; a number shows only once complete.
    assert!(
        data[..retry].contains(&json!({"name": "Jason"})),
        "{data:?}"
    );
    assert_eq!(data[retry - 1], json!({"name": "Jason", "age": 300}));
    assert!(data[..retry]
        .iter()
        .all(|p| p.get("age").is_none_or(|a| a == 300)));
    assert_eq!(
        data[retry],
        json!({"attempt": 1, "max_attempts": 2,
               "errors": [{"path": "age", "message": "must be at most 150"}]})
    );
    // After the retry, the partials start over.
    assert!(data[retry + 1].get("age").is_none(), "{data:?}");
    let last = data.last().unwrap();
    assert_eq!(last["value"], json!({"name": "Jason", "age": 25}));
    assert_eq!(last["attempts"], 2);
    assert_eq!(
        last["usage"]["total_tokens"], 30,
        "usage summed over both attempts"
    );
    assert_eq!(last["model"], "scripted");
    match events.last() {
        Some(PartialEvent::Final(done)) => {
            assert_eq!(done.value.age, 25);
            assert_eq!(done.completion.id, "chatcmpl-scripted");
        }
        other => panic!("{other:?}"),
    }
    // The whole event serializes as {"event", "data"}.
    assert_eq!(
        serde_json::to_value(&events[retry]).unwrap()["event"],
        "retry"
    );
}

#[test]
fn a_failed_extraction_ends_with_an_error_event_and_nothing_after() {
    let transport = ScriptedTransport::new().stream(testing::tool_call_chunks(
        "User",
        r#"{"name": "Jason", "age": 300}"#,
        8,
    ));
    let client = Client::new(transport);
    let events: Vec<PartialEvent<User>> =
        client.create_partial(request()).unwrap().events().collect();
    let last = events.last().unwrap();
    assert_eq!(last.name(), "error");
    let data = last.data().unwrap();
    assert_eq!(data["kind"], "retries_exhausted");
    assert!(data["message"].as_str().unwrap().contains("age"), "{data}");
    assert!(events[..events.len() - 1]
        .iter()
        .all(|e| e.name() == "partial"));
}

#[test]
fn a_blocking_stream_feeds_a_ui_thread_from_a_worker() {
    let client = Client::new(transport()).max_retries(1);
    let events = client.create_partial::<User>(request()).unwrap().events();
    let (tx, rx) = std::sync::mpsc::channel();
    let worker = std::thread::spawn(move || {
        for event in events {
            tx.send(event.name()).unwrap();
        }
    });
    let names: Vec<&str> = rx.iter().collect();
    worker.join().unwrap();
    assert!(names.contains(&"retry"));
    assert_eq!(names.last(), Some(&"final"));
}

#[tokio::test]
async fn a_list_streams_item_events_then_the_whole_list() {
    let list = r#"{"items": [{"name": "Jason", "age": 25}, {"name": "Sarah", "age": 30}]}"#;
    let client = AsyncClient::new(
        ScriptedTransport::new().stream(testing::tool_call_chunks("UserList", list, 9)),
    );
    let stream = client.create_iterable::<User>(request()).unwrap().events();
    let events: Vec<ItemEvent<User>> = tokio::spawn(stream.collect()).await.unwrap();
    let names: Vec<&str> = events.iter().map(ItemEvent::name).collect();
    assert_eq!(names, ["item", "item", "final"]);
    assert_eq!(
        events[1].data().unwrap(),
        json!({"name": "Sarah", "age": 30})
    );
    assert_eq!(events[2].data().unwrap()["value"][0]["name"], "Jason");
}

#[test]
fn clients_are_cheap_to_clone_and_share_their_transport() {
    let transport = ScriptedTransport::new().reply(testing::tool_call_completion(
        "User",
        r#"{"name": "Jason", "age": 25}"#,
    ));
    let client = Client::new(transport.clone()).max_retries(2);
    let clone = client.clone();
    assert!(std::ptr::eq(client.transport(), clone.transport()));
    assert!(std::ptr::eq(client.settings(), clone.settings()));
    let user: User = clone.create(request()).unwrap();
    assert_eq!(user.age, 25);
    // A setting changed on a clone is the clone's own.
    let other = clone.max_retries(0);
    assert_eq!(other.settings().max_retries, 0);
    assert_eq!(client.settings().max_retries, 2);
}
