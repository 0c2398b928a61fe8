//! The request stage: what the user asks for ([`Request`]), what the model is asked to produce (the
//! target a type gives), the mode's part of the body, and the body itself ([`RequestBody`]), ready
//! for a transport.

pub(crate) mod body;
pub(crate) mod build;
pub(crate) mod chat_request;
pub(crate) mod input_items;
pub(crate) mod instructions;
pub(crate) mod mode_fields;
pub(crate) mod target;
pub(crate) mod template;

pub use body::{BodyValue, Endpoint, RequestBody};
pub use chat_request::{ReasoningEffort, Request};
