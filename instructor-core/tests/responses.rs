//! The Responses API modes through the scripted transport: bodies valid against OpenAI's
//! `CreateResponse`, replies and streams read (incomplete, failed, refusal, error events),
//! re-asks in both forms, usage details summed, capability checks; blocking and async.

use std::sync::OnceLock;

use futures::StreamExt;
use instructor_core::testing::{self, ScriptedTransport};
use instructor_core::{
    AsyncClient, ChunkIter, Client, Endpoint, Error, Feature, Instructor, Mode, ReasoningEffort,
    Request, Transport, ValidationErrors,
};
use proptest::prelude::*;
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

#[derive(Debug, Clone, PartialEq, Deserialize)]
struct User {
    name: String,
    age: u32,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
struct PartialUser {
    name: Option<String>,
    age: Option<u32>,
}

impl Instructor for User {
    type Partial = PartialUser;
    fn schema_name() -> String {
        "User".into()
    }
    fn description() -> Option<String> {
        Some("A person mentioned in the text.".into())
    }
    fn json_schema() -> Value {
        json!({"type": "object", "properties": {"name": {"type": "string"}, "age": {"type": "integer"}},
               "required": ["name", "age"]})
    }
    fn json_schema_strict() -> Value {
        json!({"type": "object", "additionalProperties": false,
               "properties": {"name": {"type": "string"}, "age": {"type": "integer"}},
               "required": ["name", "age"]})
    }
    fn validate(&self) -> Result<(), ValidationErrors> {
        let mut e = ValidationErrors::new();
        if self.age > 150 {
            e.push("age", "must be at most 150");
        }
        e.into_result()
    }
}

const MODES: [Mode; 2] = [Mode::ResponsesTools, Mode::ResponsesJsonSchema];

fn request() -> Request {
    Request::new("gpt-5-mini")
        .system("You extract people.")
        .user("Jason is 25 years old.")
}

/// The reply of `mode` carrying `json`.
fn reply(mode: Mode, json: &str) -> Value {
    match mode {
        Mode::ResponsesTools => testing::response_function_call("User", json),
        _ => testing::response_text(json),
    }
}

fn events(mode: Mode, json: &str, size: usize) -> Vec<Value> {
    match mode {
        Mode::ResponsesTools => testing::response_function_call_events("User", json, size),
        _ => testing::response_text_events(json, size),
    }
}

/// OpenAI's `CreateResponse` schema, with the whole spec as the root its `$ref`s resolve in.
fn create_response_validator() -> &'static jsonschema::Validator {
    static VALIDATOR: OnceLock<jsonschema::Validator> = OnceLock::new();
    VALIDATOR.get_or_init(|| {
        let path = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../shared/openai/openapi.yaml"
        );
        let text = std::fs::read_to_string(path).expect("../shared/openai/openapi.yaml");
        // Integers past i64 (the spec's `seed` bounds) are read as floats.
        let huge = regex::Regex::new(r"(?m)(:\s*-?)(\d{19,})\s*$").unwrap();
        let text = huge.replace_all(&text, "${1}${2}.0");
        let yaml: serde_norway::Value = serde_norway::from_str(&text).expect("the spec parses");
        let mut spec = to_json(yaml);
        spec["$ref"] = json!("#/components/schemas/CreateResponse");
        jsonschema::options()
            .should_validate_formats(false)
            .build(&spec)
            .expect("CreateResponse compiles")
    })
}

/// YAML to JSON; a number JSON cannot hold exactly (the spec's `seed` bounds) becomes a float.
fn to_json(yaml: serde_norway::Value) -> Value {
    use serde_norway::Value as Y;
    match yaml {
        Y::Null => Value::Null,
        Y::Bool(b) => Value::Bool(b),
        Y::Number(n) => n
            .as_i64()
            .map(Value::from)
            .or_else(|| n.as_u64().map(Value::from))
            .or_else(|| {
                n.as_f64()
                    .and_then(serde_json::Number::from_f64)
                    .map(Value::Number)
            })
            .unwrap_or(Value::Null),
        Y::String(s) => Value::String(s),
        Y::Sequence(items) => Value::Array(items.into_iter().map(to_json).collect()),
        Y::Mapping(map) => Value::Object(
            map.into_iter()
                .filter_map(|(k, v)| k.as_str().map(|k| (k.to_owned(), to_json(v))))
                .collect(),
        ),
        Y::Tagged(tagged) => to_json(tagged.value),
    }
}

fn assert_valid_create_response(body: &Value) {
    let errors: Vec<String> = create_response_validator()
        .iter_errors(body)
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .collect();
    assert!(errors.is_empty(), "{body:#}\n{errors:#?}");
}

#[test]
fn bodies_are_responses_api_requests() {
    for mode in MODES {
        let transport =
            ScriptedTransport::new().reply(reply(mode, r#"{"name": "Jason", "age": 25}"#));
        let client = Client::new(transport.clone()).with_mode(mode);
        let user: User = client
            .create(request().max_tokens(300).temperature(0.0).end_user("u-1"))
            .unwrap();
        assert_eq!(user.age, 25);
        let body = &transport.requests()[0];
        assert_eq!(body["model"], "gpt-5-mini");
        assert_eq!(body["instructions"], "You extract people.");
        assert_eq!(
            body["input"],
            json!([{"type": "message", "role": "user", "content": "Jason is 25 years old."}])
        );
        assert_eq!(body["max_output_tokens"], 300);
        assert!(body.get("messages").is_none() && body.get("max_tokens").is_none());
        match mode {
            Mode::ResponsesTools => {
                let tool = &body["tools"][0];
                assert_eq!(tool["type"], "function");
                assert_eq!(tool["name"], "User");
                assert_eq!(tool["strict"], true);
                assert_eq!(tool["parameters"]["additionalProperties"], false);
                assert_eq!(
                    body["tool_choice"],
                    json!({"type": "function", "name": "User"})
                );
                assert_eq!(body["parallel_tool_calls"], false);
            }
            _ => {
                let format = &body["text"]["format"];
                assert_eq!(format["type"], "json_schema");
                assert_eq!(format["name"], "User");
                assert_eq!(format["strict"], true);
                assert_eq!(format["schema"]["additionalProperties"], false);
            }
        }
        assert_valid_create_response(body);
        // The check has teeth: a body the spec refuses is refused.
        let mut broken = body.clone();
        broken["input"] = json!(42);
        assert!(!create_response_validator().is_valid(&broken));
    }
}

#[test]
fn a_reasoning_request_names_its_effort_and_refuses_sampling() {
    let transport = ScriptedTransport::new().reply(reply(
        Mode::ResponsesTools,
        r#"{"name": "Jason", "age": 25}"#,
    ));
    let client = Client::new(transport.clone()).with_mode(Mode::ResponsesTools);
    client
        .create::<User>(
            request()
                .reasoning_effort(ReasoningEffort::Low)
                .max_completion_tokens(900),
        )
        .unwrap();
    let body = &transport.requests()[0];
    assert_eq!(body["reasoning"], json!({"effort": "low"}));
    assert_eq!(body["max_output_tokens"], 900);
    assert_valid_create_response(body);
    let error = client
        .create::<User>(
            request()
                .reasoning_effort(ReasoningEffort::High)
                .temperature(0.2),
        )
        .unwrap_err();
    assert!(
        matches!(&error, Error::Configuration(m) if m.contains("temperature")),
        "{error}"
    );
    let error = client.create::<User>(request().stop("\n")).unwrap_err();
    assert!(
        matches!(&error, Error::Configuration(m) if m.contains("stop")),
        "{error}"
    );
}

#[test]
fn chat_bodies_carry_reasoning_effort_too() {
    let transport = ScriptedTransport::new().reply(testing::tool_call_completion(
        "User",
        r#"{"name": "Jason", "age": 25}"#,
    ));
    let client = Client::new(transport.clone());
    client
        .create::<User>(request().reasoning_effort(ReasoningEffort::Medium))
        .unwrap();
    assert_eq!(transport.requests()[0]["reasoning_effort"], "medium");
    let old = ScriptedTransport::new().without(
        Feature::ReasoningEffort,
        "Azure OpenAI api-version 2024-10-21",
        Some("2024-12-01-preview"),
    );
    let error = Client::new(old)
        .create::<User>(request().reasoning_effort(ReasoningEffort::Low))
        .unwrap_err();
    assert!(matches!(error, Error::Unsupported { .. }), "{error}");
}

#[test]
fn replies_are_read_with_usage_details_and_the_response_kept() {
    for mode in MODES {
        let transport =
            ScriptedTransport::new().reply(reply(mode, r#"{"name": "Jason", "age": 25}"#));
        let (user, completion) = Client::new(transport)
            .with_mode(mode)
            .create_with_completion::<User>(request())
            .unwrap();
        assert_eq!(
            user,
            User {
                name: "Jason".into(),
                age: 25
            }
        );
        let usage = completion.usage.unwrap();
        assert_eq!((usage.prompt_tokens, usage.completion_tokens), (10, 5));
        assert_eq!(usage.prompt_tokens_details.cached_tokens, 4);
        assert_eq!(usage.completion_tokens_details.reasoning_tokens, 2);
        let response = completion.response.expect("the response, whole");
        assert_eq!(response.id, "resp_scripted");
        assert_eq!(
            response
                .usage
                .unwrap()
                .output_tokens_details
                .reasoning_tokens,
            2
        );
    }
}

#[test]
fn an_incomplete_response_is_an_error_never_a_short_value() {
    let mut cut = testing::response_text(r#"{"name": "Jas"#);
    cut["status"] = json!("incomplete");
    cut["incomplete_details"] = json!({"reason": "max_output_tokens"});
    let mut filtered = testing::response_text("");
    filtered["status"] = json!("incomplete");
    filtered["incomplete_details"] = json!({"reason": "content_filter"});
    let mut failed = testing::response_text("");
    failed["status"] = json!("failed");
    failed["error"] = json!({"code": "server_error", "message": "The model failed."});
    let refusal = json!({"id": "resp_r", "status": "completed", "output": [{"type": "message",
        "role": "assistant", "content": [{"type": "refusal", "refusal": "I can't help with that."}]}]});
    let transport = ScriptedTransport::new()
        .reply(cut)
        .reply(filtered)
        .reply(failed)
        .reply(refusal);
    let client = Client::new(transport)
        .with_mode(Mode::ResponsesJsonSchema)
        .max_retries(3);
    let truncated = client.create::<User>(request()).unwrap_err();
    assert!(matches!(truncated, Error::Truncated), "{truncated}");
    let filtered = client.create::<User>(request()).unwrap_err();
    assert!(
        matches!(filtered, Error::ContentFilter { .. }),
        "{filtered}"
    );
    let failed = client.create::<User>(request()).unwrap_err();
    assert!(
        matches!(&failed, Error::Api { code: Some(c), message, .. } if c == "server_error" && message == "The model failed."),
        "{failed}"
    );
    let refused = client.create::<User>(request()).unwrap_err();
    assert!(
        matches!(&refused, Error::Refusal(r) if r.contains("can't help")),
        "{refused}"
    );
}

#[test]
fn a_tools_reask_sends_the_output_items_and_a_function_call_output() {
    let mut bad = testing::response_function_call("User", r#"{"name": "Jason", "age": 300}"#);
    // A reasoning model's output: the reasoning item goes back with the call.
    bad["output"]
        .as_array_mut()
        .unwrap()
        .insert(0, json!({"type": "reasoning", "id": "rs_1", "summary": []}));
    let transport = ScriptedTransport::new()
        .reply(bad)
        .reply(testing::response_function_call(
            "User",
            r#"{"name": "Jason", "age": 25}"#,
        ));
    let client = Client::new(transport.clone())
        .with_mode(Mode::ResponsesTools)
        .max_retries(1);
    let (user, completion) = client.create_with_completion::<User>(request()).unwrap();
    assert_eq!(user.age, 25);
    assert_eq!(
        completion.usage.unwrap().total_tokens,
        30,
        "usage summed over attempts"
    );
    assert_eq!(
        completion
            .usage
            .unwrap()
            .prompt_tokens_details
            .cached_tokens,
        8
    );
    let second = &transport.requests()[1];
    let input = second["input"].as_array().unwrap();
    let kinds: Vec<&str> = input.iter().map(|i| i["type"].as_str().unwrap()).collect();
    assert_eq!(
        kinds,
        [
            "message",
            "reasoning",
            "function_call",
            "function_call_output"
        ]
    );
    assert_eq!(input[3]["call_id"], "call_1");
    assert!(
        input[3]["output"].as_str().unwrap().contains("`age`"),
        "{:#}",
        input[3]
    );
    assert!(second.get("previous_response_id").is_none());
    assert_valid_create_response(second);
}

#[test]
fn a_json_schema_reask_sends_the_message_item_and_a_user_message() {
    let transport = ScriptedTransport::new()
        .reply(testing::response_text(r#"{"name": "Jason", "age": 300}"#))
        .reply(testing::response_text(r#"{"name": "Jason", "age": 25}"#));
    let client = Client::new(transport.clone())
        .with_mode(Mode::ResponsesJsonSchema)
        .max_retries(1);
    assert_eq!(client.create::<User>(request()).unwrap().age, 25);
    let second = &transport.requests()[1];
    let input = second["input"].as_array().unwrap();
    assert_eq!(input.len(), 3, "{input:#?}");
    assert_eq!(input[1]["type"], "message");
    assert_eq!(input[1]["role"], "assistant");
    assert_eq!(input[2]["role"], "user");
    assert!(input[2]["content"]
        .as_str()
        .unwrap()
        .contains("at most 150"));
    assert_valid_create_response(second);
}

#[tokio::test]
async fn a_stored_conversation_reasks_by_previous_response_id_async() {
    let transport = ScriptedTransport::new()
        .reply(testing::response_function_call(
            "User",
            r#"{"name": "Jason", "age": 300}"#,
        ))
        .reply(testing::response_function_call(
            "User",
            r#"{"name": "Jason", "age": 25}"#,
        ));
    let client = AsyncClient::new(transport.clone())
        .with_mode(Mode::ResponsesTools)
        .max_retries(1);
    let user = client.create::<User>(request().store(true)).await.unwrap();
    assert_eq!(user.age, 25);
    let first = &transport.requests()[0];
    assert_eq!(first["store"], true);
    let second = &transport.requests()[1];
    assert_eq!(second["previous_response_id"], "resp_scripted");
    let input = second["input"].as_array().unwrap();
    assert_eq!(
        input.len(),
        1,
        "only the answer: the service holds the rest"
    );
    assert_eq!(input[0]["type"], "function_call_output");
    assert_eq!(input[0]["call_id"], "call_1");
    assert_valid_create_response(second);
}

#[test]
fn streams_of_both_modes_grow_partials_and_validate_the_end() {
    for mode in MODES {
        let transport = ScriptedTransport::new()
            .stream(events(mode, r#"{"name": "Jason", "age": 300}"#, 5))
            .stream(events(mode, r#"{"name": "Jason", "age": 25}"#, 5));
        let client = Client::new(transport.clone())
            .with_mode(mode)
            .max_retries(1);
        let mut stream = client.create_partial::<User>(request()).unwrap();
        let partials: Vec<PartialUser> = stream.by_ref().map(Result::unwrap).collect();
        assert!(partials
            .iter()
            .any(|p| p.name.as_deref() == Some("Jason") && p.age.is_none()));
        assert_eq!(stream.take_final().unwrap().age, 25, "{mode}");
        let body = &transport.requests()[0];
        assert_eq!(body["stream"], true);
        assert!(
            body.get("stream_options").is_none(),
            "Responses streams carry usage anyway"
        );
        assert_valid_create_response(body);
    }
}

#[tokio::test]
async fn iterables_stream_on_the_responses_api_async() {
    let list = r#"{"items": [{"name": "Jason", "age": 25}, {"name": "Sarah", "age": 30}]}"#;
    for mode in MODES {
        let events = match mode {
            Mode::ResponsesTools => testing::response_function_call_events("UserList", list, 7),
            _ => testing::response_text_events(list, 7),
        };
        let client = AsyncClient::new(ScriptedTransport::new().stream(events)).with_mode(mode);
        let users: Vec<User> = client
            .create_iterable::<User>(request())
            .unwrap()
            .map(Result::unwrap)
            .collect()
            .await;
        assert_eq!(users.len(), 2, "{mode}");
        assert_eq!(users[1].name, "Sarah");
    }
}

#[test]
fn stream_endings_incomplete_failed_error_and_cut() {
    let json = r#"{"name": "Jason", "age": 25}"#;
    let with_last = |last: Value| {
        let mut events = testing::response_text_events(json, 6);
        *events.last_mut().unwrap() = last;
        events
    };
    let mut incomplete = testing::response_text(json);
    incomplete["status"] = json!("incomplete");
    incomplete["incomplete_details"] = json!({"reason": "max_output_tokens"});
    let mut failed = testing::response_text("");
    failed["status"] = json!("failed");
    failed["error"] = json!({"code": "rate_limit_exceeded", "message": "Slow down."});
    let mut cut = testing::response_text_events(json, 6);
    cut.pop();
    let transport = ScriptedTransport::new()
        .stream(with_last(
            json!({"type": "response.incomplete", "sequence_number": 99, "response": incomplete}),
        ))
        .stream(with_last(
            json!({"type": "response.failed", "sequence_number": 99, "response": failed}),
        ))
        .stream(with_last(
            json!({"type": "error", "sequence_number": 99, "code": "content_filter",
                                 "message": "filtered", "param": null}),
        ))
        .stream(cut);
    let client = Client::new(transport).with_mode(Mode::ResponsesJsonSchema);
    let last = |client: &Client<ScriptedTransport>| {
        client
            .create_partial::<User>(request())
            .unwrap()
            .last()
            .unwrap()
    };
    assert!(matches!(last(&client), Err(Error::Truncated)));
    assert!(
        matches!(last(&client), Err(Error::Api { code: Some(c), .. }) if c == "rate_limit_exceeded")
    );
    assert!(matches!(last(&client), Err(Error::ContentFilter { .. })));
    assert!(matches!(
        last(&client),
        Err(Error::StreamInterrupted { .. })
    ));
}

#[test]
fn a_service_without_the_responses_api_is_refused_before_sending() {
    let transport = ScriptedTransport::new().without(
        Feature::Responses,
        "Azure OpenAI api-version 2024-10-21",
        Some("v1"),
    );
    let error = Client::new(transport.clone())
        .with_mode(Mode::ResponsesTools)
        .create::<User>(request())
        .unwrap_err();
    let text = error.to_string();
    assert!(matches!(error, Error::Unsupported { .. }), "{text}");
    assert!(text.contains("Mode::Tools works"), "{text}");
    assert!(transport.requests().is_empty());
}

#[test]
fn the_body_says_where_it_goes() {
    struct Endpoints(std::sync::Mutex<Vec<Endpoint>>);
    impl Transport for Endpoints {
        fn send(&self, _: &Value) -> instructor_core::Result<String> {
            unreachable!("send_request is overridden")
        }
        fn stream(&self, _: &Value) -> instructor_core::Result<ChunkIter> {
            unreachable!("not streamed")
        }
        fn send_request(
            &self,
            body: &instructor_core::RequestBody,
        ) -> instructor_core::Result<String> {
            self.0.lock().unwrap().push(body.endpoint());
            Ok(match body.endpoint() {
                Endpoint::Responses => testing::response_text(r#"{"name": "A", "age": 1}"#),
                Endpoint::ChatCompletions => {
                    testing::content_completion(r#"{"name": "A", "age": 1}"#)
                }
            }
            .to_string())
        }
    }
    let client = Client::new(Endpoints(Default::default()));
    for mode in [Mode::JsonSchema, Mode::ResponsesJsonSchema] {
        let user: User = client.clone().with_mode(mode).create(request()).unwrap();
        assert_eq!(user.age, 1);
    }
    assert_eq!(
        *client.transport().0.lock().unwrap(),
        [Endpoint::ChatCompletions, Endpoint::Responses]
    );
}

/// The SSE bytes of a Responses API stream (with `event:` lines, as the service sends them).
fn sse_bytes(events: &[Value]) -> Vec<u8> {
    let mut out = Vec::new();
    for e in events {
        out.extend_from_slice(
            format!("event: {}\ndata: {e}\n\n", e["type"].as_str().unwrap()).as_bytes(),
        );
    }
    out
}

/// Streams the data of each event of SSE bytes cut at the given places.
struct Wire {
    bytes: Vec<u8>,
    cuts: Vec<usize>,
}

impl Transport for Wire {
    fn send(&self, _: &Value) -> instructor_core::Result<String> {
        unreachable!("streams only")
    }
    fn stream(&self, _: &Value) -> instructor_core::Result<ChunkIter> {
        let mut decoder = instructor_core::stream::sse::SseDecoder::new();
        let mut data = Vec::new();
        let mut start = 0;
        for &cut in self.cuts.iter().chain(std::iter::once(&self.bytes.len())) {
            let cut = cut.clamp(start, self.bytes.len());
            for event in decoder.feed(&self.bytes[start..cut]) {
                if let instructor_core::stream::sse::SseEvent::Data(d) = event {
                    data.push(Ok(d));
                }
            }
            start = cut;
        }
        if let Some(instructor_core::stream::sse::SseEvent::Data(d)) = decoder.finish() {
            data.push(Ok(d));
        }
        Ok(Box::new(data.into_iter()))
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 300, ..ProptestConfig::default() })]

    /// Responses streams split at arbitrary byte boundaries read the same value, in both modes.
    #[test]
    fn streams_split_anywhere_read_the_same(
        mut cuts in proptest::collection::vec(0usize..2_000, 0..40),
        tools in any::<bool>(),
        size in 1usize..9,
    ) {
        let mode = if tools { Mode::ResponsesTools } else { Mode::ResponsesJsonSchema };
        let bytes = sse_bytes(&events(mode, r#"{"name": "Zoë \"Z\" Ünal", "age": 41}"#, size));
        cuts.sort_unstable();
        let client = Client::new(Wire { bytes, cuts }).with_mode(mode);
        let user = client.create_partial::<User>(request()).unwrap().into_final().unwrap();
        prop_assert_eq!(user, User { name: "Zoë \"Z\" Ünal".into(), age: 41 });
    }
}
