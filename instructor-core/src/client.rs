//! The blocking client.

use crate::attempt::{Attempts, Decode, Turn};
use crate::completion::ChatCompletion;
use crate::decode;
use crate::error::Result;
use crate::instructor::Instructor;
use crate::request::Request;
use crate::settings::Settings;
use crate::target::Target;
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
#[derive(Debug, Clone)]
pub struct Client<T> {
    pub(crate) transport: T,
    pub(crate) settings: Settings,
}

crate::client_settings::settings_builder!(Client);

impl<T> Client<T> {
    /// A client with the default settings: [`Mode::Tools`](crate::Mode::Tools), no retries.
    pub fn new(transport: T) -> Self {
        Self {
            transport,
            settings: Settings::default(),
        }
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
        self.run(
            request,
            Target::single::<O>(self.settings.mode),
            decode::single::<O>,
        )
    }

    /// Asks for every `O` in the conversation at once, without streaming.
    pub fn create_many<O: Instructor>(&self, request: Request) -> Result<Vec<O>> {
        let target = Target::iterable::<O>(self.settings.mode);
        self.run(request, target, decode::many::<O>).map(|(v, _)| v)
    }

    /// [`Mode::ParallelTools`](crate::Mode::ParallelTools): one value per tool call, each read as
    /// the variant of `O` its tool names.
    pub fn create_parallel<O: Instructor>(&self, request: Request) -> Result<Vec<O>> {
        let target = Target::parallel::<O>()?;
        self.run(request, target, decode::parallel::<O>)
            .map(|(v, _)| v)
    }

    /// One `O` from a single user message, sent to the default deployment.
    pub fn extract<O: Instructor>(&self, prompt: impl Into<String>) -> Result<O> {
        self.create(Request::for_default_deployment().user(prompt))
    }

    fn run<O>(&self, request: Request, target: Target, decode: Decode<O>) -> Result<(O, ChatCompletion)> {
        let transport = &self.transport;
        let mut attempts = Attempts::new(
            &self.settings,
            &|f| transport.supports(f),
            transport.default_model(),
            request,
            target,
            decode,
            false,
        )?;
        loop {
            let raw = transport.send(&attempts.body())?;
            if let Turn::Done(value, completion) = attempts.on_reply(raw)? {
                return Ok((value, *completion));
            }
        }
    }
}
