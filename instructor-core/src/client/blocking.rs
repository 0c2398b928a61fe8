//! The blocking client.

use std::sync::Arc;

use crate::capability::{Feature, Support};
use crate::client::blocking_streams::{IterableIter, PartialIter};
use crate::completion::ChatCompletion;
use crate::engine::attempts::{Attempts, Service, Turn};
use crate::engine::driver::Driver;
use crate::engine::settings::Settings;
use crate::engine::watch::{ItemWatch, PartialWatch};
use crate::error::Result;
use crate::instructor::Instructor;
use crate::request::chat_request::Request;
use crate::response::decode::Plan;
use crate::transport::Transport;

/// Extracts typed values over a blocking [`Transport`].
///
/// ```
/// # #[cfg(feature = "testing")] {
/// use instructor_core::{testing::ScriptedTransport, Client, Mode};
/// let client = Client::new(ScriptedTransport::new()).with_mode(Mode::Tools).max_retries(2);
/// assert_eq!(client.mode(), Mode::Tools);
/// # }
/// ```
///
/// Cloning is cheap and shares the transport and the settings, so a clone can go to every task
/// or handler; the streams it returns own what they need.
#[derive(Debug)]
pub struct Client<T> {
    pub(crate) transport: Arc<T>,
    pub(crate) settings: Arc<Settings>,
}

impl<T> Clone for Client<T> {
    fn clone(&self) -> Self {
        Self {
            transport: Arc::clone(&self.transport),
            settings: Arc::clone(&self.settings),
        }
    }
}

crate::client::settings_builder::settings_builder!(Client);

impl<T> Client<T> {
    /// A client with the default settings: [`Mode::Tools`](crate::Mode::Tools), no retries.
    pub fn new(transport: T) -> Self {
        Self {
            transport: Arc::new(transport),
            settings: Arc::default(),
        }
    }
}

impl<T: Transport> Service for Client<T> {
    fn default_model(&self) -> Option<&str> {
        self.transport.default_model()
    }
    fn supports(&self, feature: Feature) -> Support {
        self.transport.supports(feature)
    }
}

impl<T: Transport> Client<T> {
    /// Asks for one `O` and returns it parsed and validated.
    pub fn create<O: Instructor>(&self, request: Request) -> Result<O> {
        self.create_with_completion(request).map(|(v, _)| v)
    }

    /// As [`create`](Self::create), with the last completion; its `usage` is summed over every attempt.
    pub fn create_with_completion<O: Instructor>(
        &self,
        request: Request,
    ) -> Result<(O, ChatCompletion)> {
        self.run(request, Plan::single(self.settings.mode))
    }

    /// Asks for every `O` in the conversation at once: `create_iterable` without streaming.
    /// In [`Mode::ParallelTools`](crate::Mode::ParallelTools), one `O` per tool call.
    pub fn create_many<O: Instructor>(&self, request: Request) -> Result<Vec<O>> {
        let plan = Plan::list(self.settings.mode)?;
        self.run(request, plan).map(|(v, _)| v)
    }

    /// Streams one `O`: yields its partial twin each time the visible value changes; see
    /// [`PartialIter`] for what a retry looks like and how to get the validated value.
    pub fn create_partial<O: Instructor>(&self, request: Request) -> Result<PartialIter<T, O>>
    where
        T: 'static,
    {
        let mode = self.settings.mode;
        let attempts = self.attempts(request, Plan::single(mode), true)?;
        Ok(PartialIter::new(
            Arc::clone(&self.transport),
            Driver::new(attempts, mode, PartialWatch::new()),
        ))
    }

    /// Streams a list of `O`: yields each one, validated, the moment it is complete.
    pub fn create_iterable<O: Instructor>(&self, request: Request) -> Result<IterableIter<T, O>>
    where
        T: 'static,
    {
        let mode = self.settings.mode;
        let attempts = self.attempts(request, Plan::list(mode)?, true)?;
        Ok(IterableIter::new(
            Arc::clone(&self.transport),
            Driver::new(attempts, mode, ItemWatch::new(mode)),
        ))
    }

    /// [`Mode::ParallelTools`](crate::Mode::ParallelTools): one value per tool call, each read as
    /// the variant of `O` its tool names.
    pub fn create_parallel<O: Instructor>(&self, request: Request) -> Result<Vec<O>> {
        self.run(request, Plan::parallel()?).map(|(v, _)| v)
    }

    /// One `O` from a single user message, sent to the default deployment.
    pub fn extract<O: Instructor>(&self, prompt: impl Into<String>) -> Result<O> {
        self.create(Request::for_default_deployment().user(prompt))
    }

    fn attempts<O>(&self, request: Request, plan: Plan<O>, stream: bool) -> Result<Attempts<O>> {
        Attempts::new(&self.settings, self, request, plan, stream)
    }

    fn run<O>(&self, request: Request, plan: Plan<O>) -> Result<(O, ChatCompletion)> {
        let mut attempts = self.attempts(request, plan, false)?;
        loop {
            let body = attempts.body();
            let raw = attempts
                .call_span()
                .in_scope(|| self.transport.send_request(body))?;
            if let Turn::Done(done) = attempts.on_reply(&raw)? {
                return Ok((done.value, done.completion));
            }
        }
    }
}
