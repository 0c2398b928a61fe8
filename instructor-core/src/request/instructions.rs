//! The instruction that carries the schema in the modes that ask in words (`Json`, `MdJson`,
//! `JsonO1`), and where in the conversation it goes. `JsonSchema` gets it too, beside its
//! `response_format`: the grammar holds a small model to the schema, and the instruction tells it
//! what to write there (SmolLM2-135M listed the three people of the iterable example right with
//! it, and repeated invented names until the token limit without it).
//!
//! It follows the user's last message, so it is the last thing the model reads before it answers,
//! and it shows the answer's shape (the schema's sketch, `schema/sketch.rs`), not the JSON
//! Schema: shown a schema, a small model answers with the schema (measured on SmolLM2-135M, which
//! did so for every request that showed one, before or after the text, in a system or a user
//! message; see docs/local-model.md).

use crate::message::{Content, ContentPart, Message};
use crate::mode::Mode;
use crate::request::target::Target;
use crate::schema::sketch::sketch;

/// The messages with the mode's instruction put in. A user's system message is kept as written
/// (`JsonO1` moves its text into the first user message: o1-style models take none).
pub(crate) fn messages_for(
    mode: Mode,
    target: &Target,
    mut messages: Vec<Message>,
) -> Vec<Message> {
    match mode {
        Mode::JsonO1 => {
            fold_system_into_user(&mut messages);
            after_last_user(&mut messages, &schema_instruction(target));
        }
        Mode::Json | Mode::JsonSchema | Mode::MdJson | Mode::ResponsesJsonSchema => {
            after_last_user(&mut messages, &schema_instruction(target))
        }
        Mode::Tools
        | Mode::ToolsStrict
        | Mode::ParallelTools
        | Mode::Functions
        | Mode::ResponsesTools => {}
    }
    messages
}

/// What to answer with: JSON of the target's shape, its description as the first comment.
/// `MdJson` asks for no fence (its reply is read from one if there is one, else from its first
/// JSON value): asked for a ```json block, SmolLM2-135M wrote trailing commas or invented keys
/// until the token limit, and answered right without the request. The description line made it
/// list the iterable example's three people right where it had merged two of them.
fn schema_instruction(target: &Target) -> String {
    let description = target.description.split_whitespace().collect::<Vec<_>>();
    let comment = if description.is_empty() {
        String::new()
    } else {
        format!("// {}\n", description.join(" "))
    };
    format!(
        "Answer with JSON shaped like this, with the values from the text (the comments say what \
         each field holds):\n{comment}{}",
        sketch(&target.schema)
    )
}

/// Appends to the last user message, or adds one when there is none.
fn after_last_user(messages: &mut Vec<Message>, text: &str) {
    let last_user = messages.iter_mut().rev().find_map(|m| match m {
        Message::User { content, .. } => Some(content),
        _ => None,
    });
    match last_user {
        Some(content) => content.append_text(text),
        None => messages.push(Message::user(text)),
    }
}

/// Removes the system messages and puts their text before the first user message's.
fn fold_system_into_user(messages: &mut Vec<Message>) {
    let mut preamble = Vec::new();
    messages.retain(|m| match m {
        Message::System { content, .. } => {
            preamble.push(content.joined_text());
            false
        }
        _ => true,
    });
    if preamble.is_empty() {
        return;
    }
    let preamble = preamble.join("\n\n");
    for m in messages.iter_mut() {
        if let Message::User { content, .. } = m {
            let original = std::mem::replace(content, Content::Text(preamble));
            match original {
                Content::Text(t) => content.append_text(&t),
                Content::Parts(parts) => {
                    let mut all = vec![ContentPart::text(content.joined_text())];
                    all.extend(parts);
                    *content = Content::Parts(all);
                }
            }
            return;
        }
    }
    messages.insert(0, Message::user(preamble));
}
