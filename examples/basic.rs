//! The guide's first section: a blocking client extracts a `User`.
//!
//! `cargo run --example basic` (local model: `scripts/local-model.sh start` first, or set `AZURE_OPENAI_*`).

mod common;

use instructor::Instructor;
use serde::Deserialize;

/// A person mentioned in the text.
#[derive(Instructor, Deserialize, Debug)]
struct User {
    /// The person's first name.
    name: String,
    /// Age in years.
    #[instructor(min = 0, max = 150)]
    age: u32,
}

fn main() -> Result<(), instructor::Error> {
    let client = instructor::from_openai(common::azure()?).max_retries(2);

    let user: User = client.create(common::request().user("Extract: Jason is 25 years old"))?;
    println!("name={:?} age={}", user.name, user.age);

    // The same, with the shortcut on the type.
    let user = User::extract(&client, "Extract: Sarah is 30 years old")?;
    println!("name={:?} age={}", user.name, user.age);
    Ok(())
}
