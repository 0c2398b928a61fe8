//! Streamed extraction as blocking iterators: a pump that pulls the engine's driver forward over a
//! [`Transport`]. Each iterator owns what it needs (the transport behind an `Arc`), so it is
//! `Send` and can be handed to a worker thread that feeds a UI thread.

use std::sync::Arc;

use crate::engine::driver::{Driver, Step};
use crate::engine::watch::{ItemWatch, PartialWatch, Watch};
use crate::error::{Error, Result};
use crate::event::{ItemEvent, PartialEvent};
use crate::instructor::Instructor;
use crate::transport::{ChunkIter, Transport};

/// Pulls a driver forward over a blocking transport.
struct Pump<Tr, O, W: Watch> {
    transport: Arc<Tr>,
    driver: Driver<O, W>,
    chunks: Option<ChunkIter>,
}

impl<Tr: Transport, O, W: Watch> Pump<Tr, O, W> {
    fn new(transport: Arc<Tr>, driver: Driver<O, W>) -> Self {
        Self {
            transport,
            driver,
            chunks: None,
        }
    }

    fn next(&mut self) -> Option<Result<Step<W::Item, O>>> {
        loop {
            if let Some(out) = self.driver.ready() {
                return out;
            }
            if let Some(body) = self.driver.take_body() {
                match self.transport.stream_request(body) {
                    Ok(chunks) => self.chunks = Some(chunks),
                    Err(e) => {
                        self.driver.on_open_error(e);
                        continue;
                    }
                }
            }
            let event = self.chunks.as_mut().and_then(Iterator::next);
            if event.is_none() {
                self.chunks = None;
            }
            self.driver.on_event(event);
        }
    }
}

/// The partial values of a streamed extraction, from [`Client::create_partial`](crate::Client::create_partial).
///
/// Yields a `T::Partial` each time the visible value changes (past 8 KiB of JSON, changes are
/// coalesced to one partial per sixteenth of growth, so a large stream stays near linear in cost;
/// the last change is always shown). When the stream ends the whole value
/// is validated as `T`; if that fails and retries are left, the model is re-asked and a new stream
/// begins: the partials then start again from an empty value. After the last partial,
/// [`take_final`](Self::take_final) gives the validated `T`.
///
/// For a UI, [`events`](Self::events) gives the same extraction as [`PartialEvent`]s: each
/// partial, each retry, then the validated value with its completion, or the error.
pub struct PartialIter<Tr, T: Instructor> {
    pump: Pump<Tr, T, PartialWatch<T>>,
    final_value: Option<T>,
}

impl<Tr: Transport, T: Instructor> PartialIter<Tr, T> {
    pub(crate) fn new(transport: Arc<Tr>, driver: Driver<T, PartialWatch<T>>) -> Self {
        Self {
            pump: Pump::new(transport, driver),
            final_value: None,
        }
    }

    /// The validated value, once the iterator has ended without error.
    pub fn take_final(&mut self) -> Option<T> {
        self.final_value.take()
    }

    /// Runs the stream to its end and returns the validated value.
    pub fn into_final(mut self) -> Result<T> {
        for item in &mut self {
            item?;
        }
        self.take_final().ok_or_else(|| Error::StreamInterrupted {
            message: "the stream ended without a value".to_owned(),
        })
    }

    /// The extraction as events: each partial, each retry, then the validated value (with its
    /// completion) or the error, which is always the last event.
    pub fn events(self) -> PartialEventIter<Tr, T> {
        PartialEventIter {
            pump: self.pump,
            ended: false,
        }
    }
}

impl<Tr: Transport, T: Instructor> Iterator for PartialIter<Tr, T> {
    type Item = Result<T::Partial>;
    fn next(&mut self) -> Option<Self::Item> {
        loop {
            match self.pump.next()? {
                Ok(Step::Item(partial)) => return Some(Ok(partial)),
                Ok(Step::Retry(_)) => {}
                Ok(Step::Done(done)) => self.final_value = Some(done.value),
                Err(e) => return Some(Err(e)),
            }
        }
    }
}

/// The events of a streamed extraction, from [`PartialIter::events`]; the last is
/// [`PartialEvent::Final`] or [`PartialEvent::Error`].
pub struct PartialEventIter<Tr, T: Instructor> {
    pump: Pump<Tr, T, PartialWatch<T>>,
    ended: bool,
}

impl<Tr: Transport, T: Instructor> Iterator for PartialEventIter<Tr, T> {
    type Item = PartialEvent<T>;
    fn next(&mut self) -> Option<PartialEvent<T>> {
        if self.ended {
            return None;
        }
        let event = match self.pump.next()? {
            Ok(Step::Item(partial)) => PartialEvent::Partial(partial),
            Ok(Step::Retry(retry)) => PartialEvent::Retry(retry),
            Ok(Step::Done(done)) => PartialEvent::Final(done),
            Err(e) => PartialEvent::Error(e),
        };
        self.ended = event.is_last();
        Some(event)
    }
}

/// The items of a streamed list, from [`Client::create_iterable`](crate::Client::create_iterable).
///
/// Yields each `T` validated, the moment its closing brace arrives. If an item fails validation the
/// model is re-asked at the end of the stream (retries permitting).
///
/// Items yielded are final. The re-ask's stream must give them again, unchanged, before it goes
/// on: they are not yielded twice, and the items after them are. A retry that changes or drops an
/// item already yielded is itself re-asked (the model is told which item it changed), or, out of
/// attempts, ends the stream with [`Error::RetriesExhausted`]: the items you hold always come
/// from one consistent list. [`events`](Self::events) shows the retries too.
pub struct IterableIter<Tr, T: Instructor> {
    pump: Pump<Tr, Vec<T>, ItemWatch<T>>,
}

impl<Tr: Transport, T: Instructor> IterableIter<Tr, T> {
    pub(crate) fn new(transport: Arc<Tr>, driver: Driver<Vec<T>, ItemWatch<T>>) -> Self {
        Self {
            pump: Pump::new(transport, driver),
        }
    }

    /// The list as events: each item, each retry, then the whole list validated (with its
    /// completion) or the error, which is always the last event.
    pub fn events(self) -> ItemEventIter<Tr, T> {
        ItemEventIter {
            pump: self.pump,
            ended: false,
        }
    }
}

impl<Tr: Transport, T: Instructor> Iterator for IterableIter<Tr, T> {
    type Item = Result<T>;
    fn next(&mut self) -> Option<Self::Item> {
        loop {
            match self.pump.next()? {
                Ok(Step::Item(item)) => return Some(Ok(item)),
                Ok(Step::Retry(_) | Step::Done(_)) => {}
                Err(e) => return Some(Err(e)),
            }
        }
    }
}

/// The events of a streamed list, from [`IterableIter::events`]; the last is
/// [`ItemEvent::Final`] or [`ItemEvent::Error`].
pub struct ItemEventIter<Tr, T: Instructor> {
    pump: Pump<Tr, Vec<T>, ItemWatch<T>>,
    ended: bool,
}

impl<Tr: Transport, T: Instructor> Iterator for ItemEventIter<Tr, T> {
    type Item = ItemEvent<T>;
    fn next(&mut self) -> Option<ItemEvent<T>> {
        if self.ended {
            return None;
        }
        let event = match self.pump.next()? {
            Ok(Step::Item(item)) => ItemEvent::Item(item),
            Ok(Step::Retry(retry)) => ItemEvent::Retry(retry),
            Ok(Step::Done(done)) => ItemEvent::Final(done),
            Err(e) => ItemEvent::Error(e),
        };
        self.ended = event.is_last();
        Some(event)
    }
}
