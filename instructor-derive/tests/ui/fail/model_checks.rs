//! The checks run on the built model: each error on the user's span, all of them in one build.

use instructor_derive::Instructor;

#[derive(Instructor, serde::Deserialize)]
struct Name {
    #[instructor(min_len = 5, max_len = 2)]
    first: String,
    #[serde(skip)]
    #[instructor(description = "never read")]
    cache: String,
}

#[derive(Instructor, serde::Deserialize)]
enum Never {
    #[serde(skip_deserializing)]
    Gone,
}

fn main() {}
