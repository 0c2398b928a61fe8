//! The batch pieces against `create`: every line carries exactly the body `create` sends, each
//! round's follow-up line exactly `create`'s next body, and output lines end as `create` ends.

use instructor_core::batch::{
    input_line_id, write_follow_up_line, write_input_line, BatchCodec, BatchService, Read,
};
use instructor_core::settings::Settings;
use instructor_core::testing::{self, ScriptedTransport};
use instructor_core::{
    Api, Client, Error, Feature, Instructor, Mode, Request, Support, ValidationErrors,
};
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
    fn json_schema() -> Value {
        json!({"type": "object", "title": "User",
               "properties": {"name": {"type": "string"}, "age": {"type": "integer", "minimum": 0}},
               "required": ["name", "age"]})
    }
    fn json_schema_strict() -> Value {
        json!({"type": "object", "title": "User", "additionalProperties": false,
               "properties": {"name": {"type": "string"}, "age": {"type": "integer"}},
               "required": ["name", "age"]})
    }
    fn validate(&self) -> Result<(), ValidationErrors> {
        let mut e = ValidationErrors::new();
        if self.name.chars().next().is_some_and(char::is_lowercase) {
            e.push("name", "must start with a capital letter");
        }
        e.into_result()
    }
}

/// A deployment that accepts everything, or lacks one feature.
struct Deployment(Option<Feature>);

impl BatchService for Deployment {
    fn default_model(&self) -> Option<&str> {
        Some("batch-deployment")
    }
    fn supports(&self, feature: Feature) -> Support {
        if self.0 == Some(feature) {
            Support::No {
                by: "this test".into(),
                since: None,
            }
        } else {
            Support::Yes
        }
    }
}

fn settings(mode: Mode, max_retries: u32) -> Settings {
    Settings {
        mode,
        max_retries,
        ..Settings::default()
    }
}

fn reply(mode: Mode, json: &str) -> Value {
    match mode {
        Mode::Tools | Mode::ToolsStrict => testing::tool_call_completion("User", json),
        Mode::Functions => testing::function_call_completion("User", json),
        Mode::MdJson => testing::content_completion(&format!("```json\n{json}\n```")),
        _ => testing::content_completion(json),
    }
}

fn output_line(custom_id: &str, completion: &Value) -> String {
    json!({"id": "batch_req_1", "custom_id": custom_id,
           "response": {"status_code": 200, "request_id": "r", "body": completion}, "error": null})
    .to_string()
}

fn no_mapping(status: u16, body: &Value, _: Option<String>) -> Error {
    Error::Api {
        status,
        code: None,
        message: body.to_string(),
        request_id: None,
    }
}

fn request() -> Request {
    Request::new("gpt-4o-mini")
        .user("Jason is 25 years old")
        .temperature(0.0)
}

#[test]
fn every_round_sends_what_create_sends_and_ends_as_create_ends() {
    // The chat-completions modes (batches run chat completions), one value each.
    let single_modes = Mode::ALL
        .into_iter()
        .filter(|m| m.api() == Api::ChatCompletions && *m != Mode::ParallelTools);
    for mode in single_modes {
        let replies = [
            reply(mode, r#"{"name": "Jason", "age": "#),
            reply(mode, r#"{"name": "jason", "age": 25}"#),
            reply(mode, r#"{"name": "Jason", "age": 25}"#),
        ];
        // `create`, over a transport that records what it sends.
        let transport = replies
            .iter()
            .fold(ScriptedTransport::new(), |t, r| t.reply(r.clone()));
        let client = Client::new(transport.clone())
            .with_mode(mode)
            .max_retries(2);
        let online: User = client.create(request()).unwrap();
        let sent = transport.requests();

        // The batch: round 0's line, then each follow-up built from the previous round's line.
        let codec = BatchCodec::<User>::single(settings(mode, 2));
        let body = codec.body(request(), &Deployment(None)).unwrap();
        let mut line = Vec::new();
        write_input_line(&mut line, "item-1", "/chat/completions", &body).unwrap();
        let mut reader = codec.reader();
        let mut outcome = None;
        for (round, reply) in replies.iter().enumerate() {
            let text = String::from_utf8(line.clone()).unwrap();
            let input: Value = serde_json::from_str(text.trim_end()).unwrap();
            assert_eq!(input["body"], sent[round], "{mode}, round {round}");
            assert_eq!(input["method"], "POST");
            reader.start_round(round as u32, round < 2);
            match reader.read_line(&output_line("item-1", reply), "batch_1", &no_mapping) {
                Read::Carried => {
                    let append = reader.reask_for("item-1").unwrap().to_vec();
                    line.clear();
                    write_follow_up_line(&mut line, text.trim_end(), &append).unwrap();
                    assert_eq!(input_line_id(&text).unwrap(), "item-1");
                }
                Read::Item(item) => outcome = Some(item),
                Read::Unreadable(e) => panic!("{e}"),
            }
        }
        let item = outcome.expect("the third round ends the item");
        assert_eq!(item.custom_id, "item-1");
        assert_eq!(item.result.unwrap(), online, "{mode}");
        assert_eq!(
            item.usage.total_tokens, 45,
            "{mode}: three attempts' tokens"
        );
        assert_eq!(reader.usage().total_tokens, 45);
        assert!(reader.unanswered().is_empty());
    }
}

#[test]
fn the_last_round_ends_what_it_would_reask_with_every_attempts_error() {
    let codec = BatchCodec::<User>::single(settings(Mode::Tools, 5));
    let mut reader = codec.reader();
    reader.start_round(0, true);
    let bad = reply(Mode::Tools, r#"{"name": "jason", "age": 25}"#);
    assert!(matches!(
        reader.read_line(&output_line("a", &bad), "b0", &no_mapping),
        Read::Carried
    ));
    assert_eq!(reader.carried(), 1);
    // No round follows round 1 (say, the job was cancelled): the re-ask is not sent.
    reader.start_round(1, false);
    assert_eq!(reader.unanswered(), vec!["a".to_owned()]);
    let Read::Item(item) = reader.read_line(&output_line("a", &bad), "b1", &no_mapping) else {
        panic!("ended")
    };
    match item.result {
        Err(Error::RetriesExhausted(e)) => {
            assert_eq!(e.attempts, 2);
            assert_eq!(e.errors.len(), 2);
            assert_eq!(e.usage.total_tokens, 30);
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn max_retries_bounds_the_rounds_as_it_bounds_create() {
    let codec = BatchCodec::<User>::single(settings(Mode::Tools, 1));
    let mut reader = codec.reader();
    let bad = reply(Mode::Tools, r#"{"name": "jason", "age": 25}"#);
    reader.start_round(0, true);
    assert!(matches!(
        reader.read_line(&output_line("a", &bad), "b0", &no_mapping),
        Read::Carried
    ));
    // Even with a round after it, the second attempt is the last one max_retries(1) allows.
    reader.start_round(1, true);
    let Read::Item(item) = reader.read_line(&output_line("a", &bad), "b1", &no_mapping) else {
        panic!("ended")
    };
    assert!(matches!(item.result, Err(Error::RetriesExhausted(ref e)) if e.attempts == 2));
    assert_eq!(reader.carried(), 0);
}

#[test]
fn failed_not_run_and_unreadable_lines() {
    let codec = BatchCodec::<User>::single(settings(Mode::Tools, 2));
    let mut reader = codec.reader();
    reader.start_round(0, true);
    let failed = json!({"custom_id": "f", "response": {"status_code": 500, "request_id": "q",
        "body": {"error": {"code": "server_error", "message": "boom"}}}, "error": null});
    let Read::Item(item) = reader.read_line(&failed.to_string(), "b", &no_mapping) else {
        panic!("ended")
    };
    assert!(
        matches!(item.result, Err(Error::Api { status: 500, ref message, .. }) if message.contains("boom"))
    );

    let expired = json!({"custom_id": "e", "response": null,
        "error": {"code": "batch_expired", "message": "This request could not be executed before the completion window expired."}});
    let Read::Item(item) = reader.read_line(&expired.to_string(), "b", &no_mapping) else {
        panic!("ended")
    };
    assert!(matches!(item.result,
        Err(Error::BatchNotRun { ref batch, ref status, .. }) if batch == "b" && status == "batch_expired"));

    let filtered = json!({"custom_id": "c", "response": {"status_code": 200, "body": {
        "choices": [{"index": 0, "finish_reason": "content_filter", "message": {"role": "assistant", "content": null},
                     "content_filter_results": {"violence": {"filtered": true, "severity": "high"}}}]}}});
    let Read::Item(item) = reader.read_line(&filtered.to_string(), "b", &no_mapping) else {
        panic!("ended")
    };
    assert!(
        matches!(item.result, Err(Error::ContentFilter { ref categories, .. }) if categories == &["violence"])
    );

    let not_a_completion =
        json!({"custom_id": "n", "response": {"status_code": 200, "body": {"hello": 1}}});
    let Read::Item(item) = reader.read_line(&not_a_completion.to_string(), "b", &no_mapping) else {
        panic!("ended")
    };
    assert!(
        matches!(item.result, Err(Error::Transport { .. })),
        "{:?}",
        item.result
    );

    assert!(matches!(
        reader.read_line("{\"custom_id\": \"trunc", "b", &no_mapping),
        Read::Unreadable(_)
    ));
    let item = reader.not_run("lost".into(), Error::parse("no line"));
    assert_eq!(item.custom_id, "lost");
    assert_eq!(reader.carried(), 0);
}

#[test]
fn create_refusals_refuse_the_line() {
    let codec = BatchCodec::<User>::single(settings(Mode::JsonSchema, 0));
    let err = codec
        .body(request(), &Deployment(Some(Feature::JsonSchema)))
        .unwrap_err();
    assert!(matches!(err, Error::Unsupported { .. }), "{err}");
    let streaming = request().extra("stream", json!(true));
    let err = BatchCodec::<User>::single(settings(Mode::Tools, 0))
        .body(streaming, &Deployment(None))
        .unwrap_err();
    assert!(err.to_string().contains("cannot stream"), "{err}");
    let body = BatchCodec::<User>::single(settings(Mode::Tools, 0))
        .body(
            Request::for_default_deployment().user("hi"),
            &Deployment(None),
        )
        .unwrap();
    assert_eq!(body.model(), Some("batch-deployment"));
    for mode in [Mode::ResponsesTools, Mode::ResponsesJsonSchema] {
        let err = BatchCodec::<User>::single(settings(mode, 0))
            .body(request(), &Deployment(None))
            .unwrap_err();
        assert!(
            err.to_string().contains("chat-completions mode"),
            "{mode}: {err}"
        );
    }
}
