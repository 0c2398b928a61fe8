//! `tracing` spans for an extraction, each attempt and each transport call, with the
//! OpenTelemetry GenAI semantic-convention attribute names (`gen_ai.operation.name`,
//! `gen_ai.request.model`, `gen_ai.response.*`, `gen_ai.usage.*`) and the SDK's own
//! (`instructor.mode`, `instructor.attempt`, `instructor.reask.errors`).
//!
//! Prompts and replies (`gen_ai.input.messages`, `gen_ai.output.messages`) are recorded only when
//! the client opts in with `.trace_content(true)`; keys and tokens never reach the engine. With no
//! subscriber, or one that ignores target `instructor`, a span is a disabled handle: nothing is
//! formatted or recorded.

use tracing::field::Empty;
use tracing::Span;

use crate::completion::ChatCompletion;
use crate::error::Error;
use crate::mode::Mode;

/// The spans of one extraction.
pub(crate) struct Telemetry {
    extraction: Span,
    /// The attempt under way, if one is, and its number.
    attempt: Option<Span>,
    number: Option<u32>,
    content: bool,
}

impl Telemetry {
    pub fn start(mode: Mode, model: &str, content: bool) -> Self {
        let extraction = tracing::info_span!(
            target: "instructor",
            "extract",
            otel.name = Empty,
            gen_ai.operation.name = "chat",
            gen_ai.request.model = model,
            instructor.mode = Empty,
            instructor.attempts = Empty,
            gen_ai.response.id = Empty,
            gen_ai.response.model = Empty,
            gen_ai.response.finish_reasons = Empty,
            gen_ai.usage.input_tokens = Empty,
            gen_ai.usage.output_tokens = Empty,
            error.type = Empty,
        );
        if !extraction.is_disabled() {
            extraction.record("otel.name", format!("chat {model}"));
            extraction.record("instructor.mode", format!("{mode:?}"));
        }
        Telemetry {
            extraction,
            attempt: None,
            number: None,
            content,
        }
    }

    /// No spans (a batch's replies, read long after their request).
    pub fn none() -> Self {
        Telemetry {
            extraction: Span::none(),
            attempt: None,
            number: None,
            content: false,
        }
    }

    /// Opens the span of attempt `number`, closing the last one, unless it is already open;
    /// `body` gives the request's messages as JSON, asked for only when content is recorded.
    pub fn attempt(&mut self, number: u32, body: impl FnOnce() -> Option<String>) {
        if self.extraction.is_disabled() || self.number == Some(number) {
            return;
        }
        self.number = Some(number);
        let span = tracing::info_span!(
            target: "instructor",
            parent: &self.extraction,
            "attempt",
            instructor.attempt = number,
            gen_ai.response.id = Empty,
            gen_ai.response.model = Empty,
            gen_ai.response.finish_reasons = Empty,
            gen_ai.usage.input_tokens = Empty,
            gen_ai.usage.output_tokens = Empty,
            instructor.reask.errors = Empty,
            gen_ai.input.messages = Empty,
            gen_ai.output.messages = Empty,
        );
        if self.content {
            if let Some(messages) = body() {
                span.record("gen_ai.input.messages", messages);
            }
        }
        self.attempt = Some(span);
    }

    /// The span of one transport call, under the attempt's.
    pub fn call(&self) -> Span {
        match &self.attempt {
            Some(attempt) => tracing::info_span!(
                target: "instructor",
                parent: attempt,
                "http",
                otel.name = "POST",
                http.request.method = "POST",
            ),
            None => Span::none(),
        }
    }

    /// Records what one attempt's completion said, on the attempt's span.
    pub fn reply(&self, completion: &ChatCompletion) {
        let Some(span) = &self.attempt else { return };
        record_completion(span, completion);
        if self.content {
            if let Ok(out) = serde_json::to_string(
                &completion
                    .choices
                    .iter()
                    .map(|c| &c.message)
                    .collect::<Vec<_>>(),
            ) {
                span.record("gen_ai.output.messages", out);
            }
        }
    }

    /// Records the errors the model is re-asked with on the attempt's span.
    pub fn reask(&self, error: &Error) {
        if let Some(span) = &self.attempt {
            span.record("instructor.reask.errors", error.to_string());
        }
    }

    /// Records the extraction's outcome: the last completion (usage summed over every attempt)
    /// and the attempt count, or the error's kind.
    pub fn finish(&self, attempts: u32, outcome: Result<&ChatCompletion, &Error>) {
        if self.extraction.is_disabled() {
            return;
        }
        self.extraction.record("instructor.attempts", attempts);
        match outcome {
            Ok(completion) => record_completion(&self.extraction, completion),
            Err(error) => {
                self.extraction.record("error.type", error.kind());
            }
        }
    }
}

fn record_completion(span: &Span, completion: &ChatCompletion) {
    if span.is_disabled() {
        return;
    }
    span.record("gen_ai.response.id", completion.id.as_str());
    span.record("gen_ai.response.model", completion.model.as_str());
    let reasons: Vec<&str> = completion
        .choices
        .iter()
        .filter_map(|c| c.finish_reason.as_deref())
        .collect();
    // A list attribute, written as JSON (tracing fields are scalars).
    if let Ok(reasons) = serde_json::to_string(&reasons) {
        span.record("gen_ai.response.finish_reasons", reasons);
    }
    if let Some(usage) = completion.usage {
        span.record("gen_ai.usage.input_tokens", usage.prompt_tokens);
        span.record("gen_ai.usage.output_tokens", usage.completion_tokens);
    }
}
