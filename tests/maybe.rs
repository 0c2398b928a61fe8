//! `Maybe<T>`: the derived generic wrapper, its schema, its own rule, and an extraction where
//! the model says "not in the text" instead of inventing a value.

use instructor::testing::{self, ScriptedTransport};
use instructor::{Client, Instructor, Maybe, PartialMaybe, Request};
use serde::Deserialize;
use serde_json::json;

/// A person mentioned in the text.
#[derive(Instructor, Deserialize, Debug, PartialEq, Clone, serde::Serialize)]
struct User {
    name: String,
    age: u32,
}

#[test]
fn the_schema_is_the_generic_derive_of_the_inner_type() {
    let schema = Maybe::<User>::json_schema();
    assert_eq!(schema["title"], "Maybe_User");
    // What the model reads is the wrapper's rule, not the Rust docs.
    assert_eq!(
        schema["description"],
        "The result if the text holds it; otherwise error true and a short message why not."
    );
    assert_eq!(
        schema["$defs"]["User"]["description"],
        "A person mentioned in the text."
    );
    assert_eq!(schema["required"], json!(["error"]), "{schema}");
    let strict = Maybe::<User>::json_schema_strict();
    assert_eq!(strict["additionalProperties"], false);
    assert_eq!(strict["required"], json!(["result", "error", "message"]));
    // The result is the inner type or null, in strict mode too.
    let result = strict["properties"]["result"].to_string();
    assert!(
        result.contains("null") && result.contains("User"),
        "{result}"
    );
}

#[test]
fn the_wrapper_holds_a_value_or_a_reason_never_both_or_neither() {
    let ok: Maybe<User> = serde_json::from_value(
        json!({"result": {"name": "Ann", "age": 3}, "error": false, "message": null}),
    )
    .unwrap();
    assert!(ok.validate().is_ok());
    assert_eq!(
        ok.clone().into_option(),
        Some(User {
            name: "Ann".into(),
            age: 3
        })
    );

    let both: Maybe<User> = serde_json::from_value(
        json!({"result": {"name": "Ann", "age": 3}, "error": true, "message": "x"}),
    )
    .unwrap();
    let neither: Maybe<User> =
        serde_json::from_value(json!({"result": null, "error": false, "message": null})).unwrap();
    let silent: Maybe<User> =
        serde_json::from_value(json!({"result": null, "error": true, "message": ""})).unwrap();
    for bad in [both, neither, silent] {
        assert!(bad.validate().is_err(), "{bad:?}");
    }
}

#[test]
fn the_model_says_the_text_has_no_user_and_is_re_asked_when_it_contradicts_itself() {
    let transport = ScriptedTransport::new()
        .reply(testing::tool_call_completion(
            "Maybe_User",
            r#"{"result": null, "error": false, "message": null}"#,
        ))
        .reply(testing::tool_call_completion(
            "Maybe_User",
            r#"{"result": null, "error": true, "message": "The text names no person."}"#,
        ));
    let client = Client::new(transport.clone()).max_retries(1);
    let maybe: Maybe<User> = client
        .create(Request::new("gpt-4o-mini").user("The weather is fine today."))
        .unwrap();
    assert_eq!(
        maybe.into_result().unwrap_err(),
        "The text names no person."
    );

    // The re-ask carried the wrapper's rule back to the model.
    let reask = transport.requests()[1].to_string();
    assert!(
        reask.contains("`result` is null but `error` is false"),
        "{reask}"
    );
}

#[test]
fn the_partial_twin_streams_the_inner_partial() {
    let partial: PartialMaybe<User> =
        serde_json::from_value(json!({"result": {"name": "An"}})).unwrap();
    let inner = partial.result.unwrap();
    assert_eq!(inner.name.as_deref(), Some("An"));
    assert_eq!(inner.age, None);
}
