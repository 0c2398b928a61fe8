//! Synthetic Azure streams with every quirk at once, through SSE framing, chunk parsing, the
//! monitor, the accumulators, the partial-JSON parser and item extraction, split at (nearly) every byte.

use std::collections::BTreeMap;

use instructor_core::stream::accumulate::{
    parse_event_data, ContentJson, FunctionCallAccumulator, StreamMonitor, ToolCallAccumulator,
};
use instructor_core::stream::partial_json::PartialJsonParser;
use instructor_core::stream::sse::{SseDecoder, SseEvent};
use instructor_core::{Error, FilterOrigin};
use serde_json::{json, Value};

fn sse(events: &[Value], crlf: bool) -> String {
    let nl = if crlf { "\r\n" } else { "\n" };
    let mut out = format!(": keep-alive{nl}{nl}");
    for e in events {
        out.push_str(&format!("data: {e}{nl}{nl}"));
    }
    out.push_str(&format!("data: [DONE]{nl}{nl}"));
    out
}

fn tool_frag(index: u32, id: Option<&str>, name: Option<&str>, args: &str) -> Value {
    let mut f = json!({"arguments": args});
    if let Some(n) = name {
        f["name"] = json!(n);
    }
    let mut t = json!({"index": index, "type": "function", "function": f});
    if let Some(id) = id {
        t["id"] = json!(id);
    }
    json!({"id": "chatcmpl-1", "object": "chat.completion.chunk", "model": "gpt-4o", "obfuscation": "xyz",
           "choices": [{"index": 0, "delta": {"tool_calls": [t]}, "finish_reason": null,
                        "content_filter_results": {}}], "usage": null})
}

/// Two parallel tool calls whose argument fragments interleave, wrapped in Azure's first
/// filter-only chunk, an annotation-only chunk after the finish chunk, and a usage-only chunk.
fn parallel_stream() -> Vec<Value> {
    let a = r#"{"items": [{"name": "}{", "n": 1}, {"name": "a\"b\u00e9\ud83d\ude00", "n": 22}]}"#;
    let b = r#"{"items": [{"name": "x", "n": -3.5e2}]}"#;
    let mut events = vec![
        json!({"choices": [], "created": 0, "id": "", "model": "", "object": "",
        "prompt_filter_results": [{"prompt_index": 0, "content_filter_results": {"hate": {"filtered": false, "severity": "safe"}}}]}),
    ];
    events.push(tool_frag(0, Some("call_a"), Some("Extract"), ""));
    events.push(tool_frag(1, Some("call_b"), Some("Extract"), ""));
    let (mut ia, mut ib) = (0, 0);
    let step = 5;
    while ia < a.len() || ib < b.len() {
        if ia < a.len() {
            let end = (ia + step).min(a.len());
            events.push(tool_frag(0, None, None, &a[ia..end]));
            ia = end;
        }
        if ib < b.len() {
            let end = (ib + 3).min(b.len());
            events.push(tool_frag(1, None, None, &b[ib..end]));
            ib = end;
        }
    }
    events.push(json!({"choices": [{"index": 0, "delta": {}, "finish_reason": "tool_calls"}]}));
    events.push(json!({"choices": [{"index": 0, "finish_reason": null,
        "content_filter_results": {"hate": {"filtered": false, "severity": "safe"}},
        "content_filter_offsets": {"check_offset": 0, "start_offset": 0, "end_offset": 10}}], "id": "", "model": ""}));
    events.push(json!({"choices": [], "usage": {"prompt_tokens": 10, "completion_tokens": 20, "total_tokens": 30}}));
    events
}

struct Got {
    items: BTreeMap<u32, Vec<Value>>,
    values: BTreeMap<u32, Value>,
    names: Vec<String>,
    usage: Option<u64>,
}

fn run_parallel(pieces: &[&[u8]]) -> Got {
    let mut d = SseDecoder::new();
    let mut events = Vec::new();
    for p in pieces {
        events.extend(d.feed(p));
    }
    events.extend(d.finish());
    assert_eq!(events.last(), Some(&SseEvent::Done));
    let mut monitor = StreamMonitor::new();
    let mut tools = ToolCallAccumulator::new();
    let mut parsers: BTreeMap<u32, PartialJsonParser> = BTreeMap::new();
    let mut items: BTreeMap<u32, Vec<Value>> = BTreeMap::new();
    for ev in &events {
        let SseEvent::Data(data) = ev else { continue };
        let Some(chunk) = parse_event_data(data).unwrap() else {
            continue;
        };
        let Some(delta) = monitor.observe(&chunk) else {
            continue;
        };
        for frag in tools.push(delta) {
            let p = parsers
                .entry(frag.index)
                .or_insert_with(|| PartialJsonParser::with_item_path(vec!["items".into()]));
            p.feed(frag.text).unwrap();
            items
                .entry(frag.index)
                .or_default()
                .extend(p.take_completed_items());
        }
    }
    assert!(monitor.error().is_none());
    assert_eq!(monitor.finish_reason(), Some("tool_calls"));
    let calls = tools.finish();
    Got {
        items,
        values: parsers
            .into_iter()
            .map(|(i, p)| (i, p.finish().unwrap().into_value()))
            .collect(),
        names: calls
            .iter()
            .map(|c| format!("{}:{}", c.id, c.function.name))
            .collect(),
        usage: monitor.usage().map(|u| u.total_tokens),
    }
}

#[test]
fn parallel_tool_calls_with_items_split_at_every_byte() {
    for crlf in [false, true] {
        let body = sse(&parallel_stream(), crlf);
        let bytes = body.as_bytes();
        let expect_a = json!([{"name": "}{", "n": 1}, {"name": "a\"bé😀", "n": 22}]);
        let expect_b = json!([{"name": "x", "n": -350.0}]);
        // Every byte in the head (first chunks, interleaving starts) and the tail (finish,
        // annotation, usage, [DONE]); every 5th in between, to keep the debug run short.
        let n = bytes.len();
        for i in (0..=n).filter(|&i| i < 800 || i + 400 > n || i % 5 == 0) {
            let got = run_parallel(&[&bytes[..i], &bytes[i..]]);
            assert_eq!(Value::Array(got.items[&0].clone()), expect_a, "split {i}");
            assert_eq!(Value::Array(got.items[&1].clone()), expect_b, "split {i}");
            assert_eq!(got.values[&0]["items"], expect_a);
            assert_eq!(got.values[&1]["items"], expect_b);
            assert_eq!(got.names, vec!["call_a:Extract", "call_b:Extract"]);
            assert_eq!(got.usage, Some(30));
        }
    }
}

#[test]
fn legacy_function_call_stream() {
    let args = r#"{"name": "Jason", "age": 25}"#;
    let mut events = vec![
        json!({"choices": [{"index": 0, "delta": {"role": "assistant", "function_call": {"name": "User", "arguments": ""}}}]}),
    ];
    for c in args.as_bytes().chunks(2) {
        let piece = std::str::from_utf8(c).unwrap();
        events.push(
            json!({"choices": [{"index": 0, "delta": {"function_call": {"arguments": piece}}}]}),
        );
    }
    events.push(json!({"choices": [{"index": 0, "delta": {}, "finish_reason": "function_call"}]}));
    let body = sse(&events, false);
    let mut d = SseDecoder::new();
    let mut acc = FunctionCallAccumulator::new();
    let mut parser = PartialJsonParser::new();
    let mut ages = Vec::new();
    for c in body.as_bytes().chunks(13) {
        for ev in d.feed(c) {
            let SseEvent::Data(data) = ev else { continue };
            let chunk = parse_event_data(&data).unwrap().unwrap();
            if let Some(delta) = chunk.choices.first().and_then(|c| c.delta.as_ref()) {
                parser.feed(acc.push(delta)).unwrap();
                ages.push(
                    parser
                        .value()
                        .and_then(|v| v.get("age"))
                        .map(|v| v.to_value()),
                );
            }
        }
    }
    // `age` is never seen as 2 on the way to 25.
    assert!(ages.iter().flatten().all(|a| *a == json!(25)), "{ages:?}");
    assert_eq!(acc.name(), "User");
    assert_eq!(
        parser.finish().unwrap(),
        json!({"name": "Jason", "age": 25})
    );
}

#[test]
fn md_json_content_stream_with_fence_split_everywhere() {
    let content =
        "Here you go.\n\n```json\n{\"items\": [{\"t\": \"```\"}, {\"t\": \"{\"}]}\n```\nEnjoy!";
    for i in 0..=content.len() {
        let (Some(a), Some(b)) = (content.get(..i), content.get(i..)) else {
            continue;
        };
        let mut fence = ContentJson::new();
        let mut p = PartialJsonParser::with_item_path(vec!["items".into()]);
        let mut items = Vec::new();
        for piece in [a, b] {
            p.feed(&fence.push(piece)).unwrap();
            items.extend(p.take_completed_items());
        }
        p.feed(&fence.finish()).unwrap();
        assert_eq!(
            items,
            vec![json!({"t": "```"}), json!({"t": "{"})],
            "split {i}"
        );
        assert_eq!(
            p.finish().unwrap(),
            json!({"items": [{"t": "```"}, {"t": "{"}]})
        );
    }
}

#[test]
fn content_filter_mid_stream() {
    // finish_reason content_filter, with the verdict on an earlier chunk.
    let events = vec![
        json!({"choices": [{"index": 0, "delta": {"content": "{\"a\": \"x"}, "content_filter_results": {"violence": {"filtered": true, "severity": "high"}}}]}),
        json!({"choices": [{"index": 0, "delta": {}, "finish_reason": "content_filter"}]}),
    ];
    let body = sse(&events, false);
    let mut d = SseDecoder::new();
    let mut m = StreamMonitor::new();
    for ev in d.feed(body.as_bytes()) {
        if let SseEvent::Data(data) = ev {
            m.observe(&parse_event_data(&data).unwrap().unwrap());
        }
    }
    match m.error() {
        Some(Error::ContentFilter {
            origin: FilterOrigin::Completion,
            categories,
            ..
        }) => assert_eq!(categories, vec!["violence".to_owned()]),
        other => panic!("{other:?}"),
    }

    // An error event in place of a chunk.
    let body = "data: {\"choices\":[{\"index\":0,\"delta\":{\"content\":\"hi\"}}]}\n\ndata: {\"error\":{\"code\":\"content_filter\",\"message\":\"filtered\",\"innererror\":{\"content_filter_result\":{\"sexual\":{\"filtered\":true,\"severity\":\"high\"}}}}}\n\n";
    let events = SseDecoder::new().feed(body.as_bytes());
    let results: Vec<_> = events
        .iter()
        .map(|e| match e {
            SseEvent::Data(d) => parse_event_data(d),
            SseEvent::Done => Ok(None),
        })
        .collect();
    assert!(matches!(results[0], Ok(Some(_))));
    match &results[1] {
        Err(Error::ContentFilter {
            origin: FilterOrigin::Completion,
            categories,
            ..
        }) => assert_eq!(categories, &vec!["sexual".to_owned()]),
        other => panic!("{other:?}"),
    }
}
