//! Against the real local model (llama.cpp serving SmolLM2 behind Azure and OpenAI URLs), when
//! `INSTRUCTOR_LOCAL_MODEL=1` and the variables of `scripts/local-model.sh env` are set
//! (`scripts/test.sh` does both); skipped with a message otherwise.

use futures::StreamExt;
use instructor_azure::{AsyncAzureOpenAI, AzureOpenAI, OpenAI};
use instructor_core::{AsyncTransport, Transport};
use serde_json::{json, Value};

fn enabled(test: &str) -> bool {
    let on = std::env::var("INSTRUCTOR_LOCAL_MODEL").as_deref() == Ok("1");
    if !on {
        eprintln!(
            "SKIP {test}: set INSTRUCTOR_LOCAL_MODEL=1 with a running scripts/local-model.sh"
        );
    }
    on
}

fn short_body() -> Value {
    json!({"messages": [{"role": "user", "content": "Say hello."}], "max_tokens": 8, "temperature": 0})
}

fn content(reply: &Value) -> Option<&str> {
    reply
        .pointer("/choices/0/message/content")
        .and_then(Value::as_str)
}

#[test]
fn blocking_azure_send_and_stream() {
    if !enabled("blocking_azure_send_and_stream") {
        return;
    }
    let client = AzureOpenAI::from_env().expect("the local model's env");
    let reply: Value =
        serde_json::from_str(&client.send(&short_body()).expect("a completion")).expect("JSON");
    assert!(content(&reply).is_some(), "{reply}");

    let items: Vec<_> = client.stream(&short_body()).expect("a stream").collect();
    assert!(!items.is_empty());
    for item in &items {
        assert!(item.is_ok(), "{item:?}");
    }
}

#[tokio::test]
async fn async_azure_stream_ends_at_done() {
    if !enabled("async_azure_stream_ends_at_done") {
        return;
    }
    let client = AsyncAzureOpenAI::from_env().expect("the local model's env");
    let items: Vec<_> = client
        .stream(&short_body())
        .await
        .expect("a stream")
        .collect()
        .await;
    assert!(items.iter().all(|i| i.is_ok()), "{items:?}");
    let finished = items.iter().filter_map(|i| i.as_ref().ok()).any(|text| {
        serde_json::from_str::<Value>(text)
            .ok()
            .and_then(|c| c.pointer("/choices/0/finish_reason").cloned())
            .is_some_and(|f| !f.is_null())
    });
    assert!(finished, "no chunk carried a finish_reason: {items:?}");
}

#[tokio::test]
async fn async_azure_json_schema_on_2024_10_21() {
    if !enabled("async_azure_json_schema_on_2024_10_21") {
        return;
    }
    let client = AsyncAzureOpenAI::builder()
        .with_env()
        .api_version("2024-10-21")
        .build()
        .expect("the local model's env");
    let body = json!({
        "messages": [{"role": "user", "content": "John is 30 years old."}],
        "max_tokens": 40, "temperature": 0,
        "response_format": {"type": "json_schema", "json_schema": {"name": "User", "strict": true, "schema": {
            "type": "object", "properties": {"name": {"type": "string"}, "age": {"type": "integer"}},
            "required": ["name", "age"], "additionalProperties": false}}}
    });
    let reply: Value =
        serde_json::from_str(&client.send(&body).await.expect("a completion")).expect("JSON");
    let text = content(&reply).expect("content");
    let value: Value = serde_json::from_str(text).expect("constrained decoding gives JSON");
    assert!(
        value.get("name").is_some() && value.get("age").is_some(),
        "{value}"
    );
}

#[test]
fn openai_compatible_send() {
    if !enabled("openai_compatible_send") {
        return;
    }
    let client = OpenAI::from_env().expect("OPENAI_BASE_URL of the local model");
    let reply: Value =
        serde_json::from_str(&client.send(&short_body()).expect("a completion")).expect("JSON");
    assert!(content(&reply).is_some(), "{reply}");
}
