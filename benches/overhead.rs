//! What the SDK itself costs on its hot paths, through the public API, with no network.
//!
//! ```sh
//! cargo bench --bench overhead
//! ```
//!
//! A [`Canned`] transport stands in for HTTP and does what the real one does around the wire:
//! serializes the body to bytes, parses the reply from bytes, and for streams splits the SSE body
//! in 16 KB reads with [`SseDecoder`] and parses each event's data to JSON. So each figure is the
//! SDK's CPU per extraction (or per stream event) minus only the HTTP client and the kernel.
//!
//! - `request_body`: schema, re-ask state and the chat-completions body, serialized; no reply.
//! - `extract`: one `create` end to end: body, reply parsed, schema-checked, deserialized, validated.
//! - `reask`: a reply failing validation, the re-ask messages, the second body, a valid reply
//!   (subtract `extract` for the re-ask's own cost).
//! - `sse_decode` / `sse_decode_and_parse_chunk`: framing only / framing plus each event to a
//!   `ChatCompletionChunk`, per event of an 80 KB object's stream.
//! - `partial_json_feed`: the incremental parser alone on the same 4-character argument deltas.
//! - `create_partial_*`: a whole `create_partial` stream consumed, per stream event.
//!
//! The stream bodies are the ones `scripts/canned/gen_bodies.py` writes for the canned server:
//! Azure's chunk shapes, the object as 4-character deltas.

use std::collections::VecDeque;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use divan::counter::ItemsCount;
use divan::{black_box, Bencher};
use instructor::stream::accumulate::parse_event_data;
use instructor::stream::partial_json::PartialJsonParser;
use instructor::stream::sse::{SseDecoder, SseEvent};
use instructor::{
    ChunkIter, Client, Error, Instructor, Mode, Request, RequestBody, Result, Transport,
};
use serde::Deserialize;
use serde_json::{json, Value};

fn main() {
    divan::main();
}

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

/// An invoice read from a document: a mid-sized schema (4 nested types, enum, optionals, constraints).
// Fields are read by serde and validate(), not by the benchmark.
#[allow(dead_code)]
#[derive(Instructor, Deserialize, Debug)]
struct Invoice {
    /// The invoice number as printed.
    number: String,
    /// Issue date.
    #[instructor(pattern = r"^\d{4}-\d{2}-\d{2}$")]
    date: String,
    seller: Party,
    buyer: Party,
    /// Every line, in order.
    #[instructor(min_len = 1)]
    lines: Vec<Line>,
    currency: Currency,
    /// Free text printed on the invoice, if any.
    notes: Option<String>,
    /// The total including tax.
    #[instructor(min = 0.0)]
    total: f64,
}

/// A company or person on the invoice.
// Fields are read by serde and validate(), not by the benchmark.
#[allow(dead_code)]
#[derive(Instructor, Deserialize, Debug)]
struct Party {
    name: String,
    address: Address,
    /// VAT identification number, if printed.
    vat_id: Option<String>,
}

/// A postal address.
// Fields are read by serde and validate(), not by the benchmark.
#[allow(dead_code)]
#[derive(Instructor, Deserialize, Debug)]
struct Address {
    street: String,
    city: String,
    #[instructor(max_len = 12)]
    postal_code: String,
    /// ISO 3166 alpha-2 code.
    #[instructor(pattern = "^[A-Z]{2}$")]
    country: String,
}

/// One line of the invoice.
// Fields are read by serde and validate(), not by the benchmark.
#[allow(dead_code)]
#[derive(Instructor, Deserialize, Debug)]
struct Line {
    description: String,
    #[instructor(min = 1)]
    quantity: u32,
    #[instructor(min = 0.0)]
    unit_price: f64,
}

/// The invoice's currency.
// Fields are read by serde and validate(), not by the benchmark.
#[allow(dead_code)]
#[derive(Instructor, Deserialize, Debug)]
#[serde(rename_all = "UPPERCASE")]
enum Currency {
    Eur,
    Usd,
    Gbp,
}

/// A team and its members (the canned server's streamed object).
// Fields are read by serde and validate(), not by the benchmark.
#[allow(dead_code)]
#[derive(Instructor, Deserialize, Debug)]
struct Team {
    /// The team's name.
    team: String,
    /// Everyone on the team, in the order mentioned.
    members: Vec<Member>,
}

/// One member of a team.
// Fields are read by serde and validate(), not by the benchmark.
#[allow(dead_code)]
#[derive(Instructor, Deserialize, Debug)]
struct Member {
    name: String,
    #[instructor(min = 0, max = 150)]
    age: u32,
    /// One sentence about the person.
    bio: String,
}

fn user_args() -> Value {
    json!({"name": "Jason", "age": 25})
}

fn invoice_args() -> Value {
    let party = |name: &str, city: &str| {
        json!({"name": name, "address": {"street": "1 Main St", "city": city,
               "postal_code": "12345", "country": "DE"}, "vat_id": "DE123456789"})
    };
    json!({
        "number": "INV-2026-0042", "date": "2026-11-25",
        "seller": party("Contoso GmbH", "Berlin"), "buyer": party("Fabrikam AG", "Munich"),
        "lines": [
            {"description": "Consulting, November", "quantity": 12, "unit_price": 950.0},
            {"description": "Travel expenses", "quantity": 1, "unit_price": 412.5},
            {"description": "Licence, annual", "quantity": 3, "unit_price": 1200.0},
        ],
        "currency": "EUR", "notes": "Payable within 30 days.", "total": 15412.5
    })
}

/// About `kb` KB of Team, as `gen_bodies.py` writes it.
fn team_args(kb: usize) -> Value {
    let words: Vec<&str> = "lorem ipsum dolor sit amet consectetur adipiscing elit sed do eiusmod \
                            tempor incididunt ut labore et dolore magna aliqua"
        .split_whitespace()
        .collect();
    let mut members = Vec::new();
    let mut size = 0;
    let mut i = 0;
    while size < kb * 1024 {
        let bio: Vec<&str> = (0..8).map(|k| words[(i + k) % words.len()]).collect();
        let m = json!({"name": format!("Member {i:05}"), "age": 20 + i % 50,
                       "bio": format!("{}.", bio.join(" "))});
        size += m.to_string().len() + 1;
        members.push(m);
        i += 1;
    }
    json!({"team": "Platform engineering", "members": members})
}

/// An Azure chat completion calling tool `name` with `args`, as bytes.
fn completion(name: &str, args: &Value) -> Vec<u8> {
    json!({
        "id": "chatcmpl-AzCanned", "object": "chat.completion", "created": 1764000000,
        "model": "gpt-4o-mini-2024-07-18", "system_fingerprint": "fp_canned",
        "prompt_filter_results": [{"prompt_index": 0, "content_filter_results": filter_ok()}],
        "choices": [{"index": 0, "finish_reason": "tool_calls", "logprobs": null,
            "content_filter_results": {},
            "message": {"role": "assistant", "content": null, "refusal": null, "tool_calls": [
                {"id": "call_canned", "type": "function",
                 "function": {"name": name, "arguments": args.to_string()}}]}}],
        "usage": {"prompt_tokens": 61, "completion_tokens": 10, "total_tokens": 71},
    })
    .to_string()
    .into_bytes()
}

fn filter_ok() -> Value {
    let safe = json!({"filtered": false, "severity": "safe"});
    json!({"hate": safe, "self_harm": safe, "sexual": safe, "violence": safe})
}

/// Azure's stream of a tool call to `name` with `args` in `delta`-character pieces, as SSE bytes;
/// returns the bytes, the number of events (`[DONE]` excluded) and the argument pieces.
fn tool_stream(name: &str, args: &str, delta: usize) -> (Vec<u8>, usize, Vec<String>) {
    let chars: Vec<char> = args.chars().collect();
    let pieces: Vec<String> = chars.chunks(delta).map(|c| c.iter().collect()).collect();
    let chunk = |delta: Value, finish: Value| {
        json!({"id": "chatcmpl-AzCanned", "object": "chat.completion.chunk", "created": 1764000000,
               "model": "gpt-4o-mini-2024-07-18", "system_fingerprint": "fp_canned",
               "choices": [{"index": 0, "delta": delta, "finish_reason": finish, "logprobs": null,
                            "content_filter_results": {}}]})
    };
    let mut events = vec![
        json!({"id": "", "object": "", "created": 0, "model": "", "choices": [],
        "prompt_filter_results": [{"prompt_index": 0, "content_filter_results": filter_ok()}]}),
    ];
    events.push(chunk(
        json!({"role": "assistant", "content": null, "tool_calls": [{"index": 0,
               "id": "call_canned", "type": "function", "function": {"name": name, "arguments": ""}}]}),
        Value::Null,
    ));
    for p in &pieces {
        events.push(chunk(
            json!({"tool_calls": [{"index": 0, "function": {"arguments": p}}]}),
            Value::Null,
        ));
    }
    events.push(chunk(json!({}), json!("tool_calls")));
    events.push(
        json!({"id": "chatcmpl-AzCanned", "object": "chat.completion.chunk",
        "created": 1764000000, "model": "gpt-4o-mini-2024-07-18", "choices": [],
        "usage": {"prompt_tokens": 61, "completion_tokens": 10, "total_tokens": 71}}),
    );
    let mut sse = String::new();
    for e in &events {
        sse.push_str("data: ");
        sse.push_str(&e.to_string());
        sse.push_str("\n\n");
    }
    sse.push_str("data: [DONE]\n\n");
    (sse.into_bytes(), events.len(), pieces)
}

/// Network-sized reads.
const READ: usize = 16 * 1024;

/// Stands in for HTTP: serializes bodies, parses replies from bytes, decodes SSE from bytes.
struct Canned {
    /// Replies, in turn.
    replies: Vec<Vec<u8>>,
    next: AtomicUsize,
    sse: Arc<Vec<u8>>,
}

impl Canned {
    fn replies(replies: Vec<Vec<u8>>) -> Self {
        Self {
            replies,
            next: AtomicUsize::new(0),
            sse: Arc::default(),
        }
    }
    fn sse(sse: Vec<u8>) -> Self {
        Self {
            replies: Vec::new(),
            next: AtomicUsize::new(0),
            sse: Arc::new(sse),
        }
    }
}

fn wire(body: &impl serde::Serialize) -> Result<Vec<u8>> {
    serde_json::to_vec(body).map_err(|e| Error::Configuration(e.to_string()))
}

impl Transport for Canned {
    fn send(&self, body: &Value) -> Result<String> {
        self.reply(wire(body)?)
    }

    fn stream(&self, body: &Value) -> Result<ChunkIter> {
        self.events(wire(body)?)
    }

    // As the HTTP transports do: the engine's body written straight to bytes.
    fn send_request(&self, body: &RequestBody) -> Result<String> {
        self.reply(wire(body)?)
    }

    fn stream_request(&self, body: &RequestBody) -> Result<ChunkIter> {
        self.events(wire(body)?)
    }
}

impl Canned {
    fn reply(&self, body: Vec<u8>) -> Result<String> {
        black_box(body);
        if self.replies.is_empty() {
            return Err(Error::Configuration("no reply: body only".into()));
        }
        let i = self.next.fetch_add(1, Ordering::Relaxed) % self.replies.len();
        // As the HTTP transport does: the body's text, checked to be UTF-8, handed on unparsed.
        String::from_utf8(self.replies[i].clone()).map_err(|e| Error::Configuration(e.to_string()))
    }

    fn events(&self, body: Vec<u8>) -> Result<ChunkIter> {
        black_box(body);
        Ok(Box::new(SseChunks {
            sse: self.sse.clone(),
            at: 0,
            decoder: SseDecoder::new(),
            pending: VecDeque::new(),
        }))
    }
}

/// The events of an SSE body read `READ` bytes at a time, each handed on as text (as the HTTP
/// transport does), up to `[DONE]`.
struct SseChunks {
    sse: Arc<Vec<u8>>,
    at: usize,
    decoder: SseDecoder,
    pending: VecDeque<SseEvent>,
}

impl Iterator for SseChunks {
    type Item = Result<String>;
    fn next(&mut self) -> Option<Result<String>> {
        loop {
            match self.pending.pop_front() {
                Some(SseEvent::Done) => return None,
                Some(SseEvent::Data(text)) => return Some(Ok(text)),
                None => {}
            }
            let end = (self.at + READ).min(self.sse.len());
            if self.at == end {
                return None;
            }
            self.pending
                .extend(self.decoder.feed(&self.sse[self.at..end]));
            self.at = end;
        }
    }
}

fn user_request() -> Request {
    Request::new("gpt-4o-mini").user("Jason is 25 years old")
}

fn invoice_request() -> Request {
    Request::new("gpt-4o-mini")
        .system("Extract the invoice.")
        .user("INVOICE INV-2026-0042, 25 Nov 2026. Contoso GmbH, 1 Main St, 12345 Berlin … total EUR 15,412.50")
}

mod request_body {
    use super::*;

    #[divan::bench(args = [Mode::Tools, Mode::ToolsStrict, Mode::Json])]
    fn user(bencher: Bencher, mode: Mode) {
        let client = Client::new(Canned::replies(Vec::new())).with_mode(mode);
        bencher.bench_local(|| client.create::<User>(user_request()).is_err());
    }

    #[divan::bench(args = [Mode::Tools, Mode::ToolsStrict, Mode::Json])]
    fn invoice(bencher: Bencher, mode: Mode) {
        let client = Client::new(Canned::replies(Vec::new())).with_mode(mode);
        bencher.bench_local(|| client.create::<Invoice>(invoice_request()).is_err());
    }
}

mod extract {
    use super::*;

    #[divan::bench]
    fn user(bencher: Bencher) {
        let client = Client::new(Canned::replies(vec![completion("User", &user_args())]));
        bencher.bench_local(|| client.create::<User>(user_request()).map(|u| u.age));
    }

    #[divan::bench]
    fn invoice(bencher: Bencher) {
        let client = Client::new(Canned::replies(vec![completion(
            "Invoice",
            &invoice_args(),
        )]));
        bencher.bench_local(|| client.create::<Invoice>(invoice_request()).map(|i| i.total));
    }
}

mod reask {
    use super::*;

    /// Age 200 breaks `max = 150`: one re-ask, then the valid reply.
    #[divan::bench]
    fn user(bencher: Bencher) {
        let bad = completion("User", &json!({"name": "Jason", "age": 200}));
        let good = completion("User", &user_args());
        let client = Client::new(Canned::replies(vec![bad, good])).max_retries(1);
        bencher.bench_local(|| client.create::<User>(user_request()).map(|u| u.age));
    }

    /// Three wrong fields at three depths: every error goes back with its path.
    #[divan::bench]
    fn invoice(bencher: Bencher) {
        let mut wrong = invoice_args();
        wrong["date"] = json!("25.11.2026");
        wrong["buyer"]["address"]["country"] = json!("Germany");
        wrong["lines"][1]["quantity"] = json!(0);
        let bad = completion("Invoice", &wrong);
        let good = completion("Invoice", &invoice_args());
        let client = Client::new(Canned::replies(vec![bad, good])).max_retries(1);
        bencher.bench_local(|| client.create::<Invoice>(invoice_request()).map(|i| i.total));
    }
}

/// Per event of the 80 KB Team stream.
mod stream_80k {
    use super::*;

    fn stream() -> (Vec<u8>, usize, Vec<String>) {
        tool_stream("Team", &team_args(80).to_string(), 4)
    }

    #[divan::bench]
    fn sse_decode(bencher: Bencher) {
        let (sse, events, _) = stream();
        bencher.counter(ItemsCount::new(events)).bench_local(|| {
            let mut d = SseDecoder::new();
            let mut n = 0;
            for read in sse.chunks(READ) {
                n += d.feed(read).len();
            }
            n
        });
    }

    #[divan::bench]
    fn sse_decode_and_parse_chunk(bencher: Bencher) {
        let (sse, events, _) = stream();
        bencher.counter(ItemsCount::new(events)).bench_local(|| {
            let mut d = SseDecoder::new();
            let mut n = 0;
            for read in sse.chunks(READ) {
                for event in d.feed(read) {
                    if let SseEvent::Data(text) = event {
                        n += parse_event_data(&text)
                            .ok()
                            .flatten()
                            .map_or(0, |c| c.choices.len());
                    }
                }
            }
            n
        });
    }

    #[divan::bench]
    fn partial_json_feed(bencher: Bencher) {
        let (_, _, pieces) = stream();
        bencher
            .counter(ItemsCount::new(pieces.len()))
            .bench_local(|| {
                let mut p = PartialJsonParser::new();
                for piece in &pieces {
                    let _ = p.feed(piece);
                }
                p.finish().is_ok()
            });
    }

    /// The whole pipeline; quadratic today (see BENCHMARKS.md), hence few samples.
    #[divan::bench(sample_count = 3, sample_size = 1)]
    fn create_partial(bencher: Bencher) {
        let (sse, events, _) = stream();
        let client = Client::new(Canned::sse(sse));
        bencher.counter(ItemsCount::new(events)).bench_local(|| {
            let mut s = client
                .create_partial::<Team>(Request::new("gpt-4o-mini").user("the team"))
                .expect("stream opens");
            let n = s.by_ref().filter(|p| p.is_ok()).count();
            (n, s.take_final().map(|t| t.members.len()))
        });
    }
}

/// Per event of smaller streams: the guide's User (7 deltas) and 1 KB of Team.
mod stream_small {
    use super::*;

    #[divan::bench]
    fn create_partial_user(bencher: Bencher) {
        let (sse, events, _) = tool_stream("User", &user_args().to_string(), 4);
        let client = Client::new(Canned::sse(sse));
        bencher.counter(ItemsCount::new(events)).bench_local(|| {
            let mut s = client
                .create_partial::<User>(user_request())
                .expect("stream opens");
            let n = s.by_ref().filter(|p| p.is_ok()).count();
            (n, s.take_final().map(|u| u.age))
        });
    }

    #[divan::bench]
    fn create_partial_team_1k(bencher: Bencher) {
        let (sse, events, _) = tool_stream("Team", &team_args(1).to_string(), 4);
        let client = Client::new(Canned::sse(sse));
        bencher.counter(ItemsCount::new(events)).bench_local(|| {
            let mut s = client
                .create_partial::<Team>(Request::new("gpt-4o-mini").user("the team"))
                .expect("stream opens");
            let n = s.by_ref().filter(|p| p.is_ok()).count();
            (n, s.take_final().map(|t| t.members.len()))
        });
    }
}
