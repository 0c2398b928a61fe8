//! The messages that tell the model what was wrong, in the form its mode needs.
//!
//! Tool modes answer each tool call with a `tool` message (the API requires every call answered);
//! `Functions` answers with a `function` message; content modes add the assistant's text and a user
//! message. Every re-ask carries the errors.

use crate::completion::ResponseMessage;
use crate::error::Error;
use crate::message::{FunctionCall, Message, ToolCall};
use crate::mode::Mode;
use crate::responses::Response;

/// The errors as the model should read them.
pub(crate) fn error_text(error: &Error, target_name: &str) -> String {
    let details = match error {
        Error::Validation(errors) => errors
            .iter()
            .map(|e| {
                if e.path.is_empty() {
                    format!("- {}", e.message)
                } else {
                    format!("- `{}`: {}", e.path, e.message)
                }
            })
            .collect::<Vec<_>>()
            .join("\n"),
        other => format!("- {other}"),
    };
    format!(
        "Your answer for `{target_name}` could not be used. Correct these errors and answer again, \
         keeping everything that was right:\n{details}"
    )
}

/// The assistant's turn as sent back, then the correction.
pub(crate) fn messages(
    mode: Mode,
    reply: &ResponseMessage,
    error: &Error,
    target_name: &str,
) -> Vec<Message> {
    let text = error_text(error, target_name);
    match mode {
        Mode::Tools | Mode::ToolsStrict | Mode::ParallelTools if !reply.tool_calls.is_empty() => {
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
            out
        }
        Mode::Functions if reply.function_call.is_some() => {
            let call = reply.function_call.clone().unwrap_or(FunctionCall {
                name: target_name.to_owned(),
                arguments: String::new(),
            });
            vec![
                Message::Assistant {
                    content: reply.content.clone(),
                    tool_calls: Vec::new(),
                    function_call: Some(call.clone()),
                },
                Message::Function {
                    name: call.name,
                    content: text,
                },
            ]
        }
        _ => vec![
            Message::assistant(reply.content.clone().unwrap_or_default()),
            Message::user(text),
        ],
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
    target_name: &str,
) -> (Vec<Message>, Vec<Message>) {
    let text = error_text(error, target_name);
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
