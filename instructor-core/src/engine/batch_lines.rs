//! The JSONL lines of a batch, in the format Azure's and OpenAI's Batch APIs share: the input line
//! that carries one request's body, the output line that carries its reply or its error, and the
//! follow-up line that carries a re-ask.
//!
//! ```text
//! input:  {"custom_id": "request-7", "method": "POST", "url": "/chat/completions", "body": {…}}
//! output: {"custom_id": "request-7", "response": {"status_code": 200, "request_id": "…", "body": {chat.completion}}, "error": null}
//! error:  {"custom_id": "request-8", "response": {"status_code": 429, "body": {"error": {…}}}, "error": null}
//!         {"custom_id": "request-9", "response": null, "error": {"code": "batch_expired", "message": "…"}}
//! ```

use std::borrow::Cow;

use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;
use serde_json::Value;

use crate::error::{excerpt, Error, Result};
use crate::message::Message;
use crate::request::body::RequestBody;

/// How much of a line an error quotes.
const QUOTE: usize = 200;

#[derive(Serialize)]
struct InputLine<'a> {
    custom_id: &'a str,
    method: &'static str,
    url: &'a str,
    body: &'a RequestBody,
}

/// Appends one input line, `{"custom_id", "method": "POST", "url", "body"}` and a newline, to
/// `out`. The body is written as the engine built it, so the line carries exactly what `create`
/// would send.
///
/// ```
/// use instructor_core::batch::write_input_line;
/// use instructor_core::RequestBody;
/// use serde_json::json;
/// let body = RequestBody::from_value(json!({"model": "batch-deployment", "messages": []})).unwrap();
/// let mut out = Vec::new();
/// write_input_line(&mut out, "request-0", "/chat/completions", &body).unwrap();
/// assert_eq!(
///     String::from_utf8(out).unwrap(),
///     "{\"custom_id\":\"request-0\",\"method\":\"POST\",\"url\":\"/chat/completions\",\
///      \"body\":{\"model\":\"batch-deployment\",\"messages\":[]}}\n"
/// );
/// ```
pub fn write_input_line(
    out: &mut Vec<u8>,
    custom_id: &str,
    url: &str,
    body: &RequestBody,
) -> Result<()> {
    let line = InputLine {
        custom_id,
        method: "POST",
        url,
        body,
    };
    serde_json::to_writer(&mut *out, &line).map_err(|e| {
        Error::Configuration(format!(
            "the request `{custom_id}` could not be written as a batch line: {e}"
        ))
    })?;
    out.push(b'\n');
    Ok(())
}

#[derive(Deserialize)]
struct InputId<'a> {
    #[serde(borrow)]
    custom_id: Cow<'a, str>,
}

/// The `custom_id` of an input line.
pub fn input_line_id(line: &str) -> Result<Cow<'_, str>> {
    serde_json::from_str::<InputId<'_>>(line)
        .map(|l| l.custom_id)
        .map_err(|e| {
            Error::parse(format!(
                "a batch input line has no readable custom_id ({e}): {}",
                excerpt(line, QUOTE)
            ))
        })
}

/// Appends to `out` the follow-up of an input line: the same line with `append` (a re-ask: the
/// model's reply and what was wrong with it) added to its body's `messages`.
pub fn write_follow_up_line(out: &mut Vec<u8>, line: &str, append: &[Message]) -> Result<()> {
    let unreadable = |why: &str| {
        Error::parse(format!(
            "the batch input line to re-ask {why}: {}",
            excerpt(line, QUOTE)
        ))
    };
    let mut value: Value = serde_json::from_str(line).map_err(|_| unreadable("is not JSON"))?;
    let messages = value
        .get_mut("body")
        .and_then(|b| b.get_mut("messages"))
        .and_then(Value::as_array_mut)
        .ok_or_else(|| unreadable("has no body.messages list"))?;
    for message in append {
        let message = serde_json::to_value(message).map_err(|e| {
            Error::Configuration(format!("a re-ask message did not serialize: {e}"))
        })?;
        messages.push(message);
    }
    serde_json::to_writer(&mut *out, &value)
        .map_err(|e| Error::Configuration(format!("a follow-up line did not serialize: {e}")))?;
    out.push(b'\n');
    Ok(())
}

/// One line of a batch's output or error file.
#[derive(Debug)]
pub struct OutputLine<'a> {
    /// The request it answers.
    pub custom_id: Cow<'a, str>,
    /// What came back.
    pub reply: LineReply<'a>,
}

/// What an output line says about its request.
#[derive(Debug)]
pub enum LineReply<'a> {
    /// A 2xx response: its body, the chat completion's JSON text, unparsed.
    Completion(&'a str),
    /// Another status: the error body the request got, as an online call would have.
    Failed {
        /// The HTTP status the request got.
        status: u16,
        /// Its body (`{"error": {…}}`), or null when it had none.
        body: Value,
        /// The service's id of the request.
        request_id: Option<String>,
    },
    /// No response at all: the request was not run (`batch_expired`, `batch_cancelled`, …).
    NotRun {
        /// The service's code, if any.
        code: Option<String>,
        /// The service's message.
        message: String,
    },
}

/// An output line that could not be read.
#[derive(Debug)]
pub struct UnreadableLine {
    /// The request it answers, when that much could be read.
    pub custom_id: Option<String>,
    /// What was wrong.
    pub error: Error,
}

#[derive(Deserialize)]
struct RawLine<'a> {
    #[serde(borrow)]
    custom_id: Cow<'a, str>,
    #[serde(borrow, default)]
    response: Option<RawResponse<'a>>,
    #[serde(default)]
    error: Option<Value>,
}

#[derive(Deserialize)]
struct RawResponse<'a> {
    #[serde(default)]
    status_code: Option<u16>,
    #[serde(default)]
    request_id: Option<String>,
    #[serde(borrow, default)]
    body: Option<&'a RawValue>,
}

/// Reads one line of a batch's output or error file. The completion inside is left as text, to
/// be read by the same code as an online reply.
///
/// ```
/// use instructor_core::batch::{read_output_line, LineReply};
/// let line = r#"{"custom_id": "request-3", "response": {"status_code": 200, "body": {"choices": []}}, "error": null}"#;
/// let read = read_output_line(line).unwrap();
/// assert_eq!(read.custom_id, "request-3");
/// assert!(matches!(read.reply, LineReply::Completion(r#"{"choices": []}"#)));
/// ```
pub fn read_output_line(line: &str) -> std::result::Result<OutputLine<'_>, UnreadableLine> {
    let raw = match serde_json::from_str::<RawLine<'_>>(line) {
        Ok(raw) => raw,
        Err(e) => return Err(unreadable(line, &e.to_string())),
    };
    let custom_id = raw.custom_id;
    let broken = |why: &str| UnreadableLine {
        custom_id: Some(custom_id.to_string()),
        error: Error::Transport {
            message: format!(
                "the batch output line for `{custom_id}` {why}: {}",
                excerpt(line, QUOTE)
            ),
            source: None,
        },
    };
    let reply = match (raw.response, raw.error.filter(|e| !e.is_null())) {
        (Some(response), _) => {
            let Some(status) = response.status_code else {
                return Err(broken("has a response without a status_code"));
            };
            match (status, response.body) {
                (200..=299, Some(body)) => LineReply::Completion(body.get()),
                (200..=299, None) => return Err(broken("has a response without a body")),
                (status, body) => LineReply::Failed {
                    status,
                    body: body
                        .and_then(|b| serde_json::from_str(b.get()).ok())
                        .unwrap_or(Value::Null),
                    request_id: response.request_id,
                },
            }
        }
        (None, Some(error)) => LineReply::NotRun {
            code: error.get("code").and_then(Value::as_str).map(str::to_owned),
            message: error
                .get("message")
                .and_then(Value::as_str)
                .map_or_else(|| error.to_string(), str::to_owned),
        },
        (None, None) => return Err(broken("has neither a response nor an error")),
    };
    Ok(OutputLine { custom_id, reply })
}

/// A line that is not the line format: names its request if its `custom_id` can still be read.
fn unreadable(line: &str, why: &str) -> UnreadableLine {
    let custom_id = serde_json::from_str::<Value>(line).ok().and_then(|v| {
        v.get("custom_id")
            .and_then(Value::as_str)
            .map(str::to_owned)
    });
    UnreadableLine {
        error: Error::Transport {
            message: format!(
                "a batch output line could not be read ({why}): {}",
                excerpt(line, QUOTE)
            ),
            source: None,
        },
        custom_id,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn failed_and_not_run_lines() {
        let line = r#"{"custom_id":"a","response":{"status_code":429,"request_id":"r1","body":{"error":{"code":"429","message":"slow down"}}},"error":null}"#;
        let read = read_output_line(line).unwrap();
        match read.reply {
            LineReply::Failed {
                status,
                body,
                request_id,
            } => {
                assert_eq!(status, 429);
                assert_eq!(body["error"]["message"], "slow down");
                assert_eq!(request_id.as_deref(), Some("r1"));
            }
            other => panic!("{other:?}"),
        }
        let line = r#"{"custom_id":"b","response":null,"error":{"code":"batch_expired","message":"not run"}}"#;
        assert!(matches!(
            read_output_line(line).unwrap().reply,
            LineReply::NotRun { code: Some(ref c), .. } if c == "batch_expired"
        ));
    }

    #[test]
    fn unreadable_lines_name_their_request_when_they_can() {
        let named = read_output_line(r#"{"custom_id":"c","response":{"status_code":"x"}}"#);
        assert_eq!(named.unwrap_err().custom_id.as_deref(), Some("c"));
        let empty = read_output_line(r#"{"custom_id":"d"}"#);
        assert_eq!(empty.unwrap_err().custom_id.as_deref(), Some("d"));
        for garbage in ["", "not json", "{\"custom_id\": 1}", "{\"custom_id\":\"e\""] {
            assert!(read_output_line(garbage).unwrap_err().custom_id.is_none());
        }
    }

    #[test]
    fn follow_up_appends_to_the_body_messages() {
        let line = json!({"custom_id": "x", "method": "POST", "url": "/chat/completions",
            "body": {"model": "m", "messages": [{"role": "user", "content": "hi"}]}})
        .to_string();
        let mut out = Vec::new();
        write_follow_up_line(&mut out, &line, &[Message::user("again")]).unwrap();
        let back: Value = serde_json::from_slice(&out).unwrap();
        assert_eq!(back["body"]["messages"][1]["content"], "again");
        assert_eq!(back["custom_id"], "x");
        assert_eq!(input_line_id(&line).unwrap(), "x");
        assert!(write_follow_up_line(&mut out, "{}", &[]).is_err());
    }
}
