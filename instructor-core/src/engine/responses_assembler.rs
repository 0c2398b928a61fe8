//! One streamed Responses API attempt: typed events in (`response.output_text.delta`,
//! `response.function_call_arguments.delta`, …), the mode's JSON text out as it grows, and at the
//! end the response the `response.completed`, `response.incomplete` or `response.failed` event
//! carries, read like a non-streamed reply.

use std::collections::BTreeMap;

use serde_json::{json, Value};

use crate::completion::ChatCompletion;
use crate::engine::fragments::Fragments;
use crate::engine::settings::Limits;
use crate::error::Result;
use crate::mode::Mode;
use crate::response::responses_reply::{into_completion, response_error};
use crate::responses::Response;
use crate::stream::responses::{parse_response_event, ResponseEvent};

/// A function call item as far as it has streamed.
#[derive(Debug, Default)]
struct Call {
    name: String,
    call_id: String,
    arguments: String,
}

/// Accumulates one attempt's Responses API events.
#[derive(Debug)]
pub(crate) struct ResponsesAssembler {
    mode: Mode,
    limits: Limits,
    /// Bytes of text, arguments and refusal so far.
    bytes: usize,
    /// Function call items, by output index.
    calls: BTreeMap<u32, Call>,
    text: String,
    refusal: String,
    /// The response of the stream's last event.
    done: Option<Box<Response>>,
}

impl ResponsesAssembler {
    pub fn new(mode: Mode, limits: Limits) -> Self {
        Self {
            mode,
            limits,
            bytes: 0,
            calls: BTreeMap::new(),
            text: String::new(),
            refusal: String::new(),
            done: None,
        }
    }

    fn count(&mut self, added: usize) -> Result<()> {
        self.bytes = self.bytes.saturating_add(added);
        if self.bytes > self.limits.max_stream_bytes {
            return Err(self.limits.text_exceeded());
        }
        Ok(())
    }

    /// Takes one event's data; returns the JSON text it added.
    pub fn push(&mut self, data: &str) -> Result<Fragments> {
        let Some(event) = parse_response_event(data)? else {
            return Ok(Vec::new());
        };
        let mut out = Vec::new();
        match event {
            ResponseEvent::OutputItemAdded { output_index, item }
                if item.get("type").and_then(Value::as_str) == Some("function_call") =>
            {
                let field = |k: &str| item.get(k).and_then(Value::as_str).unwrap_or_default();
                let call = self.calls.entry(output_index).or_default();
                call.name = field("name").to_owned();
                call.call_id = field("call_id").to_owned();
                if self.calls.len() > self.limits.max_tool_calls {
                    return Err(self.limits.calls_exceeded());
                }
            }
            ResponseEvent::FunctionCallArgumentsDelta {
                output_index,
                delta,
            } => {
                self.count(delta.len())?;
                self.calls
                    .entry(output_index)
                    .or_default()
                    .arguments
                    .push_str(&delta);
                if self.calls.len() > self.limits.max_tool_calls {
                    return Err(self.limits.calls_exceeded());
                }
                if self.mode == Mode::ResponsesTools && !delta.is_empty() {
                    out.push((output_index, delta));
                }
            }
            ResponseEvent::OutputTextDelta { delta, .. } => {
                self.count(delta.len())?;
                self.text.push_str(&delta);
                if self.mode == Mode::ResponsesJsonSchema && !delta.is_empty() {
                    out.push((0, delta));
                }
            }
            ResponseEvent::RefusalDelta { delta } => {
                self.count(delta.len())?;
                self.refusal.push_str(&delta);
            }
            ResponseEvent::Done(response) => self.done = Some(response),
            ResponseEvent::Error { code, message } => {
                return Err(response_error(&json!({"code": code, "message": message})))
            }
            _ => {}
        }
        Ok(out)
    }

    /// True once the stream's last event (completed, incomplete or failed) arrived.
    pub fn finished(&self) -> bool {
        self.done.is_some()
    }

    /// The name of function call `index`, once known.
    pub fn tool_name(&self, index: u32) -> Option<&str> {
        self.calls.get(&index).map(|c| c.name.as_str())
    }

    /// The completion the stream adds up to: its last event's response, read like a reply. A
    /// server whose last event carries no output items gets them from what streamed.
    pub fn finish(mut self) -> Result<ChatCompletion> {
        let mut response = *self.done.take().unwrap_or_default();
        if response.output.is_empty() {
            response.output = self.streamed_items();
        }
        into_completion(response)
    }

    fn streamed_items(&self) -> Vec<Value> {
        let mut items = Vec::new();
        if !self.text.is_empty() || !self.refusal.is_empty() {
            let mut content = Vec::new();
            if !self.text.is_empty() {
                content.push(json!({"type": "output_text", "text": self.text, "annotations": []}));
            }
            if !self.refusal.is_empty() {
                content.push(json!({"type": "refusal", "refusal": self.refusal}));
            }
            items.push(
                json!({"type": "message", "role": "assistant", "status": "completed",
                              "content": content}),
            );
        }
        for call in self.calls.values() {
            items.push(json!({"type": "function_call", "call_id": call.call_id,
                              "name": call.name, "arguments": call.arguments,
                              "status": "completed"}));
        }
        items
    }
}
