//! SSE streams: Azure's odd chunks, error events, dropped connections and stalls.

mod common;

use std::time::{Duration, Instant};

use common::*;
use futures::StreamExt;
use instructor_core::{AsyncTransport, Error, FilterOrigin, Transport};
use serde_json::{json, Value};
use wiremock::matchers::{body_partial_json, header, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

async fn sse_server(text: String) -> MockServer {
    let server = MockServer::start().await;
    Mock::given(path(chat_path(DEPLOYMENT)))
        .and(body_partial_json(json!({"stream": true})))
        .and(header("accept", "text/event-stream"))
        .respond_with(ResponseTemplate::new(200).set_body_raw(text, "text/event-stream"))
        .mount(&server)
        .await;
    server
}

/// The events, each read as JSON (the transport hands them on as text).
async fn collect(stream: instructor_core::ChunkStream) -> Vec<instructor_core::Result<Value>> {
    stream
        .map(|r| r.map(|text| serde_json::from_str(&text).expect("each event is JSON")))
        .collect()
        .await
}

#[tokio::test]
async fn azure_stream_yields_every_chunk_and_stops_at_done() {
    let mut text = sse(&azure_chunks(), true);
    // Anything after [DONE] is not read as data.
    text.push_str("data: {\"late\": true}\n\n");
    let server = sse_server(text).await;
    let client = azure_async(&server.uri(), "2024-10-21").build().unwrap();
    let items = collect(client.stream(&body()).await.unwrap()).await;
    let values: Vec<Value> = items.into_iter().map(|r| r.unwrap()).collect();
    assert_eq!(values, azure_chunks());
}

#[tokio::test]
async fn error_event_mid_stream_maps_to_content_filter() {
    let filtered = json!({"error": {"code": "content_filter", "message": "The response was filtered", "status": 400,
        "innererror": {"code": "ResponsibleAIPolicyViolation", "content_filter_result": {
            "sexual": {"filtered": true, "severity": "high"}, "hate": {"filtered": false, "severity": "safe"}}}}});
    let chunks = azure_chunks();
    let text = sse(&[chunks[0].clone(), chunks[1].clone(), filtered], false);
    let server = sse_server(text).await;
    let client = azure_async(&server.uri(), "2024-10-21").build().unwrap();
    let items = collect(client.stream(&body()).await.unwrap()).await;
    assert_eq!(items.len(), 3);
    assert!(items[0].is_ok() && items[1].is_ok());
    match &items[2] {
        Err(Error::ContentFilter {
            origin, categories, ..
        }) => {
            assert_eq!(*origin, FilterOrigin::Completion);
            assert_eq!(categories, &vec!["sexual".to_string()]);
        }
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn stream_without_done_ends_with_stream_interrupted() {
    let chunks = azure_chunks();
    let server = sse_server(sse(&chunks[..3], false)).await;
    let client = azure_async(&server.uri(), "2024-10-21").build().unwrap();
    let items = collect(client.stream(&body()).await.unwrap()).await;
    assert_eq!(items.len(), 4);
    assert!(items[..3].iter().all(|r| r.is_ok()));
    assert!(
        matches!(&items[3], Err(Error::StreamInterrupted { .. })),
        "{:?}",
        items[3]
    );
}

#[tokio::test]
async fn connection_dropped_mid_stream() {
    let chunks = azure_chunks();
    let mut parts = vec![SSE_HEAD_CHUNKED.as_bytes().to_vec()];
    for c in &chunks[..2] {
        parts.push(chunk(&format!("data: {c}\n\n")));
    }
    // Half an event, then the socket closes without the terminating chunk.
    parts.push(chunk("data: {\"id\": \"c1\", \"choi"));
    let uri = raw_server(parts, Duration::from_millis(20), Duration::ZERO);
    let client = azure_async(&uri, "2024-10-21").build().unwrap();
    let items = collect(client.stream(&body()).await.unwrap()).await;
    assert_eq!(items.len(), 3, "{items:?}");
    assert_eq!(items[0].as_ref().unwrap(), &chunks[0]);
    assert_eq!(items[1].as_ref().unwrap(), &chunks[1]);
    assert!(
        matches!(&items[2], Err(Error::StreamInterrupted { .. })),
        "{:?}",
        items[2]
    );
    assert!(items[2].as_ref().unwrap_err().is_transient());
}

#[tokio::test]
async fn close_delimited_stream_cut_before_done() {
    let chunks = azure_chunks();
    let parts = vec![
        SSE_HEAD_CLOSE.as_bytes().to_vec(),
        format!("data: {}\n\n", chunks[1]).into_bytes(),
    ];
    let uri = raw_server(parts, Duration::from_millis(10), Duration::ZERO);
    let client = azure_async(&uri, "2024-10-21").build().unwrap();
    let items = collect(client.stream(&body()).await.unwrap()).await;
    assert_eq!(items.len(), 2, "{items:?}");
    assert!(matches!(&items[1], Err(Error::StreamInterrupted { .. })));
}

#[tokio::test]
async fn stalled_stream_hits_the_read_timeout() {
    let chunks = azure_chunks();
    let parts = vec![
        SSE_HEAD_CHUNKED.as_bytes().to_vec(),
        chunk(&format!("data: {}\n\n", chunks[1])),
    ];
    // One event, then silence for 3 s.
    let uri = raw_server(parts, Duration::ZERO, Duration::from_secs(3));
    let client = azure_async(&uri, "2024-10-21")
        .read_timeout(Duration::from_millis(300))
        .build()
        .unwrap();
    let started = Instant::now();
    let items = collect(client.stream(&body()).await.unwrap()).await;
    assert!(started.elapsed() < Duration::from_secs(2));
    assert_eq!(items.len(), 2);
    assert!(
        matches!(&items[1], Err(Error::Timeout { .. })),
        "{:?}",
        items[1]
    );
}

#[tokio::test]
async fn stream_setup_errors_are_returned_before_any_chunk() {
    let server = MockServer::start().await;
    Mock::given(path(chat_path(DEPLOYMENT)))
        .respond_with(
            ResponseTemplate::new(401)
                .set_body_json(json!({"error": {"code": "401", "message": "Access denied"}})),
        )
        .mount(&server)
        .await;
    let client = azure_async(&server.uri(), "2024-10-21").build().unwrap();
    assert!(matches!(
        client.stream(&body()).await.err(),
        Some(Error::Authentication { .. })
    ));
}

#[tokio::test]
async fn garbage_bytes_do_not_panic() {
    let text = "data: {not json\n\ndata: \u{fffd}\u{0}\n\n: comment\n\nevent: x\n\n".to_string();
    let server = sse_server(text).await;
    let client = azure_async(&server.uri(), "2024-10-21").build().unwrap();
    // The transport hands event text on as it came; the engine's chunk reader refuses it.
    let items: Vec<_> = client.stream(&body()).await.unwrap().collect().await;
    for text in items.iter().filter_map(|i| i.as_ref().ok()) {
        assert!(
            instructor_core::stream::accumulate::parse_event_data(text).is_err(),
            "{text}"
        );
    }
    assert!(matches!(items.last(), Some(Err(_))), "{items:?}");
}

#[test]
fn blocking_stream_from_plain_main() {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let server = rt.block_on(sse_server(sse(&azure_chunks(), true)));
    let client = azure_blocking(&server.uri(), "2024-10-21").build().unwrap();
    let values: Vec<Value> = client
        .stream(&body())
        .unwrap()
        .map(|r| serde_json::from_str::<Value>(&r.unwrap()).unwrap())
        .collect();
    assert_eq!(values, azure_chunks());
}

#[test]
fn blocking_stream_dropped_mid_stream() {
    let chunks = azure_chunks();
    let parts = vec![
        SSE_HEAD_CHUNKED.as_bytes().to_vec(),
        chunk(&format!("data: {}\n\n", chunks[1])),
        chunk("data: {\"partial"),
    ];
    let uri = raw_server(parts, Duration::from_millis(20), Duration::ZERO);
    let client = azure_blocking(&uri, "2024-10-21").build().unwrap();
    let items: Vec<_> = client.stream(&body()).unwrap().collect();
    assert_eq!(items.len(), 2, "{items:?}");
    assert!(matches!(&items[1], Err(Error::StreamInterrupted { .. })));
}

/// An SSE stream that sends a comment every 100 ms, for up to 30 s, and never an event.
fn dripping_stream() -> String {
    let mut parts = vec![SSE_HEAD_CHUNKED.as_bytes().to_vec()];
    parts.extend((0..300).map(|_| chunk(": keep-alive\n\n")));
    raw_server(parts, Duration::from_millis(100), Duration::ZERO)
}

#[tokio::test]
async fn an_endless_drip_of_comments_hits_the_total_deadline() {
    let client = azure_async(&dripping_stream(), "2024-10-21")
        .read_timeout(Duration::from_secs(2))
        .total_timeout(Duration::from_millis(800))
        .build()
        .unwrap();
    let started = Instant::now();
    let items = collect(client.stream(&body()).await.unwrap()).await;
    let took = started.elapsed();
    assert!(took < Duration::from_secs(2), "{took:?}");
    assert_eq!(items.len(), 1, "{items:?}");
    assert!(
        matches!(&items[0], Err(Error::Timeout { after, phase }) if *after == Duration::from_millis(800) && phase.contains("total_timeout")),
        "{:?}",
        items[0]
    );
}

#[test]
fn blocking_stream_hits_the_total_deadline() {
    let client = azure_blocking(&dripping_stream(), "2024-10-21")
        .total_timeout(Duration::from_millis(500))
        .build()
        .unwrap();
    let started = Instant::now();
    let items: Vec<_> = client.stream(&body()).unwrap().collect();
    assert!(started.elapsed() < Duration::from_secs(2));
    assert!(
        matches!(items.last(), Some(Err(Error::Timeout { .. }))),
        "{items:?}"
    );
}
