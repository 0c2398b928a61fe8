//! The web example as a person uses it: its page in a real headless Chromium, over the example's
//! own router, with a scripted model that writes slowly; and the upstream request ended when the
//! page goes away.

#[path = "../examples/web/app.rs"]
mod app;
mod support;
#[path = "../examples/common/user.rs"]
mod user;

use std::collections::BTreeSet;
use std::net::SocketAddr;
use std::time::{Duration, Instant};

use futures::StreamExt;
use instructor::testing::ScriptedTransport;
use instructor::{AsyncClient, AsyncTransport, ChunkStream, Request};
use serde_json::{json, Value};
use support::browser::{self, Browser};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// The scripted transport, each chunk delayed as a model's tokens are.
struct Slow {
    inner: ScriptedTransport,
    delay: Duration,
}

impl AsyncTransport for Slow {
    fn send<'a>(
        &'a self,
        body: &'a Value,
    ) -> instructor::transport::BoxFuture<'a, instructor::Result<String>> {
        AsyncTransport::send(&self.inner, body)
    }

    fn stream<'a>(
        &'a self,
        body: &'a Value,
    ) -> instructor::transport::BoxFuture<'a, instructor::Result<ChunkStream>> {
        let delay = self.delay;
        Box::pin(async move {
            let chunks = AsyncTransport::stream(&self.inner, body).await?;
            let slow = chunks.then(move |chunk| async move {
                tokio::time::sleep(delay).await;
                chunk
            });
            Ok(Box::pin(slow) as ChunkStream)
        })
    }
}

/// The chunks of one streamed tool call, its arguments cut after every space and every digit
/// apart, as a model's tokens come: `25` arrives as `2` then `5`.
fn tool_stream(tool: &str, arguments: &str) -> Vec<Value> {
    let chunk = |delta: Value, finish: Value| {
        json!({"id": "chatcmpl-web", "object": "chat.completion.chunk", "model": "scripted",
               "choices": [{"index": 0, "delta": delta, "finish_reason": finish}]})
    };
    let mut out = vec![chunk(
        json!({"role": "assistant", "tool_calls": [{"index": 0, "id": "call_1", "type": "function",
               "function": {"name": tool, "arguments": ""}}]}),
        Value::Null,
    )];
    for word in arguments.split_inclusive(' ') {
        let mut rest = word;
        while !rest.is_empty() {
            let cut = match rest.find(|c: char| c.is_ascii_digit()) {
                Some(0) => 1,
                Some(i) => i,
                None => rest.len(),
            };
            let (piece, tail) = rest.split_at(cut);
            out.push(chunk(
                json!({"tool_calls": [{"index": 0, "function": {"arguments": piece}}]}),
                Value::Null,
            ));
            rest = tail;
        }
    }
    out.push(chunk(json!({}), json!("tool_calls")));
    out.push(
        json!({"id": "chatcmpl-web", "model": "scripted", "choices": [],
                    "usage": {"prompt_tokens": 40, "completion_tokens": 20, "total_tokens": 60}}),
    );
    out
}

const BIO: &str = "Tech enthusiast who loves building apps in Rust.";

async fn serve(transport: ScriptedTransport, delay: Duration) -> SocketAddr {
    let client = AsyncClient::new(Slow {
        inner: transport,
        delay,
    })
    .max_retries(2);
    let router = app::router(client, Request::new("scripted"));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("a port");
    let address = listener.local_addr().expect("an address");
    tokio::spawn(async move { axum::serve(listener, router).await });
    address
}

/// What the page shows at one moment.
#[derive(Debug, Clone, PartialEq)]
struct Seen {
    name: String,
    age: String,
    bio: String,
    status: String,
    state: String,
    notice: String,
}

async fn look(browser: &Browser) -> Seen {
    let v = browser
        .eval(
            "const g = (id) => document.getElementById(id);
             return [g('name').textContent, g('age').textContent, g('bio').textContent,
                     g('status').textContent, g('user').dataset.state,
                     g('notice').hidden ? '' : g('notice').textContent];",
        )
        .await;
    let at = |i: usize| v[i].as_str().unwrap_or_default().to_owned();
    Seen {
        name: at(0),
        age: at(1),
        bio: at(2),
        status: at(3),
        state: at(4),
        notice: at(5),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_form_fills_in_live_shows_the_retry_and_ends_validated() {
    let Some(browser) = browser::launch("web-form").await else {
        return;
    };
    let first = format!(r#"{{"name": "Jason", "age": 300, "bio": "{BIO}"}}"#);
    let second = format!(r#"{{"name": "Jason", "age": 25, "bio": "{BIO}"}}"#);
    let transport = ScriptedTransport::new()
        .stream(tool_stream("User", &first))
        .stream(tool_stream("User", &second));
    let address = serve(transport, Duration::from_millis(120)).await;
    browser
        .client
        .goto(&format!(
            "http://{address}/?text=Jason+is+25+years+old.+He+loves+building+apps+in+Rust."
        ))
        .await
        .expect("the page opens");

    let started = Instant::now();
    let mut seen: Vec<Seen> = Vec::new();
    let mut shots = BTreeSet::new();
    loop {
        let now = look(&browser).await;
        if seen.last() != Some(&now) {
            let shot = match now.state.as_str() {
                "final" => Some("web-4-validated"),
                "correcting" if now.bio.len() > 20 => Some("web-3-correcting-bio-growing"),
                "correcting" => Some("web-2-correcting"),
                _ if !now.name.is_empty() && now.bio.is_empty() => Some("web-1-name-first"),
                _ => None,
            };
            if let Some(name) = shot.filter(|n| shots.insert(*n)) {
                browser.screenshot(name).await;
            }
            seen.push(now.clone());
        }
        if now.state == "final" || now.state == "error" {
            break;
        }
        assert!(
            started.elapsed() < Duration::from_secs(60),
            "no final state: {seen:#?}"
        );
        tokio::time::sleep(Duration::from_millis(15)).await;
    }

    // The name shows before the bio is complete, and the bio grows through several states.
    assert!(
        seen.iter().any(|s| s.name == "Jason" && s.bio != BIO),
        "{seen:#?}"
    );
    let bios: BTreeSet<&str> = seen
        .iter()
        .map(|s| s.bio.as_str())
        .filter(|b| !b.is_empty() && *b != BIO)
        .collect();
    assert!(bios.len() >= 3, "the bio grew through {bios:?}");
    assert!(bios.iter().all(|b| BIO.starts_with(b)), "{bios:?}");
    // An age shows only whole: never `3` or `30` on the way to 300, nor `2` on the way to 25.
    let ages: BTreeSet<&str> = seen.iter().map(|s| s.age.as_str()).collect();
    assert!(
        ages.iter().all(|a| ["", "300", "25"].contains(a)),
        "ages seen: {ages:?}"
    );
    // The failed attempt is visible as a correction, with what was wrong.
    let correcting = seen
        .iter()
        .find(|s| s.state == "correcting")
        .expect("the retry notice");
    assert!(correcting.notice.contains("age"), "{correcting:?}");
    assert!(correcting.notice.contains("150"), "{correcting:?}");
    // And the page ends validated with the second attempt's value.
    let last = seen.last().expect("a final state");
    assert_eq!(last.state, "final", "{last:?}");
    assert!(last.status.contains("Validated"), "{last:?}");
    assert!(last.status.contains("2 attempts"), "{last:?}");
    assert_eq!((last.name.as_str(), last.age.as_str()), ("Jason", "25"));
    assert_eq!(last.bio, BIO);
    assert_eq!(
        shots.len(),
        4,
        "screenshots of every state under target/screenshots: {shots:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_list_adds_one_card_per_user_as_each_completes() {
    let Some(browser) = browser::launch("web-list").await else {
        return;
    };
    let list = r#"{"items": [{"name": "Sarah", "age": 28, "bio": "Writes Go."}, {"name": "Mike", "age": 41, "bio": "Flies gliders."}, {"name": "Ana", "age": 33, "bio": "Runs marathons."}]}"#;
    let transport = ScriptedTransport::new().stream(tool_stream("UserList", list));
    let address = serve(transport, Duration::from_millis(60)).await;
    browser
        .client
        .goto(&format!("http://{address}/?list=Sarah,+Mike+and+Ana"))
        .await
        .expect("the page opens");
    let started = Instant::now();
    let mut counts = Vec::new();
    let status = loop {
        let v = browser
            .eval(
                "return [document.querySelectorAll('#cards .card').length,
                         document.getElementById('list-status').dataset.state,
                         document.getElementById('list-status').textContent];",
            )
            .await;
        let count = v[0].as_u64().unwrap_or_default();
        if counts.last() != Some(&count) {
            counts.push(count);
            if count == 1 {
                browser.screenshot("web-5-first-card").await;
            }
        }
        if v[1] == "final" || v[1] == "error" {
            break v[2].as_str().unwrap_or_default().to_owned();
        }
        assert!(started.elapsed() < Duration::from_secs(60), "{counts:?}");
        tokio::time::sleep(Duration::from_millis(15)).await;
    };
    browser.screenshot("web-6-all-cards").await;
    assert_eq!(counts, [0, 1, 2, 3], "cards appear one at a time");
    assert!(status.contains("3 users"), "{status}");
    let first = browser
        .eval("return document.querySelector('#cards .card h3').textContent;")
        .await;
    assert_eq!(first, "Sarah, 28");
}

/// An OpenAI-compatible server that answers one streamed request with an endless, slow SSE
/// stream, and reports when the client closed the connection.
async fn endless_upstream() -> (SocketAddr, tokio::sync::oneshot::Receiver<Duration>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("a port");
    let address = listener.local_addr().expect("an address");
    let (closed, on_close) = tokio::sync::oneshot::channel();
    tokio::spawn(async move {
        let (mut socket, _) = listener.accept().await.expect("the SDK connects");
        let mut request = Vec::new();
        let mut buf = [0u8; 4096];
        while !request.windows(4).any(|w| w == b"\r\n\r\n") {
            let n = socket.read(&mut buf).await.expect("the request");
            request.extend_from_slice(&buf[..n]);
        }
        // The body is sent with Content-Length: read it so that only a close is left to see.
        let head = String::from_utf8_lossy(&request).to_lowercase();
        let length: usize = head
            .lines()
            .find_map(|l| l.strip_prefix("content-length:"))
            .and_then(|v| v.trim().parse().ok())
            .unwrap_or(0);
        let body_start = request
            .windows(4)
            .position(|w| w == b"\r\n\r\n")
            .unwrap_or(0)
            + 4;
        let mut have = request.len() - body_start;
        while have < length {
            have += socket.read(&mut buf).await.expect("the body");
        }
        socket
            .write_all(b"HTTP/1.1 200 OK\r\ncontent-type: text/event-stream\r\ntransfer-encoding: chunked\r\n\r\n")
            .await
            .expect("the head");
        let opened = Instant::now();
        let (mut reader, mut writer) = socket.into_split();
        let writing = async move {
            let first = r#"{"id":"c","model":"m","choices":[{"index":0,"delta":{"role":"assistant","tool_calls":[{"index":0,"id":"call_1","type":"function","function":{"name":"User","arguments":"{\"name\": \"Jason\", \"bio\": \""}}]},"finish_reason":null}]}"#;
            let more = r#"{"id":"c","model":"m","choices":[{"index":0,"delta":{"tool_calls":[{"index":0,"function":{"arguments":"and on "}}]},"finish_reason":null}]}"#;
            let mut event = first;
            loop {
                let frame = format!("data: {event}\n\n");
                let chunk = format!("{:x}\r\n{frame}\r\n", frame.len());
                if writer.write_all(chunk.as_bytes()).await.is_err() {
                    return;
                }
                event = more;
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
        };
        let reading = async move {
            // The client sends nothing more: a read that ends is the connection closing.
            let mut byte = [0u8; 1];
            while reader.read(&mut byte).await.is_ok_and(|n| n > 0) {}
        };
        tokio::select! {
            _ = writing => {}
            _ = reading => {}
        }
        let _ = closed.send(opened.elapsed());
    });
    (address, on_close)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn closing_the_page_ends_the_upstream_request() {
    let (upstream, closed) = endless_upstream().await;
    let transport = instructor::azure::AsyncOpenAI::builder()
        .base_url(format!("http://{upstream}/v1"))
        .api_key("test")
        .model("m")
        .build()
        .expect("a client");
    let client = instructor::from_openai(transport);
    let router = app::router(client, Request::for_default_deployment());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("a port");
    let web = listener.local_addr().expect("an address");
    tokio::spawn(async move { axum::serve(listener, router).await });

    // The page's EventSource: a GET of the SSE endpoint, read until the form shows something.
    let mut page = tokio::net::TcpStream::connect(web).await.expect("connect");
    page.write_all(
        b"GET /extract?text=Jason HTTP/1.1\r\nhost: localhost\r\naccept: text/event-stream\r\n\r\n",
    )
    .await
    .expect("the request");
    let mut received = Vec::new();
    let mut buf = [0u8; 4096];
    while !String::from_utf8_lossy(&received).contains("event: partial") {
        let n = tokio::time::timeout(Duration::from_secs(10), page.read(&mut buf))
            .await
            .expect("events arrive")
            .expect("a read");
        assert!(
            n > 0,
            "the stream ended early: {}",
            String::from_utf8_lossy(&received)
        );
        received.extend_from_slice(&buf[..n]);
    }
    let closed_at = Instant::now();
    drop(page);
    let after = tokio::time::timeout(Duration::from_secs(5), closed)
        .await
        .expect("the upstream connection closes once the page is gone")
        .expect("the upstream reports");
    assert!(after > Duration::ZERO);
    assert!(closed_at.elapsed() < Duration::from_secs(5));
}
