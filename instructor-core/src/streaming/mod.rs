//! Streamed extraction: partial values as they grow, list items as they complete.

mod assembler;
mod blocking;
pub(crate) mod driver;
mod nonblocking;
pub(crate) mod watch;

pub use blocking::{IterableIter, PartialIter};
pub use nonblocking::{IterableStream, PartialStream};
