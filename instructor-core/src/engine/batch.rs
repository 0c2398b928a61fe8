//! Batches without I/O: each item's request becomes the line `create` would send, and each output
//! line comes back through the same reading, validation and re-ask as `create`'s replies.
//!
//! A transport with a Batch API (Azure's, in `instructor-azure`) drives these pieces:
//!
//! - [`BatchCodec::body`] runs `create`'s checks and builds `create`'s body for a request;
//!   [`write_input_line`] writes it as a JSONL line.
//! - A [`BatchReader`] reads the output lines of a batch, round by round. A line that decodes
//!   and validates gives the value; a line that fails as `create` would re-ask is *carried* to
//!   the next round with the messages to append ([`BatchReader::reask_for`],
//!   [`write_follow_up_line`]); anything else gives its error.
//!
//! What is held: nothing per item for items that end in the round being read. A carried item
//! holds its attempts (errors so far, tokens) and its re-ask messages until the next round is
//! read; the bodies themselves stay in the batch's input file.

use std::collections::HashMap;
use std::sync::Arc;

use serde_json::Value;

use crate::capability::{Feature, Support};
use crate::completion::Usage;
use crate::engine::attempts::{Attempts, Service, Turn};
use crate::engine::settings::Settings;
use crate::error::{Error, Result};
use crate::instructor::Instructor;
use crate::message::Message;
use crate::mode::Api;
use crate::request::body::RequestBody;
use crate::request::chat_request::Request;
use crate::request::target::Target;
use crate::response::decode::{Decode, Plan};

pub use crate::engine::batch_lines::{
    input_line_id, read_output_line, write_follow_up_line, write_input_line, LineReply, OutputLine,
    UnreadableLine,
};

/// What a batch needs of the service its lines are for, the same as `create` needs of a
/// transport: the deployment used when a request names none, and whether a feature is accepted.
pub trait BatchService {
    /// The model or deployment used when a request names none.
    fn default_model(&self) -> Option<&str>;
    /// Whether the service (at its api-version) accepts `feature`.
    fn supports(&self, feature: Feature) -> Support;
}

struct AsService<'a>(&'a dyn BatchService);

impl Service for AsService<'_> {
    fn default_model(&self) -> Option<&str> {
        self.0.default_model()
    }
    fn supports(&self, feature: Feature) -> Support {
        self.0.supports(feature)
    }
}

/// How one type's batch lines are written and read, with a client's settings (mode, retries,
/// system prompt, hooks).
///
/// ```
/// use instructor_core::batch::{BatchCodec, BatchService};
/// use instructor_core::settings::Settings;
/// use instructor_core::{Feature, Request, Support};
/// # use serde_json::{json, Value};
/// # #[derive(serde::Deserialize)] struct User { name: String }
/// # impl instructor_core::Instructor for User {
/// #     type Partial = Value;
/// #     fn schema_name() -> String { "User".into() }
/// #     fn json_schema() -> Value { json!({"type": "object", "properties": {"name": {"type": "string"}}}) }
/// #     fn json_schema_strict() -> Value { Self::json_schema() }
/// # }
/// struct Deployment;
/// impl BatchService for Deployment {
///     fn default_model(&self) -> Option<&str> { Some("gpt-4o-mini-batch") }
///     fn supports(&self, _: Feature) -> Support { Support::Yes }
/// }
/// let codec = BatchCodec::<User>::single(Settings::default());
/// let body = codec.body(Request::for_default_deployment().user("Jason is 25"), &Deployment)?;
/// assert_eq!(body.model(), Some("gpt-4o-mini-batch"));
/// # Ok::<(), instructor_core::Error>(())
/// ```
pub struct BatchCodec<O> {
    settings: Arc<Settings>,
    target: Arc<Target>,
    decode: Decode<O>,
}

impl<O> Clone for BatchCodec<O> {
    fn clone(&self) -> Self {
        Self {
            settings: Arc::clone(&self.settings),
            target: Arc::clone(&self.target),
            decode: self.decode,
        }
    }
}

impl<O> std::fmt::Debug for BatchCodec<O> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("BatchCodec")
            .field("target", &self.target.name)
            .field("mode", &self.settings.mode)
            .field("max_retries", &self.settings.max_retries)
            .finish()
    }
}

impl<T: Instructor> BatchCodec<T> {
    /// One `T` per item, as [`Client::create`](crate::Client::create).
    pub fn single(settings: Settings) -> Self {
        let plan = Plan::single(settings.mode);
        Self::from_plan(settings, plan)
    }
}

impl<T: Instructor> BatchCodec<Vec<T>> {
    /// Every `T` in each item's conversation, as [`Client::create_many`](crate::Client::create_many)
    /// (in [`Mode::ParallelTools`](crate::Mode::ParallelTools): one per tool call).
    pub fn list(settings: Settings) -> Result<Self> {
        let plan = Plan::list(settings.mode)?;
        Ok(Self::from_plan(settings, plan))
    }
}

impl<O> BatchCodec<O> {
    fn from_plan(settings: Settings, plan: Plan<O>) -> Self {
        Self {
            settings: Arc::new(settings),
            target: plan.target,
            decode: plan.decode,
        }
    }

    fn plan(&self) -> Plan<O> {
        Plan {
            target: Arc::clone(&self.target),
            decode: self.decode,
        }
    }

    /// The same codec without hooks: for a pass over output lines that only looks for what to
    /// re-ask, so that the hooks see each reply once, when the results are read.
    pub fn without_hooks(&self) -> Self {
        let mut settings = Settings::clone(&self.settings);
        settings.hooks = Default::default();
        Self {
            settings: Arc::new(settings),
            target: Arc::clone(&self.target),
            decode: self.decode,
        }
    }

    /// The settings the lines are written and read with.
    pub fn settings(&self) -> &Settings {
        &self.settings
    }

    /// The body `create` would send for `request`, after the checks `create` runs (mode and
    /// request fields against the service, a model or deployment, messages); the request hooks
    /// see it. A body that asks for a stream is refused: a batch line gets one reply.
    pub fn body(&self, request: Request, service: &dyn BatchService) -> Result<RequestBody> {
        if self.settings.mode.api() != Api::ChatCompletions {
            return Err(Error::Configuration(format!(
                "{} speaks the Responses API, and batches here run chat completions: use a \
                 chat-completions mode (Mode::Tools, Mode::JsonSchema, …) for a batch",
                self.settings.mode
            )));
        }
        let attempts = Attempts::new(
            &self.settings,
            &AsService(service),
            request,
            self.plan(),
            false,
        )?;
        let body = attempts.into_body();
        if body.is_stream() {
            return Err(Error::Configuration(
                "a batch request cannot stream (`stream: true`): each batch line gets one reply"
                    .to_owned(),
            ));
        }
        Ok(body)
    }

    /// A reader of this codec's output lines.
    pub fn reader(&self) -> BatchReader<O> {
        BatchReader {
            codec: self.clone(),
            round: 0,
            followed: false,
            awaited: HashMap::new(),
            carried: HashMap::new(),
            usage: Usage::default(),
        }
    }
}

/// One item's outcome: the validated value or the error `create` would have returned, and the
/// tokens it spent over all its attempts.
#[derive(Debug)]
pub struct BatchItem<O> {
    /// The item's `custom_id`.
    pub custom_id: String,
    /// The value, or the error.
    pub result: Result<O>,
    /// Tokens summed over the item's attempts.
    pub usage: Usage,
}

/// What one output line came to.
#[derive(Debug)]
pub enum Read<O> {
    /// The item's outcome.
    Item(BatchItem<O>),
    /// The reply failed in a way the model can fix: the item goes on to the next round, with a
    /// re-ask ([`BatchReader::reask_for`]).
    Carried,
    /// The line could not be read and names no request: the caller must find out which of its
    /// requests got no line (with [`BatchReader::not_run`] for each).
    Unreadable(Error),
}

/// An item going on to the next round.
struct Carried<O> {
    attempts: Attempts<O>,
    /// The messages to append to its last body: the model's reply and what was wrong with it.
    reask: Vec<Message>,
}

/// Reads a batch job's output lines into one outcome per item, round after round: round 0 is
/// the first submission, each next round re-asks what the previous one carried.
///
/// Call [`start_round`](Self::start_round) before each round's lines; items carried from the
/// previous round are then awaited, with their attempts so far. After a round, items still
/// awaited ([`unanswered`](Self::unanswered)) got no line: end each with
/// [`not_run`](Self::not_run).
pub struct BatchReader<O> {
    codec: BatchCodec<O>,
    round: u32,
    /// Whether a next round follows the one being read: if not, what would be re-asked ends as
    /// [`Error::RetriesExhausted`].
    followed: bool,
    /// Items of the round being read that were carried into it, by `custom_id`.
    awaited: HashMap<String, Attempts<O>>,
    /// Items of the round being read that go on to the next.
    carried: HashMap<String, Carried<O>>,
    usage: Usage,
}

impl<O> std::fmt::Debug for BatchReader<O> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("BatchReader")
            .field("round", &self.round)
            .field("followed", &self.followed)
            .field("awaited", &self.awaited.len())
            .field("carried", &self.carried.len())
            .field("usage", &self.usage)
            .finish()
    }
}

impl<O> BatchReader<O> {
    /// Starts reading `round` (0 for the first submission); `followed` says whether a next
    /// round will be read after it. What the previous round carried is now awaited.
    pub fn start_round(&mut self, round: u32, followed: bool) {
        self.round = round;
        self.followed = followed;
        for (id, carried) in self.carried.drain() {
            self.awaited.insert(id, carried.attempts);
        }
    }

    /// Reads one line of the round's output or error file. `batch` names the batch it came
    /// from (for the errors of requests it did not run); `map_error` turns a failed request's
    /// status and error body into the error an online call would have got.
    pub fn read_line(
        &mut self,
        line: &str,
        batch: &str,
        map_error: &dyn Fn(u16, &Value, Option<String>) -> Error,
    ) -> Read<O> {
        let (custom_id, reply) = match read_output_line(line) {
            Ok(read) => (read.custom_id.into_owned(), read.reply),
            Err(UnreadableLine {
                custom_id: Some(id),
                error,
            }) => return Read::Item(self.not_run(id, error)),
            Err(UnreadableLine { error, .. }) => return Read::Unreadable(error),
        };
        let mut attempts = self.take_attempts(&custom_id);
        let turn = match reply {
            LineReply::Completion(text) => attempts.on_reply(text),
            LineReply::Failed {
                status,
                body,
                request_id,
            } => Err(map_error(status, &body, request_id)),
            LineReply::NotRun { code, message } => Err(Error::BatchNotRun {
                batch: batch.to_owned(),
                status: code.unwrap_or_else(|| "not run".to_owned()),
                message,
            }),
        };
        match turn {
            Ok(Turn::Done(done)) => {
                let usage = done.completion.usage.unwrap_or_default();
                Read::Item(self.item(custom_id, Ok(done.value), usage))
            }
            Ok(Turn::Retry(_)) if self.followed => {
                let reask = attempts.take_reask();
                self.carried.insert(custom_id, Carried { attempts, reask });
                Read::Carried
            }
            Ok(Turn::Retry(_)) => {
                let usage = attempts.usage();
                Read::Item(self.item(custom_id, Err(attempts.give_up()), usage))
            }
            Err(e) => {
                let usage = attempts.usage();
                Read::Item(self.item(custom_id, Err(e), usage))
            }
        }
    }

    /// Ends an item that got no usable line with `error`, keeping the tokens its earlier
    /// attempts spent.
    pub fn not_run(&mut self, custom_id: String, error: Error) -> BatchItem<O> {
        let usage = self
            .awaited
            .remove(&custom_id)
            .map(|a| a.usage())
            .unwrap_or_default();
        self.item(custom_id, Err(error), usage)
    }

    /// The items carried into this round that have had no line yet.
    pub fn unanswered(&self) -> Vec<String> {
        self.awaited.keys().cloned().collect()
    }

    /// The messages to append to `custom_id`'s input line for the next round, if it is carried.
    pub fn reask_for(&self, custom_id: &str) -> Option<&[Message]> {
        self.carried.get(custom_id).map(|c| c.reask.as_slice())
    }

    /// How many items the round carries to the next.
    pub fn carried(&self) -> usize {
        self.carried.len()
    }

    /// Tokens spent by the items ended so far.
    pub fn usage(&self) -> Usage {
        self.usage
    }

    /// The attempts of an item carried into this round, or fresh ones that count the rounds
    /// before (an item in round `r` has been asked `r` times before).
    fn take_attempts(&mut self, custom_id: &str) -> Attempts<O> {
        self.awaited.remove(custom_id).unwrap_or_else(|| {
            Attempts::for_replies(&self.codec.settings, self.codec.plan(), self.round)
        })
    }

    fn item(&mut self, custom_id: String, result: Result<O>, usage: Usage) -> BatchItem<O> {
        self.usage += usage;
        BatchItem {
            custom_id,
            result,
            usage,
        }
    }
}
