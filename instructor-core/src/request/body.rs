//! The body the engine hands to a transport: typed messages and shared fields, serialized without a
//! JSON tree.

use std::borrow::Cow;
use std::sync::Arc;

use serde::ser::{Serialize, SerializeMap, Serializer};
use serde_json::value::RawValue;
use serde_json::Value;

use crate::message::Message;
use crate::request::input_items;

/// Where a body goes: the API surface whose JSON it is written in.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub enum Endpoint {
    /// `POST …/chat/completions`: `messages`.
    #[default]
    ChatCompletions,
    /// `POST …/responses`: `input` items and `instructions`.
    Responses,
}

/// A request body, as the engine hands it to a [`Transport`](crate::Transport): chat completions,
/// or, for the Responses modes, the Responses API (see [`endpoint`](Self::endpoint)).
///
/// Its fields keep the order they are sent in. The conversation is kept as typed
/// [`Message`]s and the mode's schema-bearing field (`tools`, `functions` or `response_format`) as
/// JSON text serialized once per type and mode and shared by every request, so building,
/// sending and dropping a body costs no JSON tree. Serialize it (it implements `Serialize`) to
/// get the bytes to send, or call [`to_value`](Self::to_value) for the tree.
///
/// ```
/// use instructor_core::RequestBody;
/// use serde_json::json;
/// let body = RequestBody::from_value(json!({"model": "m", "messages": [], "seed": 7})).unwrap();
/// assert_eq!(body.model(), Some("m"));
/// assert_eq!(serde_json::to_string(&body).unwrap(), r#"{"model":"m","messages":[],"seed":7}"#);
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct RequestBody {
    pub(crate) endpoint: Endpoint,
    pub(crate) fields: Vec<(Cow<'static, str>, Field)>,
    pub(crate) messages: Vec<Message>,
}

/// One field's value in a [`RequestBody`].
#[derive(Debug, Clone)]
pub(crate) enum Field {
    /// A small value, kept as JSON.
    Json(Value),
    /// JSON text serialized once and shared between bodies.
    Shared(Arc<RawValue>),
    /// The body's typed messages.
    Messages,
    /// The body's typed messages as Responses API input items.
    Input,
}

impl Field {
    /// A large value, serialized once to be shared by every body of its type and mode.
    pub(crate) fn shared(value: &Value) -> Field {
        match serde_json::value::to_raw_value(value) {
            Ok(raw) => Field::Shared(Arc::from(raw)),
            // A `Value` always serializes; keep it as JSON if it somehow did not.
            Err(_) => Field::Json(value.clone()),
        }
    }
}

impl PartialEq for Field {
    fn eq(&self, other: &Self) -> bool {
        match (self, other) {
            (Field::Json(a), Field::Json(b)) => a == b,
            (Field::Shared(a), Field::Shared(b)) => a.get() == b.get(),
            (Field::Messages, Field::Messages) | (Field::Input, Field::Input) => true,
            _ => false,
        }
    }
}

/// A field of a [`RequestBody`], borrowed; serializes as its JSON.
#[derive(Debug, Clone, Copy)]
pub enum BodyValue<'a> {
    /// A value kept as JSON.
    Json(&'a Value),
    /// JSON text shared between bodies (the schema-bearing field).
    Raw(&'a RawValue),
    /// The conversation.
    Messages(&'a [Message]),
    /// The conversation as Responses API input items.
    Input(&'a [Message]),
}

impl BodyValue<'_> {
    /// The value as a JSON tree (a copy; parsed for [`BodyValue::Raw`]).
    pub fn to_value(&self) -> Value {
        match self {
            BodyValue::Json(v) => (*v).clone(),
            BodyValue::Raw(raw) => serde_json::from_str(raw.get()).unwrap_or(Value::Null),
            BodyValue::Messages(m) => serde_json::to_value(m).unwrap_or(Value::Null),
            BodyValue::Input(m) => input_items::to_value(m),
        }
    }
}

impl Serialize for BodyValue<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            BodyValue::Json(v) => v.serialize(serializer),
            BodyValue::Raw(raw) => raw.serialize(serializer),
            BodyValue::Messages(m) => m.serialize(serializer),
            BodyValue::Input(m) => input_items::serialize(m, serializer),
        }
    }
}

impl RequestBody {
    /// A body from a JSON object, e.g. to send a hand-written request through a transport.
    /// Returns `None` for anything but an object.
    pub fn from_value(value: Value) -> Option<Self> {
        let Value::Object(map) = value else {
            return None;
        };
        Some(RequestBody {
            endpoint: Endpoint::ChatCompletions,
            fields: map
                .into_iter()
                .map(|(k, v)| (Cow::Owned(k), Field::Json(v)))
                .collect(),
            messages: Vec::new(),
        })
    }

    /// The fields in the order they are sent.
    pub fn fields(&self) -> impl Iterator<Item = (&str, BodyValue<'_>)> {
        self.fields.iter().map(|(k, f)| (k.as_ref(), self.view(f)))
    }

    /// The field named `key`.
    pub fn get(&self, key: &str) -> Option<BodyValue<'_>> {
        self.fields
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, f)| self.view(f))
    }

    fn view<'a>(&'a self, field: &'a Field) -> BodyValue<'a> {
        match field {
            Field::Json(v) => BodyValue::Json(v),
            Field::Shared(raw) => BodyValue::Raw(raw),
            Field::Messages => BodyValue::Messages(&self.messages),
            Field::Input => BodyValue::Input(&self.messages),
        }
    }

    /// The API surface the body is written for: the URL a transport sends it to.
    pub fn endpoint(&self) -> Endpoint {
        self.endpoint
    }

    /// The typed conversation (empty when the body came from JSON: see `get("messages")`).
    pub fn messages(&self) -> &[Message] {
        &self.messages
    }

    /// The `model` field, if it is a string.
    pub fn model(&self) -> Option<&str> {
        match self.get("model")? {
            BodyValue::Json(Value::String(m)) => Some(m),
            _ => None,
        }
    }

    /// True when the body asks for a stream (`stream: true`).
    pub fn is_stream(&self) -> bool {
        matches!(self.get("stream"), Some(BodyValue::Json(Value::Bool(true))))
    }

    /// The whole body as a JSON tree.
    pub fn to_value(&self) -> Value {
        Value::Object(
            self.fields()
                .map(|(k, v)| (k.to_owned(), v.to_value()))
                .collect(),
        )
    }

    /// Sets `key`, in place when the body has it (keeping its position), else at the end.
    pub(crate) fn insert(&mut self, key: impl Into<Cow<'static, str>>, field: Field) {
        let key = key.into();
        match self.fields.iter_mut().find(|(k, _)| *k == key) {
            Some((_, slot)) => *slot = field,
            None => self.fields.push((key, field)),
        }
    }

    /// Continues from a stored response (Responses API): the conversation becomes `messages`
    /// alone, after `previous_response_id`.
    pub(crate) fn chain(&mut self, previous_response_id: &str, messages: Vec<Message>) {
        self.insert(
            "previous_response_id",
            Field::Json(Value::String(previous_response_id.to_owned())),
        );
        self.messages = messages;
    }

    /// A body with no fields and no messages.
    pub(crate) fn empty() -> Self {
        RequestBody {
            endpoint: Endpoint::ChatCompletions,
            fields: Vec::new(),
            messages: Vec::new(),
        }
    }

    /// The typed conversation, taken out of the body.
    pub(crate) fn into_messages(self) -> Vec<Message> {
        self.messages
    }

    /// Appends messages to the conversation (a re-ask).
    pub(crate) fn push_messages(&mut self, more: Vec<Message>) {
        let overridden = self.fields.iter_mut().find_map(|(k, f)| match f {
            // The request replaced `messages` with its own JSON: append there.
            Field::Json(Value::Array(list)) if k == "messages" => Some(list),
            _ => None,
        });
        match overridden {
            Some(list) => list.extend(more.iter().filter_map(|m| serde_json::to_value(m).ok())),
            None => self.messages.extend(more),
        }
    }
}

impl Serialize for RequestBody {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(Some(self.fields.len()))?;
        for (k, v) in self.fields() {
            map.serialize_entry(k, &v)?;
        }
        map.end()
    }
}
