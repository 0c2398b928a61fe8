//! The async client.

use std::sync::Arc;

use crate::attempt::{Attempts, Decode, Turn};
use crate::completion::ChatCompletion;
use crate::decode;
use crate::error::Result;
use crate::instructor::Instructor;
use crate::request::Request;
use crate::settings::Settings;
use crate::streaming::driver::Driver;
use crate::streaming::watch::{ItemWatch, PartialWatch};
use crate::streaming::{IterableStream, PartialStream};
use crate::target::Target;
use crate::transport::AsyncTransport;

/// Extracts typed values over an [`AsyncTransport`]; the methods of [`Client`](crate::Client), awaited.
#[derive(Debug, Clone)]
pub struct AsyncClient<T> {
    pub(crate) transport: T,
    pub(crate) settings: Settings,
}

crate::client_settings::settings_builder!(AsyncClient);

impl<T> AsyncClient<T> {
    /// A client with the default settings: [`Mode::Tools`](crate::Mode::Tools), no retries.
    pub fn new(transport: T) -> Self {
        Self {
            transport,
            settings: Settings::default(),
        }
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
        let target = Target::single::<O>(self.settings.mode);
        self.run(request, target, decode::single::<O>).await
    }

    /// Asks for every `O` in the conversation at once: `create_iterable` without streaming.
    pub async fn create_many<O: Instructor>(&self, request: Request) -> Result<Vec<O>> {
        let (target, decode) = decode::list_plan::<O>(self.settings.mode)?;
        self.run(request, target, decode).await.map(|(v, _)| v)
    }

    /// Streams one `O` as its partial twin; see [`PartialStream`].
    pub fn create_partial<O: Instructor>(&self, request: Request) -> Result<PartialStream<'_, O>> {
        let mode = self.settings.mode;
        let attempts = self.attempts(
            request,
            Target::single::<O>(mode),
            decode::single::<O>,
            true,
        )?;
        Ok(PartialStream::new(
            &self.transport,
            Driver::new(attempts, mode, PartialWatch::new()),
        ))
    }

    /// Streams a list of `O`, each validated the moment it is complete.
    pub fn create_iterable<O: Instructor>(
        &self,
        request: Request,
    ) -> Result<IterableStream<'_, O>> {
        let mode = self.settings.mode;
        let (target, decode) = decode::list_plan::<O>(mode)?;
        let attempts = self.attempts(request, target, decode, true)?;
        Ok(IterableStream::new(
            &self.transport,
            Driver::new(attempts, mode, ItemWatch::new(mode)),
        ))
    }

    /// [`Mode::ParallelTools`](crate::Mode::ParallelTools): one value per tool call.
    pub async fn create_parallel<O: Instructor>(&self, request: Request) -> Result<Vec<O>> {
        let target = Target::parallel::<O>()?;
        self.run(request, target, decode::parallel::<O>)
            .await
            .map(|(v, _)| v)
    }

    fn attempts<O>(
        &self,
        request: Request,
        target: Arc<Target>,
        decode: Decode<O>,
        stream: bool,
    ) -> Result<Attempts<O>> {
        let transport = &self.transport;
        Attempts::new(
            &self.settings,
            &|f| transport.supports(f),
            transport.default_model(),
            request,
            target,
            decode,
            stream,
        )
    }

    /// One `O` from a single user message, sent to the default deployment.
    pub async fn extract<O: Instructor>(&self, prompt: impl Into<String>) -> Result<O> {
        self.create(Request::for_default_deployment().user(prompt))
            .await
    }

    async fn run<O>(
        &self,
        request: Request,
        target: Arc<Target>,
        decode: Decode<O>,
    ) -> Result<(O, ChatCompletion)> {
        let mut attempts = self.attempts(request, target, decode, false)?;
        loop {
            let raw = self.transport.send_request(attempts.body()).await?;
            if let Turn::Done(value, completion) = attempts.on_reply(&raw)? {
                return Ok((value, *completion));
            }
        }
    }
}
