//! instructor: typed, validated structured outputs from Azure OpenAI and OpenAI-compatible models.
//!
//! Derive [`Instructor`] on your type, wrap a provider client with [`from_openai`], and ask:
//!
//! ```no_run
//! use instructor::{Instructor, Request};
//! use instructor::azure::AzureOpenAI;
//! use serde::Deserialize;
//!
//! /// A person mentioned in the text.
//! #[derive(Instructor, Deserialize, Debug)]
//! struct User {
//!     /// First name only.
//!     name: String,
//!     #[instructor(min = 0, max = 150)]
//!     age: u32,
//! }
//!
//! # fn main() -> Result<(), instructor::Error> {
//! let client = instructor::from_openai(AzureOpenAI::from_env()?).max_retries(2);
//! let user: User = client.create(Request::new("gpt-4o-mini").user("John is 30 years old"))?;
//! # Ok(())
//! # }
//! ```
//!
//! The crates behind it: `instructor-derive` (the derive), `instructor-core` (modes, parsing,
//! validation, re-asking, streaming; no HTTP) and `instructor-azure` (transports and
//! authentication), re-exported here.

pub use instructor_core::*;
pub use instructor_derive::Instructor;

mod maybe;
pub use maybe::{Maybe, PartialMaybe};

#[cfg(feature = "axum")]
mod sse;
#[cfg(feature = "axum")]
pub use sse::{sse, EventStream, UiEvent};

/// Transports and authentication: Azure OpenAI and OpenAI-compatible endpoints, blocking and async.
pub mod azure {
    pub use instructor_azure::*;
}

/// The README's code, compiled and run as doc tests.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
pub struct ReadmeDoctests;
