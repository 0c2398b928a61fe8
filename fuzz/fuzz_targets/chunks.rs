//! Fuzzes the chunk path of a stream: SSE framing, each event's data read as a
//! `chat.completion.chunk` (or the error the service streamed), the stream-level facts, and the
//! per-mode accumulators. Any bytes, split anywhere, must not panic.
//!
//! Run: `cd fuzz && cargo +nightly fuzz run chunks`. The stable equivalent that CI runs is
//! `instructor-core/tests/stream_chunk_props.rs`.

#![no_main]

use instructor_core::stream::accumulate::{
    parse_event_data, ContentJson, FunctionCallAccumulator, StreamMonitor, ToolCallAccumulator,
};
use instructor_core::stream::sse::{SseDecoder, SseEvent};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Some((&size, rest)) = data.split_first() else {
        return;
    };
    let mut sse = SseDecoder::new();
    let mut monitor = StreamMonitor::new();
    let mut tools = ToolCallAccumulator::new();
    let mut function = FunctionCallAccumulator::new();
    let mut content = ContentJson::new();
    let mut events = Vec::new();
    for piece in rest.chunks(usize::from(size % 16) + 1) {
        events.extend(sse.feed(piece));
    }
    events.extend(sse.finish());
    for event in events {
        let SseEvent::Data(data) = event else { continue };
        let Ok(Some(chunk)) = parse_event_data(&data) else {
            continue;
        };
        let Some(delta) = monitor.observe(&chunk) else {
            continue;
        };
        tools.push(delta);
        function.push(delta);
        if let Some(text) = &delta.content {
            content.push(text);
        }
    }
    let _ = (monitor.error(), monitor.usage(), content.finish());
    let _ = (tools.finish(), function.finish());
});
