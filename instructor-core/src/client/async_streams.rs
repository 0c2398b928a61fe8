//! Streamed extraction as `futures::Stream`s: a pump that drives the engine's driver over an
//! [`AsyncTransport`].

use std::pin::Pin;
use std::task::{Context, Poll};

use futures::stream::{BoxStream, StreamExt};
use futures::Stream;

use crate::engine::driver::{Driver, FinalSlot};
use crate::engine::watch::{ItemWatch, PartialWatch, Watch};
use crate::error::{Error, Result};
use crate::instructor::Instructor;
use crate::transport::{AsyncTransport, ChunkStream};

struct Pump<'c, Tr, O, W: Watch> {
    transport: &'c Tr,
    driver: Driver<O, W>,
    chunks: Option<ChunkStream>,
}

impl<Tr: AsyncTransport, O: Send, W: Watch> Pump<'_, Tr, O, W> {
    async fn next(&mut self) -> Option<Result<W::Item>> {
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

fn into_stream<'c, Tr, O, W>(pump: Pump<'c, Tr, O, W>) -> BoxStream<'c, Result<W::Item>>
where
    Tr: AsyncTransport,
    O: Send + 'c,
    W: Watch + 'c,
    W::Item: 'c,
{
    futures::stream::unfold(pump, |mut pump| async move {
        let item = pump.next().await?;
        Some((item, pump))
    })
    .boxed()
}

/// The partial values of a streamed extraction, from
/// [`AsyncClient::create_partial`](crate::AsyncClient::create_partial); see
/// [`PartialIter`](crate::PartialIter) for what a retry looks like.
pub struct PartialStream<'c, T: Instructor> {
    inner: BoxStream<'c, Result<T::Partial>>,
    slot: FinalSlot<T>,
}

impl<'c, T: Instructor> PartialStream<'c, T> {
    pub(crate) fn new<Tr: AsyncTransport>(
        transport: &'c Tr,
        driver: Driver<T, PartialWatch<T>>,
    ) -> Self {
        let slot = driver.final_slot();
        let inner = into_stream(Pump {
            transport,
            driver,
            chunks: None,
        });
        Self { inner, slot }
    }

    /// The validated value, once the stream has ended without error.
    pub fn take_final(&mut self) -> Option<T> {
        self.slot.lock().ok()?.take()
    }

    /// Runs the stream to its end and returns the validated value.
    pub async fn into_final(mut self) -> Result<T> {
        while let Some(item) = self.inner.next().await {
            item?;
        }
        self.take_final().ok_or_else(|| Error::StreamInterrupted {
            message: "the stream ended without a value".to_owned(),
        })
    }
}

impl<T: Instructor> Stream for PartialStream<'_, T> {
    type Item = Result<T::Partial>;
    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        self.inner.poll_next_unpin(cx)
    }
}

/// The items of a streamed list, from
/// [`AsyncClient::create_iterable`](crate::AsyncClient::create_iterable); see
/// [`IterableIter`](crate::IterableIter) for what a retry looks like.
pub struct IterableStream<'c, T> {
    inner: BoxStream<'c, Result<T>>,
}

impl<'c, T: Instructor> IterableStream<'c, T> {
    pub(crate) fn new<Tr: AsyncTransport>(
        transport: &'c Tr,
        driver: Driver<Vec<T>, ItemWatch<T>>,
    ) -> Self {
        Self {
            inner: into_stream(Pump {
                transport,
                driver,
                chunks: None,
            }),
        }
    }
}

impl<T> Stream for IterableStream<'_, T> {
    type Item = Result<T>;
    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        self.inner.poll_next_unpin(cx)
    }
}
