//! One streamed chat-completions attempt: `chat.completion.chunk`s in, the mode's JSON text out
//! as it grows, and at the end the completion the chunks add up to (read by the same code as a
//! non-streamed reply).

use serde_json::Value;

use crate::completion::{
    ChatCompletion, Choice, Delta, FilterVerdicts, FunctionCallDelta, ResponseMessage,
};
use crate::engine::fragments::Fragments;
use crate::engine::settings::Limits;
use crate::error::Result;
use crate::mode::Mode;
use crate::stream::accumulate::{
    parse_event_data, ContentJson, FunctionCallAccumulator, StreamMonitor, ToolCallAccumulator,
};

/// Accumulates one attempt's chunks for a mode.
#[derive(Debug)]
pub(crate) struct ChatAssembler {
    mode: Mode,
    limits: Limits,
    /// Bytes of content, arguments and refusal text so far.
    bytes: usize,
    /// Azure's prompt verdicts, from the stream's first chunk.
    prompt_filter_results: Option<FilterVerdicts>,
    monitor: StreamMonitor,
    tools: ToolCallAccumulator,
    function: FunctionCallAccumulator,
    content_json: ContentJson,
    content: String,
    id: String,
    model: String,
}

impl ChatAssembler {
    pub fn new(mode: Mode, limits: Limits) -> Self {
        Self {
            mode,
            limits,
            bytes: 0,
            prompt_filter_results: None,
            monitor: StreamMonitor::new(),
            tools: ToolCallAccumulator::new(),
            function: FunctionCallAccumulator::new(),
            content_json: ContentJson::new(),
            content: String::new(),
            id: String::new(),
            model: String::new(),
        }
    }

    /// Takes one chunk's JSON; returns the JSON text it added. Chunks without choices (Azure's
    /// filter-only first chunk, the usage-only last one) and choices without a delta add nothing.
    pub fn push(&mut self, data: &str) -> Result<Fragments> {
        let Some(mut chunk) = parse_event_data(data)? else {
            return Ok(Vec::new());
        };
        if self.id.is_empty() && !chunk.id.is_empty() {
            self.id.clone_from(&chunk.id);
        }
        if self.model.is_empty() && !chunk.model.is_empty() {
            self.model.clone_from(&chunk.model);
        }
        if self.prompt_filter_results.is_none() {
            self.prompt_filter_results = chunk.prompt_filter_results.take();
        }
        let Some(delta) = self.monitor.observe(&chunk) else {
            return Ok(Vec::new());
        };
        self.count(delta)?;
        let mut out = Vec::new();
        if let Some(text) = &delta.content {
            self.content.push_str(text);
        }
        match self.mode {
            Mode::Tools | Mode::ToolsStrict | Mode::ParallelTools => {
                for f in self.tools.push(delta) {
                    out.push((f.index, f.text.to_owned()));
                }
                if self.tools.calls().len() > self.limits.max_tool_calls {
                    return Err(self.limits.calls_exceeded());
                }
            }
            Mode::Functions => {
                let text = self.function.push(delta);
                if !text.is_empty() {
                    out.push((0, text.to_owned()));
                }
            }
            Mode::Json | Mode::JsonSchema | Mode::MdJson | Mode::JsonO1 => {
                if let Some(text) = &delta.content {
                    let json = self.content_json.push(text);
                    if !json.is_empty() {
                        out.push((0, json));
                    }
                }
            }
            // Their streams are Responses API events, read by the Responses assembler.
            Mode::ResponsesTools | Mode::ResponsesJsonSchema => {}
        }
        Ok(out)
    }

    /// Counts the text a delta adds against the reply's byte limit.
    fn count(&mut self, delta: &Delta) -> Result<()> {
        let text = |s: &Option<String>| s.as_deref().map_or(0, str::len);
        let arguments =
            |f: &Option<FunctionCallDelta>| f.as_ref().map_or(0, |f| text(&f.arguments));
        let added = text(&delta.content)
            + text(&delta.refusal)
            + arguments(&delta.function_call)
            + delta
                .tool_calls
                .iter()
                .map(|c| arguments(&c.function))
                .sum::<usize>();
        self.bytes = self.bytes.saturating_add(added);
        if self.bytes > self.limits.max_stream_bytes {
            return Err(self.limits.text_exceeded());
        }
        Ok(())
    }

    /// True once the stream said why it ended (a finish reason): a stream cut short never does.
    pub fn finished(&self) -> bool {
        self.monitor.finish_reason().is_some()
    }

    /// JSON text only the end of the content can reveal (content modes).
    pub fn flush(&mut self) -> Fragments {
        if self.mode.uses_tools() || self.mode == Mode::Functions {
            return Vec::new();
        }
        let rest = self.content_json.finish();
        if rest.is_empty() {
            Vec::new()
        } else {
            vec![(0, rest)]
        }
    }

    /// The name of tool call `index`, once known.
    pub fn tool_name(&self, index: u32) -> Option<&str> {
        self.tools.get(index).map(|c| c.name.as_str())
    }

    /// The completion the chunks add up to.
    pub fn finish(self) -> ChatCompletion {
        let function_call = (self.mode == Mode::Functions).then(|| self.function.finish());
        let message = ResponseMessage {
            role: Some("assistant".to_owned()),
            content: Some(self.content).filter(|c| !c.is_empty()),
            tool_calls: self.tools.finish(),
            function_call,
            refusal: self.monitor.refusal().map(str::to_owned),
        };
        let finish_reason = self.monitor.finish_reason().map(str::to_owned);
        // The verdicts that struck, as the completion's: every category on a `content_filter`
        // finish, the filtered ones on any other (a filtered stream is a filtered completion).
        let struck = if finish_reason.as_deref() == Some("content_filter") {
            self.monitor.filtered_categories()
        } else {
            self.monitor.blocked_categories()
        };
        let content_filter_results = (!struck.is_empty())
            .then(|| {
                let verdicts = struck
                    .into_iter()
                    .map(|c| (c, serde_json::json!({"filtered": true})))
                    .collect();
                FilterVerdicts::from_value(&Value::Object(verdicts)).ok()
            })
            .flatten();
        ChatCompletion {
            id: self.id,
            model: self.model,
            choices: vec![Choice {
                index: 0,
                message,
                finish_reason,
                content_filter_results,
            }],
            usage: self.monitor.usage(),
            prompt_filter_results: self.prompt_filter_results,
            ..ChatCompletion::default()
        }
    }
}
