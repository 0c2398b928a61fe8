//! The conversation as the Responses API's `input` items: messages with typed content parts,
//! the model's function calls as `function_call` items and their answers as
//! `function_call_output` items.

use serde::ser::{SerializeSeq, Serializer};
use serde_json::{json, Value};

use crate::message::{Content, ContentPart, Message};

/// One message as the Responses input items it stands for (an assistant turn with tool calls is
/// a message and one `function_call` item per call).
fn items(message: &Message) -> Vec<Value> {
    match message {
        Message::System { content, .. } => vec![text_message("system", content)],
        Message::Developer { content } => vec![text_message("developer", content)],
        Message::User { content, .. } => vec![text_message("user", content)],
        Message::Assistant {
            content,
            tool_calls,
            function_call,
        } => {
            let mut out = Vec::new();
            if let Some(text) = content.as_deref().filter(|t| !t.is_empty()) {
                out.push(json!({"type": "message", "role": "assistant", "content": text}));
            }
            for call in tool_calls {
                out.push(json!({"type": "function_call", "call_id": call.id,
                                "name": call.function.name, "arguments": call.function.arguments}));
            }
            if let Some(f) = function_call {
                out.push(json!({"type": "function_call", "call_id": f.name,
                                "name": f.name, "arguments": f.arguments}));
            }
            out
        }
        Message::Tool {
            content,
            tool_call_id,
        } => vec![
            json!({"type": "function_call_output", "call_id": tool_call_id, "output": content}),
        ],
        Message::Function { name, content } => {
            vec![json!({"type": "function_call_output", "call_id": name, "output": content})]
        }
        Message::ResponseItem(item) => vec![item.clone()],
    }
}

fn text_message(role: &str, content: &Content) -> Value {
    let content = match content {
        Content::Text(text) => Value::String(text.clone()),
        Content::Parts(parts) => Value::Array(parts.iter().map(part).collect()),
    };
    json!({"type": "message", "role": role, "content": content})
}

/// A content part in the Responses API's spelling (`input_text`, `input_image`, `input_file`;
/// audio parts are refused before a Responses body is built).
fn part(part: &ContentPart) -> Value {
    match part {
        ContentPart::Text { text } => json!({"type": "input_text", "text": text}),
        ContentPart::ImageUrl { image_url } => {
            let mut image = json!({"type": "input_image", "image_url": image_url.url});
            if let Some(detail) = &image_url.detail {
                image["detail"] = json!(detail);
            }
            image
        }
        ContentPart::File { file } => {
            let mut item = json!({"type": "input_file"});
            for (key, value) in [
                ("filename", &file.filename),
                ("file_data", &file.file_data),
                ("file_id", &file.file_id),
            ] {
                if let Some(value) = value {
                    item[key] = json!(value);
                }
            }
            item
        }
        ContentPart::InputAudio { input_audio } => {
            json!({"type": "input_audio", "input_audio": input_audio})
        }
    }
}

/// Writes `messages` as a JSON array of input items.
pub(crate) fn serialize<S: Serializer>(
    messages: &[Message],
    serializer: S,
) -> Result<S::Ok, S::Error> {
    let mut seq = serializer.serialize_seq(None)?;
    for message in messages {
        for item in items(message) {
            seq.serialize_element(&item)?;
        }
    }
    seq.end()
}

/// `messages` as a JSON array of input items.
pub(crate) fn to_value(messages: &[Message]) -> Value {
    Value::Array(messages.iter().flat_map(items).collect())
}
