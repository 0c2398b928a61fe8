//! The Responses API modes end to end against the real local model, for the guide's scenarios:
//! basic, async, nested, partial and iterable. The local front serves `/openai/v1/responses` by
//! translating to llama.cpp's chat endpoint (scripts/local_responses.py), so the grammar keeps
//! the model's JSON on the schema as in the chat modes.
//!
//! Runs when `INSTRUCTOR_LOCAL_MODEL=1` with the local model up (`scripts/test.sh` does both).

use std::collections::BTreeSet;

use futures::StreamExt;
use instructor::azure::{AsyncAzureOpenAI, AzureOpenAI};
use instructor::{Client, Instructor, Mode, Request};
use serde::Deserialize;

/// A person mentioned in the text.
#[derive(Instructor, Deserialize, Debug, PartialEq)]
struct User {
    /// The person's first name, as written in the text.
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

const MODES: [Mode; 2] = [Mode::ResponsesTools, Mode::ResponsesJsonSchema];

fn enabled() -> bool {
    let on = std::env::var("INSTRUCTOR_LOCAL_MODEL").is_ok_and(|v| v == "1");
    if !on {
        eprintln!("skipped: set INSTRUCTOR_LOCAL_MODEL=1 with the local model running (scripts/test.sh does)");
    }
    on
}

fn endpoint() -> String {
    std::env::var("AZURE_OPENAI_ENDPOINT").unwrap_or_else(|_| {
        let port = std::env::var("LOCAL_MODEL_PORT").unwrap_or_else(|_| "8088".into());
        format!("http://127.0.0.1:{port}")
    })
}

/// The local model in Azure's v1 URL form, where the Responses API is.
fn client(mode: Mode) -> Client<AzureOpenAI> {
    let azure = AzureOpenAI::builder()
        .azure_endpoint(endpoint())
        .api_key("local")
        .api_version("v1")
        .deployment("smollm2")
        .build()
        .expect("client");
    instructor::from_openai(azure)
        .with_mode(mode)
        .max_retries(3)
}

fn ask(text: &str) -> Request {
    Request::for_default_deployment()
        .user(text)
        .temperature(0.0)
        .max_tokens(300)
}

#[test]
fn basic_user_in_both_responses_modes() {
    if !enabled() {
        return;
    }
    for mode in MODES {
        let (user, completion) = client(mode)
            .create_with_completion::<User>(ask("Extract the person: Jason is 25 years old."))
            .unwrap_or_else(|e| panic!("{mode}: {e}"));
        eprintln!("{mode}: {user:?}");
        assert_eq!(
            user,
            User {
                name: "Jason".into(),
                age: 25
            },
            "{mode}"
        );
        let response = completion.response.expect("the response");
        assert!(response.id.starts_with("resp_"), "{mode}: {}", response.id);
        assert!(
            completion.usage.is_some_and(|u| u.total_tokens > 0),
            "{mode}"
        );
    }
}

#[test]
fn nested_user_with_two_addresses() {
    if !enabled() {
        return;
    }
    for mode in MODES {
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
fn a_partial_stream_grows_to_the_final_value() {
    if !enabled() {
        return;
    }
    for mode in MODES {
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
        assert_eq!(person.age, 25, "{mode}");
        assert!(partials
            .iter()
            .filter_map(|p| p.name.as_deref())
            .all(|n| person.name.starts_with(n)));
    }
}

#[test]
fn three_users_as_an_iterable() {
    if !enabled() {
        return;
    }
    // The forced function call's grammar ends the list (as in Mode::Tools).
    let users: Vec<User> = client(Mode::ResponsesTools)
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
}

#[tokio::test]
async fn the_async_client_extracts_and_streams_on_the_responses_api() {
    if !enabled() {
        return;
    }
    let azure = AsyncAzureOpenAI::builder()
        .azure_endpoint(endpoint())
        .api_key("local")
        .api_version("v1")
        .deployment("smollm2")
        .build()
        .expect("client");
    for mode in MODES {
        let client = instructor::from_openai(azure.clone())
            .with_mode(mode)
            .max_retries(3);
        let jason = ask("Extract the person: Jason is 25 years old.");
        let sarah = ask("Extract the person: Sarah is 30 years old.");
        let (a, b) = tokio::join!(
            client.create::<User>(jason.clone()),
            client.create::<User>(sarah)
        );
        assert_eq!(a.expect("Jason").name, "Jason", "{mode}");
        assert_eq!(b.expect("Sarah").age, 30, "{mode}");
        let partials: Vec<_> = client
            .create_partial::<User>(jason)
            .expect("stream")
            .collect()
            .await;
        assert!(partials.len() > 1, "{mode}");
        assert!(partials.iter().all(Result::is_ok), "{mode}: {partials:?}");
    }
}
