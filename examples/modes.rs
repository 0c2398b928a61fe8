//! The guide's modes section: the same extraction in every mode the service can serve.
//!
//! A mode the service or api-version cannot serve is refused before anything is sent, and the
//! error says which mode would work.

mod common;

use instructor::{Api, Instructor, Mode};
use serde::Deserialize;

/// A person mentioned in the text.
#[derive(Instructor, Deserialize, Debug)]
struct User {
    /// The person's first name.
    name: String,
    /// Age in years.
    age: u32,
}

/// One thing the assistant should do.
#[derive(Instructor, Deserialize, Debug)]
enum Action {
    /// Record a person.
    User(User),
}

fn main() -> Result<(), instructor::Error> {
    let chat = instructor::from_openai(common::azure()?).max_retries(3);
    let responses = instructor::from_openai(common::azure_responses()?).max_retries(3);
    let request = || common::request().user("Extract: Jason is 25 years old");

    for mode in Mode::ALL {
        let client = match mode.api() {
            Api::ChatCompletions => chat.clone(),
            Api::Responses => responses.clone(),
        }
        .with_mode(mode);
        let outcome = if mode == Mode::ParallelTools {
            client
                .create_parallel::<Action>(request())
                .map(|actions| format!("{actions:?}"))
        } else {
            client.create::<User>(request()).map(|u| format!("{u:?}"))
        };
        match outcome {
            Ok(value) => println!("{mode:<20} {value}"),
            Err(e) => println!("{mode:<20} error: {e}"),
        }
    }
    Ok(())
}
