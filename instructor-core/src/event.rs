//! One streamed extraction as a sequence of events a UI can show: each partial value (or each
//! list item), each retry, then the validated value or the error.
//!
//! Get them with `.events()` on a partial or iterable stream. Every event also has a small JSON
//! form, stable enough for a browser to rely on: a [`name`](PartialEvent::name) (the server-sent
//! event's `event:` field) and a [`data`](PartialEvent::data) payload.
//!
//! | name | data |
//! |---|---|
//! | `partial` | the partial value so far, as JSON (`{"name": "Jason", "bio": "Tech ent"}`) |
//! | `item` | one complete, validated list item |
//! | `retry` | `{"attempt": 1, "max_attempts": 3, "errors": [{"path": "age", "message": "…"}]}`: attempt 1 failed, the model is asked again, and partials start over |
//! | `final` | `{"value": …, "attempts": 2, "usage": {"prompt_tokens": …} \| null, "model": "…", "id": "…"}`, the last event of a stream that succeeded (`value` is the whole list for an iterable) |
//! | `error` | `{"kind": "retries_exhausted", "message": "…"}`, the last event of a stream that failed; `kind` is [`Error::kind`] |

use serde::Serialize;
use serde_json::{json, Value};

use crate::completion::ChatCompletion;
use crate::error::Error;
use crate::instructor::Instructor;
use crate::validation::ValidationError;

/// An attempt failed and the model is being asked again: what a UI marks as "correcting".
///
/// The partials of the next attempt start again from an empty value.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Retry {
    /// The attempt that failed, from 1.
    pub attempt: u32,
    /// How many attempts the client allows in all.
    pub max_attempts: u32,
    /// What the model is told was wrong, each with the JSON path of the value (empty for the
    /// whole reply).
    pub errors: Vec<ValidationError>,
}

impl Retry {
    /// The notice for a failed attempt, from the error the model is re-asked with.
    pub(crate) fn new(attempt: u32, max_attempts: u32, error: &Error) -> Self {
        let errors = match error {
            Error::Validation(errors) => errors.iter().cloned().collect(),
            Error::Parse { message } => vec![ValidationError {
                path: String::new(),
                message: message.clone(),
            }],
            other => vec![ValidationError {
                path: String::new(),
                message: other.to_string(),
            }],
        };
        Retry {
            attempt,
            max_attempts,
            errors,
        }
    }
}

/// How a streamed extraction ended well: the validated value, the last completion (its `usage`
/// summed over every attempt), and how many attempts it took.
#[derive(Debug, Clone)]
pub struct Final<O> {
    /// The validated value.
    pub value: O,
    /// The last attempt's completion, usage summed over all attempts.
    pub completion: ChatCompletion,
    /// Requests sent in all.
    pub attempts: u32,
}

impl<O: Serialize> Final<O> {
    fn data(&self) -> serde_json::Result<Value> {
        Ok(json!({
            "value": serde_json::to_value(&self.value)?,
            "attempts": self.attempts,
            "usage": self.completion.usage,
            "model": self.completion.model,
            "id": self.completion.id,
        }))
    }
}

fn error_data(error: &Error) -> Value {
    json!({ "kind": error.kind(), "message": error.to_string() })
}

/// One event of a streamed extraction of one `T`, from
/// [`PartialStream::events`](crate::PartialStream::events) or
/// [`PartialIter::events`](crate::PartialIter::events). The last event is
/// [`Final`](PartialEvent::Final) or [`Error`](PartialEvent::Error).
#[derive(Debug)]
pub enum PartialEvent<T: Instructor> {
    /// The value so far, each time its visible part changed.
    Partial(T::Partial),
    /// The attempt failed validation; the model is asked again and partials start over.
    Retry(Retry),
    /// The validated value.
    Final(Box<Final<T>>),
    /// The extraction failed.
    Error(Error),
}

impl<T: Instructor> PartialEvent<T> {
    /// The event's name: `partial`, `retry`, `final` or `error`.
    pub fn name(&self) -> &'static str {
        match self {
            PartialEvent::Partial(_) => "partial",
            PartialEvent::Retry(_) => "retry",
            PartialEvent::Final(_) => "final",
            PartialEvent::Error(_) => "error",
        }
    }

    /// True for the event that ends the stream (`final` or `error`).
    pub fn is_last(&self) -> bool {
        matches!(self, PartialEvent::Final(_) | PartialEvent::Error(_))
    }
}

impl<T: Instructor + Serialize> PartialEvent<T> {
    /// The event's JSON payload, as the table in [the module docs](crate::event) shows.
    pub fn data(&self) -> serde_json::Result<Value> {
        match self {
            PartialEvent::Partial(p) => serde_json::to_value(p),
            PartialEvent::Retry(r) => serde_json::to_value(r),
            PartialEvent::Final(f) => f.data(),
            PartialEvent::Error(e) => Ok(error_data(e)),
        }
    }
}

/// Serializes as `{"event": name, "data": payload}`.
impl<T: Instructor + Serialize> Serialize for PartialEvent<T> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let data = self.data().map_err(serde::ser::Error::custom)?;
        json!({ "event": self.name(), "data": data }).serialize(serializer)
    }
}

/// One event of a streamed list of `T`, from
/// [`IterableStream::events`](crate::IterableStream::events) or
/// [`IterableIter::events`](crate::IterableIter::events). The last event is
/// [`Final`](ItemEvent::Final) or [`Error`](ItemEvent::Error).
#[derive(Debug)]
pub enum ItemEvent<T> {
    /// One more item, complete and validated. Items are final: a retry never takes one back.
    Item(T),
    /// The attempt failed; the model is asked again to give the items already shown unchanged,
    /// then the rest.
    Retry(Retry),
    /// The whole list, validated.
    Final(Box<Final<Vec<T>>>),
    /// The extraction failed.
    Error(Error),
}

impl<T> ItemEvent<T> {
    /// The event's name: `item`, `retry`, `final` or `error`.
    pub fn name(&self) -> &'static str {
        match self {
            ItemEvent::Item(_) => "item",
            ItemEvent::Retry(_) => "retry",
            ItemEvent::Final(_) => "final",
            ItemEvent::Error(_) => "error",
        }
    }

    /// True for the event that ends the stream (`final` or `error`).
    pub fn is_last(&self) -> bool {
        matches!(self, ItemEvent::Final(_) | ItemEvent::Error(_))
    }
}

impl<T: Serialize> ItemEvent<T> {
    /// The event's JSON payload, as the table in [the module docs](crate::event) shows.
    pub fn data(&self) -> serde_json::Result<Value> {
        match self {
            ItemEvent::Item(item) => serde_json::to_value(item),
            ItemEvent::Retry(r) => serde_json::to_value(r),
            ItemEvent::Final(f) => f.data(),
            ItemEvent::Error(e) => Ok(error_data(e)),
        }
    }
}

/// Serializes as `{"event": name, "data": payload}`.
impl<T: Serialize> Serialize for ItemEvent<T> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let data = self.data().map_err(serde::ser::Error::custom)?;
        json!({ "event": self.name(), "data": data }).serialize(serializer)
    }
}
