//! What the service sends when it says no, turned into [`Error`]s.

use std::time::Duration;

use http::HeaderMap;
use instructor_core::Error;
use serde_json::Value;

/// What the request was about, for error messages (never secrets).
#[derive(Debug, Clone)]
pub(crate) struct ErrorContext {
    /// The deployment or model asked for.
    pub deployment: Option<String>,
    /// `scheme://host:port` of the endpoint.
    pub endpoint: String,
    /// Whether this is Azure (for Azure-only hints).
    pub azure: bool,
}

/// At most 200 characters of a body, whitespace collapsed, for error messages.
pub(crate) fn excerpt(bytes: &[u8]) -> String {
    let text = String::from_utf8_lossy(bytes);
    let collapsed: String = text.split_whitespace().collect::<Vec<_>>().join(" ");
    if collapsed.is_empty() {
        return "(empty body)".to_string();
    }
    format!("\"{}\"", instructor_core::error::excerpt(&collapsed, 200))
}

fn str_at<'a>(v: &'a Value, key: &str) -> Option<&'a str> {
    v.get(key).and_then(Value::as_str)
}

/// `code` may be a string or a number (`"429"`, `401`).
fn code_of(err: &Value) -> Option<String> {
    match err.get("code") {
        Some(Value::String(s)) => Some(s.clone()),
        Some(Value::Number(n)) => Some(n.to_string()),
        _ => None,
    }
}

/// Maps an `{"error": {...}}` object (or Azure's unwrapped `{"statusCode", "message"}`) with its
/// HTTP status to an [`Error`].
pub(crate) fn map_error_json(
    status: u16,
    body: &Value,
    retry_after: Option<Duration>,
    request_id: Option<String>,
    ctx: &ErrorContext,
) -> Error {
    let err = match body.get("error") {
        Some(e @ Value::Object(_)) => e.clone(),
        // Some servers send `{"error": "text"}`.
        Some(Value::String(s)) => serde_json::json!({ "message": s }),
        _ => body.clone(),
    };
    let message = str_at(&err, "message")
        .or_else(|| str_at(body, "message"))
        .or_else(|| str_at(body, "detail"))
        .map(str::to_string)
        .unwrap_or_else(|| format!("no message; body {}", excerpt(body.to_string().as_bytes())));
    let code = code_of(&err);
    let status = match status {
        // A stream error event has no HTTP status of its own.
        200..=299 => err
            .get("status")
            .and_then(Value::as_u64)
            .and_then(|s| u16::try_from(s).ok())
            .unwrap_or(status),
        s => s,
    };

    if code.as_deref() == Some("content_filter") {
        return Error::content_filter_from(&err, message);
    }

    match status {
        401 | 403 => Error::Authentication { status, message },
        404 if code.as_deref() == Some("DeploymentNotFound") => Error::DeploymentNotFound {
            deployment: ctx.deployment.clone().unwrap_or_default(),
            endpoint: ctx.endpoint.clone(),
            message,
        },
        400 if ctx.azure && code.as_deref() == Some("unknown_model") => Error::DeploymentNotFound {
            deployment: ctx.deployment.clone().unwrap_or_default(),
            endpoint: ctx.endpoint.clone(),
            message,
        },
        429 => Error::RateLimited {
            retry_after,
            message,
        },
        _ => {
            let message = if status == 404 && ctx.azure {
                format!(
                    "{message} (check the endpoint {} and the api-version)",
                    ctx.endpoint
                )
            } else if status == 404 {
                format!(
                    "{message} (check the base URL {}; it usually ends in /v1)",
                    ctx.endpoint
                )
            } else {
                message
            };
            Error::Api {
                status,
                code,
                message,
                request_id,
            }
        }
    }
}

/// Maps a non-2xx reply (its status, headers and the body as read, perhaps cut) to an [`Error`]:
/// the server's wait from `retry-after-ms` / `retry-after`, its request id, and the body's error.
pub(crate) fn map_error_reply(
    status: u16,
    headers: &HeaderMap,
    body: &[u8],
    ctx: &ErrorContext,
) -> Error {
    let text = |name: &str| headers.get(name).and_then(|v| v.to_str().ok());
    let request_id = text("apim-request-id")
        .or_else(|| text("x-request-id"))
        .map(str::to_string);
    map_error_response(
        status,
        text("content-type"),
        body,
        crate::retry::retry_after(headers),
        request_id,
        ctx,
    )
}

/// Maps a non-2xx reply to an [`Error`], whatever its body is.
pub(crate) fn map_error_response(
    status: u16,
    content_type: Option<&str>,
    body: &[u8],
    retry_after: Option<Duration>,
    request_id: Option<String>,
    ctx: &ErrorContext,
) -> Error {
    if let Ok(json) = serde_json::from_slice::<Value>(body) {
        if json.is_object() {
            return map_error_json(status, &json, retry_after, request_id, ctx);
        }
    }
    let what = format!(
        "the reply was not JSON ({}): {}",
        content_type.unwrap_or("no content-type"),
        excerpt(body)
    );
    match status {
        401 | 403 => Error::Authentication {
            status,
            message: what,
        },
        429 => Error::RateLimited {
            retry_after,
            message: what,
        },
        _ => Error::Api {
            status,
            code: None,
            message: format!(
                "{what}; a proxy or gateway may stand in front of {}",
                ctx.endpoint
            ),
            request_id,
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use instructor_core::FilterOrigin;
    use serde_json::json;

    fn ctx() -> ErrorContext {
        ErrorContext {
            deployment: Some("gpt-4o-mini".into()),
            endpoint: "https://x.openai.azure.com".into(),
            azure: true,
        }
    }

    #[test]
    fn odd_bodies_do_not_panic() {
        for body in [
            &b""[..],
            b"null",
            b"[1,2]",
            b"{\"error\":null}",
            b"{\"error\":[]}",
            b"{\"error\":{\"code\":{}}}",
            b"\xff\xfe<html>",
            b"{\"error\":{\"code\":\"content_filter\",\"innererror\":7}}",
        ] {
            for status in [200, 400, 401, 404, 429, 500] {
                let e = map_error_response(status, None, body, None, None, &ctx());
                assert!(!e.to_string().is_empty());
            }
        }
    }

    /// The status an error names, where it names one.
    fn named_status(e: &Error) -> Option<u16> {
        match e {
            Error::Authentication { status, .. } | Error::Api { status, .. } => Some(*status),
            Error::RateLimited { .. } => Some(429),
            _ => None,
        }
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(512))]
        /// Any status, headers and body: no panic, and an error that carries the status (or,
        /// for the kinds named by their meaning, a filter or a missing deployment).
        #[test]
        fn any_error_reply_maps_to_an_error_naming_its_status(
            status in 300u16..1000,
            body in proptest::collection::vec(proptest::num::u8::ANY, 0..512),
            json_body in proptest::option::of(crate::errors::tests::json_error()),
            headers in proptest::collection::vec(
                (proptest::sample::select(vec!["retry-after", "retry-after-ms", "x-ms-retry-after-ms",
                    "content-type", "apim-request-id", "x-request-id"]),
                 proptest::collection::vec(32u8..127, 0..40)), 0..6),
        ) {
            let mut map = HeaderMap::new();
            for (name, value) in headers {
                if let Ok(v) = http::HeaderValue::from_bytes(&value) {
                    map.append(name, v);
                }
            }
            let body = json_body.map(String::into_bytes).unwrap_or(body);
            let e = map_error_reply(status, &map, &body, &ctx());
            let shown = e.to_string();
            proptest::prop_assert!(!shown.is_empty());
            match &e {
                Error::ContentFilter { .. } | Error::DeploymentNotFound { .. } => {}
                Error::RateLimited { .. } => proptest::prop_assert!(status == 429 || named_status(&e) == Some(429)),
                other => {
                    proptest::prop_assert_eq!(named_status(other), Some(status), "{:?}", other);
                    proptest::prop_assert!(shown.contains(&status.to_string()), "{}", shown);
                }
            }
        }
    }

    /// Error bodies shaped as services send them, with arbitrary values in their fields.
    pub(super) fn json_error() -> impl proptest::strategy::Strategy<Value = String> {
        use proptest::prelude::*;
        let scalar = prop_oneof![
            Just(Value::Null),
            any::<bool>().prop_map(Value::from),
            any::<i64>().prop_map(Value::from),
            "[a-zA-Z_ ]{0,12}".prop_map(Value::from),
            Just(Value::from("content_filter")),
            Just(Value::from("DeploymentNotFound")),
            Just(Value::from("unknown_model")),
        ];
        let inner = prop::collection::btree_map(
            prop_oneof![
                Just("code"),
                Just("message"),
                Just("param"),
                Just("status"),
                Just("innererror"),
                Just("inner_error"),
                Just("content_filter_result")
            ]
            .prop_map(String::from),
            scalar.clone(),
            0..6,
        );
        (inner, scalar, any::<bool>()).prop_map(|(fields, top, wrapped)| {
            let error: serde_json::Map<String, Value> = fields.into_iter().collect();
            if wrapped {
                serde_json::json!({ "error": error }).to_string()
            } else {
                serde_json::json!({ "statusCode": top, "message": top, "error": top }).to_string()
            }
        })
    }

    #[test]
    fn content_filter_categories_from_both_spellings() {
        let live = json!({"error": {"code": "content_filter", "param": "prompt", "message": "filtered",
            "innererror": {"code": "ResponsibleAIPolicyViolation", "content_filter_result": {
                "hate": {"filtered": false, "severity": "safe"}, "violence": {"filtered": true, "severity": "medium"}}}}});
        let spec = json!({"error": {"code": "content_filter", "message": "filtered",
            "inner_error": {"content_filter_results": {"jailbreak": {"filtered": true, "detected": true}}}}});
        match map_error_json(400, &live, None, None, &ctx()) {
            Error::ContentFilter {
                origin, categories, ..
            } => {
                assert_eq!(origin, FilterOrigin::Prompt);
                assert_eq!(categories, vec!["violence"]);
            }
            e => panic!("{e:?}"),
        }
        match map_error_json(400, &spec, None, None, &ctx()) {
            Error::ContentFilter { categories, .. } => assert_eq!(categories, vec!["jailbreak"]),
            e => panic!("{e:?}"),
        }
    }
}

/// The error-reply mapping for the fuzz targets in `fuzz/` (feature `fuzzing`): not a public API.
#[cfg(feature = "fuzzing")]
#[doc(hidden)]
pub mod fuzzing {
    use super::*;

    /// Maps a reply with `status`, `headers` (names and values as bytes; invalid ones are dropped,
    /// as no HTTP library would hand them on) and `body` to the transport's [`Error`].
    pub fn map_error_reply(status: u16, headers: &[(&[u8], &[u8])], body: &[u8]) -> Error {
        let mut map = HeaderMap::new();
        for (name, value) in headers {
            if let (Ok(n), Ok(v)) = (
                http::HeaderName::from_bytes(name),
                http::HeaderValue::from_bytes(value),
            ) {
                map.append(n, v);
            }
        }
        let ctx = ErrorContext {
            deployment: Some("gpt-4o-mini".into()),
            endpoint: "https://fuzz.openai.azure.com".into(),
            azure: true,
        };
        super::map_error_reply(status, &map, body, &ctx)
    }
}
