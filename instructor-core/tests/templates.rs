//! `Request::render`: placeholders in messages filled from a serializable context; what is not
//! in the context is an error naming the message, never a blank.

use instructor_core::testing::{self, ScriptedTransport};
use instructor_core::{Client, Content, ContentPart, Error, Message, Request};
use serde::Serialize;
use serde_json::json;

#[derive(Serialize)]
struct Ticket {
    product: &'static str,
    codes: Vec<&'static str>,
    body: &'static str,
}

fn ticket() -> Ticket {
    Ticket {
        product: "Contoso <Router> & Co",
        codes: vec!["E1", "E7"],
        body: "The router shows E7 since Monday.",
    }
}

#[test]
fn every_text_is_rendered_and_data_is_left_alone() {
    let request = Request::new("gpt-4o-mini")
        .system("Classify tickets about {{ product }}. Known codes: {{ codes | join(', ') }}.")
        .developer("{% for c in codes %}[{{ c }}]{% endfor %}")
        .user_parts(vec![
            ContentPart::text("Ticket: {{ body }}"),
            ContentPart::image_url("https://example.com/{{ not_a_placeholder }}.png"),
        ])
        .assistant("Noted {{ codes | length }} codes.")
        .tool("call_1", "{{ raw tool output }}")
        .render(&ticket())
        .unwrap();

    let texts: Vec<String> = request
        .messages
        .iter()
        .map(|m| serde_json::to_value(m).unwrap().to_string())
        .collect();
    // No HTML escaping: a prompt is text.
    assert!(
        texts[0].contains("about Contoso <Router> & Co. Known codes: E1, E7."),
        "{}",
        texts[0]
    );
    assert!(texts[1].contains("[E1][E7]"), "{}", texts[1]);
    let Message::User {
        content: Content::Parts(parts),
        ..
    } = &request.messages[2]
    else {
        panic!()
    };
    assert_eq!(
        parts[0],
        ContentPart::text("Ticket: The router shows E7 since Monday.")
    );
    assert_eq!(
        parts[1],
        ContentPart::image_url("https://example.com/{{ not_a_placeholder }}.png")
    );
    assert_eq!(request.messages[3], Message::assistant("Noted 2 codes."));
    assert_eq!(
        request.messages[4],
        Message::tool("call_1", "{{ raw tool output }}")
    );
}

#[test]
fn an_undefined_placeholder_is_an_error_naming_the_message_and_the_name() {
    for (template, name) in [
        ("Ticket: {{ bdy }}", "bdy"),
        ("{{ product.vendor.name }}", "vendor"),
        ("{% for c in kodes %}{{ c }}{% endfor %}", "kodes"),
    ] {
        let err = Request::new("m")
            .system("fine: {{ product }}")
            .user(template)
            .render(&ticket())
            .unwrap_err();
        let Error::Configuration(message) = &err else {
            panic!("{err:?}")
        };
        assert!(message.contains("message 1 (user)"), "{message}");
        assert!(message.contains("undefined"), "{template}: {message}");
        assert!(message.contains(name), "{template}: {message}");
    }
}

#[test]
fn a_syntax_error_is_an_error() {
    let err = Request::new("m")
        .user("{{ body ")
        .render(&ticket())
        .unwrap_err();
    assert!(
        matches!(err, Error::Configuration(ref m) if m.contains("message 0 (user)")),
        "{err}"
    );
}

#[test]
fn tojson_puts_structured_context_into_a_prompt() {
    let request = Request::new("m")
        .user("Schema hints: {{ hints | tojson }}")
        .render(&json!({"hints": {"units": "cents", "max": 5}}))
        .unwrap();
    assert_eq!(
        request.messages[0],
        Message::user(r#"Schema hints: {"max": 5, "units": "cents"}"#)
    );
}

#[test]
fn the_rendered_prompt_is_what_the_transport_receives() {
    #[derive(Debug, serde::Deserialize)]
    struct Code {
        #[allow(dead_code)]
        code: String,
    }
    impl instructor_core::Instructor for Code {
        type Partial = serde_json::Value;
        fn schema_name() -> String {
            "Code".into()
        }
        fn json_schema() -> serde_json::Value {
            json!({"type": "object", "properties": {"code": {"type": "string"}}, "required": ["code"]})
        }
        fn json_schema_strict() -> serde_json::Value {
            Self::json_schema()
        }
    }
    let transport =
        ScriptedTransport::new().reply(testing::tool_call_completion("Code", r#"{"code": "E7"}"#));
    let client = Client::new(transport.clone());
    let request = Request::new("gpt-4o-mini")
        .user("Which code? {{ body }}")
        .render(&ticket())
        .unwrap();
    client.create::<Code>(request).unwrap();
    let sent = transport.requests()[0].to_string();
    assert!(
        sent.contains("Which code? The router shows E7 since Monday."),
        "{sent}"
    );
    assert!(!sent.contains("{{"), "{sent}");
}
