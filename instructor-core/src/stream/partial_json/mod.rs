//! An incremental parser for JSON that arrives in pieces.
//!
//! [`PartialJsonParser`] is a byte-level state machine. It keeps its state between
//! [`feed`](PartialJsonParser::feed) calls and never looks at a byte twice, so parsing a streamed
//! document costs time linear in its size, however small the pieces (re-parsing the accumulated
//! text at every chunk, as Python instructor does, is quadratic).
//!
//! It keeps the value read so far in a flat tree of its own (one 16-byte node per value, all
//! string text in one buffer; see `tree`), which only ever grows at its end: elements and members
//! are appended, text is appended to the string being read, and nothing is walked to get there.
//! [`value`](PartialJsonParser::value) lends it out as a [`ValueRef`], which a type deserializes
//! from directly, as from a `serde_json::Value`. What is visible:
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

mod tree;
mod value_ref;

use serde_json::{Number, Value};

use tree::{Keys, Node, Tree, OPEN};
pub use value_ref::{Document, ValueRef};

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
    /// The container's node.
    node: u32,
    /// The node of the member's value or the element being read.
    current: u32,
    /// This frame and every one around it are objects whose current keys spell the start of the
    /// item path.
    on_item_path: bool,
    /// This array is the one whose elements are reported as items.
    items: bool,
    /// For objects: the keys so far, to find one that repeats.
    keys: Keys,
}

/// Where in a string escape the parser is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Esc {
    /// After `\`.
    Backslash,
    /// Inside `\uXXXX`: `n` hex digits read so far; `high` is a high surrogate waiting for its pair.
    Hex { acc: u32, n: u8, high: Option<u32> },
    /// After a high surrogate: expecting `\` of the low one.
    LowBackslash { high: u32 },
    /// After a high surrogate and `\`: expecting `u`.
    LowU { high: u32 },
}

/// Where the parser is. Fieldless, so that the per-byte dispatch is one jump on one byte; the
/// details of escapes and literals are in the parser's own fields.
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
    /// In a key (buffered, not visible).
    Key,
    /// In a string value (visible as it grows).
    Text,
    /// In an escape (`esc`) of a key (`escape_in_key`) or a string value.
    Escape,
    /// In a number: its text is in `num`.
    Num,
    /// In `true`, `false` or `null` (`literal`): `literal_at` bytes matched.
    Literal,
    /// The root value is complete; the rest of the input is ignored.
    Done,
}

/// The incremental JSON parser; see the [module docs](self).
#[derive(Debug)]
pub struct PartialJsonParser {
    tree: Tree,
    frames: Vec<Frame>,
    state: State,
    /// In [`State::Escape`]: where in the escape, and whether it is in a key.
    esc: Esc,
    escape_in_key: bool,
    /// In [`State::Literal`]: the word, and how many of its bytes matched.
    literal: &'static [u8],
    literal_at: usize,
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
            tree: Tree::default(),
            frames: Vec::new(),
            state: State::Value,
            esc: Esc::Backslash,
            escape_in_key: false,
            literal: b"",
            literal_at: 0,
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
    pub fn value(&self) -> Option<ValueRef<'_>> {
        (!self.tree.is_empty()).then(|| ValueRef::new(&self.tree, 0))
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
        if self.state == State::Text
            && !bytes.is_empty()
            && !bytes.iter().any(|&c| c == b'"' || c == b'\\' || c < 0x20)
        {
            // The commonest feed: more of the string being read, nothing else.
            if let Err(message) = self.append_text(text) {
                return Err(self.fail(message, 0));
            }
            self.offset += bytes.len();
            return Ok(self.changed);
        }
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
        match result {
            Ok(()) => {
                self.offset += bytes.len();
                Ok(self.changed)
            }
            Err(message) => Err(self.fail(message, i)),
        }
    }

    /// Records an error at byte `i` of the current feed; every later call returns it.
    fn fail(&mut self, message: String, i: usize) -> PartialJsonError {
        let e = PartialJsonError {
            message,
            offset: self.offset + i,
        };
        self.error = Some(e.clone());
        e
    }

    /// Ends the input: completes a trailing root number and returns the whole document.
    ///
    /// Errors if the document is incomplete or invalid.
    pub fn finish(mut self) -> Result<Document, PartialJsonError> {
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
        match self.state {
            State::Done if !self.tree.is_empty() => Ok(Document::new(self.tree)),
            state => Err(PartialJsonError {
                message: format!(
                    "the document is incomplete: {}",
                    match state {
                        State::Value if self.frames.is_empty() => "no value at all",
                        State::Key | State::Text | State::Escape => "a string is not closed",
                        State::Literal => "a literal is cut short",
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
            State::Key | State::Text => self.string(text, i),
            State::Escape => {
                self.escape(b)?;
                Ok(i + 1)
            }
            State::Num => {
                // The run of bytes that may continue a number; ASCII, so a char boundary.
                let end = bytes
                    .get(i..)
                    .unwrap_or_default()
                    .iter()
                    .position(|&c| !matches!(c, b'0'..=b'9' | b'-' | b'+' | b'.' | b'e' | b'E'))
                    .map_or(bytes.len(), |p| i + p);
                self.num.push_str(text.get(i..end).unwrap_or_default());
                if end < bytes.len() {
                    // The number ends here; the byte after it is read in the state after it.
                    self.end_number()?;
                }
                Ok(end)
            }
            State::Literal => {
                let word = self.literal;
                let want = word.get(self.literal_at..).unwrap_or_default();
                let got = bytes.get(i..).unwrap_or_default();
                let n = want.len().min(got.len());
                if let Some(bad) = want.iter().zip(got).position(|(w, g)| w != g) {
                    return Err(format!(
                        "unexpected {} in literal `{}`",
                        show(got.get(bad).copied().unwrap_or(b)),
                        String::from_utf8_lossy(word)
                    ));
                }
                self.literal_at += n;
                if self.literal_at == word.len() {
                    let v = match word {
                        b"true" => Node::Bool(true),
                        b"false" => Node::Bool(false),
                        _ => Node::Null,
                    };
                    self.place(|tree| tree.push(v))?;
                    self.value_done();
                }
                Ok(i + n)
            }
            State::Done => {
                // Ignore-and-stop: nothing after the root value matters.
                Ok(bytes.len())
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
                        self.state = State::Key;
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
                self.colon();
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

    /// Inside a key or a string value at `i`: takes the run of plain text up to the next quote,
    /// backslash or control byte (ASCII, so the cut is at a char boundary), and that byte.
    fn string(&mut self, text: &str, i: usize) -> Result<usize, String> {
        let bytes = text.as_bytes();
        let key = self.state == State::Key;
        let rest = bytes.get(i..).unwrap_or_default();
        let end = rest
            .iter()
            .position(|&c| c == b'"' || c == b'\\' || c < 0x20)
            .map_or(bytes.len(), |p| i + p);
        let run = text.get(i..end).unwrap_or_default();
        if key {
            self.key.push_str(run);
        } else {
            self.append_text(run)?;
        }
        match bytes.get(end) {
            None => Ok(end),
            Some(b'"') => {
                // What usually follows is taken here, not a byte per dispatch: `:"` after a key,
                // `,"` after a member's string value.
                let mut j = end + 1;
                if key {
                    self.state = State::Colon;
                    if bytes.get(j) == Some(&b':') {
                        self.colon();
                        j += 1;
                        if bytes.get(j) == Some(&b'"') {
                            self.begin_value(b'"')?;
                            j += 1;
                        }
                    }
                } else {
                    self.value_done();
                    let in_object = self.frames.last().is_some_and(|f| f.object);
                    if self.state == State::After
                        && in_object
                        && bytes.get(j) == Some(&b',')
                        && bytes.get(j + 1) == Some(&b'"')
                    {
                        self.key.clear();
                        self.state = State::Key;
                        j += 2;
                    }
                }
                Ok(j)
            }
            Some(b'\\') => {
                self.esc = Esc::Backslash;
                self.escape_in_key = key;
                self.state = State::Escape;
                Ok(end + 1)
            }
            Some(&c) => Err(format!(
                "control character {c:#04x} inside a string; it must be escaped"
            )),
        }
    }

    /// The `:` after a key: the key (kept in `key` until its value starts) becomes the innermost
    /// object's current one.
    fn colon(&mut self) {
        let on_path = self.key_on_item_path();
        if let Some(top) = self.frames.last_mut() {
            top.on_item_path = on_path;
        }
        self.state = State::Value;
    }

    fn begin_value(&mut self, b: u8) -> Result<(), String> {
        match b {
            b'{' | b'[' => {
                if self.frames.len() >= MAX_DEPTH {
                    return Err(format!("nesting deeper than {MAX_DEPTH} levels"));
                }
                let object = b == b'{';
                let items = !object && self.at_item_path();
                let container = if object {
                    Node::Object { end: OPEN }
                } else {
                    Node::Array { end: OPEN }
                };
                let node = self.place(|tree| tree.push(container))?;
                self.frames.push(Frame {
                    object,
                    node,
                    current: node,
                    on_item_path: false,
                    items,
                    keys: Keys::default(),
                });
                self.state = if object {
                    State::ObjectFirst
                } else {
                    State::ArrayFirst
                };
            }
            b'"' => {
                self.place(Tree::push_string)?;
                self.state = State::Text;
            }
            b'-' | b'0'..=b'9' => {
                self.num.clear();
                self.num.push(char::from(b));
                self.state = State::Num;
            }
            b't' => self.begin_literal(b"true"),
            b'f' => self.begin_literal(b"false"),
            b'n' => self.begin_literal(b"null"),
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
        path.len() == self.frames.len() && self.frames.last().is_none_or(|f| f.on_item_path)
    }

    /// Whether the key just read (`self.key`) continues the item path through the innermost frame.
    fn key_on_item_path(&self) -> bool {
        let Some(path) = &self.item_path else {
            return false;
        };
        let depth = self.frames.len();
        let outer_on_path = match depth.checked_sub(2) {
            None => true,
            Some(outer) => self.frames.get(outer).is_some_and(|f| f.on_item_path),
        };
        outer_on_path && path.get(depth.wrapping_sub(1)) == Some(&self.key)
    }

    fn begin_literal(&mut self, word: &'static [u8]) {
        self.literal = word;
        self.literal_at = 1;
        self.state = State::Literal;
    }

    /// One byte of an escape; back to the string once the escape is whole.
    fn escape(&mut self, b: u8) -> Result<(), String> {
        let key = self.escape_in_key;
        let push = |c: char, this: &mut Self| {
            if key {
                this.key.push(c);
                Ok(())
            } else {
                this.append_text(c.encode_utf8(&mut [0; 4]))
            }
        };
        let next = match self.esc {
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
                        self.esc = Esc::Hex {
                            acc: 0,
                            n: 0,
                            high: None,
                        };
                        return Ok(());
                    }
                    _ => return Err(format!("invalid escape `\\{}` in a string", char::from(b))),
                };
                push(c, self)?;
                None
            }
            Esc::Hex { acc, n, high } => {
                let digit = char::from(b).to_digit(16).ok_or_else(|| {
                    format!("expected a hex digit in a \\u escape, found {}", show(b))
                })?;
                let acc = acc * 16 + digit;
                if n < 3 {
                    Some(Esc::Hex {
                        acc,
                        n: n + 1,
                        high,
                    })
                } else {
                    match (high, acc) {
                        (None, 0xD800..=0xDBFF) => Some(Esc::LowBackslash { high: acc }),
                        (None, 0xDC00..=0xDFFF) => {
                            return Err(format!("lone low surrogate \\u{acc:04X} in a string"))
                        }
                        (None, _) => {
                            push(char::from_u32(acc).unwrap_or('\u{FFFD}'), self)?;
                            None
                        }
                        (Some(high), 0xDC00..=0xDFFF) => {
                            let code = 0x10000 + ((high - 0xD800) << 10) + (acc - 0xDC00);
                            push(char::from_u32(code).unwrap_or('\u{FFFD}'), self)?;
                            None
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
                Some(Esc::LowU { high })
            }
            Esc::LowU { high } => {
                if b != b'u' {
                    return Err(format!(
                        "high surrogate \\u{high:04X} not followed by a low surrogate"
                    ));
                }
                Some(Esc::Hex {
                    acc: 0,
                    n: 0,
                    high: Some(high),
                })
            }
        };
        match next {
            Some(esc) => self.esc = esc,
            None => self.state = if key { State::Key } else { State::Text },
        }
        Ok(())
    }

    fn end_number(&mut self) -> Result<(), String> {
        let n = match small_integer(&self.num) {
            Some(n) => n,
            // serde_json's own number reading, so the value is exactly what parsing the whole
            // document with serde_json gives (integer vs float, rounding, out-of-range errors).
            None => self
                .num
                .parse::<Number>()
                .map_err(|_| format!("`{}` is not a valid number", self.num))?,
        };
        let node = match (n.as_u64(), n.as_i64()) {
            (Some(u), _) => Node::PosInt(u),
            (None, Some(i)) => Node::NegInt(i),
            _ => Node::Float(n.as_f64().unwrap_or_default()),
        };
        self.place(|tree| tree.push(node))?;
        self.value_done();
        Ok(())
    }

    fn close(&mut self, object: bool) -> Result<(), String> {
        match self.frames.last() {
            Some(f) if f.object == object => self.tree.close(f.node),
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
                    self.items.push(self.tree.to_value(top.current as usize));
                }
                self.state = State::After;
            }
        }
    }

    /// Appends a new value (`push` appends its node to the tree) to the innermost open container,
    /// after its key in an object, or makes it the root; returns its node.
    fn place(
        &mut self,
        push: impl FnOnce(&mut Tree) -> Result<u32, String>,
    ) -> Result<u32, String> {
        self.changed = true;
        if let Some(top) = self.frames.last_mut() {
            if top.object {
                let span = self.tree.push_text(&self.key)?;
                let key = self.tree.push(Node::Key {
                    span,
                    shadowed: false,
                })?;
                // The last value of a repeated key is the one read (as in serde_json).
                if let Some(earlier) = top.keys.insert(&self.tree, &self.key, key) {
                    self.tree.shadow(earlier);
                }
            }
        }
        let index = push(&mut self.tree)?;
        if let Some(top) = self.frames.last_mut() {
            top.current = index;
        }
        Ok(index)
    }

    /// Appends `text` to the string value being read (the last node).
    fn append_text(&mut self, text: &str) -> Result<(), String> {
        if !text.is_empty() {
            self.tree.extend_last_string(text)?;
            self.changed = true;
        }
        Ok(())
    }
}

/// A plain integer that fits in 64 bits, read without `serde_json` (which gives the same value):
/// an optional `-`, then digits without a leading zero; `-0` is left to `serde_json` (a float).
fn small_integer(text: &str) -> Option<Number> {
    let (negative, digits) = match text.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, text),
    };
    let valid = !digits.is_empty()
        && digits.len() <= 18
        && digits.bytes().all(|b| b.is_ascii_digit())
        && (digits == "0" || !digits.starts_with('0'));
    if !valid {
        return None;
    }
    let magnitude: u64 = digits.parse().ok()?;
    match (negative, i64::try_from(magnitude)) {
        (false, _) => Some(Number::from(magnitude)),
        (true, Ok(m)) if m > 0 => Some(Number::from(-m)),
        _ => None,
    }
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
            seen.push(p.value().map(|v| v.to_value()));
        }
        (seen, p.finish().map(Document::into_value))
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
        assert!(p.value().is_none());
        assert!(p.feed("{\"a\"").unwrap());
        assert_eq!(p.value().map(|v| v.to_value()), Some(json!({})));
        assert!(!p.feed(" : ").unwrap());
        assert!(p.feed("\"").unwrap());
        assert_eq!(p.value().map(|v| v.to_value()), Some(json!({"a": ""})));
        assert!(p.feed("x").unwrap());
        assert_eq!(p.value().map(|v| v.to_value()), Some(json!({"a": "x"})));
        assert!(!p.feed("\\").unwrap());
        assert!(p.feed("n").unwrap());
        assert_eq!(p.value().map(|v| v.to_value()), Some(json!({"a": "x\n"})));
    }

    #[test]
    fn literals_and_root_number() {
        let mut p = PartialJsonParser::new();
        p.feed("[tr").unwrap();
        assert_eq!(p.value().map(|v| v.to_value()), Some(json!([])));
        p.feed("ue, nul").unwrap();
        assert_eq!(p.value().map(|v| v.to_value()), Some(json!([true])));
        p.feed("l,false]").unwrap();
        assert_eq!(p.finish().unwrap(), json!([true, null, false]));

        let mut p = PartialJsonParser::new();
        p.feed(" -12.5e").unwrap();
        p.feed("3").unwrap();
        assert!(p.value().is_none());
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

    /// A repeated key keeps its first place and takes the last value, as in serde_json, also while
    /// that value is a string still growing (it is then not the map's last member).
    #[test]
    fn repeated_keys_are_read_as_serde_json_reads_them() {
        let doc = r#"{"a": "x", "b": 1, "a": "yz\n", "c": {"a": [1], "a": [2, "w"]}}"#;
        let mut p = PartialJsonParser::new();
        for piece in doc.as_bytes().chunks(1) {
            p.feed(std::str::from_utf8(piece).unwrap()).unwrap();
        }
        let ours = p.finish().unwrap().into_value();
        let theirs: Value = serde_json::from_str(doc).unwrap();
        assert_eq!(ours, theirs);
        assert_eq!(ours.to_string(), theirs.to_string(), "same member order");
    }

    #[test]
    fn integers_read_without_serde_json_match_it() {
        for text in [
            "0",
            "-0",
            "7",
            "-7",
            "999999999999999999",
            "-999999999999999999",
            "9223372036854775807",
            "-9223372036854775808",
            "18446744073709551615",
            "18446744073709551616",
            "-9223372036854775809",
        ] {
            let mut p = PartialJsonParser::new();
            p.feed(text).unwrap();
            let ours = p.finish().unwrap().into_value();
            let theirs: Value = serde_json::from_str(text).unwrap();
            assert_eq!(ours, theirs, "{text}");
            assert_eq!(ours.is_f64(), theirs.is_f64(), "{text}");
        }
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

        // Only the array at the path: not one under the same key deeper down, nor after a key
        // that merely starts like the path's.
        let mut p = PartialJsonParser::with_item_path(vec!["items".into()]);
        p.feed(r#"{"x": {"items": [1]}, "item": [2], "items": [3, 4]}"#)
            .unwrap();
        assert_eq!(p.take_completed_items(), vec![json!(3), json!(4)]);
    }
}
