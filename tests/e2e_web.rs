//! The web example's page against the real local model (SmolLM2-135M served by llama.cpp), in a
//! headless Chromium: the form must end validated with the person the text names.
//!
//! Runs when `INSTRUCTOR_LOCAL_MODEL=1` with the local model up (`scripts/test.sh` does both).

#[path = "../examples/web/app.rs"]
mod app;
mod support;
#[path = "../examples/common/user.rs"]
mod user;

use std::time::{Duration, Instant};

use instructor::azure::AsyncAzureOpenAI;
use instructor::Request;
use support::browser;

fn endpoint() -> String {
    std::env::var("AZURE_OPENAI_ENDPOINT").unwrap_or_else(|_| {
        let port = std::env::var("LOCAL_MODEL_PORT").unwrap_or_else(|_| "8088".into());
        format!("http://127.0.0.1:{port}")
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_page_extracts_a_user_from_the_local_model() {
    if std::env::var("INSTRUCTOR_LOCAL_MODEL").as_deref() != Ok("1") {
        eprintln!("skipped: set INSTRUCTOR_LOCAL_MODEL=1 with the local model running (scripts/test.sh does)");
        return;
    }
    let Some(browser) = browser::launch("e2e-web").await else {
        return;
    };
    let transport = AsyncAzureOpenAI::builder()
        .azure_endpoint(endpoint())
        .api_key("local")
        .api_version("2024-10-21")
        .deployment("smollm2")
        .build()
        .expect("client");
    let client = instructor::from_openai(transport).max_retries(2);
    // As the example does on the local model: greedy and bounded.
    let base = Request::for_default_deployment()
        .temperature(0.0)
        .max_tokens(400);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("a port");
    let address = listener.local_addr().expect("an address");
    tokio::spawn(async move { axum::serve(listener, app::router(client, base)).await });

    browser
        .client
        .goto(&format!(
            "http://{address}/?text=Jason+is+25+years+old.+He+is+a+tech+enthusiast+who+loves+building+apps+in+Rust."
        ))
        .await
        .expect("the page opens");
    let started = Instant::now();
    let mut states = Vec::new();
    let last = loop {
        let v = browser
            .eval(
                "const g = (id) => document.getElementById(id);
                 return [g('user').dataset.state, g('name').textContent, g('age').textContent,
                         g('bio').textContent, g('status').textContent];",
            )
            .await;
        let state = v[0].as_str().unwrap_or_default().to_owned();
        if states.last() != Some(&v) {
            states.push(v.clone());
        }
        if state == "final" || state == "error" {
            break v;
        }
        assert!(
            started.elapsed() < Duration::from_secs(180),
            "no final state: {states:#?}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    browser.screenshot("e2e-web-local-model").await;
    eprintln!("the page went through {} states; last {last}", states.len());
    assert_eq!(last[0], "final", "{states:#?}");
    assert_eq!(last[1], "Jason", "{states:#?}");
    assert_eq!(last[2], "25", "{states:#?}");
    assert!(states.len() > 3, "the form filled in live: {states:#?}");
}
