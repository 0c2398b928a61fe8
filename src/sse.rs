//! A streamed extraction served to a browser as server-sent events (feature `axum`).
//!
//! ```no_run
//! use axum::extract::{Query, State};
//! use axum::response::IntoResponse;
//! use instructor::{AsyncClient, Instructor, PartialStream, Request};
//! use instructor::azure::AsyncAzureOpenAI;
//! use serde::{Deserialize, Serialize};
//!
//! #[derive(Instructor, Deserialize, Serialize, Debug)]
//! struct User { name: String, age: u32 }
//!
//! #[derive(Deserialize)]
//! struct Ask { text: String }
//!
//! async fn extract(
//!     State(client): State<AsyncClient<AsyncAzureOpenAI>>,
//!     Query(ask): Query<Ask>,
//! ) -> impl IntoResponse {
//!     let request = Request::for_default_deployment().user(ask.text);
//!     instructor::sse(client.create_partial::<User>(request).map(PartialStream::events))
//! }
//! ```

use std::convert::Infallible;

use axum::response::sse::{Event, KeepAlive, KeepAliveStream, Sse};
use futures::stream::{self, BoxStream, Stream, StreamExt};
use instructor_core::{Error, Instructor, ItemEvent, PartialEvent};
use serde::Serialize;
use serde_json::{json, Value};

/// An event of a streamed extraction, as a browser receives it: a name and a JSON payload (see
/// [`instructor::event`](crate::event) for the shapes).
pub trait UiEvent {
    /// The server-sent event's `event:` name.
    fn name(&self) -> &'static str;
    /// Its `data:` payload.
    fn data(&self) -> serde_json::Result<Value>;
}

impl<T: Instructor + Serialize> UiEvent for PartialEvent<T> {
    fn name(&self) -> &'static str {
        PartialEvent::name(self)
    }
    fn data(&self) -> serde_json::Result<Value> {
        PartialEvent::data(self)
    }
}

impl<T: Serialize> UiEvent for ItemEvent<T> {
    fn name(&self) -> &'static str {
        ItemEvent::name(self)
    }
    fn data(&self) -> serde_json::Result<Value> {
        ItemEvent::data(self)
    }
}

/// What [`sse`] returns: an axum response body of named JSON events, with keep-alives.
pub type EventStream = Sse<KeepAliveStream<BoxStream<'static, Result<Event, Infallible>>>>;

/// Serves a streamed extraction as server-sent events: each event under its name (`partial` or
/// `item`, `retry`, `final`, `error`) with its JSON payload, and a keep-alive comment every 15
/// seconds of silence. A stream that could not start (`Err`) is served as one `error` event, so
/// the page always hears how it ended.
///
/// The events stream lives as long as the browser listens: when it goes away, axum drops the
/// stream, which drops the upstream request to the model.
pub fn sse<S, E>(events: Result<S, Error>) -> EventStream
where
    S: Stream<Item = E> + Send + 'static,
    E: UiEvent,
{
    let events: BoxStream<'static, Result<Event, Infallible>> = match events {
        Ok(events) => events.map(|e| Ok(to_sse(&e))).boxed(),
        Err(error) => stream::once(async move { Ok(error_event(&error)) }).boxed(),
    };
    Sse::new(events).keep_alive(KeepAlive::default())
}

fn to_sse(event: &impl UiEvent) -> Event {
    match event.data() {
        Ok(data) => Event::default().event(event.name()).data(data.to_string()),
        Err(e) => Event::default().event("error").data(
            json!({"kind": "serialization", "message": format!("the {} event could not be written as JSON: {e}", event.name())})
                .to_string(),
        ),
    }
}

fn error_event(error: &Error) -> Event {
    let data = json!({ "kind": error.kind(), "message": error.to_string() });
    Event::default().event("error").data(data.to_string())
}
