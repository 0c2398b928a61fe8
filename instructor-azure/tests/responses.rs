//! The Responses API over HTTP: where each api-version serves it, the body sent there, replies and
//! streams (which end without `[DONE]`), and the api-versions that lack it refused before sending.

mod common;

use common::*;
use futures::StreamExt;
use instructor_core::{AsyncClient, Client, Error, Mode, Request};
use serde_json::{json, Value};
use wiremock::matchers::{body_partial_json, method, path, query_param};
use wiremock::{Mock, MockServer, ResponseTemplate};

#[derive(instructor_derive::Instructor, serde::Deserialize, Debug, PartialEq)]
#[instructor(crate = "instructor_core")]
struct User {
    name: String,
    age: u32,
}

fn response_call(arguments: &str) -> Value {
    json!({"id": "resp_1", "object": "response", "status": "completed", "model": DEPLOYMENT,
           "output": [{"type": "function_call", "id": "fc_1", "call_id": "call_1", "name": "User",
                       "arguments": arguments, "status": "completed"}],
           "usage": {"input_tokens": 20, "input_tokens_details": {"cached_tokens": 0},
                     "output_tokens": 9, "output_tokens_details": {"reasoning_tokens": 0},
                     "total_tokens": 29}})
}

fn request() -> Request {
    Request::for_default_deployment().user("Jason is 25")
}

#[tokio::test]
async fn each_api_version_sends_responses_where_azure_serves_them() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/openai/v1/responses"))
        .and(body_partial_json(
            json!({"model": DEPLOYMENT, "tool_choice": {"type": "function", "name": "User"}}),
        ))
        .respond_with(
            ResponseTemplate::new(200).set_body_json(response_call(r#"{"name":"Jason","age":25}"#)),
        )
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/openai/responses"))
        .and(query_param("api-version", "2025-04-01-preview"))
        .and(body_partial_json(json!({"model": DEPLOYMENT})))
        .respond_with(
            ResponseTemplate::new(200).set_body_json(response_call(r#"{"name":"Sarah","age":30}"#)),
        )
        .mount(&server)
        .await;
    for (version, name) in [
        ("v1", "Jason"),
        ("preview", "Jason"),
        ("2025-04-01-preview", "Sarah"),
    ] {
        let transport = azure_async(&server.uri(), version).build().unwrap();
        let client = AsyncClient::new(transport).with_mode(Mode::ResponsesTools);
        let user: User = client.create(request()).await.unwrap();
        assert_eq!(user.name, name, "{version}");
    }
    let preview = server
        .received_requests()
        .await
        .unwrap()
        .into_iter()
        .find(|r| r.url.query() == Some("api-version=preview"))
        .expect("the preview form keeps its api-version");
    assert_eq!(preview.url.path(), "/openai/v1/responses");
}

#[test]
fn an_api_version_without_the_responses_api_is_refused_before_sending() {
    let server = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let uri = format!("http://{}", server.local_addr().unwrap());
    let transport = azure_blocking(&uri, "2024-10-21").build().unwrap();
    let error = Client::new(transport)
        .with_mode(Mode::ResponsesJsonSchema)
        .create::<User>(request())
        .unwrap_err();
    let text = error.to_string();
    assert!(matches!(error, Error::Unsupported { .. }), "{text}");
    assert!(text.contains("2025-03-01-preview"), "{text}");
    assert!(text.contains("Mode::Tools works"), "{text}");
}

#[tokio::test]
async fn a_responses_stream_ends_with_its_last_event_not_done() {
    let json = r#"{"name": "Jason", "age": 25}"#;
    let mut text = String::new();
    let mut events = vec![
        json!({"type": "response.created", "sequence_number": 0, "response": {"id": "resp_1", "status": "in_progress", "output": []}}),
        json!({"type": "response.output_item.added", "sequence_number": 1, "output_index": 0,
               "item": {"type": "message", "id": "msg_1", "role": "assistant", "status": "in_progress", "content": []}}),
    ];
    for (i, piece) in json.as_bytes().chunks(4).enumerate() {
        events.push(json!({"type": "response.output_text.delta", "sequence_number": i + 2, "item_id": "msg_1",
                           "output_index": 0, "content_index": 0, "logprobs": [],
                           "delta": String::from_utf8(piece.to_vec()).unwrap()}));
    }
    events.push(json!({"type": "response.completed", "sequence_number": 99, "response": {
        "id": "resp_1", "status": "completed", "model": DEPLOYMENT,
        "output": [{"type": "message", "id": "msg_1", "role": "assistant", "status": "completed",
                    "content": [{"type": "output_text", "text": json, "annotations": [], "logprobs": []}]}],
        "usage": {"input_tokens": 20, "input_tokens_details": {"cached_tokens": 16},
                  "output_tokens": 9, "output_tokens_details": {"reasoning_tokens": 0}, "total_tokens": 29}}}));
    for e in &events {
        text.push_str(&format!(
            "event: {}\ndata: {e}\n\n",
            e["type"].as_str().unwrap()
        ));
    }
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/openai/v1/responses"))
        .and(body_partial_json(
            json!({"stream": true, "text": {"format": {"type": "json_schema"}}}),
        ))
        .respond_with(ResponseTemplate::new(200).set_body_raw(text, "text/event-stream"))
        .mount(&server)
        .await;
    let transport = azure_async(&server.uri(), "v1").build().unwrap();
    let client = AsyncClient::new(transport).with_mode(Mode::ResponsesJsonSchema);
    let events: Vec<_> = client
        .create_partial::<User>(request())
        .unwrap()
        .events()
        .collect()
        .await;
    match events.last() {
        Some(instructor_core::PartialEvent::Final(done)) => {
            assert_eq!(
                done.value,
                User {
                    name: "Jason".into(),
                    age: 25
                }
            );
            let usage = done.completion.usage.unwrap();
            assert_eq!(usage.prompt_tokens_details.cached_tokens, 16);
        }
        other => panic!("{other:?}"),
    }
    assert!(
        events.len() > 3,
        "partials before the end: {}",
        events.len()
    );
}

#[tokio::test]
async fn an_openai_compatible_server_gets_responses_at_its_base_url() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/v1/responses"))
        .respond_with(
            ResponseTemplate::new(200).set_body_json(response_call(r#"{"name":"Jason","age":25}"#)),
        )
        .mount(&server)
        .await;
    let transport = instructor_azure::AsyncOpenAI::builder()
        .base_url(format!("{}/v1", server.uri()))
        .api_key(KEY)
        .model("gpt-5-mini")
        .build()
        .unwrap();
    let client = AsyncClient::new(transport).with_mode(Mode::ResponsesTools);
    let user: User = client.create(request()).await.unwrap();
    assert_eq!(user.age, 25);
    let sent = &server.received_requests().await.unwrap()[0];
    let body: Value = serde_json::from_slice(&sent.body).unwrap();
    assert_eq!(body["model"], "gpt-5-mini");
    assert_eq!(body["input"][0]["content"], "Jason is 25");
}
