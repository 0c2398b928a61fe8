//! The engine of instructor: turns a type and a request into a chat-completions body for the chosen
//! [`Mode`], reads and validates the reply, re-asks the model with the errors, and streams partial
//! values. It knows no HTTP: a [`Transport`] stands between it and the wire.

#![warn(missing_docs)]

mod async_client;
mod attempt;
mod body;
mod client;
mod client_settings;
pub mod completion;
mod decode;
pub mod error;
mod extract;
pub mod hooks;
pub mod instructor;
pub mod message;
mod mode;
mod parse;
mod reask;
mod reply;
pub mod request;
pub mod schema;
pub mod settings;
pub mod stream;
mod streaming;
mod target;
#[cfg(any(test, feature = "testing"))]
pub mod testing;
pub mod transport;
mod type_cache;
pub mod validation;

pub use async_client::AsyncClient;
pub use body::{BodyValue, RequestBody};
pub use client::Client;
pub use completion::{ChatCompletion, ChatCompletionChunk, FilterVerdicts, Usage};
pub use error::{Error, FilterOrigin, Result, RetriesExhausted};
pub use extract::Extract;
pub use hooks::{Hooks, RetryEvent};
pub use instructor::{Instructor, ToolSchema};
pub use message::{Content, ContentPart, FunctionCall, Message, ToolCall};
pub use mode::Mode;
pub use request::Request;
pub use schema::{JsonSchema, SchemaGenerator};
pub use stream::accumulate::filtered_categories;
pub use streaming::{IterableIter, IterableStream, PartialIter, PartialStream};
pub use transport::{AsyncTransport, ChunkIter, ChunkStream, Feature, Support, Transport};
pub use validation::{ValidationError, ValidationErrors};

#[doc(hidden)]
pub use schema::private as __private;

/// A provider client that can be wrapped into an instructor client: blocking transports become a
/// [`Client`], async ones an [`AsyncClient`].
pub trait IntoInstructor {
    /// The instructor client it becomes.
    type Client;
    /// Wraps it.
    fn into_instructor(self) -> Self::Client;
}

/// Wraps a provider client (`AzureOpenAI`, `AsyncAzureOpenAI`, `OpenAI`, …) into an instructor client
/// with the default settings; chain `.with_mode(..)` and `.max_retries(..)` to change them.
pub fn from_openai<C: IntoInstructor>(client: C) -> C::Client {
    client.into_instructor()
}
