//! The guide's async section: the same extraction on the async client, two at once.

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
}

#[tokio::main]
async fn main() -> Result<(), instructor::Error> {
    let client = instructor::from_openai(common::async_azure()?).max_retries(2);

    let ask = |text: &'static str| {
        client.create::<User>(common::request().user(format!("Extract: {text}")))
    };
    let (jason, sarah) =
        tokio::try_join!(ask("Jason is 25 years old"), ask("Sarah is 30 years old"))?;
    println!("name={:?} age={}", jason.name, jason.age);
    println!("name={:?} age={}", sarah.name, sarah.age);
    Ok(())
}
