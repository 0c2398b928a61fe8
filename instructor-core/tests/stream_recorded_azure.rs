//! Real Azure OpenAI streams (VCR cassettes in `../shared/azure-openai/recorded/`, relative to the
//! workspace root) through the SSE decoder, chunk parsing, the stream monitor, the accumulators and
//! the partial-JSON parser. Skips with a message when the recordings are not there.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use instructor_core::stream::accumulate::{
    parse_event_data, ContentJson, StreamMonitor, ToolCallAccumulator,
};
use instructor_core::stream::partial_json::PartialJsonParser;
use instructor_core::stream::sse::{SseDecoder, SseEvent};
use instructor_core::{Error, FilterOrigin};
use serde_json::Value;

fn recorded_dir() -> Option<PathBuf> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../shared/azure-openai/recorded");
    if dir.is_dir() {
        Some(dir)
    } else {
        eprintln!(
            "SKIPPED: {} is absent; the recorded Azure streams are not available here",
            dir.display()
        );
        None
    }
}

/// Every (cassette, interaction index, response body) of the recordings.
fn bodies(dir: &Path) -> Vec<(String, usize, String)> {
    let mut out = Vec::new();
    let mut files: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "yaml"))
        .collect();
    files.sort();
    for f in files {
        let doc: Value = serde_norway::from_str(&std::fs::read_to_string(&f).unwrap()).unwrap();
        let name = f.file_name().unwrap().to_string_lossy().into_owned();
        for (i, it) in doc["interactions"].as_array().unwrap().iter().enumerate() {
            if let Some(body) = it["response"]["body"]["string"].as_str() {
                out.push((name.clone(), i, body.to_owned()));
            }
        }
    }
    out
}

fn decode(body: &[u8], piece: usize) -> Vec<SseEvent> {
    let mut d = SseDecoder::new();
    let mut events = Vec::new();
    for c in body.chunks(piece) {
        events.extend(d.feed(c));
    }
    events.extend(d.finish());
    events
}

#[derive(Debug, Default)]
struct Outcome {
    /// (id, name, arguments) by index order.
    calls: Vec<(String, String, String)>,
    tool_values: BTreeMap<u32, Value>,
    partials_seen: usize,
    content: String,
    finish_reason: Option<String>,
    usage_total: Option<u64>,
}

/// The whole pipeline, as create_partial will run it.
fn run(events: &[SseEvent]) -> Outcome {
    let mut monitor = StreamMonitor::new();
    let mut tools = ToolCallAccumulator::new();
    let mut parsers: BTreeMap<u32, PartialJsonParser> = BTreeMap::new();
    let mut content = String::new();
    let mut partials_seen = 0;
    assert_eq!(
        events.last(),
        Some(&SseEvent::Done),
        "stream ends with [DONE]"
    );
    for ev in events {
        let SseEvent::Data(data) = ev else { continue };
        let Some(chunk) = parse_event_data(data).expect("no error event in these streams") else {
            continue;
        };
        let Some(delta) = monitor.observe(&chunk) else {
            continue;
        };
        for frag in tools.push(delta) {
            let p = parsers.entry(frag.index).or_default();
            if p.feed(frag.text).unwrap() {
                partials_seen += 1;
            }
        }
        if let Some(c) = &delta.content {
            content.push_str(c);
        }
    }
    assert!(monitor.error().is_none());
    let tool_values = parsers
        .into_iter()
        .map(|(i, p)| (i, p.finish().unwrap().into_value()))
        .collect();
    Outcome {
        calls: tools
            .finish()
            .into_iter()
            .map(|c| (c.id, c.function.name, c.function.arguments))
            .collect(),
        tool_values,
        partials_seen,
        content,
        finish_reason: monitor.finish_reason().map(str::to_owned),
        usage_total: monitor.usage().map(|u| u.total_tokens),
    }
}

/// An independent reading of the same body: split at blank lines, strip `data: `, and
/// concatenate the fragments with serde_json alone.
fn reference(body: &str) -> (BTreeMap<u64, (String, String)>, String) {
    let mut calls: BTreeMap<u64, (String, String)> = BTreeMap::new();
    let mut content = String::new();
    for block in body.split("\n\n") {
        let Some(data) = block.trim().strip_prefix("data: ") else {
            continue;
        };
        if data == "[DONE]" {
            continue;
        }
        let v: Value = serde_json::from_str(data).unwrap();
        for c in v["choices"].as_array().unwrap() {
            let d = &c["delta"];
            content.push_str(d["content"].as_str().unwrap_or(""));
            for t in d["tool_calls"].as_array().into_iter().flatten() {
                let e = calls.entry(t["index"].as_u64().unwrap()).or_default();
                e.0.push_str(t["function"]["name"].as_str().unwrap_or(""));
                e.1.push_str(t["function"]["arguments"].as_str().unwrap_or(""));
            }
        }
    }
    (calls, content)
}

#[test]
fn recorded_azure_streams_come_out_whole() {
    let Some(dir) = recorded_dir() else { return };
    let mut streams = 0;
    for (name, i, body) in bodies(&dir) {
        if !body.starts_with("data:") {
            continue;
        }
        streams += 1;
        let whole = decode(body.as_bytes(), body.len());
        for piece in [1, 2, 3, 7, 64, 1000] {
            assert_eq!(
                decode(body.as_bytes(), piece),
                whole,
                "{name}#{i}: {piece}-byte reads"
            );
        }
        // The same stream with CRLF line ends, as some proxies send it.
        assert_eq!(
            decode(body.replace('\n', "\r\n").as_bytes(), 5),
            whole,
            "{name}#{i}: CRLF"
        );

        let got = run(&whole);
        let (ref_calls, ref_content) = reference(&body);
        assert_eq!(got.content, ref_content, "{name}#{i}: content");
        assert_eq!(
            got.calls.len(),
            ref_calls.len(),
            "{name}#{i}: number of tool calls"
        );
        for ((id, fname, args), (idx, (ref_name, ref_args))) in got.calls.iter().zip(&ref_calls) {
            assert!(id.starts_with("call_"), "{name}#{i}: id {id}");
            assert_eq!(fname, ref_name);
            assert_eq!(args, ref_args);
            let whole_value: Value = serde_json::from_str(args).unwrap();
            assert_eq!(
                got.tool_values[&(*idx as u32)],
                whole_value,
                "{name}#{i}: partial parser"
            );
        }
        if !ref_calls.is_empty() {
            assert!(
                got.partials_seen >= ref_calls.len(),
                "partials were reported while streaming"
            );
        }
        eprintln!(
            "{name}#{i}: {} events, {} tool call(s), {} content bytes, finish {:?}, usage {:?}",
            whole.len(),
            got.calls.len(),
            got.content.len(),
            got.finish_reason,
            got.usage_total
        );
        match (name.as_str(), i) {
            (n, 0) if n.contains("TestAzureToolCallStreaming") => {
                assert_eq!(got.calls[0].1, "get_current_temperature");
                assert_eq!(
                    got.tool_values[&0],
                    serde_json::json!({"city": "San Francisco"})
                );
                assert_eq!(got.finish_reason.as_deref(), Some("tool_calls"));
                assert_eq!(got.usage_total, Some(83));
            }
            (n, 0) if n.contains("mirascope__test_call_with_tools") => {
                // Parallel tool calls, one after the other by index.
                assert_eq!(
                    got.tool_values[&0],
                    serde_json::json!({"password": "mellon"})
                );
                assert_eq!(
                    got.tool_values[&1],
                    serde_json::json!({"password": "radiance"})
                );
                assert_eq!(got.usage_total, Some(286));
            }
            (n, 1) if n.contains("mirascope__test_call_with_tools") => {
                assert!(got.content.contains("mellon: Welcome to Moria!"));
                assert_eq!(got.finish_reason.as_deref(), Some("stop"));
                assert_eq!(got.usage_total, Some(401));
            }
            (n, _) if n.contains("usage_metrics") => {
                assert!(got.content.contains("Madrid"));
                assert_eq!(got.usage_total, Some(326));
            }
            _ => {}
        }
    }
    assert!(
        streams >= 4,
        "expected the four recorded streams, found {streams}"
    );
}

/// A JSON answer streamed as content in a ```json fence, built from a recorded stream by
/// replacing its content deltas: the fence is found and stripped while streaming.
#[test]
fn recorded_stream_carrying_fenced_json_content() {
    let Some(dir) = recorded_dir() else { return };
    let (_, _, body) = bodies(&dir)
        .into_iter()
        .find(|(n, _, b)| n.contains("usage_metrics") && b.starts_with("data:"))
        .unwrap();
    let answer = "Sure:\n```json\n{\"capital\": \"Madrid\", \"facts\": [\"caf\\u00e9 ``` culture\", \"\\ud83c\\uddea\\ud83c\\uddf8\"], \"population\": 3.3e6}\n```\nDone.";
    let mut pieces = answer
        .as_bytes()
        .chunks(3)
        .map(|c| String::from_utf8(c.to_vec()).unwrap());
    let mut rewritten = String::new();
    for ev in decode(body.as_bytes(), body.len()) {
        match ev {
            SseEvent::Data(d) => {
                let mut v: Value = serde_json::from_str(&d).unwrap();
                if let Some(c) = v.pointer_mut("/choices/0/delta/content") {
                    if c.is_string() {
                        *c = Value::String(pieces.next().unwrap_or_default());
                    }
                }
                rewritten.push_str(&format!("data: {v}\n\n"));
            }
            SseEvent::Done => rewritten.push_str("data: [DONE]\n\n"),
        }
    }
    assert!(
        pieces.next().is_none(),
        "the recorded stream has enough content deltas"
    );

    let mut monitor = StreamMonitor::new();
    let mut fence = ContentJson::new();
    let mut parser = PartialJsonParser::new();
    let mut capital_growth = Vec::new();
    for ev in decode(rewritten.as_bytes(), 11) {
        let SseEvent::Data(d) = ev else { continue };
        let Some(chunk) = parse_event_data(&d).unwrap() else {
            continue;
        };
        if let Some(text) = monitor.observe(&chunk).and_then(|d| d.content.clone()) {
            if parser.feed(&fence.push(&text)).unwrap() {
                if let Some(c) = parser
                    .value()
                    .and_then(|v| v.get("capital"))
                    .map(|v| v.to_value())
                {
                    capital_growth.push(c.clone());
                }
            }
        }
    }
    parser.feed(&fence.finish()).unwrap();
    assert!(parser.is_complete());
    assert!(
        capital_growth.len() > 1,
        "the string was seen growing: {capital_growth:?}"
    );
    assert_eq!(
        parser.finish().unwrap(),
        serde_json::json!({"capital": "Madrid", "facts": ["café ``` culture", "🇪🇸"], "population": 3.3e6})
    );
}

/// The recorded 400 body of a filtered prompt, as Azure also streams it in place of a chunk.
#[test]
fn recorded_content_filter_error_event() {
    let Some(dir) = recorded_dir() else { return };
    let (_, _, body) = bodies(&dir)
        .into_iter()
        .find(|(n, _, _)| n.contains("test_refusal"))
        .unwrap();
    let sse = format!("data: {body}\n\n");
    let events = decode(sse.as_bytes(), 9);
    let [SseEvent::Data(d)] = events.as_slice() else {
        panic!("{events:?}")
    };
    match parse_event_data(d) {
        Err(Error::ContentFilter {
            origin: FilterOrigin::Prompt,
            categories,
            message,
        }) => {
            assert_eq!(categories, vec!["self_harm".to_owned()]);
            assert!(message.contains("content management policy"));
        }
        other => panic!("{other:?}"),
    }
}
