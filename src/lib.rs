//! instructor: typed, validated structured outputs from Azure OpenAI and OpenAI-compatible models.

pub use instructor_core::*;
pub use instructor_derive::Instructor;

/// Transports and authentication.
pub mod azure {
    pub use instructor_azure::*;
}
