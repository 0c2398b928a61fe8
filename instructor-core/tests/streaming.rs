//! create_partial and create_iterable over scripted Azure-shaped streams, blocking and async.

use futures::StreamExt;
use instructor_core::testing::{self, ScriptedTransport};
use instructor_core::{
    AsyncClient, Client, Error, Instructor, Mode, Request, ToolSchema, ValidationErrors,
};
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

#[derive(Debug, Clone, PartialEq, Deserialize)]
struct User {
    name: String,
    age: u32,
    bio: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
struct PartialUser {
    name: Option<String>,
    age: Option<u32>,
    bio: Option<String>,
}

impl Instructor for User {
    type Partial = PartialUser;
    fn schema_name() -> String {
        "User".into()
    }
    fn json_schema() -> Value {
        json!({"type": "object", "properties": {"name": {"type": "string"}, "age": {"type": "integer"},
               "bio": {"type": ["string", "null"]}}, "required": ["name", "age"]})
    }
    fn json_schema_strict() -> Value {
        json!({"type": "object", "additionalProperties": false, "properties": {"name": {"type": "string"},
               "age": {"type": "integer"}, "bio": {"type": ["string", "null"]}}, "required": ["name", "age", "bio"]})
    }
    fn validate(&self) -> Result<(), ValidationErrors> {
        let mut e = ValidationErrors::new();
        if self.age > 150 {
            e.push("age", "must be at most 150");
        }
        e.into_result()
    }
    fn parallel_tools() -> Option<Vec<ToolSchema>> {
        None
    }
}

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
    fn validate(&self) -> Result<(), ValidationErrors> {
        match self {
            Tool::User(u) => u.validate(),
        }
    }
    fn parallel_tools() -> Option<Vec<ToolSchema>> {
        Some(vec![ToolSchema {
            name: "User".into(),
            description: None,
            parameters: User::json_schema(),
            strict_parameters: User::json_schema_strict(),
        }])
    }
}

const JASON: &str = r#"{"name": "Jason", "age": 25, "bio": "A tech enthusiast who loves Rust."}"#;

fn request() -> Request {
    Request::new("gpt-4o-mini").user("Jason is 25 and loves Rust")
}

fn chunks_for(mode: Mode, json: &str) -> Vec<Value> {
    match mode {
        Mode::Tools | Mode::ToolsStrict => testing::tool_call_chunks("User", json, 4),
        Mode::MdJson => {
            testing::content_chunks(&format!("Here you go:\n```json\n{json}\n```\nDone."), 4)
        }
        Mode::Functions => testing::tool_call_chunks("User", json, 4)
            .into_iter()
            .map(|mut c| {
                if let Some(tc) = c.pointer("/choices/0/delta/tool_calls/0/function").cloned() {
                    c["choices"][0]["delta"] = json!({"function_call": tc});
                }
                c
            })
            .collect(),
        _ => testing::content_chunks(json, 4),
    }
}

/// The partials of `json` streamed as one `User` tool call in `chunk`-byte pieces (Tools mode).
fn tool_call_partials(json: &str, chunk: usize) -> Vec<PartialUser> {
    let transport = ScriptedTransport::new().stream(testing::tool_call_chunks("User", json, chunk));
    Client::new(transport)
        .create_partial::<User>(request())
        .unwrap()
        .map(|p| p.unwrap())
        .collect()
}

#[test]
fn partials_grow_and_the_final_value_is_validated_in_every_streamable_mode() {
    for mode in [
        Mode::Tools,
        Mode::ToolsStrict,
        Mode::Functions,
        Mode::Json,
        Mode::JsonSchema,
        Mode::MdJson,
        Mode::JsonO1,
    ] {
        let transport = ScriptedTransport::new().stream(chunks_for(mode, JASON));
        let client = Client::new(transport.clone()).with_mode(mode);
        let mut stream = client.create_partial::<User>(request()).unwrap();
        let partials: Vec<PartialUser> = (&mut stream).map(|p| p.unwrap()).collect();
        let user = stream.take_final().expect("final value");
        assert_eq!(user.age, 25, "{mode}");
        assert!(partials.len() > 5, "{mode}: {partials:?}");
        // Numbers appear only once complete; strings grow as prefixes.
        assert!(
            partials
                .iter()
                .all(|p| p.age.is_none() || p.age == Some(25)),
            "{mode}"
        );
        let bios: Vec<&str> = partials.iter().filter_map(|p| p.bio.as_deref()).collect();
        assert!(
            bios.windows(2).all(|w| w[1].starts_with(w[0])),
            "{mode}: {bios:?}"
        );
        assert_eq!(
            partials.last().unwrap().bio.as_deref(),
            Some("A tech enthusiast who loves Rust.")
        );
        assert!(
            partials.windows(2).all(|w| w[0] != w[1]),
            "{mode}: only changes are yielded"
        );
        let body = &transport.requests()[0];
        assert_eq!(body["stream"], true);
        assert_eq!(body["stream_options"], json!({"include_usage": true}));
    }
}

#[test]
fn text_the_partial_does_not_show_yields_no_new_partial() {
    // An unknown key and a null change the JSON read so far, not the partial: nothing is yielded
    // for them, so each partial differs from the one before.
    let json = r#"{"name":"Jason","notes":{"seen":[1,2,3],"by":"someone"},"bio":null,"age":25}"#;
    let partials = tool_call_partials(json, 3);
    assert!(partials.windows(2).all(|w| w[0] != w[1]), "{partials:#?}");
    let named = |name: &str, age| PartialUser {
        name: Some(name.into()),
        age,
        bio: None,
    };
    // The name grows by the chunk, then nothing until the age.
    let tail: Vec<_> = partials.iter().rev().take(2).rev().cloned().collect();
    assert_eq!(tail, [named("Jason", None), named("Jason", Some(25))]);
}

#[test]
fn the_first_partial_shows_the_name_before_the_rest() {
    let partials = tool_call_partials(JASON, 4);
    assert_eq!(partials[0], PartialUser::default(), "the object has opened");
    assert!(partials[1]
        .name
        .as_deref()
        .is_some_and(|n| "Jason".starts_with(n) && n.len() < 5));
    assert_eq!((partials[1].age, &partials[1].bio), (None, &None));
    assert!(partials.contains(&PartialUser {
        name: Some("Jason".into()),
        age: None,
        bio: None
    }));
    assert!(
        partials.contains(&PartialUser {
            name: Some("Jason".into()),
            age: Some(25),
            bio: Some("A tech".into())
        }) || partials.iter().any(|p| p
            .bio
            .as_deref()
            .is_some_and(|b| b.starts_with("A tech") && b.len() < 12))
    );
}

#[test]
fn a_final_value_that_fails_validation_is_reasked_on_a_new_stream() {
    let transport = ScriptedTransport::new()
        .stream(testing::tool_call_chunks(
            "User",
            r#"{"name": "Jason", "age": 250}"#,
            5,
        ))
        .stream(testing::tool_call_chunks(
            "User",
            r#"{"name": "Jason", "age": 25}"#,
            5,
        ));
    let client = Client::new(transport.clone()).max_retries(1);
    let mut stream = client.create_partial::<User>(request()).unwrap();
    let partials: Vec<PartialUser> = (&mut stream).map(|p| p.unwrap()).collect();
    assert!(partials.iter().any(|p| p.age == Some(250)));
    assert_eq!(partials.last().unwrap().age, Some(25));
    assert_eq!(stream.take_final().unwrap().age, 25);
    let second = &transport.requests()[1];
    let messages = second["messages"].as_array().unwrap();
    assert_eq!(
        messages[1]["tool_calls"][0]["function"]["arguments"],
        r#"{"name": "Jason", "age": 250}"#
    );
    assert_eq!(messages[2]["role"], "tool");
    assert!(messages[2]["content"]
        .as_str()
        .unwrap()
        .contains("`age`: must be at most 150"));
}

#[test]
fn validation_failure_with_no_retries_left_ends_the_stream_with_the_error() {
    let transport = ScriptedTransport::new().stream(testing::tool_call_chunks(
        "User",
        r#"{"name": "J", "age": 999}"#,
        5,
    ));
    let client = Client::new(transport);
    let items: Vec<_> = client.create_partial::<User>(request()).unwrap().collect();
    assert!(
        matches!(items.last(), Some(Err(Error::RetriesExhausted(_)))),
        "{:?}",
        items.last()
    );
}

#[test]
fn a_cut_stream_and_a_filtered_stream_end_with_clear_errors() {
    let mut chunks = testing::tool_call_chunks("User", JASON, 4);
    chunks.truncate(6);
    let mut cut: Vec<Result<Value, Error>> = chunks.into_iter().map(Ok).collect();
    cut.push(Err(Error::StreamInterrupted {
        message: "connection closed before [DONE]".into(),
    }));
    let mut filtered = testing::content_chunks(JASON, 8);
    let n = filtered.len();
    filtered[n - 2]["choices"][0]["finish_reason"] = json!("content_filter");
    filtered[n - 3]["choices"][0]["content_filter_results"] =
        json!({"violence": {"filtered": true, "severity": "high"}});
    let mut long = testing::content_chunks(JASON, 8);
    long[n - 2]["choices"][0]["finish_reason"] = json!("length");
    let transport = ScriptedTransport::new()
        .stream_raw(cut)
        .stream(filtered)
        .stream(long)
        .stream(vec![
            json!({"error": {"code": "content_filter", "message": "filtered", "param": "prompt",
            "innererror": {"content_filter_result": {"hate": {"filtered": true}}}}}),
        ]);
    let client = Client::new(transport).max_retries(3);
    let last = |mode| {
        client
            .clone()
            .with_mode(mode)
            .create_partial::<User>(request())
            .unwrap()
            .last()
            .unwrap()
    };
    assert!(matches!(
        last(Mode::Tools),
        Err(Error::StreamInterrupted { .. })
    ));
    match last(Mode::Json) {
        Err(Error::ContentFilter { categories, .. }) => assert_eq!(categories, ["violence"]),
        other => panic!("{other:?}"),
    }
    assert!(matches!(last(Mode::Json), Err(Error::Truncated)));
    match last(Mode::Json) {
        Err(Error::ContentFilter { categories, .. }) => assert_eq!(categories, ["hate"]),
        other => panic!("{other:?}"),
    }
}

#[test]
fn iterable_yields_each_item_as_it_completes_in_every_list_mode() {
    let list = r#"{"items": [{"name": "Jason", "age": 25, "bio": null}, {"name": "Sarah", "age": 30, "bio": "Uses } and { in \"strings\""},{"name": "Mike", "age": 28, "bio": null}]}"#;
    for mode in [
        Mode::Tools,
        Mode::ToolsStrict,
        Mode::Json,
        Mode::JsonSchema,
        Mode::MdJson,
    ] {
        let chunks = match mode {
            Mode::Tools | Mode::ToolsStrict => testing::tool_call_chunks("UserList", list, 3),
            Mode::MdJson => testing::content_chunks(&format!("```json\n{list}\n```"), 3),
            _ => testing::content_chunks(list, 3),
        };
        let transport = ScriptedTransport::new().stream(chunks);
        let client = Client::new(transport).with_mode(mode);
        let users: Vec<User> = client
            .create_iterable::<User>(request())
            .unwrap()
            .map(|u| u.unwrap())
            .collect();
        let names: Vec<&str> = users.iter().map(|u| u.name.as_str()).collect();
        assert_eq!(names, ["Jason", "Sarah", "Mike"], "{mode}");
        assert_eq!(users[1].bio.as_deref(), Some("Uses } and { in \"strings\""));
    }
}

#[test]
fn iterable_yields_the_first_item_before_the_stream_ends() {
    let list = r#"{"items": [{"name": "Jason", "age": 25}, {"name": "Sarah", "age": 30}]}"#;
    let mut chunks = testing::tool_call_chunks("UserList", list, 3);
    let cut_at = chunks.len() - 6;
    let mut items: Vec<Result<Value, Error>> = chunks.drain(..cut_at).map(Ok).collect();
    items.push(Err(Error::StreamInterrupted {
        message: "cut".into(),
    }));
    let client = Client::new(ScriptedTransport::new().stream_raw(items));
    let got: Vec<Result<User, Error>> =
        client.create_iterable::<User>(request()).unwrap().collect();
    assert_eq!(got[0].as_ref().unwrap().name, "Jason");
    assert!(matches!(
        got.last(),
        Some(Err(Error::StreamInterrupted { .. }))
    ));
}

#[test]
fn iterable_reask_does_not_repeat_items_already_yielded() {
    let first = r#"{"items": [{"name": "Jason", "age": 25}, {"name": "Sarah", "age": 300}]}"#;
    let second = r#"{"items": [{"name": "Jason", "age": 25}, {"name": "Sarah", "age": 30}]}"#;
    let transport = ScriptedTransport::new()
        .stream(testing::tool_call_chunks("UserList", first, 7))
        .stream(testing::tool_call_chunks("UserList", second, 7));
    let client = Client::new(transport.clone()).max_retries(1);
    let users: Vec<User> = client
        .create_iterable::<User>(request())
        .unwrap()
        .map(|u| u.unwrap())
        .collect();
    assert_eq!(
        users
            .iter()
            .map(|u| (u.name.as_str(), u.age))
            .collect::<Vec<_>>(),
        [("Jason", 25), ("Sarah", 30)]
    );
    assert_eq!(transport.requests().len(), 2);
    let retry = transport.requests()[1]["messages"]
        .as_array()
        .unwrap()
        .last()
        .unwrap()
        .clone();
    assert!(
        retry["content"].as_str().unwrap().contains("items[1].age"),
        "{retry}"
    );
}

fn parallel_chunks() -> Vec<Value> {
    // Two calls, streamed one after the other with their own indexes.
    let mut out = testing::tool_call_chunks("User", r#"{"name": "Jason", "age": 25}"#, 6);
    let second = testing::tool_call_chunks("User", r#"{"name": "Sarah", "age": 30}"#, 6);
    let tail = out.split_off(out.len() - 2);
    for mut c in second
        .into_iter()
        .skip(1)
        .take_while(|c| c["choices"][0]["finish_reason"].is_null())
    {
        if let Some(calls) = c.pointer_mut("/choices/0/delta/tool_calls/0") {
            calls["index"] = json!(1);
            if calls.get("id").is_some() {
                calls["id"] = json!("call_2");
            }
        }
        out.push(c);
    }
    out.extend(tail);
    out
}

#[test]
fn parallel_tools_stream_each_call_as_an_item() {
    let client = Client::new(ScriptedTransport::new().stream(parallel_chunks()))
        .with_mode(Mode::ParallelTools);
    let tools: Vec<Tool> = client
        .create_iterable::<Tool>(request())
        .unwrap()
        .map(|t| t.unwrap())
        .collect();
    assert_eq!(tools.len(), 2);
    assert!(matches!(&tools[1], Tool::User(u) if u.name == "Sarah"));
}

#[tokio::test]
async fn the_async_streams_do_the_same() {
    let list = r#"{"items": [{"name": "Jason", "age": 25}, {"name": "Sarah", "age": 30}]}"#;
    let transport = ScriptedTransport::new()
        .stream(testing::tool_call_chunks("User", JASON, 4))
        .stream(testing::tool_call_chunks("UserList", list, 4))
        .stream(parallel_chunks());
    let client = AsyncClient::new(transport);
    let mut stream = client.create_partial::<User>(request()).unwrap();
    let mut partials = Vec::new();
    while let Some(p) = stream.next().await {
        partials.push(p.unwrap());
    }
    assert!(partials.len() > 5);
    assert_eq!(stream.take_final().unwrap().age, 25);
    let users: Vec<User> = client
        .create_iterable::<User>(request())
        .unwrap()
        .map(|u| u.unwrap())
        .collect()
        .await;
    assert_eq!(users.len(), 2);
    drop(stream);
    let client = client.with_mode(Mode::ParallelTools);
    let tools: Vec<Tool> = client
        .create_iterable::<Tool>(request())
        .unwrap()
        .map(|u| u.unwrap())
        .collect()
        .await;
    assert_eq!(tools.len(), 2);
}

#[tokio::test]
async fn into_final_drains_the_stream() {
    let client =
        AsyncClient::new(ScriptedTransport::new().stream(testing::content_chunks(JASON, 3)))
            .with_mode(Mode::JsonSchema);
    let user = client
        .create_partial::<User>(request())
        .unwrap()
        .into_final()
        .await
        .unwrap();
    assert_eq!(user.name, "Jason");
}

#[test]
fn the_extract_shortcuts_use_the_default_deployment() {
    let transport = ScriptedTransport::new()
        .default_model("dep")
        .reply(testing::tool_call_completion("User", JASON))
        .stream(testing::tool_call_chunks("User", JASON, 4))
        .stream(testing::tool_call_chunks(
            "UserList",
            &format!("{{\"items\": [{JASON}]}}"),
            4,
        ));
    let client = Client::new(transport.clone());
    assert_eq!(User::extract(&client, "Jason is 25").unwrap().age, 25);
    assert!(
        User::extract_partial(&client, "Jason is 25")
            .unwrap()
            .count()
            > 3
    );
    assert_eq!(
        User::extract_iterable(&client, "Jason is 25")
            .unwrap()
            .count(),
        1
    );
    assert!(transport.requests().iter().all(|b| b["model"] == "dep"));
}

#[tokio::test]
async fn the_extract_shortcuts_work_on_the_async_client() {
    let transport = ScriptedTransport::new()
        .default_model("dep")
        .reply(testing::tool_call_completion("User", JASON))
        .stream(testing::tool_call_chunks("User", JASON, 4));
    let client = AsyncClient::new(transport);
    assert_eq!(User::extract(&client, "Jason is 25").await.unwrap().age, 25);
    assert_eq!(
        User::extract_partial(&client, "Jason")
            .unwrap()
            .into_final()
            .await
            .unwrap()
            .age,
        25
    );
}

#[test]
fn large_values_coalesce_partials_and_still_show_the_last_change() {
    let bio = "Loves Rust. ".repeat(4000);
    let json = serde_json::to_string(&json!({"name": "Jason", "age": 25, "bio": bio})).unwrap();
    let client =
        Client::new(ScriptedTransport::new().stream(testing::tool_call_chunks("User", &json, 4)));
    let mut stream = client.create_partial::<User>(request()).unwrap();
    let partials: Vec<PartialUser> = (&mut stream).map(|p| p.unwrap()).collect();
    // About 2,000 changes below 8 KiB; above it, one partial per 1/16 of growth.
    assert!(partials.len() < 2_200, "{} partials", partials.len());
    assert!(partials.len() > 100);
    assert_eq!(partials.last().unwrap().bio.as_deref(), Some(bio.as_str()));
    assert_eq!(stream.take_final().unwrap().bio.unwrap(), bio);
}
