//! The instruction that carries the schema in the modes that ask in words (`Json`, `MdJson`,
//! `JsonO1`), and where in the conversation it goes.

use crate::message::{Content, ContentPart, Message};
use crate::mode::Mode;
use crate::request::target::Target;

/// The messages with the mode's instructions put in: kept system message extended, never replaced.
pub(crate) fn messages_for(
    mode: Mode,
    target: &Target,
    mut messages: Vec<Message>,
) -> Vec<Message> {
    match mode {
        Mode::Json => add_to_system(&mut messages, &schema_instruction(target, false)),
        Mode::MdJson => add_to_system(&mut messages, &schema_instruction(target, true)),
        Mode::JsonO1 => fold_into_user(&mut messages, &schema_instruction(target, false)),
        Mode::Tools
        | Mode::ToolsStrict
        | Mode::ParallelTools
        | Mode::Functions
        | Mode::JsonSchema
        | Mode::ResponsesTools
        | Mode::ResponsesJsonSchema => {}
    }
    messages
}

/// The instruction that carries the schema in the JSON-text modes.
fn schema_instruction(target: &Target, fenced: bool) -> String {
    let schema = serde_json::to_string_pretty(&target.schema).unwrap_or_default();
    let how = if fenced {
        "Answer with one ```json fenced code block holding the JSON and nothing else."
    } else {
        "Answer with the JSON value only."
    };
    format!(
        "Extract `{name}`: {desc}\nReturn a JSON value that is an instance of this JSON Schema (a value, not the schema itself):\n{schema}\n{how}",
        name = target.name,
        desc = target.description,
    )
}

/// Appends to the first system message, or puts a new one first.
fn add_to_system(messages: &mut Vec<Message>, text: &str) {
    for m in messages.iter_mut() {
        if let Message::System { content, .. } = m {
            content.append_text(text);
            return;
        }
    }
    messages.insert(0, Message::system(text));
}

/// o1-style models take no system message: its text and the instruction go into the first user message.
fn fold_into_user(messages: &mut Vec<Message>, instruction: &str) {
    let mut preamble = Vec::new();
    messages.retain(|m| match m {
        Message::System { content, .. } => {
            preamble.push(content_text(content));
            false
        }
        _ => true,
    });
    preamble.push(instruction.to_owned());
    let preamble = preamble.join("\n\n");
    for m in messages.iter_mut() {
        if let Message::User { content, .. } = m {
            let original = std::mem::replace(content, Content::Text(preamble));
            match original {
                Content::Text(t) => content.append_text(&t),
                Content::Parts(parts) => {
                    let mut all = vec![ContentPart::text(content_text(content))];
                    all.extend(parts);
                    *content = Content::Parts(all);
                }
            }
            return;
        }
    }
    messages.push(Message::user(preamble));
}

fn content_text(content: &Content) -> String {
    match content {
        Content::Text(t) => t.clone(),
        Content::Parts(parts) => parts
            .iter()
            .filter_map(|p| match p {
                ContentPart::Text { text } => Some(text.as_str()),
                _ => None,
            })
            .collect::<Vec<_>>()
            .join("\n"),
    }
}
