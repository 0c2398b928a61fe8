//! The guide's nested section: a user with a list of addresses.

mod common;

use instructor::Instructor;
use serde::Deserialize;

/// A postal address.
#[derive(Instructor, Deserialize, Debug)]
struct Address {
    /// Street and number.
    street: String,
    /// The city.
    city: String,
    /// The country.
    country: String,
}

/// A person and every address mentioned for them.
#[derive(Instructor, Deserialize, Debug)]
struct UserWithAddress {
    /// The person's first name.
    name: String,
    /// Age in years.
    age: u32,
    /// Every address in the text, in order.
    #[instructor(min_len = 1)]
    addresses: Vec<Address>,
}

fn main() -> Result<(), instructor::Error> {
    let client = instructor::from_openai(common::azure()?).max_retries(3);

    let user: UserWithAddress = client.create(common::request().user(
        "John Smith is 35 years old. He has homes at 123 Main St, Springfield, USA \
         and 456 Oak Ave, Shelbyville, USA.",
    ))?;
    println!("name={:?} age={}", user.name, user.age);
    for address in &user.addresses {
        println!(
            "  {} | {} | {}",
            address.street, address.city, address.country
        );
    }
    Ok(())
}
