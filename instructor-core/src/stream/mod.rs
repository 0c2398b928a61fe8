//! Streaming: SSE framing, delta accumulation per mode, and the incremental partial-JSON parser.
//!
//! The pieces are pure (no I/O, no async) so the blocking and the async clients share them:
//! [`sse::SseDecoder`] turns bytes into events, [`accumulate::parse_event_data`] turns an event into
//! a chunk (or the error the service streamed), [`accumulate::StreamMonitor`] watches the
//! stream-level facts (usage, finish reason, content filter), the accumulators of
//! [`accumulate`] turn deltas into JSON text for the mode, and
//! [`partial_json::PartialJsonParser`] turns that text into a growing value and completed items.

pub mod accumulate;
pub mod partial_json;
pub mod sse;
