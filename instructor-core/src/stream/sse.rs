//! Server-sent-event framing for chat-completion streams.
//!
//! Transport-agnostic: feed it bytes as they arrive from any network read, take whole events out.

/// One server-sent event of a chat-completion stream.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SseEvent {
    /// The `data:` payload of one event (its data lines joined with `\n`).
    Data(String),
    /// `data: [DONE]`: the service finished the stream.
    Done,
}

/// Splits a byte stream into [`SseEvent`]s; bytes may be split anywhere, even inside a UTF-8 character.
#[derive(Debug, Default)]
pub struct SseDecoder {
    buf: Vec<u8>,
}

impl SseDecoder {
    /// A decoder with nothing buffered.
    pub fn new() -> Self {
        Self::default()
    }

    /// Feeds bytes; returns the events they completed.
    pub fn feed(&mut self, bytes: &[u8]) -> Vec<SseEvent> {
        // Placeholder framing; replaced by the streaming work.
        self.buf.extend_from_slice(bytes);
        let mut out = Vec::new();
        while let Some(pos) = find(&self.buf, b"\n\n") {
            let block: Vec<u8> = self.buf.drain(..pos + 2).collect();
            let text = String::from_utf8_lossy(&block);
            let data: Vec<&str> = text
                .lines()
                .filter_map(|l| l.strip_prefix("data:"))
                .map(|l| l.strip_prefix(' ').unwrap_or(l))
                .collect();
            if data.is_empty() {
                continue;
            }
            let data = data.join("\n");
            out.push(if data == "[DONE]" {
                SseEvent::Done
            } else {
                SseEvent::Data(data)
            });
        }
        out
    }

    /// Call at end of input: returns a last event that had no blank line after it, if any.
    pub fn finish(&mut self) -> Option<SseEvent> {
        if self.buf.is_empty() {
            return None;
        }
        self.buf.extend_from_slice(b"\n\n");
        self.feed(&[]).pop()
    }
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}
