//! The guide's iterable section: three users from one text, each printed the moment it is complete.

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

fn main() -> Result<(), instructor::Error> {
    let client = instructor::from_openai(common::azure()?).max_retries(2);

    let users = client.create_iterable::<User>(
        common::request().user("Extract every person: Jason is 25, Sarah is 30 and Mike is 28."),
    )?;
    for user in users {
        let user = user?;
        println!("name={:?} age={}", user.name, user.age);
    }
    Ok(())
}
