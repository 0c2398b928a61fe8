//! The re-ask loop without I/O: the blocking and the async client both drive it.
//!
//! Each turn: [`Attempts::body`] gives the body to send, [`Attempts::on_reply`] reads what came
//! back and either finishes, or appends the re-ask messages for the next turn, or gives up.

use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use crate::capability::{Feature, Support};
use crate::completion::{ChatCompletion, Usage};
use crate::engine::batch_lines::FollowUp;
use crate::engine::checks::{check_mode, check_request};
use crate::engine::hooks::RetryEvent;
use crate::engine::reask::{self, Reask};
use crate::engine::settings::{Limits, Settings};
use crate::engine::telemetry::Telemetry;
use crate::error::{Error, Result, RetriesExhausted};
use crate::event::{Final, Retry};
use crate::message::Message;
use crate::mode::Api;
use crate::mode::Mode;
use crate::request::body::RequestBody;
use crate::request::build::{self, BodyOptions};
use crate::request::chat_request::Request;
use crate::request::target::Target;
use crate::request::{instructions, mode_fields};
use crate::response::decode::{Decode, Plan};
use crate::response::{reply, responses_reply};

/// What the engine needs of a transport before the first request, whichever transport trait it
/// implements: the model it uses when a request names none, and whether it accepts a feature.
pub(crate) trait Service {
    fn default_model(&self) -> Option<&str>;
    fn supports(&self, feature: Feature) -> Support;
}

/// What a turn ended with.
pub(crate) enum Turn<O> {
    /// The value, the completion with usage summed over every attempt, and the attempt count.
    Done(Box<Final<O>>),
    /// The model was told what was wrong; send [`Attempts::body`] again.
    Retry(Retry),
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
    /// Batch rounds: how many re-ask messages the last submitted line holds after its first
    /// attempt's, and whether the re-ask being prepared replaces them.
    line_reask: usize,
    replaces_line_reask: bool,
    decode: Decode<O>,
    attempt: u32,
    errors: Vec<Error>,
    usage: Usage,
    /// Responses API with `store`: a re-ask chains from the stored response.
    chained: bool,
    /// The extraction's spans (behind a lock: `body` is `&self`).
    telemetry: Mutex<Telemetry>,
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
        check_request(mode, &request, supports)?;
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
        let api = mode.api();
        let options = BodyOptions {
            api,
            stream,
            stream_usage: stream
                && api == Api::ChatCompletions
                && supports(Feature::StreamUsage) == Support::Yes,
            one_tool_call: matches!(mode, Mode::Tools | Mode::ToolsStrict)
                && supports(Feature::ParallelToolCalls) == Support::Yes,
        };
        let chained = api == Api::Responses && request.store == Some(true);
        let telemetry = Telemetry::start(mode, &model, settings.trace_content);
        let fields = mode_fields::for_service(&target.fields, supports);
        let body = build::build(&fields, &request, model, messages, options);
        Ok(Self {
            settings: Arc::clone(settings),
            target,
            first_messages: body.message_count(),
            line_reask: 0,
            replaces_line_reask: false,
            body,
            decode,
            attempt: 0,
            errors: Vec::new(),
            usage: Usage::default(),
            chained,
            telemetry: Mutex::new(telemetry),
        })
    }

    /// An extraction whose body is held elsewhere (a batch's input file) and that has already
    /// made `attempt` attempts: replies are read and re-asks made as usual, but the body starts
    /// empty, so after a re-ask it holds only the messages to append to that body
    /// ([`take_reask`](Self::take_reask)).
    pub fn for_replies(settings: &Arc<Settings>, plan: Plan<O>, attempt: u32) -> Self {
        Self {
            settings: Arc::clone(settings),
            target: plan.target,
            body: RequestBody::empty(),
            first_messages: 0,
            line_reask: 0,
            replaces_line_reask: false,
            decode: plan.decode,
            attempt,
            errors: Vec::new(),
            usage: Usage::default(),
            chained: false,
            // A batch's replies arrive long after its request: no spans to time them by.
            telemetry: Mutex::new(Telemetry::none()),
        }
    }

    /// The body of the first attempt, for a caller that sends it elsewhere (a batch's input
    /// file); the request hooks see it.
    pub fn into_body(self) -> RequestBody {
        self.settings.hooks.request(|| self.body.to_value());
        self.body
    }

    /// How the next batch line differs from the last one: the re-ask prepared since the last
    /// call (see [`for_replies`](Self::for_replies)), and the earlier re-ask it replaces, if any.
    pub fn take_reask(&mut self) -> FollowUp {
        let append = std::mem::replace(&mut self.body, RequestBody::empty()).into_messages();
        let drop = if self.replaces_line_reask {
            self.line_reask
        } else {
            0
        };
        self.line_reask = self.line_reask - drop + append.len();
        self.replaces_line_reask = false;
        FollowUp { drop, append }
    }

    /// Tokens spent so far.
    pub fn usage(&self) -> Usage {
        self.usage
    }

    /// Gives up after a re-ask that will not be sent: every attempt's error, as
    /// [`Error::RetriesExhausted`].
    pub fn give_up(self) -> Error {
        Error::RetriesExhausted(Box::new(RetriesExhausted {
            attempts: self.attempt,
            errors: self.errors,
            last_completion: None,
            usage: self.usage,
        }))
    }

    /// The bounds on what one reply may hold.
    pub fn limits(&self) -> Limits {
        self.settings.limits
    }

    /// The body of the next attempt; the request hooks see it, and its span opens.
    pub fn body(&self) -> &RequestBody {
        self.settings.hooks.request(|| self.body.to_value());
        self.telemetry()
            .attempt(self.attempt.saturating_add(1), || {
                let body = self.body.to_value();
                let messages = body.get("messages").or_else(|| body.get("input"))?;
                serde_json::to_string(messages).ok()
            });
        &self.body
    }

    /// The span of one transport call of the attempt under way.
    pub fn call_span(&self) -> tracing::Span {
        self.telemetry().call()
    }

    fn telemetry(&self) -> MutexGuard<'_, Telemetry> {
        // A panic elsewhere while holding it leaves spans, not data, behind: carry on.
        self.telemetry
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
    }

    /// Reads one attempt's reply: the JSON text the transport received.
    pub fn on_reply(&mut self, text: &str) -> Result<Turn<O>> {
        self.settings
            .hooks
            .response(|| serde_json::from_str(text).ok());
        let completion = match self.settings.mode.api() {
            Api::ChatCompletions => reply::completion_from(text)?,
            Api::Responses => responses_reply::completion_from_response(text)?,
        };
        self.on_completion(completion)
    }

    /// Reads one streamed attempt's completion, assembled from its chunks. `objection` is what
    /// the stream's watch found wrong with a reply that may decode well (say, a retry that changed
    /// an item the caller already has): the model is re-asked with it like any other error.
    pub fn on_assembled(
        &mut self,
        completion: ChatCompletion,
        objection: Option<Error>,
    ) -> Result<Turn<O>> {
        self.settings
            .hooks
            .response(|| serde_json::to_value(&completion).ok());
        self.read(completion, objection)
    }

    /// Reads one attempt's completion (from a reply, or assembled from a stream).
    fn on_completion(&mut self, completion: ChatCompletion) -> Result<Turn<O>> {
        self.read(completion, None)
    }

    fn read(
        &mut self,
        mut completion: ChatCompletion,
        objection: Option<Error>,
    ) -> Result<Turn<O>> {
        self.attempt += 1;
        if let Some(u) = completion.usage {
            self.usage += u;
        }
        self.telemetry().reply(&completion);
        let outcome = reply::message_of(&completion)
            .and_then(|m| (self.decode)(self.settings.mode, &self.target, m))
            .and_then(|value| objection.map_or(Ok(value), Err));
        match outcome {
            Ok(value) => {
                completion.usage = Some(self.usage);
                self.telemetry().finish(self.attempt, Ok(&completion));
                Ok(Turn::Done(Box::new(Final {
                    value,
                    completion,
                    attempts: self.attempt,
                })))
            }
            Err(e) if e.is_reaskable() => self.reask(e, completion),
            Err(e) => {
                self.telemetry().finish(self.attempt, Err(&e));
                Err(e)
            }
        }
    }

    /// The caller's own check (a context or async validator, an LLM validator) refused the value
    /// this attempt read: re-asks with `error` like any validation error, or gives up when
    /// attempts have run out. The attempt and its usage are already counted.
    pub fn refuse(&mut self, done: Final<O>, error: Error) -> Result<Turn<O>> {
        self.reask(error, done.completion)
    }

    /// Records a re-askable failure; re-asks, or gives up when attempts have run out.
    fn reask(&mut self, error: Error, completion: ChatCompletion) -> Result<Turn<O>> {
        self.telemetry().reask(&error);
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
            let exhausted = Error::RetriesExhausted(Box::new(RetriesExhausted {
                attempts: self.attempt,
                errors: std::mem::take(&mut self.errors),
                last_completion: Some(completion),
                usage: self.usage,
            }));
            self.telemetry().finish(self.attempt, Err(&exhausted));
            return Err(exhausted);
        }
        hooks.retry(&RetryEvent {
            attempt: self.attempt,
            max_attempts,
            error: &error,
        });
        let notice = Retry::new(self.attempt, max_attempts, &error);
        let mode = self.settings.mode;
        match (mode.api(), completion.response.as_deref()) {
            (Api::Responses, Some(response)) => {
                let (output, answers) = reask::responses(mode, response, &error);
                if self.chained && !response.id.is_empty() {
                    // The service holds the conversation and the model's output: send the answers.
                    self.body.chain(&response.id, answers);
                } else {
                    self.body.push_messages(output);
                    self.body.push_messages(answers);
                }
            }
            _ => match reask::reask(mode, &reply, &error, &self.errors, &self.target.name) {
                Reask::Append(messages) => self.body.push_messages(messages),
                Reask::Replace(message) => {
                    self.body.truncate_messages(self.first_messages);
                    self.replaces_line_reask = true;
                    self.body.push_messages(vec![message]);
                }
            },
        }
        self.errors.push(error);
        Ok(Turn::Retry(notice))
    }
}
