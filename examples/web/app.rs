//! The web page and its two event streams, as an axum router over any async transport: the
//! example serves it on Azure or the local model, the browser test on a scripted transport.

use axum::extract::{Query, State};
use axum::response::{Html, IntoResponse};
use axum::routing::get;
use axum::Router;
use instructor::{AsyncClient, AsyncTransport, IterableStream, PartialStream, Request};
use serde::Deserialize;

use crate::user::{prompt, User};

/// The page: plain HTML and JavaScript reading the server-sent events with `EventSource`.
pub const PAGE: &str = include_str!("page.html");

/// What every request is built from, and the client that sends it.
struct App<T> {
    client: AsyncClient<T>,
    base: Request,
}

impl<T> Clone for App<T> {
    fn clone(&self) -> Self {
        Self {
            client: self.client.clone(),
            base: self.base.clone(),
        }
    }
}

#[derive(Deserialize)]
struct Ask {
    text: String,
}

/// `GET /` the page (`/?text=…` starts an extraction at once), `GET /extract?text=…` one `User`
/// as `partial`/`retry`/`final`/`error` events, `GET /extract/list?text=…` every `User` as
/// `item`/`retry`/`final`/`error` events.
pub fn router<T: AsyncTransport + 'static>(client: AsyncClient<T>, base: Request) -> Router {
    Router::new()
        .route("/", get(|| async { Html(PAGE) }))
        .route("/extract", get(extract::<T>))
        .route("/extract/list", get(extract_list::<T>))
        .with_state(App { client, base })
}

async fn extract<T: AsyncTransport + 'static>(
    State(app): State<App<T>>,
    Query(ask): Query<Ask>,
) -> impl IntoResponse {
    let request = app.base.clone().user(prompt(&ask.text));
    instructor::sse(
        app.client
            .create_partial::<User>(request)
            .map(PartialStream::events),
    )
}

async fn extract_list<T: AsyncTransport + 'static>(
    State(app): State<App<T>>,
    Query(ask): Query<Ask>,
) -> impl IntoResponse {
    let request = app.base.clone().user(prompt(&ask.text));
    instructor::sse(
        app.client
            .create_iterable::<User>(request)
            .map(IterableStream::events),
    )
}
