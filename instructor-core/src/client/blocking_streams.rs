//! Streamed extraction as blocking iterators: a pump that pulls the engine's driver forward over a
//! [`Transport`].

use crate::engine::driver::{Driver, FinalSlot};
use crate::engine::watch::{ItemWatch, PartialWatch, Watch};
use crate::error::{Error, Result};
use crate::instructor::Instructor;
use crate::transport::{ChunkIter, Transport};

/// Pulls a driver forward over a blocking transport.
struct Pump<'c, Tr, O, W: Watch> {
    transport: &'c Tr,
    driver: Driver<O, W>,
    chunks: Option<ChunkIter>,
}

impl<Tr: Transport, O, W: Watch> Pump<'_, Tr, O, W> {
    fn next(&mut self) -> Option<Result<W::Item>> {
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
pub struct PartialIter<'c, Tr, T: Instructor> {
    pump: Pump<'c, Tr, T, PartialWatch<T>>,
    slot: FinalSlot<T>,
}

impl<'c, Tr: Transport, T: Instructor> PartialIter<'c, Tr, T> {
    pub(crate) fn new(transport: &'c Tr, driver: Driver<T, PartialWatch<T>>) -> Self {
        let slot = driver.final_slot();
        Self {
            pump: Pump {
                transport,
                driver,
                chunks: None,
            },
            slot,
        }
    }

    /// The validated value, once the iterator has ended without error.
    pub fn take_final(&mut self) -> Option<T> {
        self.slot.lock().ok()?.take()
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
}

impl<Tr: Transport, T: Instructor> Iterator for PartialIter<'_, Tr, T> {
    type Item = Result<T::Partial>;
    fn next(&mut self) -> Option<Self::Item> {
        self.pump.next()
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
/// from one consistent list.
pub struct IterableIter<'c, Tr, T: Instructor> {
    pump: Pump<'c, Tr, Vec<T>, ItemWatch<T>>,
}

impl<'c, Tr: Transport, T: Instructor> IterableIter<'c, Tr, T> {
    pub(crate) fn new(transport: &'c Tr, driver: Driver<Vec<T>, ItemWatch<T>>) -> Self {
        Self {
            pump: Pump {
                transport,
                driver,
                chunks: None,
            },
        }
    }
}

impl<Tr: Transport, T: Instructor> Iterator for IterableIter<'_, Tr, T> {
    type Item = Result<T>;
    fn next(&mut self) -> Option<Self::Item> {
        self.pump.next()
    }
}
