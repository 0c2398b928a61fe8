//! What a batch job costs the caller's machine per item, with no network: the input written as
//! JSONL and the output read back, through the public batch API.
//!
//! ```sh
//! cargo bench --bench batch
//! ```
//!
//! - `write_jsonl`: 100,000 requests, each through `create`'s checks and body
//!   ([`BatchCodec::body`]) and written as an input line to a file on disk through a 64 KiB
//!   buffer, as the Azure client spools its input files.
//! - `read_output`: 100,000 output lines in Azure's format (a chat completion with a tool call,
//!   usage and content-filter verdicts per line) read from a file on disk line by line, each
//!   parsed, schema-checked, deserialized and validated by [`BatchReader::read_line`], and
//!   dropped, as a caller that keeps only counts would.
//!
//! Before the timed runs, the same two passes run at 10,000 and 100,000 items under a counting
//! allocator, and the heap's peak above what was live before each pass is printed, with the
//! process's peak RSS: memory must not grow with the number of items.

use std::alloc::{GlobalAlloc, Layout, System};
use std::fs::File;
use std::io::{BufRead, BufReader, BufWriter, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};

use divan::counter::ItemsCount;
use divan::Bencher;
use instructor::batch::{write_input_line, BatchCodec, BatchService, Read};
use instructor::settings::Settings;
use instructor::{Error, Feature, Instructor, Request, Support};
use serde::Deserialize;
use serde_json::{json, Value};

/// Live and peak heap bytes.
struct Counting;

static LIVE: AtomicUsize = AtomicUsize::new(0);
static PEAK: AtomicUsize = AtomicUsize::new(0);

fn grew(by: usize) {
    let now = LIVE.fetch_add(by, Ordering::Relaxed) + by;
    PEAK.fetch_max(now, Ordering::Relaxed);
}

// SAFETY: every call is forwarded to the system allocator unchanged; only sizes are counted.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let p = unsafe { System.alloc(layout) };
        if !p.is_null() {
            grew(layout.size());
        }
        p
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        unsafe { System.dealloc(ptr, layout) };
        LIVE.fetch_sub(layout.size(), Ordering::Relaxed);
    }
    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        let p = unsafe { System.alloc_zeroed(layout) };
        if !p.is_null() {
            grew(layout.size());
        }
        p
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        let p = unsafe { System.realloc(ptr, layout, new_size) };
        if !p.is_null() {
            LIVE.fetch_sub(layout.size(), Ordering::Relaxed);
            grew(new_size);
        }
        p
    }
}

#[global_allocator]
static ALLOC: Counting = Counting;

/// Items in each timed run.
const N: u64 = 100_000;

/// A person mentioned in the text (the guide's User).
// Fields are read by serde and validate(), not by the benchmark.
#[allow(dead_code)]
#[derive(Instructor, Deserialize, Debug)]
struct User {
    /// First name only.
    name: String,
    #[instructor(min = 0, max = 150)]
    age: u32,
}

/// A Global Batch deployment that accepts every feature.
struct Deployment;

impl BatchService for Deployment {
    fn default_model(&self) -> Option<&str> {
        Some("gpt-4o-mini-batch")
    }
    fn supports(&self, _: Feature) -> Support {
        Support::Yes
    }
}

fn codec() -> BatchCodec<User> {
    BatchCodec::single(Settings {
        max_retries: 2,
        ..Settings::default()
    })
}

fn scratch(name: &str) -> PathBuf {
    std::env::temp_dir().join(format!("instructor-bench-{}-{name}", std::process::id()))
}

/// Writes `n` requests' input lines to `path`.
fn write_pass(codec: &BatchCodec<User>, n: u64, path: &Path) {
    let mut file = BufWriter::with_capacity(64 * 1024, File::create(path).expect("scratch file"));
    let mut line = Vec::new();
    for i in 0..n {
        let request =
            Request::for_default_deployment().user(format!("Person {i} is {} years old", i % 100));
        let body = codec.body(request, &Deployment).expect("a body");
        line.clear();
        write_input_line(
            &mut line,
            &format!("request-{i}"),
            "/chat/completions",
            &body,
        )
        .expect("a line");
        file.write_all(&line).expect("written");
    }
    file.flush().expect("flushed");
}

/// One output line as Azure writes it.
fn output_line(i: u64) -> String {
    let arguments = json!({"name": format!("Person{i}"), "age": i % 100}).to_string();
    let verdicts = json!({"hate": {"filtered": false, "severity": "safe"},
        "self_harm": {"filtered": false, "severity": "safe"},
        "sexual": {"filtered": false, "severity": "safe"},
        "violence": {"filtered": false, "severity": "safe"}});
    json!({"id": format!("batch_req_{i:032x}"), "custom_id": format!("request-{i}"),
        "response": {"status_code": 200, "request_id": format!("{i:08x}-1111-2222-3333-444455556666"),
            "body": {"id": format!("chatcmpl-{i:x}"), "object": "chat.completion", "created": 1_732_000_000,
                "model": "gpt-4o-mini-2024-07-18", "system_fingerprint": "fp_d54531d9eb",
                "prompt_filter_results": [{"prompt_index": 0, "content_filter_results": verdicts}],
                "choices": [{"index": 0, "finish_reason": "stop", "logprobs": null,
                    "content_filter_results": {},
                    "message": {"role": "assistant", "content": null, "refusal": null,
                        "tool_calls": [{"id": format!("call_{i:x}"), "type": "function",
                            "function": {"name": "User", "arguments": arguments}}]}}],
                "usage": {"prompt_tokens": 74, "completion_tokens": 12, "total_tokens": 86}}},
        "error": null})
    .to_string()
}

fn write_outputs(n: u64, path: &Path) {
    let mut file = BufWriter::new(File::create(path).expect("scratch file"));
    for i in 0..n {
        writeln!(file, "{}", output_line(i)).expect("written");
    }
    file.flush().expect("flushed");
}

fn map_error(status: u16, body: &Value, _: Option<String>) -> Error {
    Error::Api {
        status,
        code: None,
        message: body.to_string(),
        request_id: None,
    }
}

/// Reads every output line of `path`; returns how many items were valid.
fn read_pass(codec: &BatchCodec<User>, path: &Path) -> u64 {
    let mut reader = codec.reader();
    reader.start_round(0, true);
    let mut lines = BufReader::with_capacity(64 * 1024, File::open(path).expect("outputs"));
    let mut line = String::new();
    let mut valid = 0;
    loop {
        line.clear();
        if lines.read_line(&mut line).expect("read") == 0 {
            break;
        }
        match reader.read_line(line.trim_end(), "batch_1", &map_error) {
            Read::Item(item) if item.result.is_ok() => valid += 1,
            Read::Item(item) => panic!("{:?}", item.result),
            Read::Carried | Read::Unreadable(_) => panic!("every line is valid"),
        }
    }
    valid
}

/// The heap's peak above what was live when `f` started.
fn peak_during(f: impl FnOnce()) -> usize {
    let base = LIVE.load(Ordering::Relaxed);
    PEAK.store(base, Ordering::Relaxed);
    f();
    PEAK.load(Ordering::Relaxed).saturating_sub(base)
}

fn max_rss_kib() -> i64 {
    // SAFETY: getrusage writes into the struct it is given.
    unsafe {
        let mut usage: libc::rusage = std::mem::zeroed();
        libc::getrusage(libc::RUSAGE_SELF, &mut usage);
        usage.ru_maxrss
    }
}

/// Both passes over `n` items: the heap's peak during each.
fn passes(codec: &BatchCodec<User>, n: u64) -> (usize, usize) {
    let (input, output) = (scratch("in.jsonl"), scratch("out.jsonl"));
    let write = peak_during(|| write_pass(codec, n, &input));
    write_outputs(n, &output);
    let read = peak_during(|| assert_eq!(read_pass(codec, &output), n));
    if n == 100 {
        let per_line = |p: &Path| std::fs::metadata(p).map_or(0, |m| m.len() / n);
        println!(
            "bytes per line: input {}, output {}",
            per_line(&input),
            per_line(&output)
        );
    }
    let _ = std::fs::remove_file(input);
    let _ = std::fs::remove_file(output);
    (write, read)
}

fn memory_table() {
    println!("process peak RSS at start: {} MiB", max_rss_kib() / 1024);
    let codec = codec();
    println!("peak heap above the start of each pass (counting allocator), and process peak RSS:");
    println!(
        "{:>9} | {:>12} | {:>12} | {:>8}",
        "items", "write_jsonl", "read_output", "max RSS"
    );
    let row = |label: String, (write, read): (usize, usize)| {
        println!(
            "{label:>9} | {:>8} KiB | {:>8} KiB | {:>4} MiB",
            write / 1024,
            read / 1024,
            max_rss_kib() / 1024
        );
    };
    // The type's schema and validator are built on first use and kept: once per process.
    row("first 100".into(), passes(&codec, 100));
    for n in [1_000, 10_000, 100_000] {
        row(n.to_string(), passes(&codec, n));
    }
    println!();
}

fn main() {
    memory_table();
    divan::main();
}

#[divan::bench(sample_count = 5, sample_size = 1)]
fn write_jsonl(bencher: Bencher) {
    let codec = codec();
    let path = scratch("bench-in.jsonl");
    bencher
        .counter(ItemsCount::new(N))
        .bench(|| write_pass(&codec, N, &path));
    let _ = std::fs::remove_file(path);
}

#[divan::bench(sample_count = 5, sample_size = 1)]
fn read_output(bencher: Bencher) {
    let codec = codec();
    let path = scratch("bench-out.jsonl");
    write_outputs(N, &path);
    bencher
        .counter(ItemsCount::new(N))
        .bench(|| assert_eq!(read_pass(&codec, &path), N));
    let _ = std::fs::remove_file(path);
}
