//! One streamed attempt, whichever API it speaks: events in, the mode's JSON text out as it grows,
//! and at the end the completion the events add up to (read by the same code as a non-streamed
//! reply).

use crate::completion::ChatCompletion;
use crate::engine::chat_assembler::ChatAssembler;
use crate::engine::fragments::Fragments;
use crate::engine::responses_assembler::ResponsesAssembler;
use crate::engine::settings::Limits;
use crate::error::Result;
use crate::mode::{Api, Mode};

/// Accumulates one attempt's stream for a mode: chat-completion chunks, or Responses API events.
// One per stream, held in place for its whole life: boxing the larger variant would only add an
// allocation per attempt.
#[allow(clippy::large_enum_variant)]
#[derive(Debug)]
pub(crate) enum Assembler {
    Chat(ChatAssembler),
    Responses(ResponsesAssembler),
}

impl Assembler {
    pub fn new(mode: Mode, limits: Limits) -> Self {
        match mode.api() {
            Api::ChatCompletions => Assembler::Chat(ChatAssembler::new(mode, limits)),
            Api::Responses => Assembler::Responses(ResponsesAssembler::new(mode, limits)),
        }
    }

    /// Takes one event's data; returns the JSON text it added.
    pub fn push(&mut self, data: &str) -> Result<Fragments> {
        match self {
            Assembler::Chat(a) => a.push(data),
            Assembler::Responses(a) => a.push(data),
        }
    }

    /// True once the stream said how it ended: a stream cut short never does.
    pub fn finished(&self) -> bool {
        match self {
            Assembler::Chat(a) => a.finished(),
            Assembler::Responses(a) => a.finished(),
        }
    }

    /// JSON text only the end of the stream can reveal.
    pub fn flush(&mut self) -> Fragments {
        match self {
            Assembler::Chat(a) => a.flush(),
            Assembler::Responses(_) => Vec::new(),
        }
    }

    /// The name of tool call `index`, once known.
    pub fn tool_name(&self, index: u32) -> Option<&str> {
        match self {
            Assembler::Chat(a) => a.tool_name(index),
            Assembler::Responses(a) => a.tool_name(index),
        }
    }

    /// The completion the stream adds up to.
    pub fn finish(self) -> Result<ChatCompletion> {
        match self {
            Assembler::Chat(a) => Ok(a.finish()),
            Assembler::Responses(a) => a.finish(),
        }
    }
}
