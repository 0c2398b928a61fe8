//! Building the clients, OpenAI-compatible servers, and the blocking clients inside a tokio runtime.

mod common;

use common::*;
use futures::StreamExt;
use instructor_azure::{AsyncOpenAI, AzureOpenAI, OpenAI};
use instructor_core::{AsyncTransport, Error, Feature, Support, Transport};
use serde_json::{json, Value};
use wiremock::matchers::{header, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

async fn azure_server() -> MockServer {
    let server = MockServer::start().await;
    Mock::given(path(chat_path(DEPLOYMENT)))
        .and(header("accept", "text/event-stream"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_raw(sse(&azure_chunks(), true), "text/event-stream"),
        )
        .mount(&server)
        .await;
    Mock::given(path(chat_path(DEPLOYMENT)))
        .respond_with(ResponseTemplate::new(200).set_body_json(completion()))
        .mount(&server)
        .await;
    server
}

#[tokio::test]
async fn blocking_client_inside_a_current_thread_runtime() {
    let server = azure_server().await;
    let client = azure_blocking(&server.uri(), "2024-10-21").build().unwrap();
    assert_eq!(json(&client.send(&body()).unwrap()), completion());
    let chunks: Vec<Value> = client
        .stream(&body())
        .unwrap()
        .map(|r| serde_json::from_str::<Value>(&r.unwrap()).unwrap())
        .collect();
    assert_eq!(chunks, azure_chunks());
    // A half-read stream and the client itself are dropped inside the runtime: no panic.
    let mut half = client.stream(&body()).unwrap();
    assert!(half.next().is_some());
    drop(half);
    drop(client);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn blocking_client_inside_a_multi_thread_runtime() {
    let server = azure_server().await;
    let client = azure_blocking(&server.uri(), "2024-10-21").build().unwrap();
    let handle = tokio::spawn(async move {
        let reply = client.send(&body());
        drop(client);
        reply
    });
    assert_eq!(json(&handle.await.unwrap().unwrap()), completion());
}

#[test]
fn blocking_client_from_plain_main_and_across_threads() {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let server = rt.block_on(azure_server());
    let client = azure_blocking(&server.uri(), "2024-10-21").build().unwrap();
    let threads: Vec<_> = (0..4)
        .map(|_| {
            let c = client.clone();
            std::thread::spawn(move || c.send(&body()).unwrap())
        })
        .collect();
    for t in threads {
        assert_eq!(json(&t.join().unwrap()), completion());
    }
}

#[tokio::test]
async fn openai_compatible_server_without_a_key() {
    let server = MockServer::start().await;
    Mock::given(path("/v1/chat/completions"))
        .respond_with(ResponseTemplate::new(200).set_body_json(completion()))
        .mount(&server)
        .await;
    let client = AsyncOpenAI::builder()
        .base_url(format!("{}/v1", server.uri()))
        .model("smollm2")
        .build()
        .unwrap();
    assert_eq!(client.default_model(), Some("smollm2"));
    assert_eq!(client.supports(Feature::JsonSchema), Support::Yes);
    client.send(&body()).await.unwrap();
    let req = &server.received_requests().await.unwrap()[0];
    assert!(req.headers.get("authorization").is_none());
    assert_eq!(req.body_json::<Value>().unwrap()["model"], "smollm2");
}

#[tokio::test]
async fn openai_compatible_stream_with_bearer_key() {
    let server = MockServer::start().await;
    Mock::given(path("/v1/chat/completions"))
        .and(header("authorization", format!("Bearer {KEY}").as_str()))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_raw(sse(&azure_chunks()[1..], true), "text/event-stream"),
        )
        .mount(&server)
        .await;
    let client = AsyncOpenAI::builder()
        .base_url(format!("{}/v1/", server.uri()))
        .api_key(KEY)
        .build()
        .unwrap();
    let mut b = body();
    b["model"] = json!("gpt-4o-mini");
    let items: Vec<_> = client.stream(&b).await.unwrap().collect().await;
    assert_eq!(items.len(), azure_chunks().len() - 1);
    let sent: Value = server.received_requests().await.unwrap()[0]
        .body_json()
        .unwrap();
    assert_eq!(sent["stream"], true);
    assert_eq!(sent["model"], "gpt-4o-mini");
}

#[test]
fn blocking_openai_builds_and_reports_missing_server() {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let client = OpenAI::builder()
        .base_url(format!("http://127.0.0.1:{port}/v1"))
        .max_retries(0)
        .build()
        .unwrap();
    assert!(matches!(client.send(&body()), Err(Error::Transport { .. })));
}

#[test]
fn from_env_reads_the_four_variables() {
    // The only test in this binary that touches the environment.
    std::env::set_var("AZURE_OPENAI_API_KEY", KEY);
    std::env::set_var(
        "AZURE_OPENAI_ENDPOINT",
        "https://my-resource.openai.azure.com/",
    );
    std::env::set_var("OPENAI_API_VERSION", "2024-08-01-preview");
    std::env::set_var("AZURE_OPENAI_DEPLOYMENT", "my-deployment");
    let client = AzureOpenAI::from_env().unwrap();
    assert_eq!(client.default_model(), Some("my-deployment"));
    assert_eq!(client.api_version().unwrap().as_str(), "2024-08-01-preview");
    assert_eq!(client.supports(Feature::JsonSchema), Support::Yes);
    assert_eq!(
        client.supports(Feature::StreamUsage),
        Support::No {
            by: "Azure OpenAI api-version 2024-08-01-preview".into(),
            since: Some("2024-09-01-preview".into())
        }
    );
    let shown = format!("{client:?}");
    assert!(
        shown.contains("my-resource.openai.azure.com") && !shown.contains(KEY),
        "{shown}"
    );

    std::env::remove_var("OPENAI_API_VERSION");
    let e = AzureOpenAI::from_env().unwrap_err();
    assert!(
        matches!(&e, Error::Configuration(m) if m.contains("OPENAI_API_VERSION")),
        "{e:?}"
    );
    std::env::remove_var("AZURE_OPENAI_API_KEY");
    std::env::set_var("OPENAI_API_VERSION", "2024-10-21");
    let e = AzureOpenAI::from_env().unwrap_err();
    assert!(
        matches!(&e, Error::Configuration(m) if m.contains("AZURE_OPENAI_API_KEY")),
        "{e:?}"
    );
}

#[tokio::test]
async fn missing_deployment_is_a_configuration_error() {
    let client = instructor_azure::AsyncAzureOpenAI::builder()
        .api_key(KEY)
        .api_version("2024-10-21")
        .azure_endpoint("https://x.openai.azure.com")
        .build()
        .unwrap();
    let e = client.send(&body()).await.unwrap_err();
    assert!(
        matches!(&e, Error::Configuration(m) if m.contains("deployment")),
        "{e:?}"
    );
}

#[test]
fn clients_wrap_into_instructor_clients() {
    let blocking = azure_blocking("https://x.openai.azure.com", "2024-10-21")
        .build()
        .unwrap();
    let _: instructor_core::Client<AzureOpenAI> = instructor_core::from_openai(blocking);
    let asynchronous = azure_async("https://x.openai.azure.com", "2024-10-21")
        .build()
        .unwrap();
    let _: instructor_core::AsyncClient<instructor_azure::AsyncAzureOpenAI> =
        instructor_core::from_openai(asynchronous);
    let local = OpenAI::builder()
        .base_url("http://127.0.0.1:8080/v1")
        .build()
        .unwrap();
    let _: instructor_core::Client<OpenAI> = instructor_core::from_openai(local);
    let local = AsyncOpenAI::builder()
        .base_url("http://[::1]:8080/v1")
        .build()
        .unwrap();
    let _: instructor_core::AsyncClient<AsyncOpenAI> = instructor_core::from_openai(local);
}

/// The transport hands replies on as text; the tests compare them as JSON.
fn json(text: &str) -> Value {
    serde_json::from_str(text).expect("the reply is JSON")
}
