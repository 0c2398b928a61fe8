//! Streaming: SSE framing, delta accumulation per mode, and the incremental partial-JSON parser.
//!
//! The pieces are pure (no I/O, no async) so the blocking and the async clients share them:
//! [`sse::SseDecoder`] turns bytes into events, [`accumulate::parse_event_data`] turns an event into
//! a chunk (or the error the service streamed), [`accumulate::StreamMonitor`] watches the
//! stream-level facts (usage, finish reason, content filter), the accumulators of
//! [`accumulate`] turn deltas into JSON text for the mode, and
//! [`partial_json::PartialJsonParser`] turns that text into a growing value and completed items.
//!
//! ```
//! use instructor_core::stream::accumulate::{parse_event_data, StreamMonitor, ToolCallAccumulator};
//! use instructor_core::stream::partial_json::PartialJsonParser;
//! use instructor_core::stream::sse::{SseDecoder, SseEvent};
//!
//! # fn main() -> Result<(), instructor_core::Error> {
//! let network_reads: [&[u8]; 3] = [
//!     b"data: {\"choices\":[]}\n\ndata: {\"choices\":[{\"index\":0,\"delta\":{\"tool_calls\":[{\"index\":0,\"id\":\"call_1\",\"function\":{\"name\":\"User\",\"arguments\":\"{\\\"name\\\":\\\"Jo\"}}]}}]}\n",
//!     b"\ndata: {\"choices\":[{\"index\":0,\"delta\":{\"tool_calls\":[{\"index\":0,\"function\":{\"arguments\":\"hn\\\",\\\"age\\\":25}\"}}]},\"finish_reason\":\"tool_calls\"}]}\n\n",
//!     b"data: [DONE]\n\n",
//! ];
//! let mut sse = SseDecoder::new();
//! let mut monitor = StreamMonitor::new();
//! let mut tools = ToolCallAccumulator::new();
//! let mut parser = PartialJsonParser::new();
//! let mut partials = Vec::new();
//! for bytes in network_reads {
//!     for event in sse.feed(bytes) {
//!         let SseEvent::Data(data) = event else { break };
//!         let Some(chunk) = parse_event_data(&data)? else { continue };
//!         let Some(delta) = monitor.observe(&chunk) else { continue };
//!         for fragment in tools.push(delta) {
//!             if parser.feed(fragment.text)? {
//!                 partials.push(parser.value().map(|v| v.to_value()));
//!             }
//!         }
//!     }
//! }
//! if let Some(e) = monitor.error() {
//!     return Err(e); // finish_reason `length` or `content_filter`
//! }
//! assert_eq!(partials.len(), 2); // {"name": "Jo"}, then {"name": "John", "age": 25}
//! assert_eq!(parser.finish()?, serde_json::json!({"name": "John", "age": 25}));
//! # Ok(())
//! # }
//! ```

pub mod accumulate;
pub mod partial_json;
pub mod responses;
pub mod sse;
