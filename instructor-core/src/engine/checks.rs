//! What is refused before anything is sent: a mode or a request field the service or its
//! api-version cannot take, each named with what would work instead.

use crate::capability::{Feature, Support};
use crate::error::{Error, Result};
use crate::message::{Content, ContentPart, Message};
use crate::mode::Mode;
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
    request: &Request,
    supports: &dyn Fn(Feature) -> Support,
) -> Result<()> {
    if let Some(n) = request.extra.get("n").filter(|n| n.as_u64() != Some(1)) {
        return Err(Error::Configuration(format!(
            "`n: {n}` asks for several choices, but an extraction reads one: remove `n` (or set it \
             to 1) and call create again for more values, or use create_iterable for a list"
        )));
    }
    let mut needed = Vec::new();
    if request.max_completion_tokens.is_some() {
        needed.push(Feature::MaxCompletionTokens);
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
