//! The engine of instructor: turns a type and a request into a chat-completions body for the chosen
//! [`Mode`], reads and validates the reply, re-asks the model with the errors, and streams partial
//! values. It knows no HTTP: a [`Transport`] stands between it and the wire.

#![warn(missing_docs)]

// The vocabulary: what a request, a reply, a type and an error are.
mod capability;
pub mod completion;
mod content_filter;
pub mod error;
pub mod event;
pub mod instructor;
mod media;
pub mod message;
mod mode;
pub mod responses;
pub mod schema;
pub mod stream;
#[cfg(any(test, feature = "testing"))]
pub mod testing;
pub mod transport;
mod type_cache;
pub mod validation;

// The stages an extraction flows through, in order.
mod client;
mod engine;
pub mod request;
mod response;

pub use capability::{Feature, Support};
pub use client::async_streams::{
    ItemEventStream, IterableStream, PartialEventStream, PartialStream,
};
pub use client::asynchronous::AsyncClient;
pub use client::blocking::Client;
pub use client::blocking_streams::{ItemEventIter, IterableIter, PartialEventIter, PartialIter};
pub use client::llm_validator::{llm_validator, llm_validator_async, LlmValidator, Verdict};
pub use completion::{ChatCompletion, ChatCompletionChunk, FilterVerdicts, Usage};
pub use content_filter::filtered_categories;
pub use engine::{batch, hooks, settings};
pub use error::{Error, FilterOrigin, Result, RetriesExhausted};
pub use event::{Final, ItemEvent, PartialEvent, Retry};
pub use hooks::{Hooks, RetryEvent};
pub use instructor::{Extract, Instructor, ToolSchema, ValidateContext};
pub use message::{
    AudioFormat, Content, ContentPart, FileData, FunctionCall, ImageDetail, ImageUrl, InputAudio,
    Message, ToolCall,
};
pub use mode::{Api, Mode};
pub use request::{BodyValue, Endpoint, ReasoningEffort, Request, RequestBody};
pub use responses::{Response, ResponseUsage};
pub use schema::{JsonSchema, SchemaGenerator};
pub use transport::{AsyncTransport, ChunkIter, ChunkStream, Transport};
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
