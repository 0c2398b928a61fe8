//! From stream chunks to the JSON text of the mode.
//!
//! - [`parse_event_data`]: one SSE `data` payload to a [`ChatCompletionChunk`], or the error the
//!   service streamed in place of a chunk.
//! - [`StreamMonitor`]: the stream-level facts of every chunk (usage, finish reason, content filter
//!   verdicts, refusal text), and choice 0's delta for the accumulators.
//! - [`ToolCallAccumulator`] (Tools, ToolsStrict, ParallelTools), [`FunctionCallAccumulator`]
//!   (Functions) and [`ContentJson`] (Json, JsonSchema, MdJson): deltas to JSON text.

use std::collections::HashMap;

use serde_json::Value;

use crate::completion::{ChatCompletionChunk, Delta, Usage};
pub use crate::content_filter::filtered_categories;
use crate::content_filter::Categories;
use crate::error::{excerpt, Error, FilterOrigin};
use crate::message::{FunctionCall, ToolCall};

/// Reads one SSE `data` payload.
///
/// - `Ok(None)` for an empty payload (nothing to do);
/// - `Err(..)` for an `{"error": {...}}` object, which Azure streams instead of a chunk when the
///   content filter strikes mid-stream (a chunk would deserialize from it with every field
///   defaulted and be silently skipped, so it is checked first): [`Error::ContentFilter`] for
///   code `content_filter`, [`Error::Api`] otherwise (status from the error's `status` field, else 200,
///   the status the stream was opened with); and [`Error::Parse`] for text that is not JSON;
/// - `Ok(Some(chunk))` otherwise.
pub fn parse_event_data(data: &str) -> Result<Option<ChatCompletionChunk>, Error> {
    if data.trim().is_empty() {
        return Ok(None);
    }
    // One typed parse: an error event reads as a chunk whose `error` is set.
    match serde_json::from_str::<ChatCompletionChunk>(data) {
        Ok(chunk) => match &chunk.error {
            Some(err) if err.is_object() => Err(streamed_error(err)),
            _ => Ok(Some(chunk)),
        },
        Err(e) => {
            let what = if serde_json::from_str::<serde::de::IgnoredAny>(data).is_ok() {
                "is not a chat.completion.chunk"
            } else {
                "is not JSON"
            };
            Err(Error::parse(format!(
                "a stream event {what} ({e}): {}",
                excerpt(data, 200)
            )))
        }
    }
}

/// The error an `{"error": {...}}` stream event stands for.
fn streamed_error(err: &Value) -> Error {
    let text = |v: Option<&Value>| -> Option<String> {
        match v? {
            Value::String(s) => Some(s.clone()),
            Value::Number(n) => Some(n.to_string()),
            _ => None,
        }
    };
    let message = text(err.get("message"))
        .unwrap_or_else(|| "the service sent an error in the stream".to_owned());
    let code = text(err.get("code")).or_else(|| text(err.get("type")));
    if code.as_deref() == Some("content_filter") {
        return Error::content_filter_from(err, message);
    }
    let status = err
        .get("status")
        .and_then(Value::as_u64)
        .and_then(|s| u16::try_from(s).ok())
        .unwrap_or(200);
    Error::Api {
        status,
        code,
        message,
        request_id: None,
    }
}

/// Watches the stream-level facts of a chat-completion stream, chunk by chunk.
///
/// Chunks with empty `choices` (Azure's first, filter-only chunk; the usage-only last chunk) and
/// choices without a `delta` (Azure's annotation-only chunks) are tolerated: they only update the
/// facts. Only choice 0 is read, as instructor asks for one choice.
#[derive(Debug, Default, Clone)]
pub struct StreamMonitor {
    usage: Option<Usage>,
    finish_reason: Option<String>,
    filtered: Categories,
    refusal: String,
    chunks: usize,
}

impl StreamMonitor {
    /// A monitor that has seen nothing.
    pub fn new() -> Self {
        Self::default()
    }

    /// Records the chunk's facts; returns choice 0's delta, if the chunk has one.
    pub fn observe<'c>(&mut self, chunk: &'c ChatCompletionChunk) -> Option<&'c Delta> {
        self.chunks += 1;
        if let Some(u) = chunk.usage {
            // Sent once (on the last chunk); null elsewhere. Keep the last one seen.
            self.usage = Some(u);
        }
        let choice = chunk.choices.iter().find(|c| c.index == 0)?;
        if let Some(results) = &choice.content_filter_results {
            results.add_to(&mut self.filtered);
        }
        if let Some(reason) = choice.finish_reason.as_deref().filter(|r| !r.is_empty()) {
            self.finish_reason = Some(reason.to_owned());
        }
        let delta = choice.delta.as_ref()?;
        if let Some(r) = &delta.refusal {
            self.refusal.push_str(r);
        }
        Some(delta)
    }

    /// The usage the stream reported (only when `stream_options.include_usage` was asked for).
    pub fn usage(&self) -> Option<Usage> {
        self.usage
    }

    /// Choice 0's finish reason, once a chunk carried it.
    pub fn finish_reason(&self) -> Option<&str> {
        self.finish_reason.as_deref()
    }

    /// The completion filter categories any chunk marked `filtered: true`, sorted.
    pub fn filtered_categories(&self) -> Vec<String> {
        self.filtered.clone().into_vec()
    }

    /// The categories any chunk marked `filtered: true` (not merely detected), sorted: a stream
    /// with any is a filtered completion whatever its finish reason.
    pub fn blocked_categories(&self) -> Vec<String> {
        self.filtered.blocked()
    }

    /// The refusal text streamed so far (empty if the model did not refuse).
    pub fn refusal(&self) -> Option<&str> {
        Some(self.refusal.as_str()).filter(|r| !r.is_empty())
    }

    /// How many chunks were observed.
    pub fn chunks(&self) -> usize {
        self.chunks
    }

    /// The error the finish reason stands for: [`Error::Truncated`] for `length`,
    /// [`Error::ContentFilter`] (with the filtered categories) for `content_filter`, else `None`.
    pub fn error(&self) -> Option<Error> {
        match self.finish_reason.as_deref()? {
            "length" => Some(Error::Truncated),
            "content_filter" => Some(Error::ContentFilter {
                origin: FilterOrigin::Completion,
                categories: self.filtered_categories(),
                message: "the stream ended with finish_reason `content_filter`".to_owned(),
            }),
            _ => None,
        }
    }
}

/// A tool call as far as it has streamed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PartialToolCall {
    /// The call's index in the message.
    pub index: u32,
    /// The call's id (sent on its first fragment).
    pub id: String,
    /// The function's name (sent on its first fragment).
    pub name: String,
    /// The argument text so far.
    pub arguments: String,
}

/// New argument text of one tool call, from one delta.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ArgumentsFragment<'d> {
    /// Which call (the tool call's `index`).
    pub index: u32,
    /// The text added to its arguments.
    pub text: &'d str,
}

/// Collects tool-call fragments by index: ids, names and argument text, for several calls at once
/// (ParallelTools streams them one after the other, or interleaved).
#[derive(Debug, Default, Clone)]
pub struct ToolCallAccumulator {
    /// In order of first appearance.
    calls: Vec<PartialToolCall>,
    /// Where each tool-call index is in `calls`: one lookup per fragment, however many calls.
    positions: HashMap<u32, usize>,
}

impl ToolCallAccumulator {
    /// An accumulator with no calls.
    pub fn new() -> Self {
        Self::default()
    }

    /// Takes a delta's tool-call fragments; returns the non-empty argument text each call got, in
    /// the delta's order (feed each into that call's partial-JSON parser).
    pub fn push<'d>(&mut self, delta: &'d Delta) -> Vec<ArgumentsFragment<'d>> {
        let mut out = Vec::new();
        for frag in &delta.tool_calls {
            let calls = &mut self.calls;
            let pos = *self.positions.entry(frag.index).or_insert_with(|| {
                calls.push(PartialToolCall {
                    index: frag.index,
                    ..PartialToolCall::default()
                });
                calls.len() - 1
            });
            let Some(call) = self.calls.get_mut(pos) else {
                continue;
            };
            if let Some(id) = frag.id.as_deref().filter(|id| !id.is_empty()) {
                call.id = id.to_owned();
            }
            if let Some(f) = &frag.function {
                if let Some(name) = f.name.as_deref().filter(|n| !n.is_empty()) {
                    // The name normally comes whole on the first fragment; some servers repeat it
                    // on every fragment (ignore the repeats), a few send it in pieces (append).
                    if call.name != name {
                        call.name.push_str(name);
                    }
                }
                if let Some(args) = f.arguments.as_deref().filter(|a| !a.is_empty()) {
                    call.arguments.push_str(args);
                    out.push(ArgumentsFragment {
                        index: frag.index,
                        text: args,
                    });
                }
            }
        }
        out
    }

    /// The calls so far, in order of first appearance.
    pub fn calls(&self) -> &[PartialToolCall] {
        &self.calls
    }

    /// The call with this index, if it has started.
    pub fn get(&self, index: u32) -> Option<&PartialToolCall> {
        self.calls.get(*self.positions.get(&index)?)
    }

    /// The complete calls, sorted by index, as a message's `tool_calls` (for the re-ask).
    pub fn finish(self) -> Vec<ToolCall> {
        let mut calls = self.calls;
        calls.sort_by_key(|c| c.index);
        calls
            .into_iter()
            .map(|c| ToolCall {
                id: c.id,
                kind: "function".to_owned(),
                function: FunctionCall {
                    name: c.name,
                    arguments: c.arguments,
                },
            })
            .collect()
    }
}

/// Collects the legacy `function_call` fragments (Functions mode).
#[derive(Debug, Default, Clone)]
pub struct FunctionCallAccumulator {
    name: String,
    arguments: String,
}

impl FunctionCallAccumulator {
    /// An empty accumulator.
    pub fn new() -> Self {
        Self::default()
    }

    /// Takes a delta's function-call fragment; returns the argument text it added (maybe empty).
    pub fn push<'d>(&mut self, delta: &'d Delta) -> &'d str {
        let Some(f) = &delta.function_call else {
            return "";
        };
        if let Some(name) = f.name.as_deref().filter(|n| !n.is_empty()) {
            if self.name != name {
                self.name.push_str(name);
            }
        }
        let args = f.arguments.as_deref().unwrap_or_default();
        self.arguments.push_str(args);
        args
    }

    /// The function's name so far.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The argument text so far.
    pub fn arguments(&self) -> &str {
        &self.arguments
    }

    /// The complete call.
    pub fn finish(self) -> FunctionCall {
        FunctionCall {
            name: self.name,
            arguments: self.arguments,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Fence {
    /// Nothing but whitespace yet.
    Start,
    /// Prose before a fence; `ticks` backticks in a row just seen; `line_start` while only
    /// spaces or tabs follow the last newline.
    Seeking { ticks: u8, line_start: bool },
    /// After the opening backticks: skipping the info string (`json`) to the end of the line.
    Header,
    /// Inside the fence. `line` holds the start of the current line while it could still be the
    /// closing fence (only spaces, tabs and fewer than three backticks); `None` once it cannot.
    Body { line: Option<String> },
    /// The content started with `{` or `[`: all of it is JSON.
    Raw,
    /// The closing fence was seen; the rest is ignored.
    Closed,
}

/// Extracts the JSON text from streamed message content (Json, JsonSchema and MdJson modes).
///
/// - Content starting (after whitespace) with `{` or `[` is JSON as it stands.
/// - Otherwise the prose before a ```` ``` ```` fence (```` ```json ```` or bare), or before a line
///   that starts with `{` or `[` ("Here it is:\n{...}"), is skipped; the fence's
///   info string is skipped, and the fence body is the JSON, up to the closing fence: three
///   backticks at the start of a line (JSON strings cannot hold a raw newline, so a ```` ``` ```` inside a
///   string value never closes the fence).
/// - A fence split across chunks anywhere is handled: nothing is emitted that might turn out to be
///   part of the closing fence.
/// - If the content had neither, [`finish`](Self::finish) returns the text from its first `{` or
///   `[` (a JSON object inside prose, only recognisable at the end).
#[derive(Debug, Clone)]
pub struct ContentJson {
    state: Fence,
    /// The prose skipped while seeking a fence, for the no-fence fallback.
    skipped: String,
}

impl Default for ContentJson {
    fn default() -> Self {
        Self::new()
    }
}

impl ContentJson {
    /// An extractor at the start of the content.
    pub fn new() -> Self {
        ContentJson {
            state: Fence::Start,
            skipped: String::new(),
        }
    }

    /// Takes more content; returns the new JSON text it revealed (maybe empty).
    pub fn push(&mut self, content: &str) -> String {
        let mut out = String::new();
        for (i, c) in content.char_indices() {
            match &mut self.state {
                Fence::Start => {
                    if c == '{' || c == '[' {
                        self.state = Fence::Raw;
                        out.push_str(content.get(i..).unwrap_or_default());
                        return out;
                    }
                    if !c.is_whitespace() {
                        self.state = Fence::Seeking {
                            ticks: 0,
                            line_start: false,
                        };
                        self.seek(c);
                    }
                }
                Fence::Seeking {
                    line_start: true, ..
                } if c == '{' || c == '[' => {
                    // A lead-in line, then the JSON on lines of its own.
                    self.state = Fence::Raw;
                    out.push_str(content.get(i..).unwrap_or_default());
                    return out;
                }
                Fence::Seeking { .. } => self.seek(c),
                Fence::Header => {
                    if c == '\n' {
                        self.state = Fence::Body {
                            line: Some(String::new()),
                        };
                    } else if c == '{' || c == '[' {
                        // ```json{"a": 1}``` on one line.
                        out.push(c);
                        self.state = Fence::Body { line: None };
                    }
                }
                Fence::Body { line } => match line {
                    Some(held) if (c == ' ' || c == '\t') && !held.contains('`') => held.push(c),
                    Some(held) if c == '`' => {
                        held.push(c);
                        if held.matches('`').count() >= 3 {
                            self.state = Fence::Closed;
                            return out;
                        }
                    }
                    Some(held) => {
                        out.push_str(held);
                        out.push(c);
                        *line = if c == '\n' { Some(String::new()) } else { None };
                    }
                    None => {
                        out.push(c);
                        if c == '\n' {
                            *line = Some(String::new());
                        }
                    }
                },
                Fence::Raw => {
                    out.push_str(content.get(i..).unwrap_or_default());
                    return out;
                }
                Fence::Closed => return out,
            }
        }
        out
    }

    fn seek(&mut self, c: char) {
        self.skipped.push(c);
        if let Fence::Seeking { ticks, line_start } = &mut self.state {
            *line_start = c == '\n' || (*line_start && (c == ' ' || c == '\t'));
            if c == '`' {
                *ticks += 1;
                if *ticks >= 3 {
                    self.state = Fence::Header;
                }
            } else {
                *ticks = 0;
            }
        }
    }

    /// True once a fence was found (or the content began as JSON).
    pub fn found_json(&self) -> bool {
        !matches!(self.state, Fence::Start | Fence::Seeking { .. })
    }

    /// Ends the content; returns JSON text only the end could reveal: text held back as a possible
    /// closing fence, or, when no fence and no leading `{`/`[` was found, the content from its
    /// first `{` or `[`.
    pub fn finish(&mut self) -> String {
        let out = match &mut self.state {
            Fence::Body { line: Some(held) } => std::mem::take(held),
            Fence::Seeking { .. } => self
                .skipped
                .find(['{', '['])
                .and_then(|p| self.skipped.get(p..))
                .unwrap_or_default()
                .to_owned(),
            _ => String::new(),
        };
        self.state = Fence::Closed;
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::completion::{ChunkChoice, FunctionCallDelta, ToolCallDelta};

    fn md(chunks: &[&str]) -> String {
        let mut c = ContentJson::new();
        let mut s: String = chunks.iter().map(|ch| c.push(ch)).collect();
        s.push_str(&c.finish());
        s
    }

    #[test]
    fn fence_stripping() {
        let doc =
            "Sure! Here it is:\n```json\n{\"a\": \"x ``` y\", \"b\": [1]}\n```\nAnything else?";
        let want = "{\"a\": \"x ``` y\", \"b\": [1]}\n";
        for i in 0..=doc.len() {
            for j in i..=doc.len() {
                let (Some(a), Some(b), Some(c)) = (doc.get(..i), doc.get(i..j), doc.get(j..))
                else {
                    continue;
                };
                assert_eq!(md(&[a, b, c]), want, "split at {i},{j}");
            }
        }
        assert_eq!(md(&["  {\"a\":1}\n```"]), "{\"a\":1}\n```");
        assert_eq!(md(&["```\n[1]\n```"]), "[1]\n");
        // A closing fence on the JSON's own line is passed on: the partial-JSON parser ignores
        // whatever follows the complete value.
        assert_eq!(md(&["```json{\"a\":1}```"]), "{\"a\":1}```");
        assert_eq!(md(&["text ```json\n{\"a\":1}\n  ```"]), "{\"a\":1}\n");
        // No closing fence: everything in the fence, held backticks released at the end.
        assert_eq!(md(&["```json\n{\"a\":1}\n``"]), "{\"a\":1}\n``");
        // No fence at all, JSON inside prose: only the end can tell.
        assert_eq!(
            md(&["The answer is {\"a\"", ": 1} as asked."]),
            "{\"a\": 1} as asked."
        );
        assert_eq!(md(&["no json"]), "");
        // A lead-in line, then the JSON from the start of a line: streamed as it comes.
        let mut c = ContentJson::new();
        assert_eq!(c.push("Sorry. Here is the JSON:\n"), "");
        assert_eq!(c.push("  {\"a\""), "{\"a\"");
        assert_eq!(c.push(": 1}"), ": 1}");
        assert_eq!(md(&["Use {braces} like this:\n", "[1]"]), "[1]");
    }

    fn chunk(delta: Delta, finish: Option<&str>) -> ChatCompletionChunk {
        ChatCompletionChunk {
            choices: vec![ChunkChoice {
                index: 0,
                delta: Some(delta),
                finish_reason: finish.map(str::to_owned),
                content_filter_results: None,
            }],
            ..Default::default()
        }
    }

    fn tc(index: u32, id: Option<&str>, name: Option<&str>, args: &str) -> ToolCallDelta {
        ToolCallDelta {
            index,
            id: id.map(str::to_owned),
            function: Some(FunctionCallDelta {
                name: name.map(str::to_owned),
                arguments: Some(args.to_owned()),
            }),
        }
    }

    #[test]
    fn tool_calls_interleaved() {
        let mut acc = ToolCallAccumulator::new();
        let d1 = Delta {
            tool_calls: vec![
                tc(0, Some("c0"), Some("A"), ""),
                tc(1, Some("c1"), Some("B"), "{\"x\""),
            ],
            ..Default::default()
        };
        let d2 = Delta {
            tool_calls: vec![tc(0, None, None, "{}"), tc(1, None, Some("B"), ":1}")],
            ..Default::default()
        };
        assert_eq!(
            acc.push(&d1),
            vec![ArgumentsFragment {
                index: 1,
                text: "{\"x\""
            }]
        );
        assert_eq!(
            acc.push(&d2),
            vec![
                ArgumentsFragment {
                    index: 0,
                    text: "{}"
                },
                ArgumentsFragment {
                    index: 1,
                    text: ":1}"
                }
            ]
        );
        assert_eq!(acc.get(1).map(|c| c.arguments.as_str()), Some("{\"x\":1}"));
        let calls = acc.finish();
        assert_eq!(calls.len(), 2);
        assert_eq!(
            (
                calls[0].id.as_str(),
                calls[0].function.name.as_str(),
                calls[0].function.arguments.as_str()
            ),
            ("c0", "A", "{}")
        );
        assert_eq!(
            (calls[1].id.as_str(), calls[1].function.name.as_str()),
            ("c1", "B")
        );
    }

    #[test]
    fn function_call_fragments() {
        let mut acc = FunctionCallAccumulator::new();
        let mk = |name: Option<&str>, args: &str| Delta {
            function_call: Some(FunctionCallDelta {
                name: name.map(str::to_owned),
                arguments: Some(args.to_owned()),
            }),
            ..Default::default()
        };
        assert_eq!(acc.push(&mk(Some("User"), "")), "");
        assert_eq!(acc.push(&mk(None, "{\"a\"")), "{\"a\"");
        assert_eq!(acc.push(&Delta::default()), "");
        acc.push(&mk(None, ":1}"));
        let f = acc.finish();
        assert_eq!(
            (f.name.as_str(), f.arguments.as_str()),
            ("User", "{\"a\":1}")
        );
    }

    #[test]
    fn monitor_skips_empty_and_annotation_chunks() {
        let mut m = StreamMonitor::new();
        let first: ChatCompletionChunk = serde_json::from_str(
            r#"{"choices":[],"created":0,"id":"","model":"","object":"","prompt_filter_results":[{"prompt_index":0,"content_filter_results":{}}]}"#,
        )
        .unwrap();
        assert!(m.observe(&first).is_none());
        let annotation: ChatCompletionChunk = serde_json::from_str(
            r#"{"choices":[{"index":0,"finish_reason":null,"content_filter_results":{"hate":{"filtered":false,"severity":"safe"}},"content_filter_offsets":{}}],"id":"","model":""}"#,
        )
        .unwrap();
        assert!(m.observe(&annotation).is_none());
        let c = chunk(
            Delta {
                content: Some("x".into()),
                ..Default::default()
            },
            Some("length"),
        );
        assert_eq!(m.observe(&c).and_then(|d| d.content.as_deref()), Some("x"));
        let usage: ChatCompletionChunk = serde_json::from_str(
            r#"{"choices":[],"usage":{"prompt_tokens":3,"completion_tokens":4,"total_tokens":7}}"#,
        )
        .unwrap();
        assert!(m.observe(&usage).is_none());
        assert_eq!(m.usage().map(|u| u.total_tokens), Some(7));
        assert!(matches!(m.error(), Some(Error::Truncated)));
        assert_eq!(m.chunks(), 4);
    }

    #[test]
    fn monitor_content_filter_categories() {
        let mut m = StreamMonitor::new();
        let c: ChatCompletionChunk = serde_json::from_str(
            r#"{"choices":[{"index":0,"delta":{},"finish_reason":"content_filter","content_filter_results":{"hate":{"filtered":false,"severity":"safe"},"violence":{"filtered":true,"severity":"medium"},"sexual":{"filtered":true,"severity":"high"}}}]}"#,
        )
        .unwrap();
        m.observe(&c);
        match m.error() {
            Some(Error::ContentFilter {
                origin: FilterOrigin::Completion,
                categories,
                ..
            }) => {
                assert_eq!(categories, vec!["sexual".to_owned(), "violence".to_owned()]);
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn streamed_error_event() {
        let data = r#"{"error":{"message":"The response was filtered","type":null,"param":"prompt","code":"content_filter","status":400,"innererror":{"code":"ResponsibleAIPolicyViolation","content_filter_result":{"hate":{"filtered":false,"severity":"safe"},"jailbreak":{"filtered":true,"detected":true}}}}}"#;
        match parse_event_data(data) {
            Err(Error::ContentFilter {
                origin: FilterOrigin::Prompt,
                categories,
                message,
            }) => {
                assert_eq!(categories, vec!["jailbreak".to_owned()]);
                assert_eq!(message, "The response was filtered");
            }
            other => panic!("{other:?}"),
        }
        match parse_event_data(r#"{"error":{"message":"boom","type":"server_error","code":null}}"#)
        {
            Err(Error::Api {
                status: 200,
                code: Some(c),
                ..
            }) => assert_eq!(c, "server_error"),
            other => panic!("{other:?}"),
        }
        assert!(matches!(parse_event_data("  "), Ok(None)));
        assert!(matches!(
            parse_event_data("{not json"),
            Err(Error::Parse { .. })
        ));
        assert!(matches!(
            parse_event_data(r#"{"choices": 5}"#),
            Err(Error::Parse { .. })
        ));
        assert!(matches!(
            parse_event_data(r#"{"choices":[],"error":null}"#),
            Ok(Some(_))
        ));
    }
}
