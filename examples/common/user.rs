//! The `User` the UI examples extract, shared by the web page and the terminal UI.
#![allow(dead_code)]

use instructor::Instructor;
use serde::{Deserialize, Serialize};

/// A person mentioned in the text.
#[derive(Instructor, Deserialize, Serialize, Debug, Clone, PartialEq)]
pub struct User {
    /// The person's first name.
    pub name: String,
    /// Age in years.
    #[instructor(max = 150)]
    pub age: u32,
    /// One sentence about the person.
    pub bio: Option<String>,
}

/// The prompt for a text: the local 135M model follows "Extract: …" best.
pub fn prompt(text: &str) -> String {
    format!("Extract: {text}")
}
