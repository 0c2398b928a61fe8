//! End to end against the real local model: SmolLM2-135M-Instruct served by llama.cpp in Azure's
//! URL form on 127.0.0.1 (`scripts/local-model.sh start`; `scripts/test.sh` does it for you).
//!
//! Run only when `INSTRUCTOR_LOCAL_MODEL=1` (the test script sets it); then the server must be up,
//! and a test that cannot reach it fails. The model is tiny: the grammar keeps its JSON on the
//! schema, validators catch what it gets wrong, and `max_retries` lets it try again.

use std::collections::BTreeSet;

use futures::StreamExt;
use instructor::azure::{AsyncAzureOpenAI, AzureOpenAI};
use instructor::{Api, Client, Error, Instructor, Mode, Request};
use serde::Deserialize;

/// A person mentioned in the text.
#[derive(Instructor, Deserialize, Debug, PartialEq)]
struct User {
    /// The person's first name, as written in the text.
    #[instructor(validate = is_a_name)]
    name: String,
    /// Age in years.
    #[instructor(min = 0, max = 150)]
    age: u32,
}

/// A postal address.
#[derive(Instructor, Deserialize, Debug)]
struct Address {
    /// Street and number.
    street: String,
    /// The city.
    city: String,
}

/// A person and their addresses.
#[derive(Instructor, Deserialize, Debug)]
struct UserWithAddress {
    /// The person's first name.
    #[instructor(validate = is_a_name)]
    name: String,
    /// Age in years.
    age: u32,
    /// Every address in the text.
    #[instructor(min_len = 2, max_len = 2)]
    addresses: Vec<Address>,
}

/// A person mentioned in the text.
#[derive(Instructor, Deserialize, Debug)]
struct Person {
    /// The person's first name.
    name: String,
    /// Age in years.
    age: u32,
    /// What the text says about the person, in one sentence.
    bio: Option<String>,
}

/// Something to record.
#[derive(Instructor, Deserialize, Debug)]
enum Record {
    /// A person.
    User(User),
}

/// A name has letters: the small model sometimes puts the age there.
fn is_a_name(name: &str) -> Result<(), String> {
    if name.chars().any(char::is_alphabetic) {
        Ok(())
    } else {
        Err(format!(
            "`{name}` is not a name: write the person's first name"
        ))
    }
}

fn enabled() -> bool {
    let on = std::env::var("INSTRUCTOR_LOCAL_MODEL").is_ok_and(|v| v == "1");
    if !on {
        eprintln!("skipped: set INSTRUCTOR_LOCAL_MODEL=1 with the local model running (scripts/test.sh does)");
    }
    on
}

/// The endpoint `scripts/local-model.sh env` exported, else the script's default port.
fn endpoint() -> String {
    std::env::var("AZURE_OPENAI_ENDPOINT").unwrap_or_else(|_| {
        let port = std::env::var("LOCAL_MODEL_PORT").unwrap_or_else(|_| "8088".into());
        format!("http://127.0.0.1:{port}")
    })
}

fn azure() -> AzureOpenAI {
    azure_at("2024-10-21")
}

fn azure_at(api_version: &str) -> AzureOpenAI {
    AzureOpenAI::builder()
        .azure_endpoint(endpoint())
        .api_key("local")
        .api_version(api_version)
        .deployment("smollm2")
        .build()
        .expect("client")
}

/// A client for `mode`: the Responses API modes on the v1 URL form, as on Azure.
fn client(mode: Mode) -> Client<AzureOpenAI> {
    let azure = match mode.api() {
        Api::ChatCompletions => azure(),
        Api::Responses => azure_at("v1"),
    };
    instructor::from_openai(azure)
        .with_mode(mode)
        .max_retries(3)
}

/// A request to the default deployment, bounded so a rambling small model cannot run for minutes.
fn ask(text: &str) -> Request {
    Request::for_default_deployment()
        .user(text)
        .temperature(0.0)
        .max_tokens(300)
}

fn jason_request() -> Request {
    ask("Extract the person: Jason is 25 years old.")
}

/// Every mode gets the basic extraction right on this model: the tool modes through the
/// Hermes-style tool template and the local server's forced-call grammar (`ParallelTools` through
/// `tool_choice: "required"`), `Functions` through its translation to tools, `JsonSchema` by
/// llama.cpp's constrained decoding, and the prompt-only modes because they show the answer's
/// shape after the text, not the JSON Schema (see docs/local-model.md).
#[test]
fn user_in_every_mode() {
    if !enabled() {
        return;
    }
    let jason = User {
        name: "Jason".into(),
        age: 25,
    };
    let mut failures = Vec::new();
    for mode in Mode::ALL {
        let outcome = if mode == Mode::ParallelTools {
            client(mode)
                .create_parallel::<Record>(jason_request())
                .map(|records| match records.as_slice() {
                    [Record::User(user)] => Ok(user == &jason),
                    _ => Err(format!("{records:?}")),
                })
        } else {
            client(mode).create::<User>(jason_request()).map(|user| {
                if user == jason {
                    Ok(true)
                } else {
                    Err(format!("{user:?}"))
                }
            })
        };
        match outcome {
            Ok(Ok(true)) => eprintln!("{mode}: right"),
            Ok(Ok(false)) => failures.push(format!("{mode}: the wrong person")),
            Ok(Err(wrong)) => failures.push(format!("{mode}: {wrong}")),
            Err(e) => failures.push(format!("{mode}: {e}")),
        }
    }
    assert!(failures.is_empty(), "{failures:#?}");
}

/// `tool_choice: "auto"` (still there on request) leaves the call to the model, and SmolLM2-135M
/// answers in prose: the re-asks carry the errors and the extraction ends cleanly.
#[test]
fn parallel_tools_with_auto_fails_with_the_models_mistakes() {
    if !enabled() {
        return;
    }
    let outcome = client(Mode::ParallelTools)
        .max_retries(1)
        .create_parallel::<Record>(jason_request().extra("tool_choice", serde_json::json!("auto")));
    match outcome {
        Ok(value) => eprintln!("the model managed it this time: {value:?}"),
        Err(Error::RetriesExhausted(r)) => {
            assert_eq!(r.attempts, 2);
            assert!(r.errors.iter().all(Error::is_reaskable), "{:?}", r.errors);
        }
        Err(e) => panic!("not the model's mistake but {e}"),
    }
}

#[test]
fn user_with_two_addresses() {
    if !enabled() {
        return;
    }
    for mode in [Mode::Tools, Mode::JsonSchema] {
        let user: UserWithAddress = client(mode)
            .create(ask(
                "Extract: John is 35. He lives at 123 Main St in Springfield and at 456 Oak Ave in Shelbyville.",
            ))
            .unwrap_or_else(|e| panic!("{mode}: {e}"));
        eprintln!("{mode}: {user:?}");
        assert_eq!(user.addresses.len(), 2, "{mode}");
        assert!(user.name.contains("John"), "{mode}: {user:?}");
    }
}

#[test]
fn three_users_as_an_iterable() {
    if !enabled() {
        return;
    }
    // Tools: the forced call's grammar ends the list; under JsonSchema alone this model repeats
    // items until max_tokens, which ends as Error::Truncated.
    let users: Vec<User> = client(Mode::Tools)
        .create_iterable(ask(
            "Extract every person: Jason is 25, Sarah is 30 and Mike is 28.",
        ))
        .expect("stream")
        .collect::<Result<_, _>>()
        .expect("items");
    eprintln!("{users:?}");
    let names: BTreeSet<&str> = users.iter().map(|u| u.name.as_str()).collect();
    assert_eq!(
        names,
        BTreeSet::from(["Jason", "Mike", "Sarah"]),
        "{users:?}"
    );
    assert!(
        users.iter().all(|u| [25, 28, 30].contains(&u.age)),
        "{users:?}"
    );
}

#[test]
fn a_partial_stream_grows_to_the_final_value() {
    if !enabled() {
        return;
    }
    for mode in [Mode::JsonSchema, Mode::Tools] {
        let client = client(mode);
        let mut stream = client
            .create_partial::<Person>(ask(
                "Extract: Jason is 25 years old. He is a tech enthusiast who loves Rust.",
            ))
            .expect("stream");
        let partials: Vec<PartialPerson> =
            (&mut stream).collect::<Result<_, _>>().expect("partials");
        let person = stream.take_final().expect("final value");
        eprintln!("{mode}: {} partials; final {person:?}", partials.len());
        assert!(partials.len() > 3, "{mode}");
        assert_eq!(partials.first(), Some(&PartialPerson::default()), "{mode}");
        assert_eq!(person.age, 25, "{mode}");
        // Every partial's name is a prefix of the final one: strings grow, nothing jumps.
        assert!(partials
            .iter()
            .filter_map(|p| p.name.as_deref())
            .all(|n| person.name.starts_with(n)));
    }
}

#[tokio::test]
async fn the_async_client_extracts_and_streams() {
    if !enabled() {
        return;
    }
    let azure = AsyncAzureOpenAI::builder()
        .azure_endpoint(endpoint())
        .api_key("local")
        .api_version("2024-10-21")
        .deployment("smollm2")
        .build()
        .expect("client");
    let client = instructor::from_openai(azure)
        .with_mode(Mode::JsonSchema)
        .max_retries(3);
    let user = client
        .create::<User>(jason_request())
        .await
        .expect("create");
    assert_eq!(
        user,
        User {
            name: "Jason".into(),
            age: 25
        }
    );
    let partials: Vec<_> = client
        .create_partial::<User>(jason_request())
        .expect("stream")
        .collect()
        .await;
    assert!(partials.len() > 1);
    assert!(partials.iter().all(Result::is_ok), "{partials:?}");
}

/// Builds an example as this test run was built (profile and features; with every feature of
/// the root crate, as `scripts/test.sh` runs, the whole workspace's, so that nothing is rebuilt)
/// and returns its path beside this test's binary.
fn example(name: &str) -> std::path::PathBuf {
    let mut cargo = std::process::Command::new(env!("CARGO"));
    cargo.args(["build", "--quiet", "--example", name, "--manifest-path"]);
    cargo.arg(concat!(env!("CARGO_MANIFEST_DIR"), "/Cargo.toml"));
    let features: Vec<&str> = [
        cfg!(feature = "testing").then_some("testing"),
        cfg!(feature = "chrono").then_some("chrono"),
        cfg!(feature = "uuid").then_some("uuid"),
    ]
    .into_iter()
    .flatten()
    .collect();
    if features.len() == 3 {
        cargo.args(["--workspace", "--all-features"]);
    } else if !features.is_empty() {
        cargo.args(["--features", &features.join(",")]);
    }
    if !cfg!(debug_assertions) {
        cargo.arg("--release");
    }
    let status = cargo.status().expect("cargo runs");
    assert!(status.success(), "cargo build --example {name}: {status}");
    let exe = std::env::current_exe().expect("the test binary's path");
    let profile_dir = exe
        .parent()
        .and_then(std::path::Path::parent)
        .expect("target/<profile>/deps/<test>");
    profile_dir
        .join("examples")
        .join(format!("{name}{}", std::env::consts::EXE_SUFFIX))
}

/// `examples/batch.rs` end to end: the local front serves the files and batches API and runs
/// each line against the model; the example submits, polls (every second here), reads the
/// results and prints one line per item and a summary.
#[test]
fn the_batch_example_runs_against_the_local_model() {
    if !enabled() {
        return;
    }
    let started = std::time::Instant::now();
    let out = std::process::Command::new(example("batch"))
        .env("BATCH_POLL_SECS", "1")
        .output()
        .expect("the example runs");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    eprintln!(
        "{stdout}{}\n(batch example: {:.1}s)",
        stderr.replace('\r', "\n"),
        started.elapsed().as_secs_f64()
    );
    assert!(out.status.success(), "{}", out.status);
    assert!(
        stderr.contains("completed"),
        "the progress reached completed"
    );

    // One line per prompt, by custom_id; a value names the age its prompt gave.
    let ages = [25, 30, 41, 19, 67, 52];
    let mut ok = 0;
    for (n, age) in ages.iter().enumerate() {
        let prefix = format!("request-{n}: ");
        let lines: Vec<&str> = stdout.lines().filter(|l| l.starts_with(&prefix)).collect();
        assert_eq!(lines.len(), 1, "request-{n}:\n{stdout}");
        let rest = &lines[0][prefix.len()..];
        if rest.starts_with("User {") {
            ok += 1;
            assert!(rest.contains(&format!("age: {age} ")), "{rest}");
        } else {
            assert!(rest.starts_with("error: "), "{rest}");
        }
    }
    assert!(
        stdout.contains("request-0: User { name: \"Jason\", age: 25 }"),
        "{stdout}"
    );
    let summary = stdout
        .lines()
        .find(|l| l.starts_with("summary: "))
        .expect("a summary line");
    assert!(
        summary.starts_with(&format!("summary: 6 items, {ok} ok, {} failed, ", 6 - ok)),
        "{summary}"
    );
    assert!(ok >= 4, "{ok} of 6 extracted:\n{stdout}");
}
