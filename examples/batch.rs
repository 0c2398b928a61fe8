//! Extraction at scale: one batch job extracts a `User` from every prompt, with a progress bar,
//! then prints each item's value or error and a summary.
//!
//! `cargo run --example batch` (local model: `scripts/local-model.sh start` first, which serves
//! the files and batches API too; or set `AZURE_OPENAI_*` with `AZURE_OPENAI_DEPLOYMENT` naming a
//! Global Batch deployment). `BATCH_POLL_SECS` (default 10) is the wait between polls.

mod common;

use std::io::Write;
use std::time::Duration;

use instructor::azure::{BatchClient, BatchProgress};
use instructor::Instructor;
use serde::Deserialize;

/// A person mentioned in the text.
#[derive(Instructor, Deserialize, Debug)]
struct User {
    /// The person's first name: one word.
    #[instructor(validate = one_word)]
    name: String,
    /// Age in years.
    #[instructor(min = 0, max = 150)]
    age: u32,
}

/// A reply that fails this is re-asked in a follow-up batch, with the error.
fn one_word(name: &str) -> Result<(), String> {
    match name.split_whitespace().count() {
        1 => Ok(()),
        _ => Err(format!(
            "`{name}` is not one word: write the first name only"
        )),
    }
}

const PROMPTS: [&str; 6] = [
    "Jason is 25 years old",
    "Sarah is 30 years old",
    "Omar is 41 years old",
    "Mei is 19 years old",
    "Lars is 67 years old",
    "Amara is 52 years old",
];

fn poll_interval() -> Duration {
    let secs = std::env::var("BATCH_POLL_SECS")
        .ok()
        .and_then(|s| s.trim().parse::<f64>().ok())
        .filter(|s| s.is_finite() && *s > 0.0)
        .unwrap_or(10.0);
    Duration::from_secs_f64(secs)
}

/// `[##########··········] 3/6 in_progress` on one line of stderr, redrawn at each poll.
fn draw(progress: &BatchProgress) {
    const WIDTH: u64 = 20;
    let counts = progress.counts;
    let done = counts.completed + counts.failed;
    let filled = (done * WIDTH)
        .checked_div(counts.total)
        .unwrap_or(0)
        .min(WIDTH);
    let bar: String = (0..WIDTH)
        .map(|i| if i < filled { '#' } else { '.' })
        .collect();
    let round = match progress.round {
        0 => String::new(),
        r => format!(" (re-ask round {r})"),
    };
    eprint!(
        "\r[{bar}] {done}/{} {:<12}{round}",
        counts.total, progress.status
    );
    if progress.submitted.is_some() {
        eprintln!("\nsubmitted a follow-up batch for the replies that failed validation");
    }
    let _ = std::io::stderr().flush();
}

fn main() -> Result<(), instructor::Error> {
    let client = instructor::from_openai(common::azure()?).max_retries(2);
    let every = poll_interval();
    let requests = PROMPTS
        .iter()
        .map(|p| common::request().user(format!("Extract the person: {p}")));
    let mut job = client
        .batch::<User>()
        .poll_interval(every)
        .max_poll_interval(every * 4)
        .submit(requests)?;
    eprintln!(
        "submitted {} request(s) as batch job {}; to resume it elsewhere, keep: {}",
        PROMPTS.len(),
        job.ids().job,
        job.ids().to_json()
    );

    job.wait(draw)?;
    eprintln!();

    let (mut ok, mut failed) = (0, 0);
    let mut results = job.results()?;
    for item in results.by_ref() {
        let item = item?;
        match item.result {
            Ok(user) => {
                ok += 1;
                println!("{}: {user:?}", item.custom_id);
            }
            Err(e) => {
                failed += 1;
                println!("{}: error: {e}", item.custom_id);
            }
        }
    }
    println!(
        "summary: {} items, {ok} ok, {failed} failed, {} tokens",
        ok + failed,
        results.usage().total_tokens
    );
    Ok(())
}
