//! Batch jobs against an in-process files + batches service (`batch/mock.rs`), blocking and
//! async, both URL forms: the happy path, statuses over several polls, resuming from saved ids,
//! cancelling, splitting, per-line errors, malformed lines, re-asks in follow-up rounds, and
//! `expired` and `failed` batches with partial results.

#[path = "batch/mock.rs"]
mod mock;

use std::sync::Arc;
use std::time::Duration;

use futures::StreamExt;
use instructor_azure::{
    AsyncAzureOpenAI, AzureOpenAI, BatchClient, BatchIds, BatchItem, BatchJob, BatchLimits,
    BatchStatus,
};
use instructor_core::{Error, Mode, Request};
use mock::{End, Line, Mock, Model, Script, DATED, KEY};
use serde_json::{json, Value};
use wiremock::matchers::any;
use wiremock::MockServer;

const DEPLOYMENT: &str = "gpt-4o-mini-batch";

/// A person mentioned in the text.
#[derive(instructor_derive::Instructor, serde::Deserialize, Debug, PartialEq)]
#[instructor(crate = "instructor_core")]
struct User {
    /// First name, capitalised.
    #[instructor(validate = capitalised)]
    name: String,
    /// Age in years.
    age: u32,
}

fn capitalised(name: &str) -> Result<(), String> {
    if name.chars().next().is_some_and(char::is_uppercase) {
        Ok(())
    } else {
        Err("must start with a capital letter".into())
    }
}

const PEOPLE: [(&str, u32); 5] = [
    ("Jason", 25),
    ("Sarah", 30),
    ("Omar", 41),
    ("Mei", 19),
    ("Lars", 67),
];

fn requests() -> Vec<Request> {
    PEOPLE
        .iter()
        .map(|(name, age)| {
            Request::for_default_deployment().user(format!("{name} is {age} years old"))
        })
        .collect()
}

fn tool_completion(arguments: &str) -> Value {
    json!({"id": "chatcmpl-1", "object": "chat.completion", "created": 1, "model": "gpt-4o-mini",
        "choices": [{"index": 0, "finish_reason": "stop", "message": {"role": "assistant", "content": null,
            "tool_calls": [{"id": "call_1", "type": "function",
                "function": {"name": "User", "arguments": arguments}}]}}],
        "usage": {"prompt_tokens": 10, "completion_tokens": 5, "total_tokens": 15}})
}

/// The reply in the form the line's mode reads: a tool call when it offers tools, else content.
fn answer(body: &Value, arguments: &Value) -> Line {
    let arguments = arguments.to_string();
    if body.get("tools").is_some() {
        return Line::Reply(tool_completion(&arguments));
    }
    Line::Reply(
        json!({"id": "chatcmpl-1", "object": "chat.completion", "created": 1, "model": "m",
        "choices": [{"index": 0, "finish_reason": "stop",
            "message": {"role": "assistant", "content": arguments}}],
        "usage": {"prompt_tokens": 10, "completion_tokens": 5, "total_tokens": 15}}),
    )
}

/// The first user message of a line's body: "NAME is AGE years old".
fn person(body: &Value) -> (String, u32) {
    let text = body["messages"]
        .as_array()
        .and_then(|m| m.iter().find(|m| m["role"] == "user"))
        .and_then(|m| m["content"].as_str())
        .unwrap_or_default()
        .to_owned();
    let mut words = text.split_whitespace();
    let name = words.next().unwrap_or_default().to_owned();
    let age = words.nth(1).and_then(|a| a.parse().ok()).unwrap_or(0);
    (name, age)
}

/// A model that answers every line right.
fn good() -> Model {
    Arc::new(|_, body, _| {
        let (name, age) = person(body);
        answer(body, &json!({"name": name, "age": age}))
    })
}

/// A model that writes Omar in lower case in round 0, and right afterwards.
fn lowercase_omar_first() -> Model {
    Arc::new(|_, body, round| {
        let (name, age) = person(body);
        let name = if name == "Omar" && round == 0 {
            "omar".to_owned()
        } else {
            name
        };
        answer(body, &json!({"name": name, "age": age}))
    })
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Runtime::new().unwrap()
}

async fn serve(mock: &Mock) -> MockServer {
    let server = MockServer::start().await;
    wiremock::Mock::given(any())
        .respond_with(mock.clone())
        .mount(&server)
        .await;
    server
}

fn blocking(uri: &str, version: &str) -> AzureOpenAI {
    AzureOpenAI::builder()
        .api_key(KEY)
        .api_version(version)
        .azure_endpoint(uri)
        .deployment(DEPLOYMENT)
        .build()
        .unwrap()
}

fn asynchronous(uri: &str, version: &str) -> AsyncAzureOpenAI {
    AsyncAzureOpenAI::builder()
        .api_key(KEY)
        .api_version(version)
        .azure_endpoint(uri)
        .deployment(DEPLOYMENT)
        .build()
        .unwrap()
}

const FAST: Duration = Duration::from_millis(5);

/// Every item by custom_id, in input order (`request-0` …).
fn by_id<O>(mut items: Vec<BatchItem<O>>) -> Vec<BatchItem<O>> {
    items.sort_by_key(|i| {
        i.custom_id
            .trim_start_matches("request-")
            .parse::<u32>()
            .unwrap_or(u32::MAX)
    });
    items
}

fn collect<O>(
    results: impl Iterator<Item = instructor_core::Result<BatchItem<O>>>,
) -> Vec<BatchItem<O>> {
    by_id(results.map(|r| r.expect("the files read")).collect())
}

fn assert_people(items: &[BatchItem<User>]) {
    assert_eq!(items.len(), PEOPLE.len());
    for (item, (name, age)) in items.iter().zip(PEOPLE) {
        let user = item.result.as_ref().expect("a valid User");
        assert_eq!(
            (user.name.as_str(), user.age),
            (name, age),
            "{}",
            item.custom_id
        );
    }
}

#[test]
fn happy_path_blocking_dated_form() {
    let rt = runtime();
    let mock = Mock::new(good(), vec![]);
    let server = rt.block_on(serve(&mock));
    let azure = blocking(&server.uri(), DATED);
    let client = instructor_core::from_openai(azure.clone()).max_retries(2);
    let mut job = client
        .batch::<User>()
        .poll_interval(FAST)
        .submit(requests())
        .unwrap();
    assert_eq!(job.ids().rounds.len(), 1);
    assert_eq!(job.ids().max_retries, 2, "the instructor client's settings");
    assert_eq!(job.ids().deployment, DEPLOYMENT);
    let mut seen = Vec::new();
    let last = job.wait(|p| seen.push(p.status.clone())).unwrap();
    assert_eq!(
        seen,
        [
            BatchStatus::InProgress,
            BatchStatus::Finalizing,
            BatchStatus::Completed
        ],
        "one status per poll"
    );
    assert_eq!(last.counts.total, 5);
    assert_eq!(last.counts.completed, 5);
    assert!(job.ids().settled);

    let mut results = job.results().unwrap();
    let items = collect(results.by_ref());
    assert_people(&items);
    assert!(items.iter().all(|i| i.usage.total_tokens == 15));
    assert_eq!(results.usage().total_tokens, 75);

    // What went over the wire: one multipart upload with purpose `batch`, lines in the
    // input format with the deployment as `model` and the mode's tool, one batch.
    let state = mock.state();
    assert_eq!(state.inputs.len(), 1);
    for (n, line) in state.inputs[0].iter().enumerate() {
        assert_eq!(line["custom_id"], format!("request-{n}"));
        assert_eq!(line["method"], "POST");
        assert_eq!(line["url"], "/chat/completions");
        assert_eq!(line["body"]["model"], DEPLOYMENT);
        assert_eq!(line["body"]["tools"][0]["function"]["name"], "User");
        assert_eq!(line["body"]["tool_choice"]["function"]["name"], "User");
    }
    drop(state);
    assert_eq!(mock.count("POST", "/openai/files"), 1);
    assert_eq!(mock.count("POST", "/openai/batches"), 1);
}

#[test]
fn lines_carry_exactly_the_body_create_sends() {
    let rt = runtime();
    let mock = Mock::new(good(), vec![]);
    let server = rt.block_on(serve(&mock));
    // `create` against a chat endpoint on another mock, in JsonSchema mode.
    let chat = rt.block_on(MockServer::start());
    rt.block_on(
        wiremock::Mock::given(any())
            .respond_with(wiremock::ResponseTemplate::new(200).set_body_json(json!({
                "id": "c", "object": "chat.completion", "created": 1, "model": "m",
                "choices": [{"index": 0, "finish_reason": "stop",
                    "message": {"role": "assistant", "content": "{\"name\":\"Jason\",\"age\":25}"}}]})))
            .mount(&chat),
    );
    let online =
        instructor_core::from_openai(blocking(&chat.uri(), DATED)).with_mode(Mode::JsonSchema);
    let request = Request::new(DEPLOYMENT)
        .system("Extract people.")
        .user("Jason is 25 years old")
        .temperature(0.0)
        .max_tokens(100);
    let _: User = online.create(request.clone()).unwrap();
    let sent: Value = {
        let received = rt.block_on(chat.received_requests()).unwrap();
        serde_json::from_slice(&received[0].body).unwrap()
    };
    let azure = blocking(&server.uri(), DATED);
    azure
        .batch::<User>()
        .with_mode(Mode::JsonSchema)
        .submit([("jason", request)])
        .unwrap();
    let mut line = mock.state().inputs[0][0]["body"].clone();
    // The dated form names the deployment in the URL online, in `model` in a batch.
    assert_eq!(line["model"], DEPLOYMENT);
    line.as_object_mut().unwrap().remove("model");
    assert_eq!(line, sent);
}

#[tokio::test]
async fn happy_path_async_v1_form() {
    let mock = Mock::new(good(), vec![]);
    let server = serve(&mock).await;
    let azure = asynchronous(&server.uri(), "v1");
    let mut job = azure
        .batch::<User>()
        .poll_interval(FAST)
        .submit(requests())
        .await
        .unwrap();
    let last = job.wait(|_| {}).await.unwrap();
    assert_eq!(last.status, BatchStatus::Completed);
    let mut results = job.results().unwrap();
    let mut items = Vec::new();
    while let Some(item) = results.next().await {
        items.push(item.unwrap());
    }
    assert_people(&by_id(items));
    assert_eq!(results.usage().total_tokens, 75);
    assert_eq!(mock.state().inputs[0][0]["url"], "/v1/chat/completions");
    assert_eq!(mock.count("POST", "/openai/v1/files"), 1);
    assert_eq!(mock.count("POST", "/openai/v1/batches"), 1);
}

#[test]
fn statuses_over_several_polls_and_a_file_still_processing() {
    let rt = runtime();
    let script = Script {
        steps: vec!["validating", "in_progress", "in_progress", "finalizing"],
        end: End::Completed,
    };
    let mock = Mock::new(good(), vec![script]);
    mock.state().pending_file_polls = 2;
    let server = rt.block_on(serve(&mock));
    let mut job = blocking(&server.uri(), DATED)
        .batch::<User>()
        .poll_interval(FAST)
        .submit(requests())
        .unwrap();
    // The upload answered `pending`: the batch was created only once the file was processed.
    assert_eq!(mock.count("GET", "/openai/files/"), 2);
    let mut seen = Vec::new();
    job.wait(|p| seen.push(p.status.as_str().to_owned()))
        .unwrap();
    assert_eq!(
        seen,
        [
            "validating",
            "in_progress",
            "in_progress",
            "finalizing",
            "completed"
        ]
    );
    assert_eq!(mock.count("GET", "/openai/batches/"), 5);
    assert_people(&collect(job.results().unwrap()));
}

#[test]
fn resume_from_saved_ids_in_a_new_client() {
    let rt = runtime();
    let mock = Mock::new(lowercase_omar_first(), vec![]);
    let server = rt.block_on(serve(&mock));
    let saved = {
        let mut job = blocking(&server.uri(), DATED)
            .batch::<User>()
            .max_retries(1)
            .with_mode(Mode::JsonSchema)
            .poll_interval(FAST)
            .submit(requests())
            .unwrap();
        job.status().unwrap();
        job.ids().to_json()
    };
    // Another process: a new client, the ids from disk, the builder's defaults.
    let ids = BatchIds::from_json(&saved).unwrap();
    assert_eq!(ids.mode, "Mode::JsonSchema");
    let azure = blocking(&server.uri(), DATED);
    let mut job = azure
        .batch::<User>()
        .poll_interval(FAST)
        .resume(ids)
        .unwrap();
    assert!(job.results().is_err(), "not finished yet");
    let mut submitted = None;
    job.wait(|p| {
        if let Some(ids) = &p.submitted {
            submitted = Some(ids.clone());
        }
    })
    .unwrap();
    // The saved job's own mode and max_retries(1): Omar re-asked once, in a follow-up round.
    let submitted = submitted.expect("a follow-up round");
    assert_eq!(submitted.rounds.len(), 2);
    assert_eq!(submitted.rounds, job.ids().rounds);
    assert_eq!(mock.state().inputs[1].len(), 1, "only Omar is re-asked");
    assert_people(&collect(job.results().unwrap()));
    // Resuming a settled job reads the same results again.
    let again = BatchJob::<User>::resume(&azure, job.ids().clone()).unwrap();
    assert_people(&collect(again.results().unwrap()));
}

#[test]
fn cancel_keeps_what_ran_and_reports_the_rest() {
    let rt = runtime();
    let script = Script {
        steps: vec!["in_progress"; 50],
        end: End::Completed,
    };
    let mock = Mock::new(lowercase_omar_first(), vec![script]);
    mock.state().ran_before_cancel = 3;
    let server = rt.block_on(serve(&mock));
    let mut job = blocking(&server.uri(), DATED)
        .batch::<User>()
        .max_retries(2)
        .poll_interval(FAST)
        .submit(requests())
        .unwrap();
    assert_eq!(job.status().unwrap().status, BatchStatus::InProgress);
    job.cancel().unwrap();
    assert!(job.ids().cancelled);
    let last = job.wait(|_| {}).unwrap();
    assert_eq!(last.status, BatchStatus::Cancelled);
    assert_eq!(
        mock.count("POST", "/openai/batches"),
        2,
        "create + cancel, no follow-up"
    );
    let items = collect(job.results().unwrap());
    assert_eq!(items.len(), 5);
    assert_eq!(items[0].result.as_ref().unwrap().name, "Jason");
    assert_eq!(items[1].result.as_ref().unwrap().name, "Sarah");
    // Omar's reply ran but failed validation; the re-ask was not sent after the cancel.
    assert!(matches!(&items[2].result, Err(Error::RetriesExhausted(e)) if e.attempts == 1));
    for item in &items[3..] {
        assert!(
            matches!(&item.result, Err(Error::BatchNotRun { status, .. }) if status == "batch_cancelled"),
            "{:?}",
            item.result
        );
    }
}

#[test]
fn an_input_over_the_file_limits_is_split_into_several_batches() {
    let rt = runtime();
    let mock = Mock::new(good(), vec![]);
    let server = rt.block_on(serve(&mock));
    let mut job = blocking(&server.uri(), DATED)
        .batch::<User>()
        .limits(BatchLimits {
            max_requests_per_file: 2,
            ..BatchLimits::default()
        })
        .poll_interval(FAST)
        .submit(requests())
        .unwrap();
    assert_eq!(job.ids().rounds[0].len(), 3);
    let last = job.wait(|_| {}).unwrap();
    assert_eq!(last.counts.total, 5);
    let sizes: Vec<usize> = mock.state().inputs.iter().map(Vec::len).collect();
    assert_eq!(sizes, [2, 2, 1]);
    assert_people(&collect(job.results().unwrap()));

    // By bytes: each line is a few hundred bytes; a 1,000-byte file holds a couple.
    let mock = Mock::new(good(), vec![]);
    let server = rt.block_on(serve(&mock));
    let job = blocking(&server.uri(), DATED)
        .batch::<User>()
        .limits(BatchLimits {
            max_bytes_per_file: 1_000,
            ..BatchLimits::default()
        })
        .submit(requests())
        .unwrap();
    let state = mock.state();
    assert!(state.inputs.len() > 1, "{} files", state.inputs.len());
    assert_eq!(state.inputs.iter().map(Vec::len).sum::<usize>(), 5);
    assert_eq!(job.ids().rounds[0].len(), state.inputs.len());
}

#[test]
fn per_line_error_statuses_map_to_the_online_errors() {
    let rt = runtime();
    let model: Model = Arc::new(|id, body, _| match id {
        "request-0" => Line::Status(
            429,
            json!({"error": {"code": "429", "message": "Requests to the deployment have exceeded the rate limit."}}),
        ),
        "request-1" => Line::Status(
            500,
            json!({"error": {"code": "server_error", "message": "The server had an error."}}),
        ),
        "request-2" => Line::Status(
            400,
            json!({"error": {"code": "content_filter", "param": "prompt", "status": 400,
                "message": "The response was filtered due to the prompt triggering Azure OpenAI's content management policy.",
                "innererror": {"code": "ResponsibleAIPolicyViolation",
                    "content_filter_result": {"violence": {"filtered": true, "severity": "high"}}}}}),
        ),
        "request-3" => Line::Reply(
            json!({"id": "c", "object": "chat.completion", "created": 1, "model": "m",
            "choices": [{"index": 0, "finish_reason": "content_filter", "message": {"role": "assistant", "content": null},
                "content_filter_results": {"hate": {"filtered": true, "severity": "medium"}}}],
            "usage": {"prompt_tokens": 3, "completion_tokens": 0, "total_tokens": 3}}),
        ),
        _ => good()(id, body, 0),
    });
    let mock = Mock::new(model, vec![]);
    let server = rt.block_on(serve(&mock));
    let mut job = blocking(&server.uri(), DATED)
        .batch::<User>()
        .max_retries(2)
        .poll_interval(FAST)
        .submit(requests())
        .unwrap();
    job.wait(|_| {}).unwrap();
    assert_eq!(job.ids().rounds.len(), 1, "nothing here is re-asked");
    let items = collect(job.results().unwrap());
    assert!(
        matches!(&items[0].result, Err(Error::RateLimited { message, .. }) if message.contains("rate limit"))
    );
    assert!(
        matches!(&items[1].result, Err(e @ Error::Api { status: 500, .. }) if e.is_transient())
    );
    assert!(matches!(&items[2].result,
        Err(Error::ContentFilter { origin: instructor_core::FilterOrigin::Prompt, categories, .. }) if categories == &["violence"]));
    assert!(matches!(&items[3].result,
        Err(Error::ContentFilter { origin: instructor_core::FilterOrigin::Completion, categories, .. }) if categories == &["hate"]));
    assert_eq!(items[3].usage.total_tokens, 3);
    assert_eq!(items[4].result.as_ref().unwrap().name, "Lars");
}

#[test]
fn malformed_output_lines_are_reported_by_custom_id() {
    let rt = runtime();
    let model: Model = Arc::new(|id, body, _| match id {
        // Not JSON at all: which request it answered cannot be read.
        "request-1" => Line::Raw("{\"custom_id\": \"request-1\", \"response\": {\"status_".into()),
        // JSON, but not a chat completion in the body.
        "request-3" => Line::Reply(json!({"unexpected": true})),
        _ => good()(id, body, 0),
    });
    let mock = Mock::new(model, vec![]);
    let server = rt.block_on(serve(&mock));
    let mut job = blocking(&server.uri(), DATED)
        .batch::<User>()
        .poll_interval(FAST)
        .submit(requests())
        .unwrap();
    job.wait(|_| {}).unwrap();
    let items = collect(job.results().unwrap());
    assert_eq!(items.len(), 5, "nothing is lost");
    assert!(
        matches!(&items[1].result, Err(Error::Transport { message, .. }) if message.contains("could not be read")),
        "{:?}",
        items[1].result
    );
    assert!(
        matches!(&items[3].result, Err(Error::Transport { message, .. }) if message.contains("no choices")),
        "{:?}",
        items[3].result
    );
    for i in [0, 2, 4] {
        assert!(items[i].result.is_ok());
    }
}

#[test]
fn a_completed_batch_without_a_line_for_a_request_names_it() {
    let rt = runtime();
    let model: Model = Arc::new(|id, body, _| match id {
        "request-1" => Line::Missing,
        "request-2" => Line::NotRun("batch_expired"),
        _ => good()(id, body, 0),
    });
    let mock = Mock::new(model, vec![]);
    let server = rt.block_on(serve(&mock));
    let mut job = blocking(&server.uri(), DATED)
        .batch::<User>()
        .poll_interval(FAST)
        .submit(requests())
        .unwrap();
    job.wait(|_| {}).unwrap();
    let items = collect(job.results().unwrap());
    assert_eq!(items.len(), 5);
    assert!(
        matches!(&items[1].result, Err(Error::BatchNotRun { status, message, .. })
            if status == "completed" && message.contains("no line")),
        "{:?}",
        items[1].result
    );
    assert!(
        matches!(&items[2].result, Err(Error::BatchNotRun { status, .. }) if status == "batch_expired"),
        "{:?}",
        items[2].result
    );
}

#[test]
fn a_validation_failure_is_reasked_in_a_follow_up_batch() {
    let rt = runtime();
    let mock = Mock::new(lowercase_omar_first(), vec![]);
    let server = rt.block_on(serve(&mock));
    let retried = Arc::new(std::sync::Mutex::new(Vec::new()));
    let seen = retried.clone();
    let client = instructor_core::from_openai(blocking(&server.uri(), DATED))
        .max_retries(2)
        .on_retry(move |e| seen.lock().unwrap().push(e.error.to_string()));
    let mut job = client
        .batch::<User>()
        .poll_interval(FAST)
        .submit(requests())
        .unwrap();
    let mut rounds = Vec::new();
    job.wait(|p| rounds.push(p.round)).unwrap();
    assert_eq!(job.ids().rounds.len(), 2);
    assert_eq!(rounds.last(), Some(&1));
    let batches = mock.batches();
    assert_eq!(batches[1].1, 1, "tagged as round 1");

    // The follow-up carries only Omar, with his reply and the errors in the tool-mode form.
    let follow_up = mock.state().inputs[1].clone();
    assert_eq!(follow_up.len(), 1);
    assert_eq!(follow_up[0]["custom_id"], "request-2");
    let messages = follow_up[0]["body"]["messages"].as_array().unwrap().clone();
    let first = mock.state().inputs[0][2]["body"]["messages"].clone();
    assert_eq!(messages.len(), first.as_array().unwrap().len() + 2);
    let (reply, correction) = (&messages[messages.len() - 2], &messages[messages.len() - 1]);
    assert_eq!(reply["role"], "assistant");
    assert_eq!(correction["role"], "tool");
    assert_eq!(correction["tool_call_id"], reply["tool_calls"][0]["id"]);
    assert!(correction["content"]
        .as_str()
        .unwrap()
        .contains("capital letter"));

    let items = collect(job.results().unwrap());
    assert_people(&items);
    assert_eq!(items[2].usage.total_tokens, 30, "both attempts' tokens");
    // The hooks saw the re-ask once, when the results were read.
    assert_eq!(retried.lock().unwrap().len(), 1);
}

#[test]
fn max_retries_bounds_the_follow_up_rounds() {
    let rt = runtime();
    let always_lowercase: Model = Arc::new(|_, body, _| {
        let (name, age) = person(body);
        Line::Reply(tool_completion(
            &json!({"name": name.to_lowercase(), "age": age}).to_string(),
        ))
    });
    let mock = Mock::new(always_lowercase, vec![]);
    let server = rt.block_on(serve(&mock));
    let mut job = blocking(&server.uri(), DATED)
        .batch::<User>()
        .max_retries(2)
        .poll_interval(FAST)
        .submit(requests())
        .unwrap();
    job.wait(|_| {}).unwrap();
    assert_eq!(job.ids().rounds.len(), 3, "the first try and two re-asks");
    for item in collect(job.results().unwrap()) {
        match item.result {
            Err(Error::RetriesExhausted(e)) => {
                assert_eq!(e.attempts, 3);
                assert_eq!(e.errors.len(), 3);
                assert_eq!(e.usage.total_tokens, 45);
            }
            other => panic!("{other:?}"),
        }
    }
}

#[test]
fn an_expired_batch_returns_what_ran_and_names_the_rest() {
    let rt = runtime();
    for report in [false, true] {
        let script = Script {
            steps: vec!["in_progress"],
            end: End::Expired { ran: 2, report },
        };
        let mock = Mock::new(good(), vec![script]);
        let server = rt.block_on(serve(&mock));
        let mut job = blocking(&server.uri(), DATED)
            .batch::<User>()
            .poll_interval(FAST)
            .submit(requests())
            .unwrap();
        let last = job.wait(|_| {}).unwrap();
        assert_eq!(last.status, BatchStatus::Expired);
        let items = collect(job.results().unwrap());
        assert_eq!(items.len(), 5, "report={report}");
        assert!(items[0].result.is_ok() && items[1].result.is_ok());
        let expected = if report { "batch_expired" } else { "expired" };
        for item in &items[2..] {
            assert!(
                matches!(&item.result, Err(Error::BatchNotRun { status, .. }) if status == expected),
                "report={report}: {:?}",
                item.result
            );
        }
    }
}

#[test]
fn a_failed_batch_reports_every_request_with_the_services_errors() {
    let rt = runtime();
    let script = Script {
        steps: vec![],
        end: End::Failed,
    };
    let mock = Mock::new(good(), vec![script]);
    let server = rt.block_on(serve(&mock));
    let mut job = blocking(&server.uri(), DATED)
        .batch::<User>()
        .max_retries(2)
        .poll_interval(FAST)
        .submit(requests())
        .unwrap();
    let last = job.wait(|_| {}).unwrap();
    assert_eq!(last.status, BatchStatus::Failed);
    assert_eq!(
        last.batches[0].errors[0].code.as_deref(),
        Some("model_not_found")
    );
    let items = collect(job.results().unwrap());
    assert_eq!(items.len(), 5);
    for item in items {
        assert!(
            matches!(&item.result, Err(Error::BatchNotRun { status, message, .. })
                if status == "failed" && message.contains("model_not_found")),
            "{:?}",
            item.result
        );
    }
}

#[test]
fn what_create_refuses_is_refused_before_anything_is_uploaded() {
    let rt = runtime();
    let mock = Mock::new(good(), vec![]);
    let server = rt.block_on(serve(&mock));
    // JsonSchema needs 2024-08-01-preview or later.
    let old = blocking(&server.uri(), "2024-06-01");
    let err = old
        .batch::<User>()
        .with_mode(Mode::JsonSchema)
        .submit(requests())
        .unwrap_err();
    assert!(matches!(err, Error::Unsupported { .. }), "{err}");
    // One deployment per batch.
    let azure = blocking(&server.uri(), DATED);
    let mixed = vec![
        Request::for_default_deployment().user("Jason is 25 years old"),
        Request::new("another-deployment").user("Sarah is 30 years old"),
    ];
    let err = azure.batch::<User>().submit(mixed).unwrap_err();
    assert!(err.to_string().contains("one deployment"), "{err}");
    let err = azure
        .batch::<User>()
        .submit(Vec::<Request>::new())
        .unwrap_err();
    assert!(err.to_string().contains("no requests"), "{err}");
    assert_eq!(mock.count("POST", "/openai/files"), 0);
}

#[test]
fn list_batches_pages_through_the_resources_batches() {
    let rt = runtime();
    let mock = Mock::new(good(), vec![]);
    let server = rt.block_on(serve(&mock));
    let azure = blocking(&server.uri(), DATED);
    let job = azure
        .batch::<User>()
        .limits(BatchLimits {
            max_requests_per_file: 2,
            ..BatchLimits::default()
        })
        .submit(requests())
        .unwrap();
    let page = azure.list_batches(2, None).unwrap();
    assert_eq!(page.batches.len(), 2);
    assert!(page.has_more);
    let rest = azure.list_batches(2, page.last_id.as_deref()).unwrap();
    assert_eq!(rest.batches.len(), 1);
    assert!(!rest.has_more);
    for b in page.batches.iter().chain(&rest.batches) {
        assert_eq!(b.metadata["instructor_job"], job.ids().job);
        assert!(job.ids().rounds[0].contains(&b.id));
    }
}

#[tokio::test]
async fn async_reask_expiry_and_resume() {
    // A follow-up round whose batch expires before Omar's re-ask runs.
    let scripts = vec![
        Script::default(),
        Script {
            steps: vec![],
            end: End::Expired {
                ran: 0,
                report: false,
            },
        },
    ];
    let mock = Mock::new(lowercase_omar_first(), scripts);
    let server = serve(&mock).await;
    let azure = asynchronous(&server.uri(), DATED);
    let client = instructor_core::from_openai(azure.clone()).max_retries(1);
    let mut job = client
        .batch::<User>()
        .poll_interval(FAST)
        .submit(requests())
        .await
        .unwrap();
    let saved = job.ids().clone();
    job.wait(|_| {}).await.unwrap();
    assert_eq!(job.ids().rounds.len(), 2);
    let collect_async = |job: &instructor_azure::AsyncBatchJob<User>| {
        let results = job.results().unwrap();
        async move {
            let items: Vec<_> = results.map(|r| r.unwrap()).collect().await;
            by_id(items)
        }
    };
    let items = collect_async(&job).await;
    assert_eq!(items.len(), 5);
    assert!(
        matches!(&items[2].result, Err(Error::BatchNotRun { status, .. }) if status == "expired"),
        "{:?}",
        items[2].result
    );
    assert_eq!(
        items[2].usage.total_tokens, 15,
        "the first attempt's tokens are kept"
    );
    for i in [0, 1, 3, 4] {
        assert!(items[i].result.is_ok());
    }
    // The ids saved before waiting: the follow-up is found again by resuming and waiting.
    let mut resumed = azure
        .batch::<User>()
        .poll_interval(FAST)
        .resume(saved)
        .unwrap();
    assert!(resumed.results().is_err());
    resumed.wait(|_| {}).await.unwrap();
    // Resumed from round 0 with the saved max_retries(1): a new follow-up round is submitted.
    assert_eq!(resumed.ids().rounds.len(), 2);
    assert_eq!(collect_async(&resumed).await.len(), 5);
}

#[tokio::test]
async fn async_split_cancel_and_list() {
    let script = Script {
        steps: vec!["in_progress"; 50],
        end: End::Completed,
    };
    let mock = Mock::new(good(), vec![script.clone(), script.clone(), script]);
    mock.state().ran_before_cancel = 1;
    let server = serve(&mock).await;
    let azure = asynchronous(&server.uri(), "v1");
    let mut job = azure
        .batch::<User>()
        .limits(BatchLimits {
            max_requests_per_file: 2,
            ..BatchLimits::default()
        })
        .poll_interval(FAST)
        .submit(requests())
        .await
        .unwrap();
    assert_eq!(job.ids().rounds[0].len(), 3);
    assert_eq!(job.status().await.unwrap().status, BatchStatus::InProgress);
    job.cancel().await.unwrap();
    let last = job.wait(|_| {}).await.unwrap();
    assert_eq!(last.status, BatchStatus::Cancelled);
    assert_eq!(last.batches.len(), 3);
    let items: Vec<_> = job.results().unwrap().map(|r| r.unwrap()).collect().await;
    let items = by_id(items);
    let ran: Vec<&str> = items
        .iter()
        .filter(|i| i.result.is_ok())
        .map(|i| i.custom_id.as_str())
        .collect();
    // Each of the three batches ran its first line before it was cancelled.
    assert_eq!(ran, ["request-0", "request-2", "request-4"]);
    for i in [1, 3] {
        assert!(matches!(&items[i].result, Err(Error::BatchNotRun { .. })));
    }
    let page = azure.list_batches(10, None).await.unwrap();
    assert_eq!(page.batches.len(), 3);
    assert!(page
        .batches
        .iter()
        .all(|b| b.status == BatchStatus::Cancelled));
}
