//! Replies: completions, stream chunks and token usage, read leniently (every field optional).

use serde::{Deserialize, Serialize};
use serde_json::Value;

pub use crate::content_filter::FilterVerdicts;
use crate::message::{FunctionCall, ToolCall};
use crate::responses::Response;

/// A chat completion as the service returned it.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ChatCompletion {
    /// The completion's id.
    #[serde(default)]
    pub id: String,
    /// The model that answered.
    #[serde(default)]
    pub model: String,
    /// Unix seconds.
    #[serde(default)]
    pub created: i64,
    /// The choices; instructor reads the first.
    #[serde(default)]
    pub choices: Vec<Choice>,
    /// Tokens used.
    #[serde(default)]
    pub usage: Option<Usage>,
    /// Azure's prompt filter verdicts.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub prompt_filter_results: Option<FilterVerdicts>,
    /// Backend fingerprint.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub system_fingerprint: Option<String>,
    /// An error object a server sent with a success status, in place of a completion.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<Value>,
    /// In the Responses modes, the Responses API's response this completion was read from,
    /// whole: its output items, status and detailed usage.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub response: Option<Box<Response>>,
}

/// One choice of a completion.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Choice {
    /// Its index.
    #[serde(default)]
    pub index: u32,
    /// The message.
    #[serde(default)]
    pub message: ResponseMessage,
    /// `stop`, `length`, `tool_calls`, `content_filter`, `function_call`.
    #[serde(default)]
    pub finish_reason: Option<String>,
    /// Azure's completion filter verdicts.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub content_filter_results: Option<FilterVerdicts>,
}

/// The assistant's message in a completion.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ResponseMessage {
    /// Always `assistant`.
    #[serde(default)]
    pub role: Option<String>,
    /// Text content.
    #[serde(default)]
    pub content: Option<String>,
    /// Tool calls.
    #[serde(default, deserialize_with = "null_as_default")]
    pub tool_calls: Vec<ToolCall>,
    /// Legacy function call.
    #[serde(default)]
    pub function_call: Option<FunctionCall>,
    /// A refusal, when the model declined.
    #[serde(default)]
    pub refusal: Option<String>,
}

/// Tokens spent; sums over attempts with `+=`, which saturates rather than overflows on whatever
/// counts a server sends.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Usage {
    /// Prompt tokens.
    #[serde(default)]
    pub prompt_tokens: u64,
    /// Completion tokens (reasoning included).
    #[serde(default)]
    pub completion_tokens: u64,
    /// Both.
    #[serde(default)]
    pub total_tokens: u64,
    /// Details of the prompt tokens (`cached_tokens`).
    #[serde(default, deserialize_with = "null_as_default")]
    pub prompt_tokens_details: PromptTokensDetails,
    /// Details of the completion tokens (`reasoning_tokens`).
    #[serde(default, deserialize_with = "null_as_default")]
    pub completion_tokens_details: CompletionTokensDetails,
}

/// Details of the prompt tokens.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PromptTokensDetails {
    /// Prompt tokens read from the prompt cache.
    #[serde(default)]
    pub cached_tokens: u64,
}

/// Details of the completion tokens.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CompletionTokensDetails {
    /// Completion tokens a reasoning model spent reasoning.
    #[serde(default)]
    pub reasoning_tokens: u64,
}

impl Usage {
    /// Prompt, completion and total tokens; no details.
    pub fn new(prompt_tokens: u64, completion_tokens: u64, total_tokens: u64) -> Self {
        Usage {
            prompt_tokens,
            completion_tokens,
            total_tokens,
            ..Usage::default()
        }
    }
}

impl std::ops::AddAssign for Usage {
    fn add_assign(&mut self, rhs: Usage) {
        self.prompt_tokens = self.prompt_tokens.saturating_add(rhs.prompt_tokens);
        self.completion_tokens = self.completion_tokens.saturating_add(rhs.completion_tokens);
        self.total_tokens = self.total_tokens.saturating_add(rhs.total_tokens);
        let cached = &mut self.prompt_tokens_details.cached_tokens;
        *cached = cached.saturating_add(rhs.prompt_tokens_details.cached_tokens);
        let reasoning = &mut self.completion_tokens_details.reasoning_tokens;
        *reasoning = reasoning.saturating_add(rhs.completion_tokens_details.reasoning_tokens);
    }
}

/// One `chat.completion.chunk` of a stream.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ChatCompletionChunk {
    /// The completion's id (empty on Azure's filter-only chunks).
    #[serde(default)]
    pub id: String,
    /// The model (empty on Azure's filter-only chunks).
    #[serde(default)]
    pub model: String,
    /// The choices' deltas; empty on Azure's first and usage-only chunks.
    #[serde(default, deserialize_with = "null_as_default")]
    pub choices: Vec<ChunkChoice>,
    /// Usage, on the last chunk when `stream_options.include_usage` is set.
    #[serde(default)]
    pub usage: Option<Usage>,
    /// Azure's prompt filter verdicts (first chunk).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub prompt_filter_results: Option<FilterVerdicts>,
    /// An error the service streamed in place of a chunk (Azure's mid-stream content filter).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<Value>,
}

/// One choice's delta in a chunk.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ChunkChoice {
    /// Its index.
    #[serde(default)]
    pub index: u32,
    /// What was added; absent on Azure's annotation-only chunks.
    #[serde(default)]
    pub delta: Option<Delta>,
    /// Set on the choice's last chunk.
    #[serde(default)]
    pub finish_reason: Option<String>,
    /// Azure's filter verdicts on this part.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub content_filter_results: Option<FilterVerdicts>,
}

/// What a chunk adds to the message.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Delta {
    /// The role, on the first delta.
    #[serde(default)]
    pub role: Option<String>,
    /// Text added.
    #[serde(default)]
    pub content: Option<String>,
    /// Tool-call fragments, by index.
    #[serde(default, deserialize_with = "null_as_default")]
    pub tool_calls: Vec<ToolCallDelta>,
    /// Legacy function-call fragment.
    #[serde(default)]
    pub function_call: Option<FunctionCallDelta>,
    /// Refusal text added.
    #[serde(default)]
    pub refusal: Option<String>,
}

/// A fragment of a tool call.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ToolCallDelta {
    /// Which call this fragment belongs to.
    #[serde(default)]
    pub index: u32,
    /// The call's id, on its first fragment.
    #[serde(default)]
    pub id: Option<String>,
    /// The function fragment.
    #[serde(default)]
    pub function: Option<FunctionCallDelta>,
}

/// A fragment of a function name and arguments.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct FunctionCallDelta {
    /// The name, on the first fragment.
    #[serde(default)]
    pub name: Option<String>,
    /// More argument text.
    #[serde(default)]
    pub arguments: Option<String>,
}

fn null_as_default<'de, D, T>(d: D) -> Result<T, D::Error>
where
    D: serde::Deserializer<'de>,
    T: Default + Deserialize<'de>,
{
    Ok(Option::<T>::deserialize(d)?.unwrap_or_default())
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        /// Whatever counts a server sends, summing attempts never overflows (it saturates).
        #[test]
        fn usage_sums_saturate(a in any::<[u64; 3]>(), b in any::<[u64; 3]>(), n in 1usize..4) {
            let usage = |t: [u64; 3]| Usage::new(t[0], t[1], t[2]);
            let mut sum = usage(a);
            for _ in 0..n {
                sum += usage(b);
            }
            let expect = |i: usize| (0..n).fold(a[i], |s, _| s.saturating_add(b[i]));
            prop_assert_eq!(sum, usage([expect(0), expect(1), expect(2)]));
        }
    }

    #[test]
    fn filter_verdicts_name_filtered_categories_of_objects_and_prompt_arrays() {
        let completion: ChatCompletion = serde_json::from_str(
            r#"{"choices": [{"index": 0, "message": {}, "finish_reason": "content_filter",
                "content_filter_results": {"hate": {"filtered": false, "severity": "safe"},
                                           "sexual": {"filtered": true, "severity": "high"}}}],
                "prompt_filter_results": [
                    {"prompt_index": 0, "content_filter_results": {"jailbreak": {"filtered": true, "detected": true}}},
                    {"prompt_index": 1, "content_filter_results": {"hate": {"filtered": false}}}]}"#,
        )
        .unwrap();
        let choice = &completion.choices[0];
        let verdicts = choice.content_filter_results.as_ref().unwrap();
        assert_eq!(verdicts.filtered(), ["sexual"]);
        assert_eq!(verdicts.to_value()["sexual"]["severity"], "high");
        let prompt = completion.prompt_filter_results.as_ref().unwrap();
        assert_eq!(prompt.filtered(), ["jailbreak"]);
        // Kept as sent: serializing gives the same JSON back.
        let again = serde_json::to_value(&completion).unwrap();
        assert_eq!(again["prompt_filter_results"][0]["prompt_index"], 0);
    }
}
