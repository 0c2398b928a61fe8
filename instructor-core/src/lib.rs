//! The engine of instructor: turns a type and a request into a chat-completions body for the chosen
//! [`Mode`], reads and validates the reply, re-asks the model with the errors, and streams partial
//! values. It knows no HTTP: a [`Transport`] stands between it and the wire.

#![warn(missing_docs)]

pub mod completion;
pub mod error;
pub mod instructor;
pub mod message;
pub mod request;
pub mod stream;
pub mod transport;
pub mod validation;

pub use completion::{ChatCompletion, ChatCompletionChunk, Usage};
pub use error::{Error, FilterOrigin, Result, RetriesExhausted};
pub use instructor::{Instructor, ToolSchema};
pub use message::{Content, ContentPart, FunctionCall, Message, ToolCall};
pub use request::Request;
pub use transport::{AsyncTransport, ChunkIter, ChunkStream, Feature, Support, Transport};
pub use validation::{ValidationError, ValidationErrors};
