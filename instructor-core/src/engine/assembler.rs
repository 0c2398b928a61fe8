//! One streamed attempt: chunks in, the mode's JSON text out as it grows, and at the end the
//! completion the chunks add up to (read by the same code as a non-streamed reply).

use serde_json::Value;

use crate::completion::{ChatCompletion, Choice, FilterVerdicts, ResponseMessage};
use crate::error::Result;
use crate::mode::Mode;
use crate::stream::accumulate::{
    parse_event_data, ContentJson, FunctionCallAccumulator, StreamMonitor, ToolCallAccumulator,
};

/// New JSON text from one chunk, per tool call index (0 for content and function modes).
pub(crate) type Fragments = Vec<(u32, String)>;

/// Accumulates one attempt's chunks for a mode.
#[derive(Debug)]
pub(crate) struct Assembler {
    mode: Mode,
    monitor: StreamMonitor,
    tools: ToolCallAccumulator,
    function: FunctionCallAccumulator,
    content_json: ContentJson,
    content: String,
    id: String,
    model: String,
}

impl Assembler {
    pub fn new(mode: Mode) -> Self {
        Self {
            mode,
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
        let Some(chunk) = parse_event_data(data)? else {
            return Ok(Vec::new());
        };
        if self.id.is_empty() && !chunk.id.is_empty() {
            self.id.clone_from(&chunk.id);
        }
        if self.model.is_empty() && !chunk.model.is_empty() {
            self.model.clone_from(&chunk.model);
        }
        let Some(delta) = self.monitor.observe(&chunk) else {
            return Ok(Vec::new());
        };
        let mut out = Vec::new();
        if let Some(text) = &delta.content {
            self.content.push_str(text);
        }
        match self.mode {
            Mode::Tools | Mode::ToolsStrict | Mode::ParallelTools => {
                for f in self.tools.push(delta) {
                    out.push((f.index, f.text.to_owned()));
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
        }
        Ok(out)
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
        let content_filter_results = (finish_reason.as_deref() == Some("content_filter"))
            .then(|| {
                let verdicts = self
                    .monitor
                    .filtered_categories()
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
            ..ChatCompletion::default()
        }
    }
}
