//! Fuzzes the incremental partial-JSON parser: any input, split at fuzzer-chosen points, must not
//! panic; where serde_json accepts the whole text the parser must give the same value, and every
//! partial value must be a possible earlier state of the next one.
//!
//! Run: `cd fuzz && cargo +nightly fuzz run partial_json`

#![no_main]

use instructor_core::stream::partial_json::{Document, PartialJsonParser};
use libfuzzer_sys::fuzz_target;
use serde_json::Value;

fn consistent(earlier: &Value, later: &Value) -> bool {
    match (earlier, later) {
        (Value::String(a), Value::String(b)) => b.starts_with(a.as_str()),
        (Value::Array(a), Value::Array(b)) => {
            a.len() <= b.len()
                && a.iter().zip(b).enumerate().all(|(i, (x, y))| {
                    if i + 1 == a.len() {
                        consistent(x, y)
                    } else {
                        x == y
                    }
                })
        }
        (Value::Object(a), Value::Object(b)) => a
            .iter()
            .all(|(k, x)| b.get(k).is_some_and(|y| consistent(x, y))),
        (a, b) => a == b,
    }
}

fuzz_target!(|data: &[u8]| {
    // The first byte picks the chunk size; the rest is the text.
    let Some((&size, rest)) = data.split_first() else {
        return;
    };
    let Ok(text) = std::str::from_utf8(rest) else {
        return;
    };
    let size = usize::from(size % 16) + 1;
    let theirs = serde_json::from_str::<Value>(text).ok();
    // Objects with duplicate keys may replace a member, so growth is checked on arrays and
    // scalars only.
    let check_growth = theirs.is_some() && !text.contains('{');
    let mut parser = PartialJsonParser::new();
    let mut prev: Option<Value> = None;
    let mut ok = true;
    let mut start = 0;
    while start < text.len() {
        let mut end = (start + size).min(text.len());
        while !text.is_char_boundary(end) {
            end += 1;
        }
        if parser.feed(&text[start..end]).is_err() {
            ok = false;
            break;
        }
        let now = parser.value().map(|v| v.to_value());
        if let (Some(p), Some(n), true) = (&prev, &now, check_growth) {
            assert!(consistent(p, n), "{p} then {n}");
        }
        prev = now;
        start = end;
    }
    let ours = if ok { parser.finish().ok().map(Document::into_value) } else { None };
    if let Some(theirs) = &theirs {
        assert_eq!(ours.as_ref(), Some(theirs), "serde_json accepts {text:?}");
    }
});
