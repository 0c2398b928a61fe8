//! Message templates: placeholders in a request's messages rendered from a serializable context
//! (Jinja syntax, by minijinja), so prompts live apart from the data they are filled with.

use minijinja::value::Serde;
use minijinja::{Environment, UndefinedBehavior, Value};
use serde::Serialize;

use crate::error::{Error, Result};
use crate::message::{Content, ContentPart, Message};
use crate::request::chat_request::Request;

impl Request {
    /// Renders every message's text as a template with `context`: `{{ name }}`, filters
    /// (`{{ items | join(", ") }}`, `{{ doc | tojson }}`), `{% for %}` and `{% if %}`, as Python
    /// instructor's `context=`.
    ///
    /// System, developer, user (text and text parts) and assistant text are rendered; tool and
    /// function results, Responses input items, images, audio and documents are data and left
    /// as they are. A placeholder
    /// the context does not have is an error, never a silent blank, and so is a syntax error;
    /// both name the message.
    ///
    /// ```
    /// use instructor_core::Request;
    /// use serde_json::json;
    ///
    /// let request = Request::new("gpt-4o-mini")
    ///     .system("Extract the {{ kind }} named in the text. Valid codes: {{ codes | join(', ') }}.")
    ///     .user("{{ text }}")
    ///     .render(&json!({"kind": "product", "codes": ["A1", "B2"], "text": "I want a B2."}))?;
    /// assert_eq!(request.messages[1], instructor_core::Message::user("I want a B2."));
    ///
    /// let err = Request::new("m").user("{{ txet }}").render(&json!({"text": "x"})).unwrap_err();
    /// assert!(err.to_string().contains("txet"), "{err}");
    /// # Ok::<(), instructor_core::Error>(())
    /// ```
    pub fn render(mut self, context: &impl Serialize) -> Result<Self> {
        let env = environment();
        let context = Value::from(Serde(context));
        for (index, message) in self.messages.iter_mut().enumerate() {
            let role = role(message);
            let mut render = |text: &mut String| -> Result<()> {
                *text = env
                    .render_str(text, context.clone())
                    .map_err(|e| template_error(index, role, text, &e))?;
                Ok(())
            };
            match message {
                Message::System { content, .. }
                | Message::Developer { content }
                | Message::User { content, .. } => render_content(content, &mut render)?,
                Message::Assistant {
                    content: Some(text),
                    ..
                } => render(text)?,
                Message::Assistant { content: None, .. }
                | Message::Tool { .. }
                | Message::Function { .. }
                | Message::ResponseItem(_) => {}
            }
        }
        Ok(self)
    }
}

/// Jinja with strict undefined values. A string template's name has no `.html` extension, so
/// nothing is HTML-escaped: prompts are text, not markup.
fn environment() -> Environment<'static> {
    let mut env = Environment::new();
    env.set_undefined_behavior(UndefinedBehavior::Strict);
    env
}

fn render_content(
    content: &mut Content,
    render: &mut impl FnMut(&mut String) -> Result<()>,
) -> Result<()> {
    match content {
        Content::Text(text) => render(text),
        Content::Parts(parts) => {
            for part in parts {
                if let ContentPart::Text { text } = part {
                    render(text)?;
                }
            }
            Ok(())
        }
    }
}

fn role(message: &Message) -> &'static str {
    match message {
        Message::System { .. } => "system",
        Message::Developer { .. } => "developer",
        Message::User { .. } => "user",
        Message::Assistant { .. } => "assistant",
        Message::Tool { .. } => "tool",
        Message::Function { .. } => "function",
        Message::ResponseItem(_) => "Responses input item",
    }
}

/// The error, quoting the part of the template it points at (`{{ bdy }}` -> `bdy`).
fn template_error(index: usize, role: &str, template: &str, e: &minijinja::Error) -> Error {
    let at = e
        .range()
        .and_then(|r| template.get(r))
        .map(|s| format!(" at `{s}`"))
        .unwrap_or_default();
    Error::Configuration(format!(
        "the template of message {index} ({role}) could not be rendered: {e}{at}. Check the \
         placeholder names against the context (an undefined one is an error, not a blank)"
    ))
}
