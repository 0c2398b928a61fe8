//! The value read so far, stored flat in document order.
//!
//! A `serde_json::Value` takes an allocation per string, array and object, and an `IndexMap` per
//! object: about 6.6 times the JSON's own size, and a walk from the root to reach the string
//! being read. Here every value is one 16-byte [`Node`], in the order its first byte arrived, and
//! the text of every string (keys and values) lies in one buffer. A document read front to back
//! only ever grows at its end: the string being read is the last node and its text the end of the
//! buffer, so appending to it reaches nothing else.

use std::collections::hash_map::RandomState;
use std::collections::HashMap;
use std::hash::BuildHasher;

use serde_json::{Map, Number, Value};

/// Where a string's text lies in [`Tree::text`].
#[derive(Debug, Clone, Copy)]
pub(super) struct Span {
    start: u32,
    len: u32,
}

/// One value (or an object member's key).
#[derive(Debug, Clone, Copy)]
pub(super) enum Node {
    Null,
    Bool(bool),
    PosInt(u64),
    NegInt(i64),
    Float(f64),
    Str(Span),
    /// An object member's key; the member's value is the next node. `shadowed` once a later
    /// member of the same object repeats the key: the later value is the one read.
    Key {
        span: Span,
        shadowed: bool,
    },
    /// The elements (or key and value nodes of the members) are the nodes after this one up to
    /// `end`; [`OPEN`] while the closing bracket has not arrived (they run to the last node).
    Array {
        end: u32,
    },
    Object {
        end: u32,
    },
}

/// The `end` of a container still open.
pub(super) const OPEN: u32 = u32::MAX;

/// Above this many members an open object indexes its keys by hash to find a repeated one;
/// below it a scan is cheaper.
const SCAN_KEYS_UP_TO: usize = 16;

/// All nodes and all string text of a document.
#[derive(Debug, Default)]
pub(super) struct Tree {
    nodes: Vec<Node>,
    text: String,
}

impl Tree {
    #[inline]
    pub fn node(&self, index: usize) -> Option<Node> {
        self.nodes.get(index).copied()
    }

    pub fn is_empty(&self) -> bool {
        self.nodes.is_empty()
    }

    #[inline]
    pub fn str(&self, span: Span) -> &str {
        let start = span.start as usize;
        self.text
            .get(start..start + span.len as usize)
            .unwrap_or_default()
    }

    /// Appends a node; returns its index.
    pub fn push(&mut self, node: Node) -> Result<u32, String> {
        let index = u32::try_from(self.nodes.len())
            .ok()
            .filter(|&i| i < OPEN)
            .ok_or("more than 4 billion values in one document")?;
        self.nodes.push(node);
        Ok(index)
    }

    /// Appends a string's text to the buffer; returns where it lies.
    pub fn push_text(&mut self, text: &str) -> Result<Span, String> {
        let start = self.text_len()?;
        let end = self.append(text)?;
        Ok(Span {
            start,
            len: end - start,
        })
    }

    /// Appends an empty string value, its text to come at the end of the buffer; returns its node.
    pub fn push_string(&mut self) -> Result<u32, String> {
        let span = self.push_text("")?;
        self.push(Node::Str(span))
    }

    /// Appends `text` to the string value that is the last node. The string was the last thing
    /// placed, so its text is the end of the buffer.
    pub fn extend_last_string(&mut self, text: &str) -> Result<(), String> {
        if matches!(self.nodes.last(), Some(Node::Str(_))) {
            let end = self.append(text)?;
            if let Some(Node::Str(span)) = self.nodes.last_mut() {
                span.len = end.saturating_sub(span.start);
            }
        }
        Ok(())
    }

    /// Appends to the text buffer; returns its new length.
    fn append(&mut self, text: &str) -> Result<u32, String> {
        if self.text.capacity() == 0 && !text.is_empty() {
            // Most documents a model writes are longer than a feed: skip the first few doublings.
            self.text.reserve(text.len().max(MIN_TEXT_CAPACITY));
        }
        self.text.push_str(text);
        self.text_len()
    }

    fn text_len(&self) -> Result<u32, String> {
        u32::try_from(self.text.len()).map_err(|_| TOO_LONG.to_owned())
    }

    /// The closing bracket of the container at `index` arrived.
    pub fn close(&mut self, index: u32) {
        let end = u32::try_from(self.nodes.len()).unwrap_or(OPEN);
        if let Some(Node::Array { end: e } | Node::Object { end: e }) =
            self.nodes.get_mut(index as usize)
        {
            *e = end;
        }
    }

    /// Marks the key at `index` as repeated by a later member.
    pub fn shadow(&mut self, index: u32) {
        if let Some(Node::Key { shadowed, .. }) = self.nodes.get_mut(index as usize) {
            *shadowed = true;
        }
    }

    /// One past the last node of the value at `index`.
    #[inline]
    pub fn end(&self, index: usize) -> usize {
        match self.nodes.get(index) {
            Some(Node::Array { end } | Node::Object { end }) if *end != OPEN => *end as usize,
            Some(Node::Array { .. } | Node::Object { .. }) => self.nodes.len(),
            _ => index + 1,
        }
    }

    /// The value at `index` as a `serde_json::Value` (`Null` if there is none).
    ///
    /// Members are inserted in document order, so a repeated key keeps its first place and takes
    /// the last value, exactly as `serde_json` reads it.
    pub fn to_value(&self, index: usize) -> Value {
        match self.node(index) {
            None | Some(Node::Null) => Value::Null,
            Some(Node::Bool(b)) => Value::Bool(b),
            Some(Node::PosInt(n)) => Value::Number(n.into()),
            Some(Node::NegInt(n)) => Value::Number(n.into()),
            Some(Node::Float(f)) => Number::from_f64(f).map_or(Value::Null, Value::Number),
            Some(Node::Str(span) | Node::Key { span, .. }) => Value::String(self.str(span).into()),
            Some(Node::Array { .. }) => {
                Value::Array(self.children(index).map(|i| self.to_value(i)).collect())
            }
            Some(Node::Object { .. }) => {
                let mut map = Map::new();
                for key in self.children(index) {
                    if let Some(Node::Key { span, .. }) = self.node(key) {
                        map.insert(self.str(span).to_owned(), self.to_value(key + 1));
                    }
                }
                Value::Object(map)
            }
        }
    }

    /// The elements of the array at `index`, or the keys of the object there (each member's
    /// value is the node after its key).
    pub fn children(&self, index: usize) -> Children<'_> {
        Children {
            tree: self,
            next: index + 1,
            end: self.end(index),
        }
    }
}

const TOO_LONG: &str = "more than 4 GiB of string text in one document";

/// The capacity the text buffer starts with, once its first text arrives.
const MIN_TEXT_CAPACITY: usize = 64;

/// See [`Tree::children`].
pub(super) struct Children<'a> {
    tree: &'a Tree,
    next: usize,
    end: usize,
}

impl Iterator for Children<'_> {
    type Item = usize;

    #[inline]
    fn next(&mut self) -> Option<usize> {
        if self.next >= self.end {
            return None;
        }
        let at = self.next;
        self.next = match self.tree.node(at) {
            // A key: skip it and its value.
            Some(Node::Key { .. }) => self.tree.end(at + 1),
            _ => self.tree.end(at),
        };
        Some(at)
    }
}

/// The keys of an open object, to find one a new member repeats.
#[derive(Debug, Default)]
pub(super) struct Keys {
    nodes: Vec<u32>,
    /// Built once the object outgrows a scan: the last key node for each key's hash.
    by_hash: Option<(RandomState, HashMap<u64, u32>)>,
}

impl Keys {
    /// Records the key at node `index` (text `key`); returns the earlier key node it repeats.
    pub fn insert(&mut self, tree: &Tree, key: &str, index: u32) -> Option<u32> {
        let repeated = self.find(tree, key);
        self.nodes.push(index);
        if self.by_hash.is_none() && self.nodes.len() > SCAN_KEYS_UP_TO {
            let state = RandomState::new();
            let map = self
                .nodes
                .iter()
                .filter_map(|&i| key_text(tree, i).map(|k| (state.hash_one(k), i)))
                .collect();
            self.by_hash = Some((state, map));
        } else if let Some((state, map)) = &mut self.by_hash {
            map.insert(state.hash_one(key), index);
        }
        repeated
    }

    fn find(&self, tree: &Tree, key: &str) -> Option<u32> {
        let same = |&i: &u32| key_text(tree, i) == Some(key);
        match &self.by_hash {
            None => self.nodes.iter().rev().copied().find(same),
            Some((state, map)) => match map.get(&state.hash_one(key)) {
                Some(i) if same(i) => Some(*i),
                // Two keys with one hash: rare enough to scan.
                Some(_) => self.nodes.iter().rev().copied().find(same),
                None => None,
            },
        }
    }
}

fn key_text(tree: &Tree, index: u32) -> Option<&str> {
    match tree.node(index as usize) {
        Some(Node::Key { span, .. }) => Some(tree.str(span)),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_node_is_sixteen_bytes() {
        assert_eq!(std::mem::size_of::<Node>(), 16);
    }
}
