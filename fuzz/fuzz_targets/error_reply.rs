//! Fuzzes the mapping of an error reply to `instructor_core::Error`: any status, headers and body
//! never panic, and the error names the status (or says what the body meant: a content filter, a
//! missing deployment).
//!
//! Run: `cd fuzz && cargo +nightly fuzz run error_reply`
//! The same property runs on stable, for a bounded number of cases, as the proptest
//! `errors::tests::any_error_reply_maps_to_an_error_naming_its_status` in instructor-azure.

#![no_main]

use instructor_azure::fuzzing::map_error_reply;
use instructor_core::Error;
use libfuzzer_sys::fuzz_target;

// Input layout: 2 bytes of status, 1 byte of header count, then per header a name length, name,
// value length and value (each length one byte), then the body.
fuzz_target!(|data: &[u8]| {
    let Some((status, rest)) = data.split_first_chunk::<2>() else {
        return;
    };
    let status = 300 + u16::from_le_bytes(*status) % 700;
    let Some((&count, mut rest)) = rest.split_first() else {
        return;
    };
    let mut headers = Vec::new();
    for _ in 0..count % 8 {
        let Some((name, after)) = take(rest) else { break };
        let Some((value, after)) = take(after) else { break };
        headers.push((name, value));
        rest = after;
    }
    let e = map_error_reply(status, &headers, rest);
    let shown = e.to_string();
    match e {
        Error::ContentFilter { .. } | Error::DeploymentNotFound { .. } => {}
        Error::RateLimited { .. } => assert!(shown.contains("429")),
        _ => assert!(shown.contains(&status.to_string()), "{shown}"),
    }
});

/// A length byte and that many bytes.
fn take(data: &[u8]) -> Option<(&[u8], &[u8])> {
    let (&len, rest) = data.split_first()?;
    let len = usize::from(len).min(rest.len());
    Some(rest.split_at(len))
}
