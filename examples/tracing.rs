//! Tracing: each extraction, attempt and transport call as a `tracing` span with the
//! OpenTelemetry GenAI attribute names, printed to stdout by `tracing-subscriber`. Runs offline:
//! a scripted model answers out of range once, so the re-ask and its errors show.
//!
//! `cargo run --example tracing`
//!
//! In a service, install `tracing-opentelemetry` instead of the fmt layer to export the same
//! spans (their `otel.name` is `chat {model}`). Prompts and replies appear only with
//! `.trace_content(true)`.

use instructor::testing::{self, ScriptedTransport};
use instructor::{Client, Instructor, Request};
use serde::Deserialize;
use tracing_subscriber::fmt::format::FmtSpan;

/// A person mentioned in the text.
#[derive(Instructor, Deserialize, Debug)]
struct User {
    name: String,
    #[instructor(max = 150)]
    age: u32,
}

fn main() -> Result<(), instructor::Error> {
    // Each span printed when it closes, with its fields and timing.
    tracing_subscriber::fmt()
        .with_span_events(FmtSpan::CLOSE)
        .with_target(true)
        .init();

    let mut first = testing::tool_call_completion("User", r#"{"name": "Jason", "age": 250}"#);
    first["usage"] =
        serde_json::json!({"prompt_tokens": 52, "completion_tokens": 11, "total_tokens": 63});
    let mut second = testing::tool_call_completion("User", r#"{"name": "Jason", "age": 25}"#);
    second["usage"] =
        serde_json::json!({"prompt_tokens": 90, "completion_tokens": 11, "total_tokens": 101});
    let client = Client::new(ScriptedTransport::new().reply(first).reply(second)).max_retries(1);

    let user: User = client.create(Request::new("gpt-4o-mini").user("Jason is 25 years old"))?;
    println!("{user:?}");
    Ok(())
}
