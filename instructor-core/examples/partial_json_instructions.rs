//! One parse of the partial-JSON benchmark document, for counting instructions with callgrind
//! (which, unlike times, do not move with the machine's load): `scripts/partial-json-instructions.sh`
//! runs it under callgrind in each mode and subtracts the document's construction.
//!
//! ```sh
//! cargo run --release -p instructor-core --example partial_json_instructions -- incremental 80
//! ```
//!
//! Modes: `none` (build the document and its 4-byte pieces only), `incremental` (feed the pieces,
//! reading `value()` after each, then `finish()`), `to_value` (the same, then the document copied
//! into a `serde_json::Value`), `serde` (one `serde_json::from_str::<Value>` of the whole
//! document). The result is leaked, not dropped, as divan leaves the drop out of its timings.

use std::hint::black_box;

use instructor_core::stream::partial_json::{Document, PartialJsonParser};
use serde_json::Value;

#[path = "../benches/common/document.rs"]
mod common;

fn main() {
    let mut args = std::env::args().skip(1);
    let mode = args.next().unwrap_or_else(|| "incremental".to_owned());
    let kb: usize = args.next().and_then(|a| a.parse().ok()).unwrap_or(80);
    let doc = common::document(kb);
    // ASCII: every byte offset is a char boundary.
    let pieces: Vec<&str> = doc
        .as_bytes()
        .chunks(4)
        .map(|c| std::str::from_utf8(c).unwrap_or_default())
        .collect();
    let incremental = || {
        let mut p = PartialJsonParser::new();
        for &piece in black_box(&pieces) {
            black_box(p.feed(piece).ok());
            black_box(p.value());
        }
        p.finish().ok()
    };
    match mode.as_str() {
        "none" => {}
        "incremental" => std::mem::forget(black_box(incremental())),
        "to_value" => std::mem::forget(black_box(incremental().map(Document::into_value))),
        "serde" => std::mem::forget(black_box(serde_json::from_str::<Value>(&doc).ok())),
        other => {
            eprintln!("unknown mode {other}: none, incremental, to_value or serde");
            std::process::exit(2);
        }
    }
    eprintln!("{} bytes", doc.len());
}
