//! The async client.

use std::sync::Arc;

use tracing::Instrument as _;

use crate::capability::{Feature, Support};
use crate::client::async_streams::{IterableStream, PartialStream};
use crate::completion::ChatCompletion;
use crate::engine::attempts::{Attempts, Service, Turn};
use crate::engine::driver::Driver;
use crate::engine::settings::Settings;
use crate::engine::watch::{ItemWatch, PartialWatch};
use crate::error::Result;
use crate::instructor::Instructor;
use crate::request::chat_request::Request;
use crate::response::decode::Plan;
use crate::transport::AsyncTransport;

/// Extracts typed values over an [`AsyncTransport`]; the methods of [`Client`](crate::Client), awaited.
///
/// Cloning is cheap and shares the transport and the settings, so a clone can go to every task
/// or handler; the streams it returns own what they need.
#[derive(Debug)]
pub struct AsyncClient<T> {
    pub(crate) transport: Arc<T>,
    pub(crate) settings: Arc<Settings>,
}

impl<T> Clone for AsyncClient<T> {
    fn clone(&self) -> Self {
        Self {
            transport: Arc::clone(&self.transport),
            settings: Arc::clone(&self.settings),
        }
    }
}

crate::client::settings_builder::settings_builder!(AsyncClient);

impl<T> AsyncClient<T> {
    /// A client with the default settings: [`Mode::Tools`](crate::Mode::Tools), no retries.
    pub fn new(transport: T) -> Self {
        Self {
            transport: Arc::new(transport),
            settings: Arc::default(),
        }
    }
}

impl<T: AsyncTransport> Service for AsyncClient<T> {
    fn default_model(&self) -> Option<&str> {
        self.transport.default_model()
    }
    fn supports(&self, feature: Feature) -> Support {
        self.transport.supports(feature)
    }
}

impl<T: AsyncTransport> AsyncClient<T> {
    /// Asks for one `O` and returns it parsed and validated.
    pub async fn create<O: Instructor>(&self, request: Request) -> Result<O> {
        self.create_with_completion(request).await.map(|(v, _)| v)
    }

    /// As [`create`](Self::create), with the last completion; its `usage` is summed over every attempt.
    pub async fn create_with_completion<O: Instructor>(
        &self,
        request: Request,
    ) -> Result<(O, ChatCompletion)> {
        self.run(request, Plan::single(self.settings.mode)).await
    }

    /// Asks for every `O` in the conversation at once: `create_iterable` without streaming.
    pub async fn create_many<O: Instructor>(&self, request: Request) -> Result<Vec<O>> {
        let plan = Plan::list(self.settings.mode)?;
        self.run(request, plan).await.map(|(v, _)| v)
    }

    /// Streams one `O` as its partial twin; see [`PartialStream`].
    pub fn create_partial<O: Instructor>(&self, request: Request) -> Result<PartialStream<O>>
    where
        T: 'static,
    {
        let mode = self.settings.mode;
        let attempts = self.attempts(request, Plan::single(mode), true)?;
        Ok(PartialStream::new(
            Arc::clone(&self.transport),
            Driver::new(attempts, mode, PartialWatch::new()),
        ))
    }

    /// Streams a list of `O`, each validated the moment it is complete.
    pub fn create_iterable<O: Instructor>(&self, request: Request) -> Result<IterableStream<O>>
    where
        T: 'static,
    {
        let mode = self.settings.mode;
        let attempts = self.attempts(request, Plan::list(mode)?, true)?;
        Ok(IterableStream::new(
            Arc::clone(&self.transport),
            Driver::new(attempts, mode, ItemWatch::new(mode)),
        ))
    }

    /// [`Mode::ParallelTools`](crate::Mode::ParallelTools): one value per tool call.
    pub async fn create_parallel<O: Instructor>(&self, request: Request) -> Result<Vec<O>> {
        self.run(request, Plan::parallel()?).await.map(|(v, _)| v)
    }

    /// One `O` from a single user message, sent to the default deployment.
    pub async fn extract<O: Instructor>(&self, prompt: impl Into<String>) -> Result<O> {
        self.create(Request::for_default_deployment().user(prompt))
            .await
    }

    fn attempts<O>(&self, request: Request, plan: Plan<O>, stream: bool) -> Result<Attempts<O>> {
        Attempts::new(&self.settings, self, request, plan, stream)
    }

    async fn run<O>(&self, request: Request, plan: Plan<O>) -> Result<(O, ChatCompletion)> {
        let mut attempts = self.attempts(request, plan, false)?;
        loop {
            let body = attempts.body();
            let call = attempts.call_span();
            let raw = self.transport.send_request(body).instrument(call).await?;
            if let Turn::Done(done) = attempts.on_reply(&raw)? {
                return Ok((done.value, done.completion));
            }
        }
    }
}
