//! Generated code stays quiet under strict lints in the user's crate.
#![deny(
    missing_docs,
    missing_debug_implementations,
    unused,
    rust_2018_idioms,
    unused_qualifications,
    trivial_casts,
    trivial_numeric_casts,
    unreachable_pub,
    non_snake_case,
    clippy::all
)]

use instructor::Instructor;
use instructor_derive::Instructor;
use serde::Deserialize;

/// A documented public type.
#[derive(Instructor, Deserialize, Debug)]
pub struct Documented {
    /// A field.
    #[instructor(min_len = 1, max_len = 3, pattern = "^a")]
    pub field: Option<String>,
    /// A list.
    pub items: Vec<Kind>,
}

/// Kinds.
#[derive(Instructor, Deserialize, Debug)]
#[serde(tag = "type")]
pub enum Kind {
    /// One.
    One {
        /// A value.
        value: u8,
    },
    /// Two.
    Two,
}

fn main() {
    let _ = Documented::json_schema();
    let _ = Kind::json_schema();
}
