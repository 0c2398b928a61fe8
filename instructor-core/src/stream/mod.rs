//! Streaming: SSE framing, delta accumulation per mode, and the incremental partial-JSON parser.

pub mod sse;
