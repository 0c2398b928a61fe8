//! Helpers shared by the mock-server tests.
#![allow(dead_code)]

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::time::Duration;

use instructor_azure::{AsyncAzureOpenAI, AzureOpenAI, AzureOpenAIBuilder, RetryPolicy};
use serde_json::{json, Value};

pub const KEY: &str = "test-key-s3cr3t-0123456789";
pub const DEPLOYMENT: &str = "gpt-4o-mini";

pub fn chat_path(deployment: &str) -> String {
    format!("/openai/deployments/{deployment}/chat/completions")
}

pub fn completion() -> Value {
    json!({
        "id": "chatcmpl-1", "object": "chat.completion", "created": 1, "model": "gpt-4o-mini",
        "prompt_filter_results": [{"prompt_index": 0, "content_filter_results": {}}],
        "choices": [{"index": 0, "finish_reason": "stop",
            "message": {"role": "assistant", "content": "{\"name\":\"John\",\"age\":30}"}}],
        "usage": {"prompt_tokens": 5, "completion_tokens": 7, "total_tokens": 12}
    })
}

pub fn body() -> Value {
    json!({"messages": [{"role": "user", "content": "John is 30"}]})
}

/// Fast retries for tests.
pub fn fast_retry() -> RetryPolicy {
    RetryPolicy {
        initial_backoff: Duration::from_millis(20),
        max_backoff: Duration::from_millis(100),
        ..RetryPolicy::default()
    }
}

pub fn azure_async(uri: &str, version: &str) -> AzureOpenAIBuilder<AsyncAzureOpenAI> {
    AsyncAzureOpenAI::builder()
        .api_key(KEY)
        .api_version(version)
        .azure_endpoint(uri)
        .deployment(DEPLOYMENT)
        .retry_policy(fast_retry())
}

pub fn azure_blocking(uri: &str, version: &str) -> AzureOpenAIBuilder<AzureOpenAI> {
    AzureOpenAI::builder()
        .api_key(KEY)
        .api_version(version)
        .azure_endpoint(uri)
        .deployment(DEPLOYMENT)
        .retry_policy(fast_retry())
}

/// SSE text for the given data payloads.
pub fn sse(events: &[Value], done: bool) -> String {
    let mut out = String::new();
    for e in events {
        out.push_str(&format!("data: {e}\n\n"));
    }
    if done {
        out.push_str("data: [DONE]\n\n");
    }
    out
}

/// Azure-shaped stream chunks: the prompt-filter chunk, two content deltas, an annotation-only
/// chunk, the finish chunk and a usage chunk.
pub fn azure_chunks() -> Vec<Value> {
    vec![
        json!({"id": "", "choices": [], "created": 0, "model": "", "object": "",
            "prompt_filter_results": [{"prompt_index": 0, "content_filter_results": {"hate": {"filtered": false, "severity": "safe"}}}]}),
        json!({"id": "c1", "object": "chat.completion.chunk", "choices": [{"index": 0, "delta": {"role": "assistant", "content": "{\"name\":"}}]}),
        json!({"id": "c1", "object": "chat.completion.chunk", "choices": [{"index": 0, "delta": {"content": "\"John\"}"}, "content_filter_results": {}}]}),
        json!({"id": "", "choices": [{"index": 0, "content_filter_results": {"violence": {"filtered": false, "severity": "safe"}}, "content_filter_offsets": {"check_offset": 0, "start_offset": 0, "end_offset": 9}}]}),
        json!({"id": "c1", "object": "chat.completion.chunk", "choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}]}),
        json!({"id": "c1", "object": "chat.completion.chunk", "choices": [], "usage": {"prompt_tokens": 3, "completion_tokens": 4, "total_tokens": 7}}),
    ]
}

/// A one-shot raw HTTP server on 127.0.0.1 for what a mock framework cannot do (dropping the
/// connection mid-body, stalling). It reads the request, writes `parts` with `pause` between
/// them, then (after `linger`) closes the socket. Returns its base URL.
pub fn raw_server(parts: Vec<Vec<u8>>, pause: Duration, linger: Duration) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1");
    let addr = listener.local_addr().expect("local addr");
    std::thread::spawn(move || {
        let Ok((mut sock, _)) = listener.accept() else {
            return;
        };
        read_request(&mut sock);
        for part in parts {
            if sock.write_all(&part).is_err() {
                return;
            }
            let _ = sock.flush();
            std::thread::sleep(pause);
        }
        std::thread::sleep(linger);
    });
    format!("http://{addr}")
}

fn read_request(sock: &mut TcpStream) {
    let mut buf = Vec::new();
    let mut byte = [0u8; 1024];
    let _ = sock.set_read_timeout(Some(Duration::from_secs(5)));
    loop {
        let Ok(n) = sock.read(&mut byte) else { return };
        if n == 0 {
            return;
        }
        buf.extend_from_slice(&byte[..n]);
        if let Some(end) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            let head = String::from_utf8_lossy(&buf[..end]).to_ascii_lowercase();
            let len: usize = head
                .lines()
                .find_map(|l| l.strip_prefix("content-length:"))
                .and_then(|v| v.trim().parse().ok())
                .unwrap_or(0);
            while buf.len() < end + 4 + len {
                let Ok(n) = sock.read(&mut byte) else { return };
                if n == 0 {
                    return;
                }
                buf.extend_from_slice(&byte[..n]);
            }
            return;
        }
    }
}

/// An HTTP/1.1 chunked-encoding chunk.
pub fn chunk(data: &str) -> Vec<u8> {
    format!("{:x}\r\n{data}\r\n", data.len()).into_bytes()
}

pub const SSE_HEAD_CHUNKED: &str =
    "HTTP/1.1 200 OK\r\ncontent-type: text/event-stream\r\ntransfer-encoding: chunked\r\n\r\n";
pub const SSE_HEAD_CLOSE: &str =
    "HTTP/1.1 200 OK\r\ncontent-type: text/event-stream\r\nconnection: close\r\n\r\n";
