//! Fuzzes the SSE decoder: any bytes, split anywhere, never panic, and the split does not change
//! the events.
//!
//! Run: `cd fuzz && cargo +nightly fuzz run sse`

#![no_main]

use instructor_core::stream::sse::SseDecoder;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Some((&size, rest)) = data.split_first() else {
        return;
    };
    let mut whole = SseDecoder::new();
    let mut expected = whole.feed(rest);
    expected.extend(whole.finish());

    let mut d = SseDecoder::new();
    let mut got = Vec::new();
    for c in rest.chunks(usize::from(size % 8) + 1) {
        got.extend(d.feed(c));
    }
    got.extend(d.finish());
    assert_eq!(got, expected);
});
