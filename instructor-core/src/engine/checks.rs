//! What is refused before anything is sent: a mode or a request field the service or its
//! api-version cannot take, each named with what would work instead.

use crate::capability::{Feature, Support};
use crate::error::{Error, Result};
use crate::message::{Content, ContentPart, Message};
use crate::mode::{Api, Mode};
use crate::request::chat_request::Request;

/// Refuses a mode the service cannot serve, naming one it can.
pub(crate) fn check_mode(mode: Mode, supports: &dyn Fn(Feature) -> Support) -> Result<()> {
    for &feature in mode.required_features() {
        if let Support::No { by, since } = supports(feature) {
            let alternative = [Mode::Tools, Mode::Json, Mode::MdJson]
                .into_iter()
                .find(|m| {
                    m.required_features()
                        .iter()
                        .all(|f| supports(*f) == Support::Yes)
                });
            return Err(Error::Unsupported {
                what: format!("{mode} (it sends {})", feature.describe()),
                by,
                since,
                suggestion: alternative.map(|m| format!("{m} works with this configuration")),
            });
        }
    }
    Ok(())
}

/// Refuses request fields the service cannot take, and more than one choice (only the first
/// would be read, and the rest silently lost).
pub(crate) fn check_request(
    mode: Mode,
    request: &Request,
    supports: &dyn Fn(Feature) -> Support,
) -> Result<()> {
    if let Some(n) = request.extra.get("n").filter(|n| n.as_u64() != Some(1)) {
        return Err(Error::Configuration(format!(
            "`n: {n}` asks for several choices, but an extraction reads one: remove `n` (or set it \
             to 1) and call create again for more values, or use create_iterable for a list"
        )));
    }
    check_reasoning(request)?;
    match mode.api() {
        Api::ChatCompletions => check_chat_request(request)?,
        Api::Responses => check_responses_request(mode, request)?,
    }
    let mut needed = Vec::new();
    if request.max_completion_tokens.is_some() && mode.api() == Api::ChatCompletions {
        needed.push(Feature::MaxCompletionTokens);
    }
    if request.reasoning_effort.is_some() && mode.api() == Api::ChatCompletions {
        needed.push(Feature::ReasoningEffort);
    }
    if request.seed.is_some() {
        needed.push(Feature::Seed);
    }
    if request
        .messages
        .iter()
        .any(|m| matches!(m, Message::Developer { .. }))
    {
        needed.push(Feature::DeveloperRole);
    }
    needed.extend(part_features(&request.messages));
    for feature in needed {
        if let Support::No { by, since } = supports(feature) {
            // No version to name: the service does not say which would take it.
            let suggestion = since.is_none().then(|| {
                "check which api-versions of the service take it, or leave it out".to_owned()
            });
            return Err(Error::Unsupported {
                what: feature.describe().to_owned(),
                by,
                since,
                suggestion,
            });
        }
    }
    Ok(())
}

/// Reasoning models refuse sampling settings: say so before the service does.
fn check_reasoning(request: &Request) -> Result<()> {
    if request.reasoning_effort.is_none() {
        return Ok(());
    }
    let sampling = [
        ("temperature", request.temperature),
        ("top_p", request.top_p),
    ];
    match sampling.iter().find(|(_, v)| v.is_some()) {
        Some((name, _)) => Err(Error::Configuration(format!(
            "`{name}` is set beside `reasoning_effort`, but reasoning models take no `{name}`: \
             remove it (or remove reasoning_effort for a model that samples)"
        ))),
        None => Ok(()),
    }
}

fn check_chat_request(request: &Request) -> Result<()> {
    if request
        .messages
        .iter()
        .any(|m| matches!(m, Message::ResponseItem(_)))
    {
        return Err(Error::Configuration(
            "Message::ResponseItem is a Responses API input item, which chat completions do not \
             take: use a Responses mode (Mode::ResponsesTools, Mode::ResponsesJsonSchema)"
                .to_owned(),
        ));
    }
    Ok(())
}

fn check_responses_request(mode: Mode, request: &Request) -> Result<()> {
    let refused = [
        ("stop", !request.stop.is_empty()),
        ("seed", request.seed.is_some()),
        (
            "legacy function messages",
            request
                .messages
                .iter()
                .any(|m| matches!(m, Message::Function { .. })),
        ),
        (
            "audio parts (`input_audio`) in messages",
            part_features(&request.messages).contains(&Feature::AudioInput),
        ),
    ];
    match refused.iter().find(|(_, set)| *set) {
        Some((what, _)) => Err(Error::Configuration(format!(
            "{mode} speaks the Responses API, which takes no {what}: remove it, or use a \
             chat-completions mode"
        ))),
        None => Ok(()),
    }
}

/// The features the user messages' parts need (images, audio, documents), each once.
pub(crate) fn part_features(messages: &[Message]) -> Vec<Feature> {
    let mut needed = Vec::new();
    let parts = messages.iter().filter_map(|m| match m {
        Message::User {
            content: Content::Parts(parts),
            ..
        } => Some(parts),
        _ => None,
    });
    for part in parts.flatten() {
        let feature = match part {
            ContentPart::Text { .. } => continue,
            ContentPart::ImageUrl { .. } => Feature::ImageInput,
            ContentPart::InputAudio { .. } => Feature::AudioInput,
            ContentPart::File { .. } => Feature::FileInput,
        };
        if !needed.contains(&feature) {
            needed.push(feature);
        }
    }
    needed
}
