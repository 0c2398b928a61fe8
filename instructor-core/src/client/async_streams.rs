//! Streamed extraction as `futures::Stream`s: a pump that drives the engine's driver over an
//! [`AsyncTransport`]. Each stream owns what it needs (the transport behind an `Arc`), so it is
//! `Send + 'static`: a web handler can return it, a task can hold it. Dropping it drops the
//! upstream response, which closes the request.

use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use futures::stream::{BoxStream, StreamExt};
use futures::Stream;

use crate::engine::driver::{Driver, Step};
use crate::engine::watch::{ItemWatch, PartialWatch, Watch};
use crate::error::{Error, Result};
use crate::event::{ItemEvent, PartialEvent};
use crate::instructor::Instructor;
use crate::transport::{AsyncTransport, ChunkStream};

type Steps<I, O> = BoxStream<'static, Result<Step<I, O>>>;

struct Pump<Tr, O, W: Watch> {
    transport: Arc<Tr>,
    driver: Driver<O, W>,
    chunks: Option<ChunkStream>,
}

impl<Tr: AsyncTransport, O: Send, W: Watch> Pump<Tr, O, W> {
    async fn next(&mut self) -> Option<Result<Step<W::Item, O>>> {
        loop {
            if let Some(out) = self.driver.ready() {
                return out;
            }
            if let Some(body) = self.driver.take_body() {
                match self.transport.stream_request(body).await {
                    Ok(chunks) => self.chunks = Some(chunks),
                    Err(e) => {
                        self.driver.on_open_error(e);
                        continue;
                    }
                }
            }
            let event = match self.chunks.as_mut() {
                Some(chunks) => chunks.next().await,
                None => None,
            };
            if event.is_none() {
                self.chunks = None;
            }
            self.driver.on_event(event);
        }
    }
}

fn steps<Tr, O, W>(transport: Arc<Tr>, driver: Driver<O, W>) -> Steps<W::Item, O>
where
    Tr: AsyncTransport + 'static,
    O: Send + 'static,
    W: Watch + 'static,
{
    let pump = Pump {
        transport,
        driver,
        chunks: None,
    };
    futures::stream::unfold(pump, |mut pump| async move {
        let step = pump.next().await?;
        Some((step, pump))
    })
    .boxed()
}

/// The partial values of a streamed extraction, from
/// [`AsyncClient::create_partial`](crate::AsyncClient::create_partial); see
/// [`PartialIter`](crate::PartialIter) for what a retry looks like. For a UI,
/// [`events`](Self::events) gives each partial, each retry, then the validated value or the error.
pub struct PartialStream<T: Instructor> {
    steps: Steps<T::Partial, T>,
    final_value: Option<T>,
}

// The value is only stored, never pinned.
impl<T: Instructor> Unpin for PartialStream<T> {}

impl<T: Instructor> PartialStream<T> {
    pub(crate) fn new<Tr: AsyncTransport + 'static>(
        transport: Arc<Tr>,
        driver: Driver<T, PartialWatch<T>>,
    ) -> Self {
        Self {
            steps: steps(transport, driver),
            final_value: None,
        }
    }

    /// The validated value, once the stream has ended without error.
    pub fn take_final(&mut self) -> Option<T> {
        self.final_value.take()
    }

    /// Runs the stream to its end and returns the validated value.
    pub async fn into_final(mut self) -> Result<T> {
        while let Some(item) = self.next().await {
            item?;
        }
        self.take_final().ok_or_else(|| Error::StreamInterrupted {
            message: "the stream ended without a value".to_owned(),
        })
    }

    /// The extraction as events: each partial, each retry, then the validated value (with its
    /// completion) or the error, which is always the last event. Serve them to a browser as
    /// server-sent events (`instructor::sse` with the `axum` feature).
    pub fn events(self) -> PartialEventStream<T> {
        PartialEventStream {
            steps: self.steps,
            ended: false,
        }
    }
}

impl<T: Instructor> Stream for PartialStream<T> {
    type Item = Result<T::Partial>;
    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let this = self.get_mut();
        loop {
            match futures::ready!(this.steps.poll_next_unpin(cx)) {
                Some(Ok(Step::Item(partial))) => return Poll::Ready(Some(Ok(partial))),
                Some(Ok(Step::Retry(_))) => {}
                Some(Ok(Step::Done(done))) => this.final_value = Some(done.value),
                Some(Err(e)) => return Poll::Ready(Some(Err(e))),
                None => return Poll::Ready(None),
            }
        }
    }
}

/// The events of a streamed extraction, from [`PartialStream::events`]; the last is
/// [`PartialEvent::Final`] or [`PartialEvent::Error`]. `Send + 'static`.
pub struct PartialEventStream<T: Instructor> {
    steps: Steps<T::Partial, T>,
    ended: bool,
}

impl<T: Instructor> Unpin for PartialEventStream<T> {}

impl<T: Instructor> Stream for PartialEventStream<T> {
    type Item = PartialEvent<T>;
    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let this = self.get_mut();
        if this.ended {
            return Poll::Ready(None);
        }
        let event = match futures::ready!(this.steps.poll_next_unpin(cx)) {
            Some(Ok(Step::Item(partial))) => PartialEvent::Partial(partial),
            Some(Ok(Step::Retry(retry))) => PartialEvent::Retry(retry),
            Some(Ok(Step::Done(done))) => PartialEvent::Final(done),
            Some(Err(e)) => PartialEvent::Error(e),
            None => return Poll::Ready(None),
        };
        this.ended = event.is_last();
        Poll::Ready(Some(event))
    }
}

/// The items of a streamed list, from
/// [`AsyncClient::create_iterable`](crate::AsyncClient::create_iterable); see
/// [`IterableIter`](crate::IterableIter) for what a retry looks like.
pub struct IterableStream<T: Instructor> {
    steps: Steps<T, Vec<T>>,
}

impl<T: Instructor> Unpin for IterableStream<T> {}

impl<T: Instructor> IterableStream<T> {
    pub(crate) fn new<Tr: AsyncTransport + 'static>(
        transport: Arc<Tr>,
        driver: Driver<Vec<T>, ItemWatch<T>>,
    ) -> Self {
        Self {
            steps: steps(transport, driver),
        }
    }

    /// The list as events: each item, each retry, then the whole list validated (with its
    /// completion) or the error, which is always the last event.
    pub fn events(self) -> ItemEventStream<T> {
        ItemEventStream {
            steps: self.steps,
            ended: false,
        }
    }
}

impl<T: Instructor> Stream for IterableStream<T> {
    type Item = Result<T>;
    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let this = self.get_mut();
        loop {
            match futures::ready!(this.steps.poll_next_unpin(cx)) {
                Some(Ok(Step::Item(item))) => return Poll::Ready(Some(Ok(item))),
                Some(Ok(Step::Retry(_) | Step::Done(_))) => {}
                Some(Err(e)) => return Poll::Ready(Some(Err(e))),
                None => return Poll::Ready(None),
            }
        }
    }
}

/// The events of a streamed list, from [`IterableStream::events`]; the last is
/// [`ItemEvent::Final`] or [`ItemEvent::Error`]. `Send + 'static`.
pub struct ItemEventStream<T: Instructor> {
    steps: Steps<T, Vec<T>>,
    ended: bool,
}

impl<T: Instructor> Unpin for ItemEventStream<T> {}

impl<T: Instructor> Stream for ItemEventStream<T> {
    type Item = ItemEvent<T>;
    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let this = self.get_mut();
        if this.ended {
            return Poll::Ready(None);
        }
        let event = match futures::ready!(this.steps.poll_next_unpin(cx)) {
            Some(Ok(Step::Item(item))) => ItemEvent::Item(item),
            Some(Ok(Step::Retry(retry))) => ItemEvent::Retry(retry),
            Some(Ok(Step::Done(done))) => ItemEvent::Final(done),
            Some(Err(e)) => ItemEvent::Error(e),
            None => return Poll::Ready(None),
        };
        this.ended = event.is_last();
        Poll::Ready(Some(event))
    }
}
