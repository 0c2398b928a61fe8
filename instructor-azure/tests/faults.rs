//! Error shapes, retries, redirects and timeouts against an in-process mock server.

mod common;

use std::time::{Duration, Instant};

use common::*;
use instructor_azure::{AsyncAzureOpenAI, AsyncOpenAI, RetryPolicy};
use instructor_core::{AsyncTransport, Error, FilterOrigin, Transport};
use serde_json::json;
use wiremock::matchers::{header, method, path, query_param};
use wiremock::{Mock, MockServer, ResponseTemplate};

async fn server_answering(status: u16, body: serde_json::Value) -> MockServer {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path(chat_path(DEPLOYMENT)))
        .respond_with(ResponseTemplate::new(status).set_body_json(body))
        .mount(&server)
        .await;
    server
}

fn no_secret(e: &Error) {
    let shown = format!("{e} {e:?}");
    assert!(!shown.contains(KEY), "the key leaked: {shown}");
}

#[tokio::test]
async fn success_sends_key_api_version_and_no_model() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path(chat_path(DEPLOYMENT)))
        .and(query_param("api-version", "2024-10-21"))
        .and(header("api-key", KEY))
        .respond_with(ResponseTemplate::new(200).set_body_json(completion()))
        .expect(1)
        .mount(&server)
        .await;
    let client = azure_async(&server.uri(), "2024-10-21").build().unwrap();
    let mut b = body();
    b["model"] = json!(DEPLOYMENT);
    let reply = json(&client.send(&b).await.unwrap());
    assert_eq!(reply, completion());
    let sent: serde_json::Value = server.received_requests().await.unwrap()[0]
        .body_json()
        .unwrap();
    assert!(sent.get("model").is_none(), "{sent}");
    assert!(!format!("{client:?}").contains(KEY));
}

#[tokio::test]
async fn v1_form_puts_the_deployment_in_the_body() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/openai/v1/chat/completions"))
        .and(header("api-key", KEY))
        .respond_with(ResponseTemplate::new(200).set_body_json(completion()))
        .expect(1)
        .mount(&server)
        .await;
    let client = azure_async(&server.uri(), "v1").build().unwrap();
    client.send(&body()).await.unwrap();
    let sent: serde_json::Value = server.received_requests().await.unwrap()[0]
        .body_json()
        .unwrap();
    assert_eq!(sent["model"], DEPLOYMENT);
}

#[tokio::test]
async fn unauthorized_key_form() {
    let msg = "Access denied due to invalid subscription key or wrong API endpoint. Make sure to provide a valid key for an active subscription and use a correct regional API endpoint for your resource.";
    let server = server_answering(401, json!({"error": {"code": "401", "message": msg}})).await;
    let client = azure_async(&server.uri(), "2024-10-21").build().unwrap();
    let e = client.send(&body()).await.unwrap_err();
    assert!(
        matches!(&e, Error::Authentication { status: 401, message } if message.contains("invalid subscription key")),
        "{e:?}"
    );
    let text = e.to_string();
    assert!(
        text.contains(msg) && text.contains("Check the endpoint and the API key"),
        "{text}"
    );
    no_secret(&e);
    assert_eq!(
        server.received_requests().await.unwrap().len(),
        1,
        "401 is not retried"
    );
}

#[tokio::test]
async fn unauthorized_token_form() {
    let msg = "Unauthorized. Access token is missing, invalid, audience is incorrect (https://cognitiveservices.azure.com), or have expired.";
    let server = server_answering(401, json!({"statusCode": 401, "message": msg})).await;
    let client = azure_async(&server.uri(), "2024-10-21")
        .azure_ad_token("eyJ.secret-token.sig")
        .build()
        .unwrap();
    let e = client.send(&body()).await.unwrap_err();
    assert!(
        matches!(&e, Error::Authentication { status: 401, message } if message == msg),
        "{e:?}"
    );
    assert!(!format!("{e} {e:?} {client:?}").contains("secret-token"));
}

#[tokio::test]
async fn deployment_not_found_names_deployment_and_endpoint() {
    let server = server_answering(404, json!({"error": {"code": "DeploymentNotFound", "message": "The API deployment for this resource does not exist. If you created the deployment within the last 5 minutes, please wait a moment and try again."}})).await;
    let client = azure_async(&server.uri(), "2024-10-21").build().unwrap();
    let e = client.send(&body()).await.unwrap_err();
    match &e {
        Error::DeploymentNotFound {
            deployment,
            endpoint,
            message,
        } => {
            assert_eq!(deployment, DEPLOYMENT);
            assert_eq!(endpoint, &server.uri());
            assert!(message.contains("does not exist"));
        }
        other => panic!("{other:?}"),
    }
    assert!(e.to_string().contains(&server.uri()));
}

#[tokio::test]
async fn v1_unknown_model_is_deployment_not_found() {
    let server = MockServer::start().await;
    Mock::given(path("/openai/v1/chat/completions"))
        .respond_with(ResponseTemplate::new(400).set_body_json(
            json!({"error": {"code": "unknown_model", "message": "Unknown model: nope", "param": "model"}}),
        ))
        .mount(&server)
        .await;
    let client = azure_async(&server.uri(), "v1").build().unwrap();
    let mut b = body();
    b["model"] = json!("nope");
    let e = client.send(&b).await.unwrap_err();
    assert!(
        matches!(&e, Error::DeploymentNotFound { deployment, .. } if deployment == "nope"),
        "{e:?}"
    );
}

#[tokio::test]
async fn content_filter_with_categories() {
    let server = server_answering(400, json!({"error": {
        "message": "The response was filtered due to the prompt triggering Azure OpenAI's content management policy.",
        "type": null, "param": "prompt", "code": "content_filter", "status": 400,
        "innererror": {"code": "ResponsibleAIPolicyViolation", "content_filter_result": {
            "hate": {"filtered": false, "severity": "safe"},
            "jailbreak": {"filtered": false, "detected": false},
            "self_harm": {"filtered": true, "severity": "high"},
            "sexual": {"filtered": false, "severity": "safe"},
            "violence": {"filtered": true, "severity": "medium"}}}}})).await;
    let client = azure_async(&server.uri(), "2024-10-21").build().unwrap();
    let e = client.send(&body()).await.unwrap_err();
    match &e {
        Error::ContentFilter {
            origin, categories, ..
        } => {
            assert_eq!(*origin, FilterOrigin::Prompt);
            assert_eq!(
                categories,
                &vec!["self_harm".to_string(), "violence".to_string()]
            );
        }
        other => panic!("{other:?}"),
    }
    assert!(e.to_string().contains("self_harm, violence"));
}

#[tokio::test]
async fn rate_limited_after_retries_carries_retry_after() {
    let server = MockServer::start().await;
    Mock::given(path(chat_path(DEPLOYMENT)))
        .respond_with(
            ResponseTemplate::new(429)
                .insert_header("retry-after", "0")
                .set_body_json(json!({"error": {"code": "429", "message": "Requests to the ChatCompletions_Create Operation under Azure OpenAI API version 2024-10-21 have exceeded token rate limit of your current pricing tier. Please retry after 0 seconds."}})),
        )
        .mount(&server)
        .await;
    let client = azure_async(&server.uri(), "2024-10-21")
        .max_retries(2)
        .build()
        .unwrap();
    let e = client.send(&body()).await.unwrap_err();
    assert!(
        matches!(&e, Error::RateLimited { retry_after: Some(d), message } if d.is_zero() && message.contains("rate limit")),
        "{e:?}"
    );
    assert_eq!(server.received_requests().await.unwrap().len(), 3);
}

#[tokio::test]
async fn html_gateway_page_reported_with_status_and_excerpt() {
    let server = MockServer::start().await;
    let page = format!(
        "<html><head><title>502 Bad Gateway</title></head><body>{}</body></html>",
        "<p>nginx</p>".repeat(200)
    );
    Mock::given(path(chat_path(DEPLOYMENT)))
        .respond_with(ResponseTemplate::new(502).set_body_raw(page.clone(), "text/html"))
        .mount(&server)
        .await;
    let client = azure_async(&server.uri(), "2024-10-21")
        .max_retries(0)
        .build()
        .unwrap();
    let e = client.send(&body()).await.unwrap_err();
    match &e {
        Error::Api {
            status, message, ..
        } => {
            assert_eq!(*status, 502);
            assert!(
                message.contains("502 Bad Gateway") && message.contains("text/html"),
                "{message}"
            );
            assert!(message.len() < 600, "excerpt too long: {}", message.len());
        }
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn non_json_success_body_is_reported() {
    let server = MockServer::start().await;
    Mock::given(path(chat_path(DEPLOYMENT)))
        .respond_with(ResponseTemplate::new(200).set_body_raw("<html>login</html>", "text/html"))
        .mount(&server)
        .await;
    let client = azure_async(&server.uri(), "2024-10-21").build().unwrap();
    let e = client.send(&body()).await.unwrap_err();
    assert!(
        matches!(&e, Error::Api { status: 200, message, .. } if message.contains("<html>login</html>")),
        "{e:?}"
    );
}

#[tokio::test]
async fn response_body_size_is_capped() {
    let server = MockServer::start().await;
    let big = json!({"choices": [], "pad": "x".repeat(100_000)});
    Mock::given(path(chat_path(DEPLOYMENT)))
        .respond_with(ResponseTemplate::new(200).set_body_json(big))
        .mount(&server)
        .await;
    let client = azure_async(&server.uri(), "2024-10-21")
        .max_response_bytes(10_000)
        .build()
        .unwrap();
    let e = client.send(&body()).await.unwrap_err();
    assert!(e.to_string().contains("10000-byte cap"), "{e}");
}

// ---- retries ----

#[tokio::test]
async fn retry_after_ms_is_honoured() {
    let server = MockServer::start().await;
    Mock::given(path(chat_path(DEPLOYMENT)))
        .respond_with(
            ResponseTemplate::new(429)
                .insert_header("retry-after-ms", "300")
                .insert_header("retry-after", "30")
                .set_body_json(json!({"error": {"code": "429", "message": "slow down"}})),
        )
        .up_to_n_times(2)
        .with_priority(1)
        .mount(&server)
        .await;
    Mock::given(path(chat_path(DEPLOYMENT)))
        .respond_with(ResponseTemplate::new(200).set_body_json(completion()))
        .mount(&server)
        .await;
    let client = azure_async(&server.uri(), "2024-10-21").build().unwrap();
    let started = Instant::now();
    client.send(&body()).await.unwrap();
    let took = started.elapsed();
    assert!(took >= Duration::from_millis(600), "waited only {took:?}");
    assert!(
        took < Duration::from_secs(5),
        "used retry-after instead of retry-after-ms: {took:?}"
    );
    assert_eq!(server.received_requests().await.unwrap().len(), 3);
}

#[tokio::test]
async fn retry_after_seconds_is_honoured_on_503() {
    let server = MockServer::start().await;
    Mock::given(path(chat_path(DEPLOYMENT)))
        .respond_with(
            ResponseTemplate::new(503)
                .insert_header("retry-after", "1")
                .set_body_json(json!({"error": {"code": "ServiceUnavailable", "message": "busy"}})),
        )
        .up_to_n_times(1)
        .with_priority(1)
        .mount(&server)
        .await;
    Mock::given(path(chat_path(DEPLOYMENT)))
        .respond_with(ResponseTemplate::new(200).set_body_json(completion()))
        .mount(&server)
        .await;
    let client = azure_async(&server.uri(), "2024-10-21").build().unwrap();
    let started = Instant::now();
    client.send(&body()).await.unwrap();
    assert!(started.elapsed() >= Duration::from_secs(1));
}

#[tokio::test]
async fn retry_budget_is_respected() {
    let server = MockServer::start().await;
    Mock::given(path(chat_path(DEPLOYMENT)))
        .respond_with(
            ResponseTemplate::new(429)
                .insert_header("retry-after-ms", "400")
                .set_body_json(json!({"error": {"code": "429", "message": "slow down"}})),
        )
        .mount(&server)
        .await;
    let client = azure_async(&server.uri(), "2024-10-21")
        .retry_policy(RetryPolicy {
            max_retries: 10,
            budget: Duration::from_secs(1),
            ..fast_retry()
        })
        .build()
        .unwrap();
    let started = Instant::now();
    let e = client.send(&body()).await.unwrap_err();
    // Waits of 0.4 s + 0.4 s fit in the 1 s budget, a third would not: three requests in all.
    assert_eq!(server.received_requests().await.unwrap().len(), 3);
    assert!(started.elapsed() < Duration::from_millis(1500));
    assert!(
        matches!(e, Error::RateLimited { retry_after: Some(d), .. } if d == Duration::from_millis(400))
    );
}

#[tokio::test]
async fn retry_after_beyond_the_cap_backs_off_and_retries() {
    let server = MockServer::start().await;
    Mock::given(path(chat_path(DEPLOYMENT)))
        .respond_with(
            ResponseTemplate::new(429)
                .insert_header("retry-after", "86400")
                .set_body_json(json!({"error": {"code": "429", "message": "quota exhausted"}})),
        )
        .mount(&server)
        .await;
    let client = azure_async(&server.uri(), "2024-10-21").build().unwrap();
    let started = Instant::now();
    let e = client.send(&body()).await.unwrap_err();
    // A day is not waited for, nor is it a reason to give up: the backoff (20 ms, 40 ms) instead.
    assert!(started.elapsed() < Duration::from_secs(2));
    assert_eq!(server.received_requests().await.unwrap().len(), 3);
    assert!(
        matches!(e, Error::RateLimited { retry_after: Some(d), .. } if d == Duration::from_secs(86400))
    );
}

#[tokio::test]
async fn server_errors_back_off_then_succeed() {
    let server = MockServer::start().await;
    Mock::given(path(chat_path(DEPLOYMENT)))
        .respond_with(
            ResponseTemplate::new(500).set_body_json(
                json!({"error": {"code": "InternalServerError", "message": "oops"}}),
            ),
        )
        .up_to_n_times(2)
        .with_priority(1)
        .mount(&server)
        .await;
    Mock::given(path(chat_path(DEPLOYMENT)))
        .respond_with(ResponseTemplate::new(200).set_body_json(completion()))
        .mount(&server)
        .await;
    let client = azure_async(&server.uri(), "2024-10-21").build().unwrap();
    assert_eq!(json(&client.send(&body()).await.unwrap()), completion());
    assert_eq!(server.received_requests().await.unwrap().len(), 3);
}

// ---- redirects and schemes ----

#[tokio::test]
async fn redirect_to_another_host_arrives_without_the_key() {
    let first = MockServer::start().await;
    let second = MockServer::start().await;
    Mock::given(path(chat_path(DEPLOYMENT)))
        .respond_with(ResponseTemplate::new(307).insert_header(
            "location",
            format!("{}/elsewhere/chat/completions", second.uri()),
        ))
        .mount(&first)
        .await;
    Mock::given(method("POST"))
        .and(path("/elsewhere/chat/completions"))
        .respond_with(ResponseTemplate::new(200).set_body_json(completion()))
        .expect(1)
        .mount(&second)
        .await;
    let client = azure_async(&first.uri(), "2024-10-21").build().unwrap();
    client.send(&body()).await.unwrap();

    let at_first = &first.received_requests().await.unwrap()[0];
    assert_eq!(at_first.headers.get("api-key").unwrap(), KEY);
    let at_second = &second.received_requests().await.unwrap()[0];
    assert!(
        at_second.headers.get("api-key").is_none(),
        "the key followed the redirect"
    );
    assert!(at_second.headers.get("authorization").is_none());
    // 307 keeps the method and the body.
    assert_eq!(at_second.body_json::<serde_json::Value>().unwrap(), body());
}

#[tokio::test]
async fn redirect_to_another_host_drops_the_bearer_token() {
    let first = MockServer::start().await;
    let second = MockServer::start().await;
    Mock::given(path("/v1/chat/completions"))
        .respond_with(
            ResponseTemplate::new(308)
                .insert_header("location", format!("{}/v1/chat/completions", second.uri())),
        )
        .mount(&first)
        .await;
    Mock::given(path("/v1/chat/completions"))
        .respond_with(ResponseTemplate::new(200).set_body_json(completion()))
        .mount(&second)
        .await;
    let client = AsyncOpenAI::builder()
        .base_url(format!("{}/v1", first.uri()))
        .api_key(KEY)
        .build()
        .unwrap();
    client.send(&body()).await.unwrap();
    assert!(first.received_requests().await.unwrap()[0]
        .headers
        .get("authorization")
        .is_some());
    assert!(second.received_requests().await.unwrap()[0]
        .headers
        .get("authorization")
        .is_none());
}

#[tokio::test]
async fn same_origin_redirect_keeps_the_key() {
    let server = MockServer::start().await;
    Mock::given(path(chat_path(DEPLOYMENT)))
        .respond_with(
            ResponseTemplate::new(307).insert_header("location", "/moved/chat/completions"),
        )
        .mount(&server)
        .await;
    Mock::given(path("/moved/chat/completions"))
        .and(header("api-key", KEY))
        .respond_with(ResponseTemplate::new(200).set_body_json(completion()))
        .expect(1)
        .mount(&server)
        .await;
    let client = azure_async(&server.uri(), "2024-10-21").build().unwrap();
    client.send(&body()).await.unwrap();
}

#[test]
fn plain_http_is_refused_except_on_loopback() {
    let e = AsyncAzureOpenAI::builder()
        .api_key(KEY)
        .api_version("2024-10-21")
        .azure_endpoint("http://my-resource.openai.azure.com")
        .build()
        .unwrap_err();
    assert!(
        matches!(&e, Error::Configuration(m) if m.contains("plain http")),
        "{e:?}"
    );
    no_secret(&e);
    assert!(AsyncAzureOpenAI::builder()
        .api_key(KEY)
        .api_version("2024-10-21")
        .azure_endpoint("http://localhost:1234")
        .build()
        .is_ok());
}

// ---- timeouts and connections ----

#[tokio::test]
async fn slow_server_hits_the_read_timeout() {
    let server = MockServer::start().await;
    Mock::given(path(chat_path(DEPLOYMENT)))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(completion())
                .set_delay(Duration::from_secs(3)),
        )
        .mount(&server)
        .await;
    let client = azure_async(&server.uri(), "2024-10-21")
        .read_timeout(Duration::from_millis(300))
        .build()
        .unwrap();
    let started = Instant::now();
    let e = client.send(&body()).await.unwrap_err();
    assert!(
        matches!(&e, Error::Timeout { after, .. } if *after == Duration::from_millis(300)),
        "{e:?}"
    );
    assert!(started.elapsed() < Duration::from_secs(2));
}

#[tokio::test]
async fn refused_connection_is_a_transport_error() {
    // Bind then drop to get a port nothing listens on.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let client = azure_async(&format!("http://127.0.0.1:{port}"), "2024-10-21")
        .max_retries(1)
        .build()
        .unwrap();
    let e = client.send(&body()).await.unwrap_err();
    assert!(
        matches!(&e, Error::Transport { message, .. } if message.contains("could not connect")),
        "{e:?}"
    );
    assert!(e.is_transient());
}

// ---- blocking twins ----

#[test]
fn blocking_error_shapes_from_plain_main() {
    let rt = tokio::runtime::Runtime::new().unwrap();
    type Shape = (u16, ResponseTemplate, fn(&Error) -> bool);
    let shapes: Vec<Shape> = vec![
        (401, ResponseTemplate::new(401).set_body_json(json!({"error": {"code": "401", "message": "Access denied due to invalid subscription key or wrong API endpoint."}})),
            |e| matches!(e, Error::Authentication { status: 401, message } if message.contains("invalid subscription key"))),
        (401, ResponseTemplate::new(401).set_body_json(json!({"statusCode": 401, "message": "Unauthorized. Access token is missing"}))
            , |e| matches!(e, Error::Authentication { message, .. } if message.contains("Access token is missing"))),
        (404, ResponseTemplate::new(404).set_body_json(json!({"error": {"code": "DeploymentNotFound", "message": "The API deployment for this resource does not exist."}})),
            |e| matches!(e, Error::DeploymentNotFound { deployment, .. } if deployment == DEPLOYMENT)),
        (400, ResponseTemplate::new(400).set_body_json(json!({"error": {"code": "content_filter", "param": "prompt", "message": "filtered",
            "innererror": {"code": "ResponsibleAIPolicyViolation", "content_filter_result": {"hate": {"filtered": true, "severity": "high"}}}}})),
            |e| matches!(e, Error::ContentFilter { categories, origin: FilterOrigin::Prompt, .. } if categories == &["hate"])),
        (429, ResponseTemplate::new(429).insert_header("retry-after-ms", "10").set_body_json(json!({"error": {"code": "429", "message": "rate limit"}})),
            |e| matches!(e, Error::RateLimited { retry_after: Some(_), .. })),
        (502, ResponseTemplate::new(502).set_body_raw("<html><title>502 Bad Gateway</title></html>", "text/html"),
            |e| matches!(e, Error::Api { status: 502, message, .. } if message.contains("Bad Gateway"))),
    ];
    for (status, template, expected) in shapes {
        let server = rt.block_on(async {
            let s = MockServer::start().await;
            Mock::given(path(chat_path(DEPLOYMENT)))
                .respond_with(template)
                .mount(&s)
                .await;
            s
        });
        let client = azure_blocking(&server.uri(), "2024-10-21").build().unwrap();
        let e = client.send(&body()).unwrap_err();
        assert!(expected(&e), "HTTP {status}: {e:?}");
        no_secret(&e);
    }

    let slow = rt.block_on(async {
        let s = MockServer::start().await;
        Mock::given(path(chat_path(DEPLOYMENT)))
            .respond_with(ResponseTemplate::new(200).set_delay(Duration::from_secs(3)))
            .mount(&s)
            .await;
        s
    });
    let client = azure_blocking(&slow.uri(), "2024-10-21")
        .read_timeout(Duration::from_millis(200))
        .build()
        .unwrap();
    assert!(matches!(
        client.send(&body()).unwrap_err(),
        Error::Timeout { .. }
    ));
}

#[test]
fn blocking_retry_and_redirect() {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let (first, second) = rt.block_on(async {
        let first = MockServer::start().await;
        let second = MockServer::start().await;
        Mock::given(path(chat_path(DEPLOYMENT)))
            .respond_with(ResponseTemplate::new(429).insert_header("retry-after-ms", "200"))
            .up_to_n_times(1)
            .with_priority(1)
            .mount(&first)
            .await;
        Mock::given(path(chat_path(DEPLOYMENT)))
            .respond_with(
                ResponseTemplate::new(307).insert_header("location", format!("{}/x", second.uri())),
            )
            .mount(&first)
            .await;
        Mock::given(path("/x"))
            .respond_with(ResponseTemplate::new(200).set_body_json(completion()))
            .mount(&second)
            .await;
        (first, second)
    });
    let client = azure_blocking(&first.uri(), "2024-10-21").build().unwrap();
    let started = Instant::now();
    assert_eq!(json(&client.send(&body()).unwrap()), completion());
    assert!(started.elapsed() >= Duration::from_millis(200));
    let at_second = rt.block_on(second.received_requests()).unwrap();
    assert!(at_second[0].headers.get("api-key").is_none());
    let at_first = rt.block_on(first.received_requests()).unwrap();
    assert_eq!(at_first.len(), 2);
}

/// The transport hands replies on as text; the tests compare them as JSON.
fn json(text: &str) -> serde_json::Value {
    serde_json::from_str(text).expect("the reply is JSON")
}

#[tokio::test]
async fn conflict_409_is_retried() {
    let server = MockServer::start().await;
    Mock::given(path(chat_path(DEPLOYMENT)))
        .respond_with(
            ResponseTemplate::new(409)
                .set_body_json(json!({"error": {"code": "conflict", "message": "busy"}})),
        )
        .up_to_n_times(1)
        .with_priority(1)
        .mount(&server)
        .await;
    Mock::given(path(chat_path(DEPLOYMENT)))
        .respond_with(ResponseTemplate::new(200).set_body_json(completion()))
        .mount(&server)
        .await;
    let client = azure_async(&server.uri(), "2024-10-21").build().unwrap();
    client.send(&body()).await.unwrap();
    assert_eq!(server.received_requests().await.unwrap().len(), 2);
}

/// A reply whose body comes one byte every 100 ms, for up to 30 s: each read is quick, the
/// whole never ends.
fn dripping(head: &str) -> String {
    let mut parts = vec![head.as_bytes().to_vec()];
    parts.extend((0..300).map(|_| chunk(" ")));
    raw_server(parts, Duration::from_millis(100), Duration::ZERO)
}

#[tokio::test]
async fn an_endless_drip_hits_the_total_deadline() {
    let uri = dripping(
        "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ntransfer-encoding: chunked\r\n\r\n",
    );
    let client = azure_async(&uri, "2024-10-21")
        .read_timeout(Duration::from_secs(2))
        .total_timeout(Duration::from_millis(800))
        .build()
        .unwrap();
    let started = Instant::now();
    let e = client.send(&body()).await.unwrap_err();
    let took = started.elapsed();
    assert!(
        took >= Duration::from_millis(800) && took < Duration::from_secs(2),
        "{took:?}"
    );
    assert!(
        matches!(&e, Error::Timeout { after, phase } if *after == Duration::from_millis(800) && phase.contains("total_timeout")),
        "{e:?}"
    );
}

#[test]
fn blocking_call_hits_the_total_deadline() {
    let uri = dripping(
        "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ntransfer-encoding: chunked\r\n\r\n",
    );
    let client = azure_blocking(&uri, "2024-10-21")
        .total_timeout(Duration::from_millis(500))
        .build()
        .unwrap();
    let started = Instant::now();
    let e = client.send(&body()).unwrap_err();
    assert!(started.elapsed() < Duration::from_secs(2));
    assert!(e.to_string().contains("total_timeout"), "{e}");
}

#[tokio::test]
async fn retry_waits_do_not_run_past_the_total_deadline() {
    let server = MockServer::start().await;
    Mock::given(path(chat_path(DEPLOYMENT)))
        .respond_with(
            ResponseTemplate::new(503)
                .insert_header("retry-after", "5")
                .set_body_json(json!({"error": {"code": "busy", "message": "busy"}})),
        )
        .mount(&server)
        .await;
    let client = azure_async(&server.uri(), "2024-10-21")
        .total_timeout(Duration::from_secs(2))
        .build()
        .unwrap();
    let started = Instant::now();
    let e = client.send(&body()).await.unwrap_err();
    // The 5 s wait would end past the deadline: the server's own error, at once.
    assert!(started.elapsed() < Duration::from_secs(1));
    assert!(matches!(e, Error::Api { status: 503, .. }), "{e:?}");
}
