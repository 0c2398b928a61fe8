//! Streaming a JSON object in 4-byte chunks: the incremental parser against re-parsing the whole
//! buffer at every chunk (what Python instructor does), and against one `serde_json` parse of the
//! finished document.
//!
//! Run: `cargo bench -p instructor-core --bench partial_json`

use divan::counter::BytesCount;
use divan::{black_box, Bencher};
use instructor_core::stream::partial_json::{Document, PartialJsonParser};
use serde_json::Value;

#[path = "common/document.rs"]
mod common;
use common::document;

fn main() {
    divan::main();
}

/// Target document sizes in KB.
const SIZES: &[usize] = &[5, 20, 80, 320];
/// The naive re-parse is quadratic: 320 KB would take minutes per iteration.
const NAIVE_SIZES: &[usize] = &[5, 20, 80];
const CHUNK: usize = 4;

/// The document cut into 4-byte pieces, cut before timing starts: checking each piece is UTF-8
/// is the harness's work, not the parser's.
fn chunks(doc: &str) -> Vec<&str> {
    // ASCII: every byte offset is a char boundary.
    doc.as_bytes()
        .chunks(CHUNK)
        .map(|c| std::str::from_utf8(c).unwrap_or_default())
        .collect()
}

/// The pieces fed one by one, the value read after each, then the end: what a stream does.
fn read_incrementally(pieces: &[&str]) -> Document {
    let mut p = PartialJsonParser::new();
    for &c in black_box(pieces) {
        black_box(p.feed(c).unwrap());
        black_box(p.value());
    }
    p.finish().unwrap()
}

#[divan::bench(args = SIZES, max_time = 2)]
fn incremental_4b_chunks(bencher: Bencher, kb: usize) {
    let doc = document(kb);
    let pieces = chunks(&doc);
    bencher
        .counter(BytesCount::new(doc.len()))
        .bench(|| read_incrementally(&pieces));
}

/// The same, then the finished document copied into a `serde_json::Value`: what a caller that
/// needs a `Value` rather than reading a type from the document pays.
#[divan::bench(args = SIZES, max_time = 2)]
fn incremental_4b_chunks_then_to_value(bencher: Bencher, kb: usize) {
    let doc = document(kb);
    let pieces = chunks(&doc);
    bencher
        .counter(BytesCount::new(doc.len()))
        .bench(|| read_incrementally(&pieces).into_value());
}

/// Closes an incomplete JSON prefix so that serde_json can read it: scans the whole buffer for
/// the open strings and brackets (the step that makes the approach quadratic), then appends the
/// closers. Prefixes ending in a dangling key or `:` may still fail; that is ignored, as the
/// naive approach ignores them.
fn close_prefix(buf: &str) -> String {
    let mut stack = Vec::new();
    let (mut in_str, mut esc) = (false, false);
    for b in buf.bytes() {
        if in_str {
            match (esc, b) {
                (true, _) => esc = false,
                (false, b'\\') => esc = true,
                (false, b'"') => in_str = false,
                _ => {}
            }
        } else {
            match b {
                b'"' => in_str = true,
                b'{' => stack.push(b'}'),
                b'[' => stack.push(b']'),
                b'}' | b']' => {
                    stack.pop();
                }
                _ => {}
            }
        }
    }
    let mut out = buf.to_owned();
    if in_str {
        if esc {
            out.pop();
        }
        out.push('"');
    }
    let trimmed = out.trim_end().trim_end_matches(',').len();
    out.truncate(trimmed);
    if out.ends_with(':') {
        out.push_str("null");
    }
    while let Some(c) = stack.pop() {
        out.push(char::from(c));
    }
    out
}

#[divan::bench(args = NAIVE_SIZES, sample_count = 3, sample_size = 1)]
fn naive_reparse_4b_chunks(bencher: Bencher, kb: usize) {
    let doc = document(kb);
    let pieces = chunks(&doc);
    bencher.counter(BytesCount::new(doc.len())).bench(|| {
        let mut buf = String::new();
        let mut last = None;
        for &c in black_box(&pieces) {
            buf.push_str(c);
            if let Ok(v) = serde_json::from_str::<Value>(&close_prefix(&buf)) {
                last = Some(v);
            }
        }
        last
    });
}

#[divan::bench(args = SIZES, max_time = 2)]
fn serde_json_whole_document_once(bencher: Bencher, kb: usize) {
    let doc = document(kb);
    bencher
        .counter(BytesCount::new(doc.len()))
        .bench(|| serde_json::from_str::<Value>(black_box(&doc)).unwrap());
}
