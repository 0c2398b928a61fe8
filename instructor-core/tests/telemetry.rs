//! Tracing: a re-asked extraction through the scripted transport, captured by a small
//! `tracing_subscriber` layer; the GenAI attribute names and values on the extraction, attempt
//! and call spans, and no prompt, reply or key without the opt-in.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

use instructor_core::testing::{self, ScriptedTransport};
use instructor_core::{Client, Instructor, Mode, Request, ValidationErrors};
use serde::Deserialize;
use serde_json::{json, Value};
use tracing::field::{Field, Visit};
use tracing::span::{Attributes, Id, Record};
use tracing::Subscriber;
use tracing_subscriber::layer::{Context, Layer, SubscriberExt};
use tracing_subscriber::registry::LookupSpan;

/// One captured span: its name, its parent's name, and every field recorded on it.
#[derive(Debug, Clone)]
struct Captured {
    name: String,
    parent: Option<String>,
    fields: BTreeMap<String, String>,
}

#[derive(Clone, Default)]
struct Capture(Arc<Mutex<Vec<(Id, Captured)>>>);

struct Fields<'a>(&'a mut BTreeMap<String, String>);

impl Visit for Fields<'_> {
    fn record_str(&mut self, field: &Field, value: &str) {
        self.0.insert(field.name().to_owned(), value.to_owned());
    }
    fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
        self.0.insert(field.name().to_owned(), format!("{value:?}"));
    }
}

impl<S: Subscriber + for<'a> LookupSpan<'a>> Layer<S> for Capture {
    fn on_new_span(&self, attrs: &Attributes<'_>, id: &Id, ctx: Context<'_, S>) {
        let mut fields = BTreeMap::new();
        attrs.record(&mut Fields(&mut fields));
        let parent = ctx
            .span(id)
            .and_then(|s| s.parent())
            .map(|p| p.name().to_owned());
        self.0.lock().unwrap().push((
            id.clone(),
            Captured {
                name: attrs.metadata().name().to_owned(),
                parent,
                fields,
            },
        ));
    }
    fn on_record(&self, id: &Id, values: &Record<'_>, _ctx: Context<'_, S>) {
        let mut spans = self.0.lock().unwrap();
        if let Some((_, span)) = spans.iter_mut().find(|(i, _)| i == id) {
            values.record(&mut Fields(&mut span.fields));
        }
    }
}

#[derive(Debug, Deserialize, PartialEq)]
struct User {
    name: String,
    age: u32,
}

impl Instructor for User {
    type Partial = Value;
    fn schema_name() -> String {
        "User".into()
    }
    fn json_schema() -> Value {
        json!({"type": "object", "properties": {"name": {"type": "string"}, "age": {"type": "integer"}},
               "required": ["name", "age"]})
    }
    fn json_schema_strict() -> Value {
        Self::json_schema()
    }
    fn validate(&self) -> Result<(), ValidationErrors> {
        let mut e = ValidationErrors::new();
        if self.age > 150 {
            e.push("age", "must be at most 150");
        }
        e.into_result()
    }
}

const SECRET_PROMPT: &str = "Jason (the secret prompt text) is 25";

fn completion(id: &str, args: &str, prompt: u64, out: u64) -> Value {
    let mut c = testing::tool_call_completion("User", args);
    c["id"] = json!(id);
    c["model"] = json!("gpt-4o-mini-2024-07-18");
    c["usage"] =
        json!({"prompt_tokens": prompt, "completion_tokens": out, "total_tokens": prompt + out});
    c
}

fn run(trace_content: bool) -> Vec<Captured> {
    let capture = Capture::default();
    let subscriber = tracing_subscriber::registry().with(capture.clone());
    let transport = ScriptedTransport::new()
        .reply(completion(
            "chatcmpl-1",
            r#"{"name": "Jason", "age": 250}"#,
            40,
            9,
        ))
        .reply(completion(
            "chatcmpl-2",
            r#"{"name": "Jason", "age": 25}"#,
            70,
            8,
        ));
    let client = Client::new(transport)
        .with_mode(Mode::Tools)
        .max_retries(1)
        .trace_content(trace_content);
    tracing::subscriber::with_default(subscriber, || {
        let user: User = client
            .create(Request::new("gpt-4o-mini").user(SECRET_PROMPT))
            .unwrap();
        assert_eq!(user.age, 25);
    });
    let spans = capture.0.lock().unwrap();
    spans.iter().map(|(_, s)| s.clone()).collect()
}

fn named<'a>(spans: &'a [Captured], name: &str) -> Vec<&'a Captured> {
    spans.iter().filter(|s| s.name == name).collect()
}

#[test]
fn a_re_asked_extraction_has_genai_spans_for_extraction_attempts_and_calls() {
    let spans = run(false);
    let extraction = named(&spans, "extract");
    assert_eq!(extraction.len(), 1, "{spans:#?}");
    let f = &extraction[0].fields;
    assert_eq!(f["gen_ai.operation.name"], "chat");
    assert_eq!(f["gen_ai.request.model"], "gpt-4o-mini");
    assert_eq!(f["otel.name"], "chat gpt-4o-mini");
    assert_eq!(f["instructor.mode"], "Tools");
    assert_eq!(f["instructor.attempts"], "2");
    assert_eq!(f["gen_ai.response.id"], "chatcmpl-2");
    assert_eq!(f["gen_ai.response.model"], "gpt-4o-mini-2024-07-18");
    assert_eq!(f["gen_ai.response.finish_reasons"], r#"["tool_calls"]"#);
    // Usage summed over both attempts.
    assert_eq!(f["gen_ai.usage.input_tokens"], "110");
    assert_eq!(f["gen_ai.usage.output_tokens"], "17");

    let attempts = named(&spans, "attempt");
    assert_eq!(attempts.len(), 2);
    let (first, second) = (&attempts[0].fields, &attempts[1].fields);
    assert_eq!(attempts[0].parent.as_deref(), Some("extract"));
    assert_eq!(first["instructor.attempt"], "1");
    assert_eq!(first["gen_ai.response.id"], "chatcmpl-1");
    assert_eq!(first["gen_ai.usage.input_tokens"], "40");
    assert!(
        first["instructor.reask.errors"].contains("age: must be at most 150"),
        "{first:?}"
    );
    assert_eq!(second["instructor.attempt"], "2");
    assert_eq!(second["gen_ai.response.id"], "chatcmpl-2");
    assert!(!second.contains_key("instructor.reask.errors"));

    let calls = named(&spans, "http");
    assert_eq!(calls.len(), 2);
    assert!(calls.iter().all(|c| c.parent.as_deref() == Some("attempt")));
    assert_eq!(calls[0].fields["http.request.method"], "POST");
}

#[test]
fn no_prompt_or_reply_without_the_opt_in_and_both_with_it() {
    let all = |spans: &[Captured]| format!("{spans:?}");
    let without = all(&run(false));
    assert!(!without.contains("secret prompt"), "{without}");
    assert!(!without.contains("Jason"), "{without}");
    assert!(!without.contains("gen_ai.input.messages"));

    let spans = run(true);
    let attempts = named(&spans, "attempt");
    assert!(attempts[0].fields["gen_ai.input.messages"].contains("secret prompt"));
    assert!(
        attempts[1].fields["gen_ai.output.messages"].contains(r#"\"age\": 25"#)
            || attempts[1].fields["gen_ai.output.messages"].contains("age")
    );
}
