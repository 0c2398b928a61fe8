//! Where each mode puts the JSON in the reply message: tool-call arguments, the legacy function
//! call, the content, or a ```` ```json ```` fence in it.

use crate::completion::ResponseMessage;
use crate::error::{excerpt, Error, Result};
use crate::message::ToolCall;
use crate::mode::Mode;

/// The JSON text of a single-value reply in `mode`.
pub(crate) fn json_text<'m>(
    mode: Mode,
    tool_name: &str,
    message: &'m ResponseMessage,
) -> Result<&'m str> {
    match mode {
        Mode::Tools | Mode::ToolsStrict | Mode::ResponsesTools if message.tool_calls.len() > 1 => {
            Err(Error::parse(format!(
            "the reply made {} tool calls; call `{tool_name}` exactly once, with every extracted \
             value in that one call",
            message.tool_calls.len()
        )))
        }
        Mode::Tools | Mode::ToolsStrict | Mode::ParallelTools | Mode::ResponsesTools => {
            let call = message
                .tool_calls
                .iter()
                .find(|c| c.function.name == tool_name)
                .or_else(|| message.tool_calls.first())
                .ok_or_else(|| no_call(tool_name, message))?;
            Ok(call.function.arguments.as_str())
        }
        Mode::Functions => message
            .function_call
            .as_ref()
            .map(|f| f.arguments.as_str())
            .or_else(|| {
                message
                    .tool_calls
                    .first()
                    .map(|c| c.function.arguments.as_str())
            })
            .ok_or_else(|| no_call(tool_name, message)),
        Mode::Json | Mode::JsonSchema | Mode::JsonO1 | Mode::ResponsesJsonSchema => {
            Ok(content(message)?.trim())
        }
        Mode::MdJson => Ok(json_in_markdown(content(message)?)),
    }
}

/// Every tool call of a parallel reply.
pub(crate) fn tool_calls(message: &ResponseMessage) -> Result<&[ToolCall]> {
    if message.tool_calls.is_empty() {
        return Err(no_call("any of the tools", message));
    }
    Ok(&message.tool_calls)
}

fn content(message: &ResponseMessage) -> Result<&str> {
    message
        .content
        .as_deref()
        .filter(|c| !c.trim().is_empty())
        .ok_or_else(|| Error::parse("the reply has no content; answer with the JSON value"))
}

fn no_call(tool_name: &str, message: &ResponseMessage) -> Error {
    let said = message
        .content
        .as_deref()
        .map(|c| format!(" It answered with text instead: {}", excerpt(c, 200)))
        .unwrap_or_default();
    Error::parse(format!(
        "the reply did not call `{tool_name}`.{said} Call the function with the extracted arguments"
    ))
}

/// The JSON in a markdown reply: the ```json fence, else any fence, else the first JSON value.
pub(crate) fn json_in_markdown(text: &str) -> &str {
    if let Some(inner) = fenced(text, "```json").or_else(|| fenced(text, "```")) {
        return inner.trim();
    }
    first_json_value(text).unwrap_or(text.trim())
}

fn fenced<'a>(text: &'a str, opening: &str) -> Option<&'a str> {
    let start = text.find(opening)? + opening.len();
    let rest = text.get(start..)?;
    // Skip the rest of the opening line (a language tag or nothing).
    let body_start = rest.find('\n').map(|i| i + 1).unwrap_or(0);
    let body = rest.get(body_start..)?;
    let end = body.find("```").unwrap_or(body.len());
    body.get(..end)
}

fn first_json_value(text: &str) -> Option<&str> {
    let start = text.find(['{', '['])?;
    let rest = text.get(start..)?;
    let mut values = serde_json::Deserializer::from_str(rest).into_iter::<serde::de::IgnoredAny>();
    match values.next() {
        Some(Ok(_)) => rest.get(..values.byte_offset()),
        _ => Some(rest),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markdown_json_is_found() {
        assert_eq!(
            json_in_markdown("Here:\n```json\n{\"a\":1}\n```\nbye"),
            "{\"a\":1}"
        );
        assert_eq!(json_in_markdown("```\n[1]\n```"), "[1]");
        assert_eq!(
            json_in_markdown("The answer is {\"a\": {\"b\": 2}} ok"),
            "{\"a\": {\"b\": 2}}"
        );
        assert_eq!(json_in_markdown("```json\n{\"a\":1}"), "{\"a\":1}");
        assert_eq!(json_in_markdown("nothing"), "nothing");
    }
}
