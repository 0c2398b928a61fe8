//! An incremental parser for JSON that arrives in pieces.
//!
//! [`PartialJsonParser`] is a byte-level state machine. It keeps its state between
//! [`feed`](PartialJsonParser::feed) calls and never looks at a byte twice, so parsing a streamed
//! document costs time linear in its size, however small the pieces (re-parsing the accumulated
//! text at every chunk, as Python instructor does, is quadratic).
//!
//! It keeps the value read so far as a [`serde_json::Value`] and updates it in place: elements are
//! pushed onto arrays, members inserted into objects, text appended to strings. What is visible:
//!
//! - a string as it grows: an object member appears with `""` as soon as its string value opens;
//! - a number, `true`, `false` or `null` only once complete (never `age: 2` on the way to `25`); a
//!   number is complete when a byte that cannot continue it arrives, or at [`finish`](PartialJsonParser::finish);
//! - objects and arrays as far as they go, from their opening bracket;
//! - a member whose value has not started is absent.
//!
//! After the root value is complete, whitespace is skipped and anything else is **ignored**, and
//! parsing stops there: a model often adds a sentence or a closing code fence after the JSON, and
//! the value is already whole. [`is_complete`](PartialJsonParser::is_complete) says when that point
//! is reached.
//!
//! For iterables, [`with_item_path`](PartialJsonParser::with_item_path) names an array (by the
//! object keys leading to it, or `[]` for a root array); each of its elements is reported by
//! [`take_completed_items`](PartialJsonParser::take_completed_items) the moment it is complete.
//! Items are found by parsing, not by counting braces, so `}{`-abutting objects and braces inside
//! strings are no trouble.
//!
//! Nesting deeper than [`MAX_DEPTH`] is refused, as `serde_json` refuses it.

use serde_json::{Map, Number, Value};

/// The deepest nesting of arrays and objects accepted: the same as `serde_json` (which refuses 128).
pub const MAX_DEPTH: usize = 127;

/// Why the text is not JSON (or not a whole JSON document).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PartialJsonError {
    /// What was wrong.
    pub message: String,
    /// Byte offset in the whole input where it was noticed.
    pub offset: usize,
}

impl std::fmt::Display for PartialJsonError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "invalid JSON at byte {}: {}", self.offset, self.message)
    }
}

impl std::error::Error for PartialJsonError {}

impl From<PartialJsonError> for crate::error::Error {
    fn from(e: PartialJsonError) -> Self {
        crate::error::Error::parse(e.to_string())
    }
}

/// One open array or object, innermost last.
#[derive(Debug)]
struct Frame {
    /// An object (else an array).
    object: bool,
    /// For objects: the key whose value is being read (the path into the child).
    key: String,
    /// This array is the one whose elements are reported as items.
    items: bool,
}

/// Where in a string escape the parser is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Esc {
    /// Plain text.
    None,
    /// After `\`.
    Backslash,
    /// Inside `\uXXXX`: `n` hex digits read so far; `high` is a high surrogate waiting for its pair.
    Hex { acc: u32, n: u8, high: Option<u32> },
    /// After a high surrogate: expecting `\` of the low one.
    LowBackslash { high: u32 },
    /// After a high surrogate and `\`: expecting `u`.
    LowU { high: u32 },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    /// Expecting a value (root start, after `:`, after `,` in an array).
    Value,
    /// After `[`: a value or `]`.
    ArrayFirst,
    /// After `{`: a key or `}`.
    ObjectFirst,
    /// After `,` in an object: a key.
    ObjectKey,
    /// After a key: `:`.
    Colon,
    /// After a value in a container: `,` or the closing bracket.
    After,
    /// In a string: a key (buffered, not visible) or a value (visible as it grows).
    Str { key: bool, esc: Esc },
    /// In a number: its text is in `num`.
    Num,
    /// In `true`, `false` or `null`: `at` bytes matched.
    Lit { word: &'static [u8], at: u8 },
    /// The root value is complete; the rest of the input is ignored.
    Done,
}

/// The incremental JSON parser; see the [module docs](self).
#[derive(Debug)]
pub struct PartialJsonParser {
    root: Option<Value>,
    frames: Vec<Frame>,
    state: State,
    /// Text of the string being read, not yet appended to the value (flushed at the end of each feed).
    pending: String,
    /// The key being read.
    key: String,
    /// The number being read.
    num: String,
    /// Bytes consumed so far, for error offsets.
    offset: usize,
    error: Option<PartialJsonError>,
    changed: bool,
    item_path: Option<Vec<String>>,
    items: Vec<Value>,
}

impl Default for PartialJsonParser {
    fn default() -> Self {
        Self::new()
    }
}

impl PartialJsonParser {
    /// A parser waiting for the first byte of a document.
    pub fn new() -> Self {
        PartialJsonParser {
            root: None,
            frames: Vec::new(),
            state: State::Value,
            pending: String::new(),
            key: String::new(),
            num: String::new(),
            offset: 0,
            error: None,
            changed: false,
            item_path: None,
            items: Vec::new(),
        }
    }

    /// A parser that also reports each element of the array at `path` once it is complete.
    ///
    /// `path` is the object keys from the root to the array: `["items"]` for `{"items": [...]}`,
    /// `[]` for a root array. Collect the elements with [`take_completed_items`](Self::take_completed_items).
    pub fn with_item_path(path: Vec<String>) -> Self {
        PartialJsonParser {
            item_path: Some(path),
            ..Self::new()
        }
    }

    /// The value read so far; `None` before the root value starts (or while it is a bare number
    /// or literal not yet complete).
    pub fn value(&self) -> Option<&Value> {
        self.root.as_ref()
    }

    /// True once the root value is complete (the closing bracket, quote or literal has arrived).
    ///
    /// A bare root number is complete only at the first byte after it, or at [`finish`](Self::finish).
    pub fn is_complete(&self) -> bool {
        self.state == State::Done
    }

    /// Drains the elements of the item array completed since the last call, in order.
    pub fn take_completed_items(&mut self) -> Vec<Value> {
        std::mem::take(&mut self.items)
    }

    /// Parses more text; returns whether the visible value changed.
    ///
    /// After an error every later call returns the same error.
    pub fn feed(&mut self, text: &str) -> Result<bool, PartialJsonError> {
        if let Some(e) = &self.error {
            return Err(e.clone());
        }
        self.changed = false;
        let bytes = text.as_bytes();
        let mut i = 0;
        let result = loop {
            if i >= bytes.len() {
                break Ok(());
            }
            match self.step(text, i) {
                Ok(next) => i = next,
                Err(message) => break Err(message),
            }
        };
        // Make everything read visible; done once per feed so a string growing byte by byte
        // costs one walk to its slot per feed, not per byte.
        self.flush();
        match result {
            Ok(()) => {
                self.offset += bytes.len();
                Ok(self.changed)
            }
            Err(message) => {
                let e = PartialJsonError {
                    message,
                    offset: self.offset + i,
                };
                self.error = Some(e.clone());
                Err(e)
            }
        }
    }

    /// Ends the input: completes a trailing root number and returns the whole value.
    ///
    /// Errors if the document is incomplete or invalid.
    pub fn finish(mut self) -> Result<Value, PartialJsonError> {
        if let Some(e) = self.error.take() {
            return Err(e);
        }
        if self.state == State::Num && self.frames.is_empty() {
            if let Err(message) = self.end_number() {
                return Err(PartialJsonError {
                    message,
                    offset: self.offset,
                });
            }
        }
        match (self.state, self.root) {
            (State::Done, Some(v)) => Ok(v),
            (state, _) => Err(PartialJsonError {
                message: format!(
                    "the document is incomplete: {}",
                    match state {
                        State::Value if self.frames.is_empty() => "no value at all",
                        State::Str { .. } => "a string is not closed",
                        State::Lit { .. } => "a literal is cut short",
                        _ => "an array or object is not closed",
                    }
                ),
                offset: self.offset,
            }),
        }
    }

    /// Handles the byte at `i` (or a run of string text starting there); returns where to go on.
    fn step(&mut self, text: &str, i: usize) -> Result<usize, String> {
        let bytes = text.as_bytes();
        let Some(&b) = bytes.get(i) else {
            return Ok(i);
        };
        match self.state {
            State::Done => {
                // Ignore-and-stop: nothing after the root value matters.
                Ok(bytes.len())
            }
            State::Str {
                key,
                esc: Esc::None,
            } => {
                // Copy the run of plain text up to the next quote, backslash or control byte.
                // Those are ASCII, so the cut is always at a char boundary.
                let run = bytes
                    .get(i..)
                    .unwrap_or_default()
                    .iter()
                    .position(|&c| c == b'"' || c == b'\\' || c < 0x20)
                    .map_or(bytes.len(), |p| i + p);
                if run > i {
                    let s = text.get(i..run).unwrap_or_default();
                    if key {
                        self.key.push_str(s);
                    } else {
                        self.pending.push_str(s);
                    }
                    return Ok(run);
                }
                match b {
                    b'"' => self.end_string(key)?,
                    b'\\' => {
                        self.state = State::Str {
                            key,
                            esc: Esc::Backslash,
                        }
                    }
                    _ => {
                        return Err(format!(
                            "control character {b:#04x} inside a string; it must be escaped"
                        ))
                    }
                }
                Ok(i + 1)
            }
            State::Str { key, esc } => {
                self.escape(key, esc, b)?;
                Ok(i + 1)
            }
            State::Num => {
                if matches!(b, b'0'..=b'9' | b'-' | b'+' | b'.' | b'e' | b'E') {
                    self.num.push(char::from(b));
                    Ok(i + 1)
                } else {
                    // The number ends here; this byte is read again in the state after it.
                    self.end_number()?;
                    Ok(i)
                }
            }
            State::Lit { word, at } => {
                let at = usize::from(at);
                if word.get(at) != Some(&b) {
                    return Err(format!(
                        "unexpected {} in literal `{}`",
                        show(b),
                        String::from_utf8_lossy(word)
                    ));
                }
                if at + 1 == word.len() {
                    let v = match word {
                        b"true" => Value::Bool(true),
                        b"false" => Value::Bool(false),
                        _ => Value::Null,
                    };
                    self.place(v);
                    self.value_done();
                } else {
                    self.state = State::Lit {
                        word,
                        at: (at + 1) as u8,
                    };
                }
                Ok(i + 1)
            }
            _ if is_ws(b) => Ok(i + 1),
            State::Value => {
                self.begin_value(b)?;
                Ok(i + 1)
            }
            State::ArrayFirst => {
                if b == b']' {
                    self.close(false)?;
                } else {
                    self.begin_value(b)?;
                }
                Ok(i + 1)
            }
            State::ObjectFirst | State::ObjectKey => {
                match b {
                    b'"' => {
                        self.key.clear();
                        self.state = State::Str {
                            key: true,
                            esc: Esc::None,
                        };
                    }
                    b'}' if self.state == State::ObjectFirst => self.close(true)?,
                    _ => return Err(format!("expected a key in quotes, found {}", show(b))),
                }
                Ok(i + 1)
            }
            State::Colon => {
                if b != b':' {
                    return Err(format!("expected `:` after a key, found {}", show(b)));
                }
                if let Some(top) = self.frames.last_mut() {
                    std::mem::swap(&mut top.key, &mut self.key);
                }
                self.state = State::Value;
                Ok(i + 1)
            }
            State::After => {
                let object = self.frames.last().is_some_and(|f| f.object);
                match b {
                    b',' => {
                        self.state = if object {
                            State::ObjectKey
                        } else {
                            State::Value
                        }
                    }
                    b'}' if object => self.close(true)?,
                    b']' if !object => self.close(false)?,
                    _ => {
                        return Err(format!(
                            "expected `,` or `{}`, found {}",
                            if object { '}' } else { ']' },
                            show(b)
                        ))
                    }
                }
                Ok(i + 1)
            }
        }
    }

    fn begin_value(&mut self, b: u8) -> Result<(), String> {
        match b {
            b'{' | b'[' => {
                if self.frames.len() >= MAX_DEPTH {
                    return Err(format!("nesting deeper than {MAX_DEPTH} levels"));
                }
                let object = b == b'{';
                let items = !object && self.at_item_path();
                self.place(if object {
                    Value::Object(Map::new())
                } else {
                    Value::Array(Vec::new())
                });
                self.frames.push(Frame {
                    object,
                    key: String::new(),
                    items,
                });
                self.state = if object {
                    State::ObjectFirst
                } else {
                    State::ArrayFirst
                };
            }
            b'"' => {
                self.place(Value::String(String::new()));
                self.pending.clear();
                self.state = State::Str {
                    key: false,
                    esc: Esc::None,
                };
            }
            b'-' | b'0'..=b'9' => {
                self.num.clear();
                self.num.push(char::from(b));
                self.state = State::Num;
            }
            b't' => {
                self.state = State::Lit {
                    word: b"true",
                    at: 1,
                }
            }
            b'f' => {
                self.state = State::Lit {
                    word: b"false",
                    at: 1,
                }
            }
            b'n' => {
                self.state = State::Lit {
                    word: b"null",
                    at: 1,
                }
            }
            _ => return Err(format!("expected a value, found {}", show(b))),
        }
        Ok(())
    }

    /// Whether an array opening now would be the item array: every open frame is an object and
    /// their keys spell the item path.
    fn at_item_path(&self) -> bool {
        let Some(path) = &self.item_path else {
            return false;
        };
        path.len() == self.frames.len()
            && self
                .frames
                .iter()
                .zip(path)
                .all(|(f, k)| f.object && f.key == *k)
    }

    fn escape(&mut self, key: bool, esc: Esc, b: u8) -> Result<(), String> {
        let push = |c: char, this: &mut Self| {
            if key {
                this.key.push(c);
            } else {
                this.pending.push(c);
            }
        };
        let next = match esc {
            Esc::None => Esc::None,
            Esc::Backslash => {
                let c = match b {
                    b'"' => '"',
                    b'\\' => '\\',
                    b'/' => '/',
                    b'b' => '\u{8}',
                    b'f' => '\u{c}',
                    b'n' => '\n',
                    b'r' => '\r',
                    b't' => '\t',
                    b'u' => {
                        self.state = State::Str {
                            key,
                            esc: Esc::Hex {
                                acc: 0,
                                n: 0,
                                high: None,
                            },
                        };
                        return Ok(());
                    }
                    _ => return Err(format!("invalid escape `\\{}` in a string", char::from(b))),
                };
                push(c, self);
                Esc::None
            }
            Esc::Hex { acc, n, high } => {
                let digit = char::from(b).to_digit(16).ok_or_else(|| {
                    format!("expected a hex digit in a \\u escape, found {}", show(b))
                })?;
                let acc = acc * 16 + digit;
                if n < 3 {
                    Esc::Hex {
                        acc,
                        n: n + 1,
                        high,
                    }
                } else {
                    match (high, acc) {
                        (None, 0xD800..=0xDBFF) => Esc::LowBackslash { high: acc },
                        (None, 0xDC00..=0xDFFF) => {
                            return Err(format!("lone low surrogate \\u{acc:04X} in a string"))
                        }
                        (None, _) => {
                            push(char::from_u32(acc).unwrap_or('\u{FFFD}'), self);
                            Esc::None
                        }
                        (Some(high), 0xDC00..=0xDFFF) => {
                            let code = 0x10000 + ((high - 0xD800) << 10) + (acc - 0xDC00);
                            push(char::from_u32(code).unwrap_or('\u{FFFD}'), self);
                            Esc::None
                        }
                        (Some(high), _) => {
                            return Err(format!(
                                "high surrogate \\u{high:04X} not followed by a low surrogate"
                            ))
                        }
                    }
                }
            }
            Esc::LowBackslash { high } => {
                if b != b'\\' {
                    return Err(format!(
                        "high surrogate \\u{high:04X} not followed by a low surrogate"
                    ));
                }
                Esc::LowU { high }
            }
            Esc::LowU { high } => {
                if b != b'u' {
                    return Err(format!(
                        "high surrogate \\u{high:04X} not followed by a low surrogate"
                    ));
                }
                Esc::Hex {
                    acc: 0,
                    n: 0,
                    high: Some(high),
                }
            }
        };
        self.state = State::Str { key, esc: next };
        Ok(())
    }

    fn end_string(&mut self, key: bool) -> Result<(), String> {
        if key {
            self.state = State::Colon;
        } else {
            self.flush();
            self.value_done();
        }
        Ok(())
    }

    fn end_number(&mut self) -> Result<(), String> {
        // serde_json's own number reading, so the value is exactly what parsing the whole
        // document with serde_json gives (integer vs float, rounding, out-of-range errors).
        let n: Number = serde_json::from_str(&self.num)
            .map_err(|_| format!("`{}` is not a valid number", self.num))?;
        self.place(Value::Number(n));
        self.value_done();
        Ok(())
    }

    fn close(&mut self, object: bool) -> Result<(), String> {
        match self.frames.last() {
            Some(f) if f.object == object => {}
            _ => return Err("mismatched closing bracket".to_owned()),
        }
        self.frames.pop();
        self.value_done();
        Ok(())
    }

    /// A value just completed: report it if it is an item, and move to what may follow it.
    /// Completion itself changes nothing visible (the value is already shown as far as it goes).
    fn value_done(&mut self) {
        match self.frames.last() {
            None => self.state = State::Done,
            Some(top) => {
                if top.items {
                    if let Some(item) = self
                        .container()
                        .and_then(|c| c.as_array())
                        .and_then(|a| a.last())
                    {
                        self.items.push(item.clone());
                    }
                }
                self.state = State::After;
            }
        }
    }

    /// Puts a new value into the innermost open container (or makes it the root).
    fn place(&mut self, v: Value) {
        self.changed = true;
        let Some(top) = self.frames.last() else {
            self.root = Some(v);
            return;
        };
        let key = if top.object {
            Some(top.key.clone())
        } else {
            None
        };
        match (self.container_mut(), key) {
            (Some(Value::Object(m)), Some(k)) => {
                m.insert(k, v);
            }
            (Some(Value::Array(a)), None) => a.push(v),
            // The tree and the frames always agree; nothing to do if they somehow do not.
            _ => {}
        }
    }

    /// Appends the pending string text to the string being read.
    fn flush(&mut self) {
        if self.pending.is_empty() {
            return;
        }
        let text = std::mem::take(&mut self.pending);
        let slot = match self.frames.last() {
            None => self.root.as_mut(),
            Some(top) => match walk(&mut self.root, &self.frames) {
                Some(Value::Object(m)) if top.object => m.get_mut(&top.key),
                Some(Value::Array(a)) => a.last_mut(),
                _ => None,
            },
        };
        if let Some(Value::String(s)) = slot {
            if s.is_empty() {
                // The first piece is moved, not copied.
                *s = text;
            } else {
                s.push_str(&text);
            }
            self.changed = true;
        }
    }

    /// The innermost open container.
    fn container_mut(&mut self) -> Option<&mut Value> {
        walk(&mut self.root, &self.frames)
    }

    fn container(&self) -> Option<&Value> {
        let mut cur = self.root.as_ref()?;
        let n = self.frames.len();
        for f in self.frames.iter().take(n.saturating_sub(1)) {
            cur = if f.object {
                cur.as_object()?.get(&f.key)?
            } else {
                cur.as_array()?.last()?
            };
        }
        Some(cur)
    }
}

/// The innermost open container, found by walking the open frames from the root (each frame
/// but the last leads into its current member or its last element).
fn walk<'v>(root: &'v mut Option<Value>, frames: &[Frame]) -> Option<&'v mut Value> {
    let mut cur = root.as_mut()?;
    for f in frames.iter().take(frames.len().saturating_sub(1)) {
        cur = if f.object {
            cur.as_object_mut()?.get_mut(&f.key)?
        } else {
            cur.as_array_mut()?.last_mut()?
        };
    }
    Some(cur)
}

fn is_ws(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\n' | b'\r')
}

fn show(b: u8) -> String {
    if b.is_ascii_graphic() {
        format!("`{}`", char::from(b))
    } else {
        format!("byte {b:#04x}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn parse_all(chunks: &[&str]) -> (Vec<Option<Value>>, Result<Value, PartialJsonError>) {
        let mut p = PartialJsonParser::new();
        let mut seen = Vec::new();
        for c in chunks {
            p.feed(c).unwrap();
            seen.push(p.value().cloned());
        }
        (seen, p.finish())
    }

    #[test]
    fn numbers_appear_only_when_complete() {
        let (seen, fin) = parse_all(&["{\"name\": \"Jo", "hn\", \"age\": 2", "5", "}"]);
        assert_eq!(seen[0], Some(json!({"name": "Jo"})));
        assert_eq!(seen[1], Some(json!({"name": "John"})));
        assert_eq!(seen[2], Some(json!({"name": "John"})));
        assert_eq!(seen[3], Some(json!({"name": "John", "age": 25})));
        assert_eq!(fin.unwrap(), json!({"name": "John", "age": 25}));
    }

    #[test]
    fn key_appears_when_string_value_starts() {
        let mut p = PartialJsonParser::new();
        assert!(!p.feed("  ").unwrap());
        assert_eq!(p.value(), None);
        assert!(p.feed("{\"a\"").unwrap());
        assert_eq!(p.value(), Some(&json!({})));
        assert!(!p.feed(" : ").unwrap());
        assert!(p.feed("\"").unwrap());
        assert_eq!(p.value(), Some(&json!({"a": ""})));
        assert!(p.feed("x").unwrap());
        assert_eq!(p.value(), Some(&json!({"a": "x"})));
        assert!(!p.feed("\\").unwrap());
        assert!(p.feed("n").unwrap());
        assert_eq!(p.value(), Some(&json!({"a": "x\n"})));
    }

    #[test]
    fn literals_and_root_number() {
        let mut p = PartialJsonParser::new();
        p.feed("[tr").unwrap();
        assert_eq!(p.value(), Some(&json!([])));
        p.feed("ue, nul").unwrap();
        assert_eq!(p.value(), Some(&json!([true])));
        p.feed("l,false]").unwrap();
        assert_eq!(p.finish().unwrap(), json!([true, null, false]));

        let mut p = PartialJsonParser::new();
        p.feed(" -12.5e").unwrap();
        p.feed("3").unwrap();
        assert_eq!(p.value(), None);
        assert!(!p.is_complete());
        assert_eq!(p.finish().unwrap(), json!(-12.5e3));
    }

    #[test]
    fn surrogate_pairs_split_across_feeds() {
        let doc = r#"{"e":"caf\u00e9 \ud83d\ude00!"}"#;
        for i in 0..=doc.len() {
            let mut p = PartialJsonParser::new();
            p.feed(&doc[..i]).unwrap();
            p.feed(&doc[i..]).unwrap();
            assert_eq!(
                p.finish().unwrap(),
                json!({"e": "café 😀!"}),
                "split at {i}"
            );
        }
    }

    #[test]
    fn trailing_text_is_ignored() {
        let mut p = PartialJsonParser::new();
        p.feed("{\"a\":1}\n```\nHope this helps! {").unwrap();
        assert!(p.is_complete());
        assert_eq!(p.finish().unwrap(), json!({"a": 1}));
    }

    #[test]
    fn errors_not_panics() {
        for bad in [
            "{a",
            "[1,]",
            "{\"a\" 1}",
            "[1 2]",
            "\"\\x\"",
            "\"\\ud800x\"",
            "01",
            "-",
            "[}",
            "{]",
            "tru e",
            "\"a\u{1}\"",
        ] {
            let mut p = PartialJsonParser::new();
            let r = p.feed(bad).and_then(|_| p.finish().map(|_| true));
            assert!(r.is_err(), "{bad:?} should fail");
        }
        for incomplete in ["", "  ", "{", "[1", "\"ab", "tr", "{\"a\":"] {
            let mut p = PartialJsonParser::new();
            p.feed(incomplete).unwrap();
            assert!(p.finish().is_err(), "{incomplete:?} is incomplete");
        }
        let mut p = PartialJsonParser::new();
        assert!(p.feed("[x").is_err());
        assert!(p.feed("]").is_err(), "errors are sticky");
    }

    #[test]
    fn depth_limit_is_serde_jsons() {
        for depth in [MAX_DEPTH - 1, MAX_DEPTH, MAX_DEPTH + 1] {
            let doc = format!("{}{}", "[".repeat(depth), "]".repeat(depth));
            let mut p = PartialJsonParser::new();
            let ours = p.feed(&doc).is_ok() && p.finish().is_ok();
            let theirs = serde_json::from_str::<Value>(&doc).is_ok();
            assert_eq!(ours, theirs, "depth {depth}");
        }
    }

    #[test]
    fn depth_limit() {
        let mut p = PartialJsonParser::new();
        assert!(p.feed(&"[".repeat(MAX_DEPTH)).is_ok());
        assert!(p.feed("[").is_err());
    }

    #[test]
    fn items_are_reported_when_complete() {
        let mut p = PartialJsonParser::with_item_path(vec!["items".into()]);
        p.feed(r#"{"other": [{"x": 1}], "items": [{"a": "}{", "b": [1]"#)
            .unwrap();
        assert!(p.take_completed_items().is_empty());
        // One chunk ends an item and starts the next; braces and quotes inside strings.
        p.feed(r#"},{"a": "\"}{", "b": []"#).unwrap();
        assert_eq!(p.take_completed_items(), vec![json!({"a": "}{", "b": [1]})]);
        p.feed(r#"}"#).unwrap();
        assert_eq!(
            p.take_completed_items(),
            vec![json!({"a": "\"}{", "b": []})]
        );
        p.feed(r#",{"a":1}]}"#).unwrap();
        assert_eq!(p.take_completed_items(), vec![json!({"a": 1})]);
        assert!(p.is_complete());

        let mut p = PartialJsonParser::with_item_path(vec![]);
        p.feed("[1, \"two\", {\"three\": 3}, [4], 5").unwrap();
        assert_eq!(
            p.take_completed_items(),
            vec![json!(1), json!("two"), json!({"three": 3}), json!([4])]
        );
        assert!(p.take_completed_items().is_empty());
        p.feed("]").unwrap();
        assert_eq!(p.take_completed_items(), vec![json!(5)]);
    }
}
