//! Every content part type as the SDK writes it, validated against the OpenAI spec's
//! `ChatCompletionRequestUserMessageContentPart` (`../shared/openai/openapi.yaml`, the schema the
//! v1 surface follows; skipped with a message when absent), and the media detection's errors.

use instructor_core::{AudioFormat, ContentPart, Error, ImageDetail};
use serde_json::{json, Value};

const PNG: &[u8] = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR";
const JPEG: &[u8] = &[0xFF, 0xD8, 0xFF, 0xE0, 0, 0x10, b'J', b'F', b'I', b'F'];
const GIF: &[u8] = b"GIF89a\x01\0\x01\0";
const WEBP: &[u8] = b"RIFF\x1a\0\0\0WEBPVP8 ";
const WAV: &[u8] = b"RIFF\x24\0\0\0WAVEfmt \x10\0\0\0";
const MP3: &[u8] = b"ID3\x04\0\0\0\0\0\0";

/// The OpenAI spec's user content part schema, with `#/components/schemas/..` refs resolvable.
fn part_validator() -> Option<jsonschema::Validator> {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../shared/openai/openapi.yaml"
    );
    let Ok(text) = std::fs::read_to_string(path) else {
        eprintln!("SKIP: {path} not found; part shapes not checked against the spec");
        return None;
    };
    // Each schema under `components.schemas` is read on its own: one elsewhere holds a number
    // no YAML parser here reads (`seed`'s minimum below i64), and the parts need only theirs.
    let Some(start) = text.find("\n  schemas:\n") else {
        panic!("the spec has no components.schemas")
    };
    let mut schemas = serde_json::Map::new();
    let mut block: Vec<&str> = Vec::new();
    let mut flush = |block: &mut Vec<&str>| {
        if let Some((name, body)) = block.split_first() {
            let name = name.trim().trim_end_matches(':');
            let body = body
                .iter()
                .map(|l| l.get(6..).unwrap_or(""))
                .collect::<Vec<_>>();
            if let Ok(schema) = serde_norway::from_str::<Value>(&body.join("\n")) {
                schemas.insert(name.to_owned(), schema);
            }
        }
        block.clear();
    };
    for line in text[start + 12..].lines() {
        let indent = line.len() - line.trim_start().len();
        if !line.trim().is_empty() && indent < 4 {
            break;
        }
        if indent == 4 && line.trim_end().ends_with(':') {
            flush(&mut block);
        }
        block.push(line);
    }
    flush(&mut block);
    let mut root = json!({"components": {"schemas": schemas}});
    root["$ref"] = json!("#/components/schemas/ChatCompletionRequestUserMessageContentPart");
    Some(jsonschema::validator_for(&root).expect("the part schema compiles"))
}

fn parts() -> Vec<(&'static str, ContentPart)> {
    vec![
        ("text", ContentPart::text("What is in it?")),
        (
            "image url",
            ContentPart::image_url("https://example.com/a.png"),
        ),
        (
            "image url with detail",
            ContentPart::image_url("https://example.com/a.png").with_detail(ImageDetail::Low),
        ),
        ("png", ContentPart::image_bytes(PNG).unwrap()),
        (
            "jpeg",
            ContentPart::image_bytes(JPEG)
                .unwrap()
                .with_detail(ImageDetail::High),
        ),
        ("gif", ContentPart::image_bytes(GIF).unwrap()),
        (
            "webp",
            ContentPart::image_bytes(WEBP)
                .unwrap()
                .with_detail(ImageDetail::Auto),
        ),
        ("wav", ContentPart::audio_bytes(WAV).unwrap()),
        ("mp3", ContentPart::audio_bytes(MP3).unwrap()),
        (
            "audio from base64",
            ContentPart::input_audio("AAAA", AudioFormat::Mp3),
        ),
        (
            "pdf",
            ContentPart::pdf_bytes("invoice.pdf", b"%PDF-1.4\n").unwrap(),
        ),
        ("file id", ContentPart::file_id("file-abc123")),
    ]
}

#[test]
fn every_part_type_validates_against_the_openai_spec() {
    let Some(validator) = part_validator() else {
        return;
    };
    for (what, part) in parts() {
        let json = serde_json::to_value(&part).unwrap();
        let errors: Vec<String> = validator
            .iter_errors(&json)
            .map(|e| e.to_string())
            .collect();
        assert!(errors.is_empty(), "{what}: {errors:?}\n{json}");
    }
    // The validator does look inside: an audio format the spec lacks is refused.
    let bad = json!({"type": "input_audio", "input_audio": {"data": "AAAA", "format": "ogg"}});
    assert!(!validator.is_valid(&bad));
}

#[test]
fn media_types_come_from_the_bytes() {
    let url = |part: ContentPart| match part {
        ContentPart::ImageUrl { image_url } => image_url.url,
        other => panic!("{other:?}"),
    };
    assert!(url(ContentPart::image_bytes(PNG).unwrap()).starts_with("data:image/png;base64,"));
    assert!(url(ContentPart::image_bytes(JPEG).unwrap()).starts_with("data:image/jpeg;base64,"));
    assert!(url(ContentPart::image_bytes(GIF).unwrap()).starts_with("data:image/gif;base64,"));
    assert!(url(ContentPart::image_bytes(WEBP).unwrap()).starts_with("data:image/webp;base64,"));
    assert_eq!(
        serde_json::to_value(ContentPart::audio_bytes(WAV).unwrap()).unwrap()["input_audio"]
            ["format"],
        "wav"
    );
    assert_eq!(
        serde_json::to_value(ContentPart::audio_bytes(MP3).unwrap()).unwrap()["input_audio"]
            ["format"],
        "mp3"
    );
}

#[test]
fn bytes_of_another_kind_are_refused_with_what_they_start_with() {
    let bmp = b"BM\x36\x00\x00\x00";
    let Err(Error::Configuration(m)) = ContentPart::image_bytes(bmp) else {
        panic!("a BMP was taken for an image the API accepts")
    };
    assert!(
        m.contains("PNG, JPEG, GIF or WEBP") && m.contains("42 4d"),
        "{m}"
    );
    // A WAV is RIFF like a WEBP, but is no image; an image is no audio; a PNG no PDF.
    assert!(ContentPart::image_bytes(WAV).is_err());
    assert!(ContentPart::audio_bytes(PNG).is_err());
    assert!(ContentPart::pdf_bytes("x.pdf", PNG).is_err());
    let Err(Error::Configuration(m)) = ContentPart::image_file("/nonexistent/receipt.png") else {
        panic!("a missing file was read")
    };
    assert!(m.contains("/nonexistent/receipt.png"), "{m}");
}
