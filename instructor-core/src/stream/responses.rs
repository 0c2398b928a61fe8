//! The Responses API's stream events, read from each SSE `data` payload.
//!
//! Only the events an extraction needs are told apart; every other event (`response.created`,
//! reasoning summaries, content-part bookkeeping, …) reads as [`ResponseEvent::Other`].

use serde::Deserialize;
use serde_json::Value;

use crate::error::{excerpt, Error};
use crate::responses::Response;

/// One event of a Responses API stream.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum ResponseEvent {
    /// `response.output_item.added`: an output item began (a function call names itself here).
    OutputItemAdded {
        /// Its index among the output items.
        output_index: u32,
        /// The item so far.
        item: Value,
    },
    /// `response.output_text.delta`: more text of a message item.
    OutputTextDelta {
        /// The message item's index.
        output_index: u32,
        /// The text added.
        delta: String,
    },
    /// `response.refusal.delta`: more refusal text.
    RefusalDelta {
        /// The text added.
        delta: String,
    },
    /// `response.function_call_arguments.delta`: more arguments of a function call item.
    FunctionCallArgumentsDelta {
        /// The function call item's index.
        output_index: u32,
        /// The argument text added.
        delta: String,
    },
    /// `response.completed`, `response.incomplete` or `response.failed`: the whole response, the
    /// stream's last word.
    Done(Box<Response>),
    /// `error`: the service stopped the stream with an error.
    Error {
        /// The error's code, if any.
        code: Option<String>,
        /// Its message.
        message: String,
    },
    /// Any other event.
    Other,
}

/// Every field an event may carry; one typed parse per event.
#[derive(Deserialize)]
struct Raw {
    #[serde(rename = "type", default)]
    kind: String,
    #[serde(default)]
    output_index: u32,
    #[serde(default)]
    delta: Option<String>,
    #[serde(default)]
    item: Option<Value>,
    #[serde(default)]
    response: Option<Box<Response>>,
    #[serde(default)]
    code: Option<String>,
    #[serde(default)]
    message: Option<String>,
}

/// Reads one SSE `data` payload of a Responses API stream: `Ok(None)` for an empty payload,
/// [`Error::Parse`] for text that is not an event.
pub fn parse_response_event(data: &str) -> Result<Option<ResponseEvent>, Error> {
    if data.trim().is_empty() {
        return Ok(None);
    }
    let raw: Raw = serde_json::from_str(data).map_err(|e| {
        Error::parse(format!(
            "a stream event is not a Responses API event ({e}): {}",
            excerpt(data, 200)
        ))
    })?;
    let delta = || raw.delta.clone().unwrap_or_default();
    let event = match raw.kind.as_str() {
        "response.output_item.added" => ResponseEvent::OutputItemAdded {
            output_index: raw.output_index,
            item: raw.item.unwrap_or(Value::Null),
        },
        "response.output_text.delta" => ResponseEvent::OutputTextDelta {
            output_index: raw.output_index,
            delta: delta(),
        },
        "response.refusal.delta" => ResponseEvent::RefusalDelta { delta: delta() },
        "response.function_call_arguments.delta" => ResponseEvent::FunctionCallArgumentsDelta {
            output_index: raw.output_index,
            delta: delta(),
        },
        "response.completed" | "response.incomplete" | "response.failed" => {
            ResponseEvent::Done(raw.response.unwrap_or_default())
        }
        "error" => ResponseEvent::Error {
            code: raw.code,
            message: raw
                .message
                .unwrap_or_else(|| "the service stopped the stream with an error".to_owned()),
        },
        _ => ResponseEvent::Other,
    };
    Ok(Some(event))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn events_are_told_apart() {
        let delta = r#"{"type":"response.output_text.delta","item_id":"m","output_index":1,"content_index":0,"delta":"{\"na","sequence_number":4,"logprobs":[]}"#;
        assert_eq!(
            parse_response_event(delta).unwrap(),
            Some(ResponseEvent::OutputTextDelta {
                output_index: 1,
                delta: "{\"na".into()
            })
        );
        let done = r#"{"type":"response.incomplete","sequence_number":9,"response":{"id":"resp_1","status":"incomplete","incomplete_details":{"reason":"max_output_tokens"},"output":[]}}"#;
        match parse_response_event(done).unwrap() {
            Some(ResponseEvent::Done(r)) => assert_eq!(r.status, "incomplete"),
            other => panic!("{other:?}"),
        }
        let other = r#"{"type":"response.reasoning_summary_text.delta","delta":"x"}"#;
        assert_eq!(
            parse_response_event(other).unwrap(),
            Some(ResponseEvent::Other)
        );
        assert!(parse_response_event("not json").is_err());
        assert_eq!(parse_response_event("  ").unwrap(), None);
    }
}
