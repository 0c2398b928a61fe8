//! The capability table and the bodies sent, checked against the published Azure OpenAI specs in
//! `../shared/azure-openai/<version>/inference.json` (skipped with a message when absent).

mod common;

use std::collections::BTreeSet;
use std::path::PathBuf;

use common::*;
use instructor_azure::ApiVersion;
use instructor_core::{AsyncTransport, Error, Transport};
use serde_json::{json, Value};
use wiremock::matchers::any;
use wiremock::{Mock, MockServer, ResponseTemplate};

const VERSIONS: &[&str] = &[
    "2024-02-01",
    "2024-05-01-preview",
    "2024-06-01",
    "2024-10-21",
];

fn spec_dir() -> PathBuf {
    PathBuf::from(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../shared/azure-openai"
    ))
}

/// The saved specs, or none (with a message) when the shared folder is not there.
fn specs() -> Vec<(&'static str, Value)> {
    let mut out = Vec::new();
    for v in VERSIONS {
        let file = spec_dir().join(v).join("inference.json");
        match std::fs::read_to_string(&file) {
            Ok(text) => out.push((*v, serde_json::from_str(&text).expect("spec is JSON"))),
            Err(_) => eprintln!(
                "SKIP: {} not found; spec checks for {v} skipped",
                file.display()
            ),
        }
    }
    out
}

fn resolve<'a>(spec: &'a Value, schema: &'a Value) -> &'a Value {
    match schema.get("$ref").and_then(Value::as_str) {
        Some(r) => spec
            .pointer(r.trim_start_matches('#'))
            .map(|s| resolve(spec, s))
            .expect("ref resolves"),
        None => schema,
    }
}

/// Property names of `createChatCompletionRequest`, through `allOf` and `$ref`.
fn request_properties(spec: &Value) -> BTreeSet<String> {
    fn walk(spec: &Value, schema: &Value, out: &mut BTreeSet<String>) {
        let schema = resolve(spec, schema);
        if let Some(all) = schema.get("allOf").and_then(Value::as_array) {
            for s in all {
                walk(spec, s, out);
            }
        }
        if let Some(props) = schema.get("properties").and_then(Value::as_object) {
            out.extend(props.keys().cloned());
        }
    }
    let mut out = BTreeSet::new();
    walk(
        spec,
        &json!({"$ref": "#/components/schemas/createChatCompletionRequest"}),
        &mut out,
    );
    out
}

/// OpenAPI 3.0's `nullable: true` in JSON Schema terms: `null` is allowed too.
fn nullable_to_json_schema(schema: &mut Value) {
    match schema {
        Value::Array(items) => items.iter_mut().for_each(nullable_to_json_schema),
        Value::Object(map) => {
            map.values_mut().for_each(nullable_to_json_schema);
            if map.get("nullable") == Some(&Value::Bool(true)) {
                map.remove("nullable");
                match map.get("type").cloned() {
                    Some(Value::String(t)) => {
                        map.insert("type".into(), json!([t, "null"]));
                        if let Some(Value::Array(values)) = map.get_mut("enum") {
                            values.push(Value::Null);
                        }
                    }
                    _ => {
                        let inner = Value::Object(std::mem::take(map));
                        map.insert("anyOf".into(), json!([inner, {"type": "null"}]));
                    }
                }
            }
        }
        _ => {}
    }
}

/// A validator for `createChatCompletionRequest`, its `#/components/schemas/...` refs resolved
/// within the spec document (OpenAPI's `nullable` translated).
fn request_validator(spec: &Value) -> jsonschema::Validator {
    let mut root = spec.clone();
    nullable_to_json_schema(&mut root);
    // Erratum in the published 2024-10-21 spec: `ResponseFormatJsonSchema.json_schema.required` is
    // ["type", "name"], but `json_schema` declares no `type` property (the `type: json_schema`
    // sits one level up) and neither the service nor OpenAI's SDKs send one. Keep "name" only.
    if let Some(required) = root
        .pointer_mut("/components/schemas/ResponseFormatJsonSchema/properties/json_schema/required")
    {
        if required == &json!(["type", "name"]) {
            eprintln!(
                "note: patched the spec erratum json_schema.required = [type, name] -> [name]"
            );
            *required = json!(["name"]);
        }
    }
    root["$ref"] = json!("#/components/schemas/createChatCompletionRequest");
    jsonschema::options()
        .with_draft(jsonschema::Draft::Draft4)
        .build(&root)
        .expect("the spec's request schema compiles")
}

fn assert_valid(validator: &jsonschema::Validator, version: &str, what: &str, body: &Value) {
    let errors: Vec<String> = validator
        .iter_errors(body)
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .collect();
    assert!(
        errors.is_empty(),
        "{what} body sent on {version} breaks its spec: {errors:?}\n{body}"
    );
}

fn user_schema() -> Value {
    json!({"type": "object", "properties": {"name": {"type": "string"}, "age": {"type": "integer"}},
        "required": ["name", "age"], "additionalProperties": false})
}

/// Bodies as the engine builds them for each mode, plus optional fields.
fn mode_bodies() -> Vec<(&'static str, Value)> {
    let user = json!({"role": "user", "content": "John is 30"});
    let system = json!({"role": "system", "content": "Extract the user."});
    let tool = json!({"type": "function", "function": {"name": "User", "description": "A person.", "parameters": user_schema()}});
    let named = json!({"type": "function", "function": {"name": "User"}});
    vec![
        (
            "md_json",
            json!({"messages": [system, user], "temperature": 0, "max_tokens": 200, "seed": 7}),
        ),
        (
            "tools",
            json!({"messages": [user], "tools": [tool], "tool_choice": named}),
        ),
        (
            "tools re-ask",
            json!({"messages": [user,
            {"role": "assistant", "content": null, "tool_calls": [{"id": "call_1", "type": "function", "function": {"name": "User", "arguments": "{\"name\":\"John\"}"}}]},
            {"role": "tool", "tool_call_id": "call_1", "content": "age: missing"}],
            "tools": [tool], "tool_choice": named}),
        ),
        (
            "tools_strict",
            json!({"messages": [user], "parallel_tool_calls": false,
            "tools": [{"type": "function", "function": {"name": "User", "parameters": user_schema(), "strict": true}}], "tool_choice": named}),
        ),
        (
            "parallel_tools",
            json!({"messages": [user], "tools": [tool], "tool_choice": "auto", "parallel_tool_calls": true}),
        ),
        (
            "tool_choice_required",
            json!({"messages": [user], "tools": [tool], "tool_choice": "required"}),
        ),
        (
            "functions",
            json!({"messages": [user], "functions": [{"name": "User", "description": "A person.", "parameters": user_schema()}], "function_call": {"name": "User"}}),
        ),
        (
            "json",
            json!({"messages": [system, user], "response_format": {"type": "json_object"}}),
        ),
        (
            "json_schema",
            json!({"messages": [user], "response_format": {"type": "json_schema",
            "json_schema": {"name": "User", "description": "A person.", "schema": user_schema(), "strict": true}}}),
        ),
        (
            "max_completion_tokens",
            json!({"messages": [user], "max_completion_tokens": 100}),
        ),
        (
            "logprobs",
            json!({"messages": [user], "logprobs": true, "top_logprobs": 2}),
        ),
        (
            "developer",
            json!({"messages": [{"role": "developer", "content": "Be terse."}, user]}),
        ),
    ]
}

#[test]
fn request_fields_match_each_spec() {
    let samples = [
        ("tools", json!([])),
        ("tool_choice", json!("auto")),
        ("functions", json!([])),
        ("function_call", json!("auto")),
        ("response_format", json!({"type": "text"})),
        ("seed", json!(1)),
        ("logprobs", json!(true)),
        ("top_logprobs", json!(1)),
        ("parallel_tool_calls", json!(false)),
        ("max_completion_tokens", json!(10)),
        ("stream_options", json!({"include_usage": true})),
        ("reasoning_effort", json!("low")),
        ("store", json!(false)),
        ("metadata", json!({})),
    ];
    for (version, spec) in specs() {
        let props = request_properties(&spec);
        let v = ApiVersion::parse(version).unwrap();
        for (field, sample) in &samples {
            let body = json!({"messages": [], field.to_string(): sample});
            assert_eq!(
                v.check_body(&body).is_ok(),
                props.contains(*field),
                "{version}: our table and the spec disagree on `{field}`"
            );
        }
    }
}

#[test]
fn value_level_checks_match_each_spec() {
    for (version, spec) in specs() {
        let validator = request_validator(&spec);
        let v = ApiVersion::parse(version).unwrap();
        for (mode, body) in mode_bodies() {
            // Fields a spec lacks pass its schema (no additionalProperties: false); those are
            // covered by request_fields_match_each_spec. Here: values the schema can judge.
            if ![
                "json_schema",
                "json",
                "tool_choice_required",
                "developer",
                "tools",
                "functions",
            ]
            .contains(&mode)
            {
                continue;
            }
            let errors: Vec<String> = validator
                .iter_errors(&body)
                .map(|e| format!("{e} at {}", e.instance_path()))
                .collect();
            assert_eq!(
                v.check_body(&body).is_ok(),
                errors.is_empty(),
                "{version}: our check and the spec disagree on the {mode} body: {errors:?}"
            );
        }
    }
}

#[tokio::test]
async fn bodies_sent_validate_against_the_spec_of_the_configured_version() {
    let specs = specs();
    if specs.is_empty() {
        eprintln!("SKIP: no saved specs");
        return;
    }
    let server = MockServer::start().await;
    Mock::given(any())
        .respond_with(ResponseTemplate::new(200).set_body_json(completion()))
        .mount(&server)
        .await;
    let mut sent_total = 0;
    for (version, spec) in &specs {
        let validator = request_validator(spec);
        let client = azure_async(&server.uri(), version).build().unwrap();
        for (mode, body) in mode_bodies() {
            let before = server.received_requests().await.unwrap().len();
            match client.send(&body).await {
                Ok(_) => {
                    let received = server.received_requests().await.unwrap();
                    assert_eq!(received.len(), before + 1);
                    let sent: Value = received[before].body_json().unwrap();
                    assert_valid(&validator, version, mode, &sent);
                    sent_total += 1;
                }
                Err(Error::Unsupported { since, .. }) => {
                    assert!(
                        since.is_some(),
                        "{mode} on {version}: no first version named"
                    );
                    assert_eq!(
                        server.received_requests().await.unwrap().len(),
                        before,
                        "{mode} on {version} was sent anyway"
                    );
                }
                Err(e) => panic!("{mode} on {version}: {e}"),
            }
        }
    }
    assert!(sent_total >= 20, "only {sent_total} bodies were checked");
}

#[tokio::test]
async fn stream_options_refused_on_ga_2024_10_21_before_sending() {
    let server = MockServer::start().await;
    Mock::given(any())
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_raw(sse(&azure_chunks(), true), "text/event-stream"),
        )
        .mount(&server)
        .await;
    let mut b = body();
    b["stream_options"] = json!({"include_usage": true});
    let ga = azure_async(&server.uri(), "2024-10-21").build().unwrap();
    let e = ga.stream(&b).await.err().expect("refused");
    match &e {
        Error::Unsupported {
            what, by, since, ..
        } => {
            assert!(what.contains("stream_options"));
            assert_eq!(by, "Azure OpenAI api-version 2024-10-21");
            assert_eq!(since.as_deref(), Some("2024-09-01-preview"));
        }
        other => panic!("{other:?}"),
    }
    assert!(server.received_requests().await.unwrap().is_empty());

    // The preview that added it sends it, and so does a later (unknown) preview.
    for version in ["2024-09-01-preview", "2025-04-01-preview", "preview"] {
        let client = azure_async(&server.uri(), version).build().unwrap();
        assert!(client.stream(&b).await.is_ok(), "{version}");
    }

    let rt_server = server.uri();
    let blocking = std::thread::spawn(move || {
        let client = azure_blocking(&rt_server, "2024-06-01").build().unwrap();
        let mut js = body();
        js["response_format"] = json!({"type": "json_schema", "json_schema": {"name": "User", "schema": user_schema()}});
        client.send(&js).unwrap_err()
    })
    .join()
    .unwrap();
    assert!(
        matches!(&blocking, Error::Unsupported { since: Some(s), .. } if s == "2024-08-01-preview"),
        "{blocking:?}"
    );
}

/// A person mentioned in the text.
#[derive(instructor_derive::Instructor, serde::Deserialize, Debug)]
#[instructor(crate = "instructor_core")]
#[allow(dead_code)]
struct Person {
    name: String,
    #[instructor(min = 0, max = 150)]
    age: u32,
}

/// The engine's own bodies (typed messages, the schema serialized once and shared) as the Azure
/// transport writes them: valid under the spec, `model` left out, the conversation and the
/// schema intact, and on a re-ask the same shared schema followed by the re-ask messages.
#[tokio::test]
async fn engine_bodies_written_by_the_transport_validate_against_the_spec() {
    let Some((version, spec)) = specs().into_iter().find(|(v, _)| *v == "2024-10-21") else {
        eprintln!("SKIP: no saved 2024-10-21 spec");
        return;
    };
    let validator = request_validator(&spec);
    let server = MockServer::start().await;
    Mock::given(any())
        .respond_with(ResponseTemplate::new(200).set_body_json(completion()))
        .mount(&server)
        .await;
    let modes = [
        instructor_core::Mode::Tools,
        instructor_core::Mode::ToolsStrict,
        instructor_core::Mode::Functions,
        instructor_core::Mode::Json,
        instructor_core::Mode::JsonSchema,
        instructor_core::Mode::MdJson,
        instructor_core::Mode::JsonO1,
        instructor_core::Mode::ParallelTools,
    ];
    for mode in modes {
        let transport = azure_async(&server.uri(), version).build().unwrap();
        let client = instructor_core::from_openai(transport)
            .with_mode(mode)
            .max_retries(1);
        let before = server.received_requests().await.unwrap().len();
        let request = instructor_core::Request::default().user("John is 30");
        // The canned reply answers in text, so tool modes re-ask once and then give up.
        let _ = client.create::<Person>(request).await;
        let received = server.received_requests().await.unwrap();
        assert!(received.len() > before, "{mode}: nothing was sent");
        for (i, r) in received[before..].iter().enumerate() {
            let sent: Value = r.body_json().unwrap();
            assert_valid(&validator, version, &format!("{mode} attempt {i}"), &sent);
            assert!(
                sent.get("model").is_none(),
                "{mode}: model sent to a dated api-version"
            );
            let messages = sent["messages"].as_array().unwrap();
            // The prompt-only modes and JsonSchema put the answer's shape after the user's text.
            assert!(
                messages.iter().any(|m| m["content"]
                    .as_str()
                    .is_some_and(|c| c.starts_with("John is 30"))),
                "{mode}: the user message is missing: {sent}"
            );
            let schema = match mode {
                instructor_core::Mode::Tools
                | instructor_core::Mode::ToolsStrict
                | instructor_core::Mode::ParallelTools => {
                    &sent["tools"][0]["function"]["parameters"]
                }
                instructor_core::Mode::Functions => &sent["functions"][0]["parameters"],
                instructor_core::Mode::JsonSchema => {
                    &sent["response_format"]["json_schema"]["schema"]
                }
                _ => continue,
            };
            assert_eq!(
                schema["properties"]["age"]["type"], "integer",
                "{mode}: {sent}"
            );
            if i > 0 {
                assert!(messages.len() > 1, "{mode}: the re-ask added no messages");
            }
        }
    }
}

/// A 1x1 PNG, made here (signature, IHDR, IDAT, IEND), for image parts from bytes.
const PNG_1X1: &[u8] = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\0\x01\0\0\0\x01\x08\x06\0\0\0\x1f\x15\xc4\x89\0\0\0\rIDATx\x9cc\xf8\x0f\0\0\x01\x01\0\x05\x18\xd8N\0\0\0\0IEND\xaeB`\x82";

/// A user message of each part type, as the engine writes it.
fn parts_body(parts: Vec<instructor_core::ContentPart>) -> Value {
    json!({"messages": [instructor_core::Message::user_parts(parts)]})
}

#[tokio::test]
async fn image_parts_validate_against_every_spec_and_audio_and_file_parts_are_refused_first() {
    use instructor_core::{ContentPart, ImageDetail};
    let specs = specs();
    if specs.is_empty() {
        eprintln!("SKIP: no saved specs");
        return;
    }
    let server = MockServer::start().await;
    Mock::given(any())
        .respond_with(ResponseTemplate::new(200).set_body_json(completion()))
        .mount(&server)
        .await;
    let image = parts_body(vec![
        ContentPart::text("What is in these pictures?"),
        ContentPart::image_bytes(PNG_1X1)
            .unwrap()
            .with_detail(ImageDetail::High),
        ContentPart::image_url("https://example.com/a.jpg").with_detail(ImageDetail::Low),
        ContentPart::image_url("https://example.com/b.jpg"),
    ]);
    let wav = [b"RIFF\x24\0\0\0WAVEfmt ".as_slice(), &[0u8; 24]].concat();
    let audio = parts_body(vec![
        ContentPart::text("Transcribe:"),
        ContentPart::audio_bytes(&wav).unwrap(),
    ]);
    let pdf = parts_body(vec![
        ContentPart::pdf_bytes("a.pdf", b"%PDF-1.7\n%%EOF").unwrap()
    ]);

    for (version, spec) in &specs {
        let validator = request_validator(spec);
        let client = azure_async(&server.uri(), version).build().unwrap();

        let before = server.received_requests().await.unwrap().len();
        client.send(&image).await.unwrap();
        let received = server.received_requests().await.unwrap();
        let sent: Value = received[before].body_json().unwrap();
        assert_valid(&validator, version, "image parts", &sent);
        let url = sent["messages"][0]["content"][1]["image_url"]["url"]
            .as_str()
            .unwrap();
        assert!(
            url.starts_with("data:image/png;base64,iVBORw0KGgo"),
            "{url}"
        );
        if *version == "2024-10-21" {
            // The validator does read parts: a detail outside the spec's enum breaks it.
            let mut bad = sent.clone();
            bad["messages"][0]["content"][1]["image_url"]["detail"] = json!("ultra");
            assert!(
                !validator.is_valid(&bad),
                "the spec check ignores image parts"
            );
        }

        let err = client.send(&audio).await.unwrap_err();
        assert!(
            matches!(&err, Error::Unsupported { since: Some(v), .. } if v == "2025-01-01-preview"),
            "audio on {version}: {err}"
        );
        let err = client.send(&pdf).await.unwrap_err();
        assert!(
            matches!(&err, Error::Unsupported { since: None, suggestion: Some(s), .. } if s.contains("`v1`")),
            "file on {version}: {err}"
        );
        assert_eq!(
            server.received_requests().await.unwrap().len(),
            before + 1,
            "a refused part was sent on {version}"
        );
    }

    // Audio from the version that brought it on; file parts on the v1 surface.
    let audio_version = azure_async(&server.uri(), "2025-01-01-preview")
        .build()
        .unwrap();
    audio_version.send(&audio).await.unwrap();
    assert!(audio_version.send(&pdf).await.is_err());
    let v1 = azure_async(&server.uri(), "v1").build().unwrap();
    v1.send(&pdf).await.unwrap();
    let received = server.received_requests().await.unwrap();
    let sent: Value = received.last().unwrap().body_json().unwrap();
    assert_eq!(
        sent["messages"][0]["content"][0],
        json!({"type": "file", "file": {"filename": "a.pdf",
            "file_data": "data:application/pdf;base64,JVBERi0xLjcKJSVFT0Y="}})
    );
}

#[tokio::test]
async fn the_engine_refuses_parts_the_version_lacks_before_sending() {
    let server = MockServer::start().await;
    let transport = azure_async(&server.uri(), "2024-10-21").build().unwrap();
    let client = instructor_core::from_openai(transport);
    let wav = [b"RIFF\x24\0\0\0WAVEfmt ".as_slice(), &[0u8; 24]].concat();
    let request = instructor_core::Request::default().user_parts(vec![
        instructor_core::ContentPart::text("Who speaks?"),
        instructor_core::ContentPart::audio_bytes(&wav).unwrap(),
    ]);
    let err = client.create::<Person>(request).await.unwrap_err();
    assert!(
        matches!(&err, Error::Unsupported { what, since: Some(v), .. }
            if what.contains("input_audio") && v == "2025-01-01-preview"),
        "{err}"
    );
    assert!(server.received_requests().await.unwrap().is_empty());
}
