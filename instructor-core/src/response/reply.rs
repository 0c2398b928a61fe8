//! Reading a completion: the service's text as a completion, then the conditions that end an
//! extraction whatever the mode (content filter, cut at the token limit, refusal).

use serde_json::Value;

use crate::completion::{ChatCompletion, FilterVerdicts, ResponseMessage};
use crate::error::{excerpt, Error, FilterOrigin, Result};

/// Reads the service's JSON text as a completion; a reply of another shape is not the model's fault.
pub(crate) fn completion_from(text: &str) -> Result<ChatCompletion> {
    let completion: ChatCompletion = serde_json::from_str(text).map_err(|e| Error::Transport {
        message: format!(
            "the service's reply is not a chat completion ({e}): {}",
            excerpt(text, 200)
        ),
        source: None,
    })?;
    if let Some(err) = completion.error.as_ref().filter(|e| e.is_object()) {
        return Err(Error::Api {
            status: 200,
            code: err.get("code").and_then(Value::as_str).map(str::to_owned),
            message: err
                .get("message")
                .and_then(Value::as_str)
                .unwrap_or("the service sent an error object")
                .to_owned(),
            request_id: None,
        });
    }
    Ok(completion)
}

/// The first choice's message, after the conditions that end the extraction: a filtered prompt or
/// completion, a cut, a refusal.
pub(crate) fn message_of(completion: &ChatCompletion) -> Result<&ResponseMessage> {
    if let Some(blocked) = completion
        .prompt_filter_results
        .as_ref()
        .map(FilterVerdicts::blocked)
    {
        if !blocked.is_empty() {
            return Err(Error::ContentFilter {
                origin: FilterOrigin::Prompt,
                categories: blocked,
                message: "the prompt was filtered".to_owned(),
            });
        }
    }
    let choice = completion.choices.first().ok_or_else(|| Error::Transport {
        message: "the completion has no choices".to_owned(),
        source: None,
    })?;
    let verdicts = choice.content_filter_results.as_ref();
    match choice.finish_reason.as_deref() {
        Some("content_filter") => {
            return Err(Error::ContentFilter {
                origin: FilterOrigin::Completion,
                categories: verdicts.map(FilterVerdicts::filtered).unwrap_or_default(),
                message: "the completion was withheld".to_owned(),
            })
        }
        Some("length") => return Err(Error::Truncated),
        _ => {}
    }
    // A verdict that filtered the text is a filtered completion, whatever the finish reason says.
    if let Some(blocked) = verdicts
        .map(FilterVerdicts::blocked)
        .filter(|b| !b.is_empty())
    {
        return Err(Error::ContentFilter {
            origin: FilterOrigin::Completion,
            categories: blocked,
            message: "the completion was filtered".to_owned(),
        });
    }
    if let Some(refusal) = choice.message.refusal.as_deref().filter(|r| !r.is_empty()) {
        return Err(Error::Refusal(refusal.to_owned()));
    }
    Ok(&choice.message)
}
