//! A scripted in-memory transport for unit-testing extraction code offline.
//!
//! Replies you script flow through the real parse, validate and re-ask path, and every request body
//! the client sent is recorded for assertions.
//!
//! ```
//! use instructor_core::testing::{self, ScriptedTransport};
//! use instructor_core::{Client, Request};
//!
//! let transport = ScriptedTransport::new()
//!     .reply(testing::tool_call_completion("User", r#"{"name":"Jason","age":25}"#));
//! let client = Client::new(transport.clone());
//! // let user: User = client.create(Request::new("gpt-4o-mini").user("Jason is 25"))?;
//! # let _ = (client, Request::new("m"));
//! assert_eq!(transport.remaining(), 1);
//! ```

use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex, MutexGuard};

use serde_json::{json, Value};

use crate::error::{Error, Result};
use crate::request::body::RequestBody;
use crate::transport::{
    AsyncTransport, BoxFuture, ChunkIter, ChunkStream, Feature, Support, Transport,
};

enum Scripted {
    Reply(Result<Value>),
    Stream(Vec<Result<String>>),
}

#[derive(Default)]
struct Script {
    queue: VecDeque<Scripted>,
    requests: Vec<Value>,
    unsupported: HashMap<Feature, (String, Option<String>)>,
}

/// A transport that answers from a script, blocking and async alike. Clones share the script.
#[derive(Clone, Default)]
pub struct ScriptedTransport {
    script: Arc<Mutex<Script>>,
    model: Option<Arc<str>>,
}

impl std::fmt::Debug for ScriptedTransport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ScriptedTransport")
            .field("remaining", &self.remaining())
            .finish()
    }
}

impl ScriptedTransport {
    /// An empty script.
    pub fn new() -> Self {
        Self::default()
    }

    fn lock(&self) -> MutexGuard<'_, Script> {
        // A poisoned lock only means a test panicked while holding it; the script is still usable.
        self.script.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Queues a reply: the JSON of a chat completion.
    pub fn reply(self, completion: Value) -> Self {
        self.lock().queue.push_back(Scripted::Reply(Ok(completion)));
        self
    }

    /// Queues an error in place of a reply.
    pub fn error(self, error: Error) -> Self {
        self.lock().queue.push_back(Scripted::Reply(Err(error)));
        self
    }

    /// Queues a stream: these chunk JSON values, then a clean end (`[DONE]`).
    pub fn stream(self, chunks: Vec<Value>) -> Self {
        self.stream_raw(chunks.into_iter().map(Ok).collect())
    }

    /// Queues a stream of chunk values and errors, as given (an error item ends it).
    pub fn stream_raw(self, items: Vec<Result<Value>>) -> Self {
        let events = items
            .into_iter()
            .map(|i| i.map(|v| v.to_string()))
            .collect();
        self.lock().queue.push_back(Scripted::Stream(events));
        self
    }

    /// Sets the deployment used when a request names none.
    pub fn default_model(mut self, model: &str) -> Self {
        self.model = Some(Arc::from(model));
        self
    }

    /// Makes the transport refuse `feature`, as an old api-version would.
    pub fn without(self, feature: Feature, by: &str, since: Option<&str>) -> Self {
        self.lock()
            .unsupported
            .insert(feature, (by.to_owned(), since.map(str::to_owned)));
        self
    }

    /// Every body sent so far, in order.
    pub fn requests(&self) -> Vec<Value> {
        self.lock().requests.clone()
    }

    /// Replies and streams not yet used.
    pub fn remaining(&self) -> usize {
        self.lock().queue.len()
    }

    fn next(&self, body: &Value) -> Result<Scripted> {
        let mut script = self.lock();
        script.requests.push(body.clone());
        script.queue.pop_front().ok_or_else(|| {
            Error::Configuration("the ScriptedTransport has no more replies scripted".to_owned())
        })
    }

    fn next_reply(&self, body: &Value) -> Result<String> {
        match self.next(body)? {
            Scripted::Reply(r) => r.map(|v| v.to_string()),
            Scripted::Stream(_) => Err(Error::Configuration(
                "a stream was scripted but a plain reply was requested".to_owned(),
            )),
        }
    }

    fn next_stream(&self, body: &Value) -> Result<Vec<Result<String>>> {
        match self.next(body)? {
            Scripted::Stream(items) => Ok(items),
            Scripted::Reply(Err(e)) => Err(e),
            Scripted::Reply(Ok(_)) => Err(Error::Configuration(
                "a plain reply was scripted but a stream was requested".to_owned(),
            )),
        }
    }

    fn support(&self, feature: Feature) -> Support {
        match self.lock().unsupported.get(&feature) {
            Some((by, since)) => Support::No {
                by: by.clone(),
                since: since.clone(),
            },
            None => Support::Yes,
        }
    }

    fn model(&self) -> Option<&str> {
        self.model.as_deref()
    }
}

/// The body as an HTTP transport sends it: serialized straight to bytes, then read back. Fails
/// if the bytes and [`RequestBody::to_value`] disagree, so every scripted test checks that the
/// two views of a body are the same JSON, in the same order.
fn as_sent(body: &RequestBody) -> Result<Value> {
    let bytes = serde_json::to_string(body).map_err(|e| Error::Configuration(e.to_string()))?;
    let tree =
        serde_json::to_string(&body.to_value()).map_err(|e| Error::Configuration(e.to_string()))?;
    if bytes != tree {
        return Err(Error::Configuration(format!(
            "the body's bytes and its tree differ:\n{bytes}\n{tree}"
        )));
    }
    serde_json::from_str(&bytes).map_err(|e| Error::Configuration(e.to_string()))
}

impl Transport for ScriptedTransport {
    fn send(&self, body: &Value) -> Result<String> {
        self.next_reply(body)
    }

    fn stream(&self, body: &Value) -> Result<ChunkIter> {
        Ok(Box::new(self.next_stream(body)?.into_iter()))
    }

    fn send_request(&self, body: &RequestBody) -> Result<String> {
        self.next_reply(&as_sent(body)?)
    }

    fn stream_request(&self, body: &RequestBody) -> Result<ChunkIter> {
        Ok(Box::new(self.next_stream(&as_sent(body)?)?.into_iter()))
    }

    fn default_model(&self) -> Option<&str> {
        self.model()
    }

    fn supports(&self, feature: Feature) -> Support {
        self.support(feature)
    }
}

impl AsyncTransport for ScriptedTransport {
    fn send<'a>(&'a self, body: &'a Value) -> BoxFuture<'a, Result<String>> {
        Box::pin(async move { self.next_reply(body) })
    }

    fn stream<'a>(&'a self, body: &'a Value) -> BoxFuture<'a, Result<ChunkStream>> {
        Box::pin(async move {
            let items = self.next_stream(body)?;
            Ok(Box::pin(futures::stream::iter(items)) as ChunkStream)
        })
    }

    fn send_request<'a>(&'a self, body: &'a RequestBody) -> BoxFuture<'a, Result<String>> {
        Box::pin(async move { self.next_reply(&as_sent(body)?) })
    }

    fn stream_request<'a>(&'a self, body: &'a RequestBody) -> BoxFuture<'a, Result<ChunkStream>> {
        Box::pin(async move {
            let items = self.next_stream(&as_sent(body)?)?;
            Ok(Box::pin(futures::stream::iter(items)) as ChunkStream)
        })
    }

    fn default_model(&self) -> Option<&str> {
        self.model()
    }

    fn supports(&self, feature: Feature) -> Support {
        self.support(feature)
    }
}

/// A completion whose message calls `name` with `arguments` (JSON text).
pub fn tool_call_completion(name: &str, arguments: &str) -> Value {
    completion(
        json!({
            "role": "assistant",
            "content": null,
            "tool_calls": [{"id": "call_1", "type": "function", "function": {"name": name, "arguments": arguments}}],
        }),
        "tool_calls",
    )
}

/// A completion whose message makes several tool calls: `(name, arguments)` pairs.
pub fn tool_calls_completion(calls: &[(&str, &str)]) -> Value {
    let calls: Vec<Value> = calls
        .iter()
        .enumerate()
        .map(|(i, (name, args))| json!({"id": format!("call_{i}"), "type": "function", "function": {"name": name, "arguments": args}}))
        .collect();
    completion(
        json!({"role": "assistant", "content": null, "tool_calls": calls}),
        "tool_calls",
    )
}

/// A completion whose message makes a legacy function call.
pub fn function_call_completion(name: &str, arguments: &str) -> Value {
    completion(
        json!({
            "role": "assistant",
            "content": null,
            "function_call": {"name": name, "arguments": arguments},
        }),
        "function_call",
    )
}

/// A completion whose message is `text`.
pub fn content_completion(text: &str) -> Value {
    completion(json!({"role": "assistant", "content": text}), "stop")
}

fn completion(message: Value, finish_reason: &str) -> Value {
    json!({
        "id": "chatcmpl-scripted",
        "object": "chat.completion",
        "created": 0,
        "model": "scripted",
        "choices": [{"index": 0, "message": message, "finish_reason": finish_reason}],
        "usage": {"prompt_tokens": 10, "completion_tokens": 5, "total_tokens": 15},
    })
}

/// Chunks streaming `text` as content, `size` characters at a time, Azure-style: a filter-only first
/// chunk, the deltas, a finish chunk and a usage-only last chunk.
pub fn content_chunks(text: &str, size: usize) -> Vec<Value> {
    let deltas = pieces(text, size)
        .into_iter()
        .map(|p| json!({"content": p}))
        .collect();
    chunks(deltas, "stop")
}

/// Chunks streaming one tool call to `name` with `arguments`, `size` characters at a time.
pub fn tool_call_chunks(name: &str, arguments: &str, size: usize) -> Vec<Value> {
    let mut deltas = vec![json!({"role": "assistant", "tool_calls": [
        {"index": 0, "id": "call_1", "type": "function", "function": {"name": name, "arguments": ""}}
    ]})];
    deltas.extend(
        pieces(arguments, size)
            .into_iter()
            .map(|p| json!({"tool_calls": [{"index": 0, "function": {"arguments": p}}]})),
    );
    chunks(deltas, "tool_calls")
}

fn chunks(deltas: Vec<Value>, finish_reason: &str) -> Vec<Value> {
    let mut out = vec![json!({
        "id": "", "object": "", "created": 0, "model": "", "choices": [],
        "prompt_filter_results": [{"prompt_index": 0, "content_filter_results": {
            "hate": {"filtered": false, "severity": "safe"}}}],
    })];
    for delta in deltas {
        out.push(json!({
            "id": "chatcmpl-scripted", "object": "chat.completion.chunk", "created": 0, "model": "scripted",
            "choices": [{"index": 0, "delta": delta, "finish_reason": null,
                         "content_filter_results": {"hate": {"filtered": false, "severity": "safe"}}}],
        }));
    }
    out.push(json!({
        "id": "chatcmpl-scripted", "object": "chat.completion.chunk", "created": 0, "model": "scripted",
        "choices": [{"index": 0, "delta": {}, "finish_reason": finish_reason}],
    }));
    out.push(json!({
        "id": "chatcmpl-scripted", "object": "chat.completion.chunk", "created": 0, "model": "scripted",
        "choices": [], "usage": {"prompt_tokens": 10, "completion_tokens": 5, "total_tokens": 15},
    }));
    out
}

fn pieces(text: &str, size: usize) -> Vec<String> {
    let chars: Vec<char> = text.chars().collect();
    chars
        .chunks(size.max(1))
        .map(|c| c.iter().collect())
        .collect()
}

/// A Responses API response whose output is one `function_call` to `name` with `arguments`.
pub fn response_function_call(name: &str, arguments: &str) -> Value {
    response(vec![json!({
        "type": "function_call", "id": "fc_1", "call_id": "call_1", "name": name,
        "arguments": arguments, "status": "completed",
    })])
}

/// A Responses API response whose output is one message with `text`.
pub fn response_text(text: &str) -> Value {
    response(vec![json!({
        "type": "message", "id": "msg_1", "role": "assistant", "status": "completed",
        "content": [{"type": "output_text", "text": text, "annotations": [], "logprobs": []}],
    })])
}

fn response(output: Vec<Value>) -> Value {
    json!({
        "id": "resp_scripted", "object": "response", "created_at": 0, "status": "completed",
        "model": "scripted", "output": output,
        "usage": {"input_tokens": 10, "input_tokens_details": {"cached_tokens": 4},
                  "output_tokens": 5, "output_tokens_details": {"reasoning_tokens": 2},
                  "total_tokens": 15},
    })
}

/// The events of a Responses API stream of one `function_call` to `name`, its `arguments`
/// streamed `size` characters at a time, ending with `response.completed`.
pub fn response_function_call_events(name: &str, arguments: &str, size: usize) -> Vec<Value> {
    let item = json!({"type": "function_call", "id": "fc_1", "call_id": "call_1", "name": name,
                      "arguments": "", "status": "in_progress"});
    let mut out = vec![
        json!({"type": "response.created", "sequence_number": 0,
               "response": {"id": "resp_scripted", "status": "in_progress", "output": []}}),
        json!({"type": "response.output_item.added", "sequence_number": 1, "output_index": 0, "item": item}),
    ];
    for piece in pieces(arguments, size) {
        out.push(
            json!({"type": "response.function_call_arguments.delta", "sequence_number": out.len(),
                        "item_id": "fc_1", "output_index": 0, "delta": piece}),
        );
    }
    out.push(
        json!({"type": "response.completed", "sequence_number": out.len(),
                    "response": response_function_call(name, arguments)}),
    );
    out
}

/// The events of a Responses API stream of one message with `text`, streamed `size` characters
/// at a time, ending with `response.completed`.
pub fn response_text_events(text: &str, size: usize) -> Vec<Value> {
    let mut out = vec![
        json!({"type": "response.created", "sequence_number": 0,
               "response": {"id": "resp_scripted", "status": "in_progress", "output": []}}),
        json!({"type": "response.output_item.added", "sequence_number": 1, "output_index": 0,
               "item": {"type": "message", "id": "msg_1", "role": "assistant", "status": "in_progress", "content": []}}),
    ];
    for piece in pieces(text, size) {
        out.push(
            json!({"type": "response.output_text.delta", "sequence_number": out.len(),
                        "item_id": "msg_1", "output_index": 0, "content_index": 0, "delta": piece,
                        "logprobs": []}),
        );
    }
    out.push(
        json!({"type": "response.completed", "sequence_number": out.len(),
                    "response": response_text(text)}),
    );
    out
}
