//! The seam between the engine and the wire.
//!
//! The engine builds a chat-completions body (a [`RequestBody`]) and hands it to a transport; the
//! transport sends it (HTTP in `instructor-azure`, scripted replies in tests) and hands back the
//! reply's JSON, or, for streams, the JSON of each server-sent event up to `data: [DONE]`.
//!
//! A transport implements [`send`](Transport::send) and [`stream`](Transport::stream), which take
//! the body as a `serde_json::Value`; the engine calls [`send_request`](Transport::send_request)
//! and [`stream_request`](Transport::stream_request), whose defaults convert to a `Value` for
//! them. A transport that writes bytes overrides those two and serializes the [`RequestBody`]
//! directly, which builds no JSON tree.

use std::future::Future;
use std::pin::Pin;

use futures::Stream;
use serde_json::Value;

pub use crate::capability::{Feature, Support};
use crate::error::Result;
use crate::request::body::RequestBody;

/// A blocking stream of the `data` text of each server-sent event (a chunk's JSON), ending after
/// `[DONE]` (which is not yielded).
///
/// The text is handed on unparsed so the engine reads it once, straight into its chunk type. A
/// stream that ends without `[DONE]` yields an
/// [`Error::StreamInterrupted`](crate::Error::StreamInterrupted) last.
pub type ChunkIter = Box<dyn Iterator<Item = Result<String>> + Send>;

/// An async stream of the `data` text of each server-sent event, ending after `[DONE]`.
pub type ChunkStream = Pin<Box<dyn Stream<Item = Result<String>> + Send>>;

/// A boxed, sendable future.
pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// Sends chat-completions bodies and blocks for the reply.
pub trait Transport: Send + Sync {
    /// Sends `body` (a complete chat-completions request, `model` included) and returns the reply's
    /// JSON text, unparsed: the engine reads it once, straight into its completion type.
    ///
    /// Errors the service sends are mapped to [`Error`](crate::Error) variants here; the transport
    /// retries what is transient (429, 5xx) within its own budget.
    fn send(&self, body: &Value) -> Result<String>;

    /// Sends `body` with `stream: true` and returns each event's data text as it arrives.
    fn stream(&self, body: &Value) -> Result<ChunkIter>;

    /// Sends a body the engine built. The default turns it into a `Value` for
    /// [`send`](Self::send); a transport that writes bytes serializes it directly instead
    /// (`serde_json::to_vec(body)`), which costs no JSON tree.
    fn send_request(&self, body: &RequestBody) -> Result<String> {
        self.send(&body.to_value())
    }

    /// Streams a body the engine built; see [`send_request`](Self::send_request).
    fn stream_request(&self, body: &RequestBody) -> Result<ChunkIter> {
        self.stream(&body.to_value())
    }

    /// The deployment or model used when a request names none.
    fn default_model(&self) -> Option<&str> {
        None
    }

    /// Whether the service and api-version accept `feature`.
    fn supports(&self, _feature: Feature) -> Support {
        Support::Yes
    }
}

/// Sends chat-completions bodies asynchronously.
pub trait AsyncTransport: Send + Sync {
    /// Sends `body` and returns the reply's JSON text; see [`Transport::send`].
    fn send<'a>(&'a self, body: &'a Value) -> BoxFuture<'a, Result<String>>;

    /// Sends `body` with `stream: true`; see [`Transport::stream`].
    fn stream<'a>(&'a self, body: &'a Value) -> BoxFuture<'a, Result<ChunkStream>>;

    /// Sends a body the engine built; see [`Transport::send_request`].
    fn send_request<'a>(&'a self, body: &'a RequestBody) -> BoxFuture<'a, Result<String>> {
        Box::pin(async move { self.send(&body.to_value()).await })
    }

    /// Streams a body the engine built; see [`Transport::send_request`].
    fn stream_request<'a>(&'a self, body: &'a RequestBody) -> BoxFuture<'a, Result<ChunkStream>> {
        Box::pin(async move { self.stream(&body.to_value()).await })
    }

    /// The deployment or model used when a request names none.
    fn default_model(&self) -> Option<&str> {
        None
    }

    /// Whether the service and api-version accept `feature`.
    fn supports(&self, _feature: Feature) -> Support {
        Support::Yes
    }
}

impl<T: Transport + ?Sized> Transport for std::sync::Arc<T> {
    fn send(&self, body: &Value) -> Result<String> {
        (**self).send(body)
    }
    fn stream(&self, body: &Value) -> Result<ChunkIter> {
        (**self).stream(body)
    }
    fn send_request(&self, body: &RequestBody) -> Result<String> {
        (**self).send_request(body)
    }
    fn stream_request(&self, body: &RequestBody) -> Result<ChunkIter> {
        (**self).stream_request(body)
    }
    fn default_model(&self) -> Option<&str> {
        (**self).default_model()
    }
    fn supports(&self, feature: Feature) -> Support {
        (**self).supports(feature)
    }
}

impl<T: AsyncTransport + ?Sized> AsyncTransport for std::sync::Arc<T> {
    fn send<'a>(&'a self, body: &'a Value) -> BoxFuture<'a, Result<String>> {
        (**self).send(body)
    }
    fn stream<'a>(&'a self, body: &'a Value) -> BoxFuture<'a, Result<ChunkStream>> {
        (**self).stream(body)
    }
    fn send_request<'a>(&'a self, body: &'a RequestBody) -> BoxFuture<'a, Result<String>> {
        (**self).send_request(body)
    }
    fn stream_request<'a>(&'a self, body: &'a RequestBody) -> BoxFuture<'a, Result<ChunkStream>> {
        (**self).stream_request(body)
    }
    fn default_model(&self) -> Option<&str> {
        (**self).default_model()
    }
    fn supports(&self, feature: Feature) -> Support {
        (**self).supports(feature)
    }
}
