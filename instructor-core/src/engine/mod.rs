//! The engine: the I/O-free state machines both clients drive. [`attempts`] runs one extraction
//! across attempts (body out, reply in, re-ask or done); for streams, [`driver`] runs the same
//! loop over chunks, with an [`assembler`] per attempt turning chunks into the mode's JSON and a
//! [`watch`] turning that JSON into what the caller sees (partials or items). [`batch`] runs the
//! same attempts over a Batch API's input and output lines.

pub(crate) mod assembler;
pub(crate) mod attempts;
pub mod batch;
mod batch_lines;
pub(crate) mod chat_assembler;
pub(crate) mod checks;
pub(crate) mod driver;
mod fingerprint;
pub(crate) mod fragments;
pub mod hooks;
pub(crate) mod reask;
pub(crate) mod responses_assembler;
pub mod settings;
pub(crate) mod telemetry;
pub(crate) mod watch;
