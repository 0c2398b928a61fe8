//! An image from a file, end to end: read from disk, its type read from its bytes, sent as a
//! base64 data URL in the body the scripted transport records, and the reply extracted.

use instructor::testing::{self, ScriptedTransport};
use instructor::{Client, ContentPart, ImageDetail, Instructor, Request};
use serde::Deserialize;

/// A receipt's total.
#[derive(Instructor, Deserialize, Debug, PartialEq)]
struct Receipt {
    merchant: String,
    total_cents: u64,
}

/// A 1x1 PNG.
const PNG_1X1: &[u8] = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\0\x01\0\0\0\x01\x08\x06\0\0\0\x1f\x15\xc4\x89\0\0\0\rIDATx\x9cc\xf8\x0f\0\0\x01\x01\0\x05\x18\xd8N\0\0\0\0IEND\xaeB`\x82";

#[test]
fn an_image_file_goes_into_the_body_as_a_data_url_and_the_value_comes_back() {
    let dir = std::env::temp_dir().join(format!("instructor-multimodal-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    // The name says JPEG; the bytes are PNG, and the bytes win.
    let path = dir.join("receipt.jpg");
    std::fs::write(&path, PNG_1X1).unwrap();

    let transport = ScriptedTransport::new().reply(testing::tool_call_completion(
        "Receipt",
        r#"{"merchant": "Corner Shop", "total_cents": 1299}"#,
    ));
    let client = Client::new(transport.clone());
    let receipt: Receipt = client
        .create(Request::new("gpt-4o").user_parts(vec![
            ContentPart::text("Read this receipt."),
            ContentPart::image_file(&path)
                .unwrap()
                .with_detail(ImageDetail::High),
        ]))
        .unwrap();
    assert_eq!(
        receipt,
        Receipt {
            merchant: "Corner Shop".into(),
            total_cents: 1299
        }
    );

    let body = &transport.requests()[0];
    let user = body["messages"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["role"] == "user")
        .unwrap();
    let image = &user["content"][1];
    assert_eq!(image["type"], "image_url");
    assert_eq!(image["image_url"]["detail"], "high");
    let url = image["image_url"]["url"].as_str().unwrap();
    let b64 = url.strip_prefix("data:image/png;base64,").expect(url);
    assert_eq!(b64, base64_of(PNG_1X1));
    std::fs::remove_dir_all(&dir).ok();
}

/// Standard base64, written out here so the test does not share the SDK's encoder.
fn base64_of(bytes: &[u8]) -> String {
    const ABC: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::new();
    for chunk in bytes.chunks(3) {
        let n = chunk.iter().fold(0u32, |n, b| (n << 8) | u32::from(*b)) << (8 * (3 - chunk.len()));
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(ABC[(n >> (18 - 6 * i)) as usize & 63] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

#[test]
fn responses_modes_send_documents_as_input_file_and_refuse_audio_before_sending() {
    use instructor::{Error, Mode};
    // Nothing scripted: a body that reached the transport would fail on the empty script.
    let transport = ScriptedTransport::new();
    let client = Client::new(transport.clone()).with_mode(Mode::ResponsesTools);
    let wav = [b"RIFF\x24\0\0\0WAVEfmt ".as_slice(), &[0u8; 24]].concat();
    let err = client
        .create::<Receipt>(Request::new("gpt-4o").user_parts(vec![
            ContentPart::text("Who speaks?"),
            ContentPart::audio_bytes(&wav).unwrap(),
        ]))
        .unwrap_err();
    assert!(
        matches!(&err, Error::Configuration(m) if m.contains("input_audio")),
        "{err}"
    );
    assert!(transport.requests().is_empty());

    let _ = client.create::<Receipt>(Request::new("gpt-4o").user_parts(vec![
        ContentPart::text("Total?"),
        ContentPart::pdf_bytes("r.pdf", b"%PDF-1.7\n").unwrap(),
    ]));
    let sent = &transport.requests()[0];
    let part = &sent["input"][0]["content"][1];
    assert_eq!(part["type"], "input_file", "{sent}");
    assert_eq!(part["filename"], "r.pdf");
    assert_eq!(
        part["file_data"],
        "data:application/pdf;base64,JVBERi0xLjcK"
    );
}
