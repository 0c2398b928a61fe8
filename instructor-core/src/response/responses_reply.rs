//! Reading a Responses API response into the completion the rest of the engine reads: its text,
//! its function calls, why it stopped, and its usage; the response itself kept whole.

use serde_json::Value;

use crate::completion::{
    ChatCompletion, Choice, CompletionTokensDetails, PromptTokensDetails, ResponseMessage, Usage,
};
use crate::error::{excerpt, Error, Result};
use crate::message::{FunctionCall, ToolCall};
use crate::responses::Response;

/// Reads the service's JSON text as a Responses API response.
pub(crate) fn completion_from_response(text: &str) -> Result<ChatCompletion> {
    let response: Response = serde_json::from_str(text).map_err(|e| Error::Transport {
        message: format!(
            "the service's reply is not a Responses API response ({e}): {}",
            excerpt(text, 200)
        ),
        source: None,
    })?;
    into_completion(response)
}

/// The error a failed response, or a streamed `error` event, stands for.
pub(crate) fn response_error(error: &Value) -> Error {
    let text = |k: &str| error.get(k).and_then(Value::as_str).map(str::to_owned);
    let message = text("message").unwrap_or_else(|| "the response failed".to_owned());
    let code = text("code");
    if code.as_deref() == Some("content_filter") {
        return Error::content_filter_from(error, message);
    }
    Error::Api {
        status: 200,
        code,
        message,
        request_id: None,
    }
}

/// The completion a response amounts to: the message items' text, the function calls, and a
/// finish reason read from its status (`incomplete` for `max_output_tokens` is `length`, so it is
/// [`Error::Truncated`], never a short success).
pub(crate) fn into_completion(response: Response) -> Result<ChatCompletion> {
    if let Some(error) = response.error.as_ref().filter(|e| e.is_object()) {
        return Err(response_error(error));
    }
    let mut content = String::new();
    let mut refusal = String::new();
    let mut tool_calls = Vec::new();
    for item in &response.output {
        let field = |k: &str| item.get(k).and_then(Value::as_str).unwrap_or_default();
        match field("type") {
            "message" => {
                for part in item
                    .get("content")
                    .and_then(Value::as_array)
                    .into_iter()
                    .flatten()
                {
                    let text = |k: &str| part.get(k).and_then(Value::as_str).unwrap_or_default();
                    match text("type") {
                        "output_text" => content.push_str(text("text")),
                        "refusal" => refusal.push_str(text("refusal")),
                        _ => {}
                    }
                }
            }
            "function_call" => tool_calls.push(ToolCall {
                id: field("call_id").to_owned(),
                kind: "function".to_owned(),
                function: FunctionCall {
                    name: field("name").to_owned(),
                    arguments: field("arguments").to_owned(),
                },
            }),
            _ => {}
        }
    }
    let finish_reason = match response.status.as_str() {
        "" | "completed" if tool_calls.is_empty() => "stop",
        "" | "completed" => "tool_calls",
        "incomplete" => match response
            .incomplete_details
            .as_ref()
            .and_then(|d| d.reason.as_deref())
        {
            Some("content_filter") => "content_filter",
            _ => "length",
        },
        other => {
            return Err(Error::Api {
                status: 200,
                code: Some(other.to_owned()),
                message: format!("the response is `{other}`, not complete"),
                request_id: None,
            })
        }
    };
    let usage = response.usage.map(|u| Usage {
        prompt_tokens: u.input_tokens,
        completion_tokens: u.output_tokens,
        total_tokens: u.total_tokens,
        prompt_tokens_details: PromptTokensDetails {
            cached_tokens: u.input_tokens_details.cached_tokens,
        },
        completion_tokens_details: CompletionTokensDetails {
            reasoning_tokens: u.output_tokens_details.reasoning_tokens,
        },
    });
    Ok(ChatCompletion {
        id: response.id.clone(),
        model: response.model.clone(),
        // Whole seconds are enough for a timestamp; a wild value saturates.
        created: response.created_at as i64,
        choices: vec![Choice {
            index: 0,
            message: ResponseMessage {
                role: Some("assistant".to_owned()),
                content: Some(content).filter(|c| !c.is_empty()),
                tool_calls,
                function_call: None,
                refusal: Some(refusal).filter(|r| !r.is_empty()),
            },
            finish_reason: Some(finish_reason.to_owned()),
            content_filter_results: None,
        }],
        usage,
        response: Some(Box::new(response)),
        ..ChatCompletion::default()
    })
}
