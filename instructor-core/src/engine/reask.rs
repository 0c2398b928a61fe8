//! The messages that tell the model what was wrong, in the form its mode needs.
//!
//! A reply with tool calls is answered call by call with `tool` messages (the API requires every
//! call answered), a legacy function call with a `function` message: the reply is sent back, then
//! the correction. Any other reply (the content modes, or a tool mode answered in prose) is not
//! sent back: one user message after the first request's messages names the errors so far and
//! replaces the previous re-ask. Shown its own bad reply, a small model writes it again (measured
//! on SmolLM2-135M: a prose reply sent back as the assistant's turn, or quoted, came back
//! unchanged in every retry; left out, the next answer was JSON; see docs/local-model.md).

use crate::completion::ResponseMessage;
use crate::error::Error;
use crate::message::{FunctionCall, Message, ToolCall};
use crate::mode::Mode;
use crate::response::parse::REPLY_ECHO;
use crate::responses::Response;

/// How a re-ask joins the conversation.
#[derive(Debug)]
pub(crate) enum Reask {
    /// After everything so far: the reply as sent back, then the correction.
    Append(Vec<Message>),
    /// After the first request's messages, in place of any earlier re-ask.
    Replace(Message),
}

const CALL_AGAIN: &str = "Call the function again with these fixed.";
const ANSWER_AGAIN: &str = "Answer again with the JSON only.";

/// What the model is told about one error: the error without our excerpt of its reply.
fn error_line(error: &Error) -> Vec<String> {
    match error {
        Error::Validation(errors) => errors
            .iter()
            .map(|e| {
                if e.path.is_empty() {
                    e.message.clone()
                } else {
                    format!("`{}`: {}", e.path, e.message)
                }
            })
            .collect(),
        Error::Parse { message } => {
            let message = message.split(REPLY_ECHO).next().unwrap_or(message);
            vec![message.to_owned()]
        }
        other => vec![other.to_string()],
    }
}

/// The errors as the model should read them, in one sentence, then `then`. One sentence, not a
/// list: SmolLM2-135M recovered from a bad reply with "Your answer could not be used: the reply
/// is not valid JSON (...). Answer again with the JSON only." in all four measured cases, and in
/// none when the same error came as a bulleted list (it wrote about JSON instead).
fn error_text<'a>(errors: impl IntoIterator<Item = &'a Error>, then: &str) -> String {
    let mut lines: Vec<String> = Vec::new();
    for line in errors.into_iter().flat_map(error_line) {
        let line = line.trim_end_matches('.').to_owned();
        if !lines.contains(&line) {
            lines.push(line);
        }
    }
    format!(
        "Your answer could not be used: {}. {then}",
        lines.join("; ")
    )
}

/// The re-ask after `reply` failed with `error`; `earlier` are the errors of previous attempts.
pub(crate) fn reask(
    mode: Mode,
    reply: &ResponseMessage,
    error: &Error,
    earlier: &[Error],
    target_name: &str,
) -> Reask {
    match mode {
        Mode::Tools | Mode::ToolsStrict | Mode::ParallelTools if !reply.tool_calls.is_empty() => {
            let text = error_text([error], CALL_AGAIN);
            let calls = with_ids(&reply.tool_calls);
            let mut out = vec![Message::Assistant {
                content: reply.content.clone(),
                tool_calls: calls.clone(),
                function_call: None,
            }];
            out.extend(
                calls
                    .iter()
                    .map(|c| Message::tool(c.id.clone(), text.clone())),
            );
            Reask::Append(out)
        }
        Mode::Functions if reply.function_call.is_some() => {
            let call = reply.function_call.clone().unwrap_or(FunctionCall {
                name: target_name.to_owned(),
                arguments: String::new(),
            });
            Reask::Append(vec![
                Message::Assistant {
                    content: reply.content.clone(),
                    tool_calls: Vec::new(),
                    function_call: Some(call.clone()),
                },
                Message::Function {
                    name: call.name,
                    content: error_text([error], CALL_AGAIN),
                },
            ])
        }
        _ => Reask::Replace(Message::user(error_text(
            earlier.iter().chain(std::iter::once(error)),
            ANSWER_AGAIN,
        ))),
    }
}

/// The Responses API's re-ask: the model's output items as it sent them (reasoning included, so a
/// reasoning model keeps its thread), then the answers: a `function_call_output` with the errors
/// for each function call, or, when it called none, a user message with them. Returned apart, so
/// a chained re-ask (`previous_response_id`) can send the answers alone.
pub(crate) fn responses(
    mode: Mode,
    response: &Response,
    error: &Error,
) -> (Vec<Message>, Vec<Message>) {
    let then = if mode == Mode::ResponsesTools {
        CALL_AGAIN
    } else {
        ANSWER_AGAIN
    };
    let text = error_text([error], then);
    let output: Vec<Message> = response
        .output
        .iter()
        .cloned()
        .map(Message::ResponseItem)
        .collect();
    let call_ids: Vec<&str> = response
        .output
        .iter()
        .filter(|item| item.get("type").and_then(|t| t.as_str()) == Some("function_call"))
        .filter_map(|item| item.get("call_id").and_then(|c| c.as_str()))
        .collect();
    let answers = if mode == Mode::ResponsesTools && !call_ids.is_empty() {
        call_ids
            .into_iter()
            .map(|id| Message::tool(id, text.clone()))
            .collect()
    } else {
        vec![Message::user(text)]
    };
    (output, answers)
}

/// Tool calls with ids: some servers omit them, and a `tool` message must name one.
fn with_ids(calls: &[ToolCall]) -> Vec<ToolCall> {
    calls
        .iter()
        .enumerate()
        .map(|(i, c)| {
            let mut c = c.clone();
            if c.id.is_empty() {
                c.id = format!("call_{i}");
            }
            c
        })
        .collect()
}
