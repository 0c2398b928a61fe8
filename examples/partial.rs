//! The guide's partial section: stream `PartialUser` values while the model writes.
//!
//! Prints `name=Some("Jason") age=None bio=None`, then the bio growing to the full sentence.

mod common;

use instructor::Instructor;
use serde::Deserialize;

/// A person mentioned in the text.
#[derive(Instructor, Deserialize, Debug)]
struct User {
    /// The person's first name.
    name: String,
    /// Age in years.
    age: u32,
    /// One sentence about the person.
    bio: Option<String>,
}

fn main() -> Result<(), instructor::Error> {
    let client = instructor::from_openai(common::azure()?).max_retries(2);

    let mut stream = client.create_partial::<User>(common::request().user(
        "Extract: Jason is 25 years old. He is a tech enthusiast who loves building apps in Rust.",
    ))?;
    for partial in &mut stream {
        let partial: PartialUser = partial?;
        println!(
            "name={:?} age={:?} bio={:?}",
            partial.name, partial.age, partial.bio
        );
    }
    let user = stream.take_final();
    println!("final: {user:?}");
    Ok(())
}
