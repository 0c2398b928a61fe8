//! The re-ask loop without I/O: the blocking and the async client both drive it.
//!
//! Each turn: [`Attempts::body`] gives the body to send, [`Attempts::on_reply`] reads what came
//! back and either finishes, or appends the re-ask messages for the next turn, or gives up.

use std::sync::Arc;

use crate::capability::{Feature, Support};
use crate::completion::{ChatCompletion, Usage};
use crate::engine::checks::{check_mode, check_request};
use crate::engine::hooks::RetryEvent;
use crate::engine::reask::{self, Reask};
use crate::engine::settings::Settings;
use crate::error::{Error, Result, RetriesExhausted};
use crate::message::Message;
use crate::request::body::{self, BodyOptions, RequestBody};
use crate::request::chat_request::Request;
use crate::request::target::Target;
use crate::request::{instructions, mode_fields};
use crate::response::decode::{Decode, Plan};
use crate::response::reply;

/// What the engine needs of a transport before the first request, whichever transport trait it
/// implements: the model it uses when a request names none, and whether it accepts a feature.
pub(crate) trait Service {
    fn default_model(&self) -> Option<&str>;
    fn supports(&self, feature: Feature) -> Support;
}

/// What a turn ended with.
pub(crate) enum Turn<O> {
    /// The value, and the completion with usage summed over every attempt.
    Done(O, Box<ChatCompletion>),
    /// The model was told what was wrong; send [`Attempts::body`] again.
    Retry,
}

/// One extraction's conversation and bookkeeping across attempts.
pub(crate) struct Attempts<O> {
    settings: Arc<Settings>,
    target: Arc<Target>,
    /// The body of the next attempt: built once, re-asks append to its messages.
    body: RequestBody,
    /// How many messages the first attempt sent: a re-ask that replaces the previous one goes
    /// after them.
    first_messages: usize,
    decode: Decode<O>,
    attempt: u32,
    errors: Vec<Error>,
    usage: Usage,
}

impl<O> Attempts<O> {
    /// Checks that the service can serve the mode and request, then prepares the first attempt.
    pub fn new(
        settings: &Arc<Settings>,
        service: &dyn Service,
        mut request: Request,
        plan: Plan<O>,
        stream: bool,
    ) -> Result<Self> {
        let Plan { target, decode } = plan;
        let supports = &|f| service.supports(f);
        let mode = settings.mode;
        check_mode(mode, supports)?;
        check_request(&request, supports)?;
        let model = request
            .model
            .take()
            .or_else(|| settings.default_model.clone())
            .or_else(|| service.default_model().map(str::to_owned))
            .ok_or_else(|| {
                Error::Configuration(
                    "no model or deployment: name one with Request::new(\"deployment\"), or set a \
                     default deployment on the client (AZURE_OPENAI_DEPLOYMENT)"
                        .to_owned(),
                )
            })?;
        if let Some(prompt) = &settings.system_prompt {
            if !request
                .messages
                .iter()
                .any(|m| matches!(m, Message::System { .. }))
            {
                request.messages.insert(0, Message::system(prompt.clone()));
            }
        }
        if request.messages.is_empty() {
            return Err(Error::Configuration(
                "the request has no messages: add one with .user(\"…\")".to_owned(),
            ));
        }
        let messages =
            instructions::messages_for(mode, &target, std::mem::take(&mut request.messages));
        let options = BodyOptions {
            stream,
            stream_usage: stream && supports(Feature::StreamUsage) == Support::Yes,
        };
        let fields = mode_fields::for_service(&target.fields, supports);
        let body = body::build(&fields, &request, model, messages, options);
        Ok(Self {
            settings: Arc::clone(settings),
            target,
            first_messages: body.message_count(),
            body,
            decode,
            attempt: 0,
            errors: Vec::new(),
            usage: Usage::default(),
        })
    }

    /// The body of the next attempt; the request hooks see it.
    pub fn body(&self) -> &RequestBody {
        self.settings.hooks.request(|| self.body.to_value());
        &self.body
    }

    /// Reads one attempt's reply: the JSON text the transport received.
    pub fn on_reply(&mut self, text: &str) -> Result<Turn<O>> {
        self.settings
            .hooks
            .response(|| serde_json::from_str(text).ok());
        let completion = reply::completion_from(text)?;
        self.on_completion(completion)
    }

    /// Reads one streamed attempt's completion, assembled from its chunks.
    pub fn on_assembled(&mut self, completion: ChatCompletion) -> Result<Turn<O>> {
        self.settings
            .hooks
            .response(|| serde_json::to_value(&completion).ok());
        self.on_completion(completion)
    }

    /// Reads one attempt's completion (from a reply, or assembled from a stream).
    fn on_completion(&mut self, mut completion: ChatCompletion) -> Result<Turn<O>> {
        self.attempt += 1;
        if let Some(u) = completion.usage {
            self.usage += u;
        }
        let outcome = reply::message_of(&completion)
            .and_then(|m| (self.decode)(self.settings.mode, &self.target, m));
        match outcome {
            Ok(value) => {
                completion.usage = Some(self.usage);
                Ok(Turn::Done(value, Box::new(completion)))
            }
            Err(e) if e.is_reaskable() => self.reask(e, completion),
            Err(e) => Err(e),
        }
    }

    /// Records a re-askable failure; re-asks, or gives up when attempts have run out.
    fn reask(&mut self, error: Error, completion: ChatCompletion) -> Result<Turn<O>> {
        let hooks = &self.settings.hooks;
        hooks.error(&error);
        let max_attempts = self.settings.max_attempts();
        let reply = completion
            .choices
            .first()
            .map(|c| c.message.clone())
            .unwrap_or_default();
        if self.attempt >= max_attempts {
            self.errors.push(error);
            return Err(Error::RetriesExhausted(Box::new(RetriesExhausted {
                attempts: self.attempt,
                errors: std::mem::take(&mut self.errors),
                last_completion: Some(completion),
                usage: self.usage,
            })));
        }
        hooks.retry(&RetryEvent {
            attempt: self.attempt,
            max_attempts,
            error: &error,
        });
        let mode = self.settings.mode;
        match reask::reask(mode, &reply, &error, &self.errors, &self.target.name) {
            Reask::Append(messages) => self.body.push_messages(messages),
            Reask::Replace(message) => {
                self.body.truncate_messages(self.first_messages);
                self.body.push_messages(vec![message]);
            }
        }
        self.errors.push(error);
        Ok(Turn::Retry)
    }
}
