//! Server-sent-event framing for chat-completion streams.
//!
//! Transport-agnostic: feed it bytes as they arrive from any network read, take whole events out.
//!
//! The framing follows the WHATWG "event stream interpretation" rules:
//! lines end with `\n`, `\r\n` or a lone `\r`; a line starting with `:` is a comment (keep-alive);
//! `field:value` lines drop one optional space after the colon; `data` lines of one event are joined
//! with `\n`; `event`, `id`, `retry` and unknown fields are ignored (chat completions use none of
//! them); a blank line dispatches the event; a UTF-8 byte-order mark at the very start is skipped.
//!
//! Bytes are decoded only once a whole line is in, so a multi-byte character split across two
//! network reads is never corrupted. Invalid UTF-8 is replaced with U+FFFD, as the standard says.
//!
//! Why no crate: the maintained SSE crates (`eventsource-stream`, `sse-stream`, `sseer`) expose
//! `futures::Stream` adapters over a byte stream, not a synchronous push-bytes/pull-events decoder
//! that both the blocking and the async transports can drive; the one sans-IO parser found
//! (`sse-parse`) had a single 0.1 release. The rules above fit in this file and are tested byte by
//! byte.

/// One server-sent event of a chat-completion stream.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SseEvent {
    /// The `data:` payload of one event (its data lines joined with `\n`).
    ///
    /// May be empty (an event consisting of a bare `data:` line); callers skip such events.
    Data(String),
    /// `data: [DONE]`: the service finished the stream.
    Done,
}

/// Splits a byte stream into [`SseEvent`]s; bytes may be split anywhere, even inside a UTF-8 character.
#[derive(Debug, Default)]
pub struct SseDecoder {
    /// Bytes of the current, not yet terminated line.
    line: Vec<u8>,
    /// The data lines of the current event, each followed by `\n` (the last one is trimmed at dispatch).
    data: String,
    /// Whether the current event has seen a `data` field (a bare `data:` still makes an event).
    has_data: bool,
    /// The previous byte was `\r`: a `\n` right after it belongs to the same line end.
    after_cr: bool,
    /// No line has been completed yet: the first line may carry a byte-order mark.
    first_line_done: bool,
}

const BOM: &[u8] = b"\xEF\xBB\xBF";

impl SseDecoder {
    /// A decoder with nothing buffered.
    pub fn new() -> Self {
        Self::default()
    }

    /// Feeds bytes; returns the events they completed.
    pub fn feed(&mut self, bytes: &[u8]) -> Vec<SseEvent> {
        let mut out = Vec::new();
        let mut rest = bytes;
        while !rest.is_empty() {
            if self.after_cr {
                self.after_cr = false;
                if rest.first() == Some(&b'\n') {
                    rest = rest.get(1..).unwrap_or_default();
                    continue;
                }
            }
            // Each byte is looked at once: copy up to the next line end, then handle the line.
            match memchr::memchr2(b'\n', b'\r', rest) {
                Some(pos) => {
                    let (head, tail) = rest.split_at(pos);
                    self.line.extend_from_slice(head);
                    self.after_cr = tail.first() == Some(&b'\r');
                    rest = tail.get(1..).unwrap_or_default();
                    if let Some(event) = self.end_line() {
                        out.push(event);
                    }
                }
                None => {
                    self.line.extend_from_slice(rest);
                    rest = &[];
                }
            }
        }
        out
    }

    /// Call at end of input: returns a last event that had no blank line after it, if any.
    ///
    /// The standard drops such an event; servers and proxies that cut the final blank line exist,
    /// and losing the last chunk of a completion would be worse than reading it. The decoder is
    /// reset and can be reused.
    pub fn finish(&mut self) -> Option<SseEvent> {
        let mut event = None;
        if !self.line.is_empty() {
            event = self.end_line();
        }
        if event.is_none() {
            event = self.dispatch();
        }
        *self = Self::default();
        event
    }

    /// Handles the line buffered in `self.line`; returns the event a blank line dispatched.
    fn end_line(&mut self) -> Option<SseEvent> {
        let mut line = std::mem::take(&mut self.line);
        if !self.first_line_done {
            self.first_line_done = true;
            if line.starts_with(BOM) {
                line.drain(..BOM.len());
            }
        }
        if line.is_empty() {
            return self.dispatch();
        }
        if line.first() == Some(&b':') {
            // A comment: servers send these as keep-alives.
            self.line = recycle(line);
            return None;
        }
        let (name, value) = match line.iter().position(|&b| b == b':') {
            Some(colon) => {
                let (name, value) = line.split_at(colon);
                let value = value.get(1..).unwrap_or_default();
                (name, value.strip_prefix(b" ").unwrap_or(value))
            }
            None => (&line[..], &[][..]),
        };
        if name == b"data" {
            // Checked as UTF-8 at its full speed first; only invalid text takes the lossy path.
            match std::str::from_utf8(value) {
                Ok(text) => self.data.push_str(text),
                Err(_) => self.data.push_str(&String::from_utf8_lossy(value)),
            }
            self.data.push('\n');
            self.has_data = true;
        }
        self.line = recycle(line);
        None
    }

    /// Ends the current event; an event without data fields is not dispatched (as the standard says).
    fn dispatch(&mut self) -> Option<SseEvent> {
        if !self.has_data {
            return None;
        }
        self.has_data = false;
        let mut data = std::mem::take(&mut self.data);
        if data.ends_with('\n') {
            data.pop();
        }
        Some(if data == "[DONE]" {
            SseEvent::Done
        } else {
            SseEvent::Data(data)
        })
    }
}

/// Keeps a line buffer's allocation for the next line.
fn recycle(mut line: Vec<u8>) -> Vec<u8> {
    line.clear();
    line
}

#[cfg(test)]
mod tests {
    use super::*;

    fn all(input: &[u8]) -> Vec<SseEvent> {
        let mut d = SseDecoder::new();
        let mut out = d.feed(input);
        out.extend(d.finish());
        out
    }

    fn data(s: &str) -> SseEvent {
        SseEvent::Data(s.to_owned())
    }

    #[test]
    fn basic_events_and_done() {
        let got = all(b"data: {\"a\":1}\n\ndata: [DONE]\n\n");
        assert_eq!(got, vec![data("{\"a\":1}"), SseEvent::Done]);
    }

    #[test]
    fn line_endings_crlf_and_cr() {
        assert_eq!(
            all(b"data: x\r\n\r\ndata: y\r\rdata: z\n\n"),
            vec![data("x"), data("y"), data("z")]
        );
        // "\r" at the end of one feed and "\n" at the start of the next is one line end.
        let mut d = SseDecoder::new();
        assert!(d.feed(b"data: x\r").is_empty());
        assert!(d.feed(b"\n").is_empty());
        assert_eq!(d.feed(b"\r"), vec![data("x")]);
        assert_eq!(d.feed(b"\ndata: y\n\n"), vec![data("y")]);
    }

    #[test]
    fn comments_and_other_fields_are_ignored() {
        let got = all(
            b": keep-alive\n\nevent: message\nid: 7\nretry: 10\ndata: a\n: mid comment\ndata:b\n\n",
        );
        assert_eq!(got, vec![data("a\nb")]);
    }

    #[test]
    fn only_one_leading_space_is_dropped_and_field_without_colon() {
        assert_eq!(all(b"data:  two\n\n"), vec![data(" two")]);
        // `data` without a colon is a data field with an empty value.
        assert_eq!(all(b"data\ndata: x\n\n"), vec![data("\nx")]);
        assert_eq!(all(b"data:\n\n"), vec![data("")]);
        // Field names are case-sensitive.
        assert_eq!(all(b"Data: x\n\n"), vec![]);
    }

    #[test]
    fn bom_only_at_start() {
        assert_eq!(all(b"\xEF\xBB\xBFdata: x\n\n"), vec![data("x")]);
        // Split BOM.
        let mut d = SseDecoder::new();
        assert!(d.feed(b"\xEF").is_empty());
        assert!(d.feed(b"\xBB\xBFdata: x\n").is_empty());
        assert_eq!(d.feed(b"\n"), vec![data("x")]);
    }

    #[test]
    fn trailing_event_without_blank_line() {
        assert_eq!(all(b"data: a\n\ndata: b"), vec![data("a"), data("b")]);
        assert_eq!(all(b"data: a\n\ndata: b\n"), vec![data("a"), data("b")]);
        assert_eq!(all(b"data: [DONE]"), vec![SseEvent::Done]);
        assert_eq!(all(b"data: a\n\n: bye"), vec![data("a")]);
        assert_eq!(all(b""), vec![]);
    }

    #[test]
    fn every_split_point_gives_the_same_events() {
        let input = "\u{FEFF}: ping\r\n\r\ndata: {\"c\":\"h\u{e9}llo \u{1F600} \u{4e16}\"}\r\n\r\ndata: l1\rdata: l2\r\r: x\ndata: [DONE]\n\n"
            .as_bytes();
        let expected = all(input);
        assert_eq!(
            expected,
            vec![
                data("{\"c\":\"h\u{e9}llo \u{1F600} \u{4e16}\"}"),
                data("l1\nl2"),
                SseEvent::Done
            ]
        );
        for i in 0..=input.len() {
            for j in i..=input.len() {
                let mut d = SseDecoder::new();
                let mut got = d.feed(&input[..i]);
                got.extend(d.feed(&input[i..j]));
                got.extend(d.feed(&input[j..]));
                got.extend(d.finish());
                assert_eq!(got, expected, "split at {i},{j}");
            }
        }
        // One byte at a time.
        let mut d = SseDecoder::new();
        let mut got = Vec::new();
        for b in input {
            got.extend(d.feed(std::slice::from_ref(b)));
        }
        got.extend(d.finish());
        assert_eq!(got, expected);
    }

    #[test]
    fn invalid_utf8_is_replaced_not_fatal() {
        assert_eq!(all(b"data: a\xFFb\n\n"), vec![data("a\u{FFFD}b")]);
    }
}
