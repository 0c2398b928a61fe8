//! The streamed re-ask loop without I/O, shared by the blocking iterators and the async streams.

use std::collections::VecDeque;

use crate::engine::assembler::Assembler;
use crate::engine::attempts::{Attempts, Turn};
use crate::engine::settings::Limits;
use crate::engine::watch::Watch;
use crate::error::{Error, Result};
use crate::event::{Final, Retry};
use crate::mode::Mode;
use crate::request::body::RequestBody;

/// What a streamed extraction gives, in order: items (partials or list items) and retries, then
/// the validated value, or an error.
pub(crate) enum Step<I, O> {
    /// A partial value or a list item.
    Item(I),
    /// An attempt failed; the model is asked again.
    Retry(Retry),
    /// The validated value: the last step of a stream that succeeded.
    Done(Box<Final<O>>),
}

/// The next step of a stream, or its end (`None`).
pub(crate) type Next<I, O> = Option<Result<Step<I, O>>>;

/// One streamed extraction across attempts.
pub(crate) struct Driver<O, W: Watch> {
    attempts: Attempts<O>,
    mode: Mode,
    limits: Limits,
    assembler: Assembler,
    watch: W,
    /// A stream is to be opened with the attempts' body.
    needs_stream: bool,
    pending: VecDeque<Result<Step<W::Item, O>>>,
    done: bool,
}

impl<O, W: Watch> Driver<O, W> {
    pub fn new(attempts: Attempts<O>, mode: Mode, watch: W) -> Self {
        let limits = attempts.limits();
        Self {
            attempts,
            mode,
            limits,
            assembler: Assembler::new(mode, limits),
            watch,
            needs_stream: true,
            pending: VecDeque::new(),
            done: false,
        }
    }

    /// What to return next, if known without more input: a step, an error, or the end
    /// (`Some(None)`).
    pub fn ready(&mut self) -> Option<Next<W::Item, O>> {
        if let Some(item) = self.pending.pop_front() {
            return Some(Some(item));
        }
        self.done.then_some(None)
    }

    /// The body to open a stream with, when one is needed.
    pub fn take_body(&mut self) -> Option<&RequestBody> {
        if !std::mem::take(&mut self.needs_stream) {
            return None;
        }
        Some(self.attempts.body())
    }

    /// Opening the stream failed.
    pub fn on_open_error(&mut self, error: Error) {
        self.fail(error);
    }

    /// Takes the stream's next event: a chunk, an error, or its end (`None`).
    pub fn on_event(&mut self, event: Option<Result<String>>) {
        match event {
            Some(Ok(data)) => match self.assembler.push(&data) {
                Ok(fragments) => {
                    let items = self.watch.on_fragments(&self.assembler, fragments);
                    self.pending
                        .extend(items.into_iter().map(|i| Ok(Step::Item(i))));
                }
                Err(e) => self.fail(e),
            },
            Some(Err(e)) => self.fail(e),
            None => self.on_end(),
        }
    }

    fn on_end(&mut self) {
        let fragments = self.assembler.flush();
        let mut items = self.watch.on_fragments(&self.assembler, fragments);
        items.extend(self.watch.finish());
        self.pending
            .extend(items.into_iter().map(|i| Ok(Step::Item(i))));
        let assembler =
            std::mem::replace(&mut self.assembler, Assembler::new(self.mode, self.limits));
        // A stream that stops without saying why may be cut anywhere: never pass it off as whole.
        if !assembler.finished() {
            return self.fail(Error::StreamInterrupted {
                message: "the stream ended without a finish reason".to_owned(),
            });
        }
        let objection = self.watch.objection();
        let turn = assembler
            .finish()
            .and_then(|completion| self.attempts.on_assembled(completion, objection));
        match turn {
            Ok(Turn::Done(done)) => {
                self.pending.push_back(Ok(Step::Done(done)));
                self.done = true;
            }
            Ok(Turn::Retry(notice)) => {
                self.pending.push_back(Ok(Step::Retry(notice)));
                self.watch.restart();
                self.needs_stream = true;
            }
            Err(e) => self.fail(e),
        }
    }

    fn fail(&mut self, error: Error) {
        self.pending.push_back(Err(error));
        self.done = true;
        self.needs_stream = false;
    }
}
