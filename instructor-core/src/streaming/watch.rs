//! What a stream shows while it runs: partial values, or each item as it completes.

use std::collections::BTreeMap;
use std::marker::PhantomData;

use serde::Deserialize;
use serde_json::{json, Value};

use crate::decode::kind;
use crate::instructor::Instructor;
use crate::mode::Mode;
use crate::parse;
use crate::stream::partial_json::PartialJsonParser;
use crate::target::ITEMS_KEY;

use super::assembler::{Assembler, Fragments};

/// Turns new JSON text into things to yield.
pub(crate) trait Watch: Send {
    /// What is yielded.
    type Item: Send;
    /// Takes one chunk's fragments.
    fn on_fragments(&mut self, asm: &Assembler, fragments: Fragments) -> Vec<Self::Item>;
    /// A re-ask starts a new stream.
    fn restart(&mut self);
}

/// Yields `T::Partial` each time the visible value changes.
pub(crate) struct PartialWatch<T: Instructor> {
    /// `None` once the text stopped being JSON: the end of the stream decides then.
    parser: Option<PartialJsonParser>,
    /// Which tool call is followed (the first one seen).
    index: Option<u32>,
    last: Option<T::Partial>,
}

impl<T: Instructor> PartialWatch<T> {
    pub fn new() -> Self {
        Self {
            parser: Some(PartialJsonParser::new()),
            index: None,
            last: None,
        }
    }
}

impl<T: Instructor> Watch for PartialWatch<T> {
    type Item = T::Partial;

    fn on_fragments(&mut self, _asm: &Assembler, fragments: Fragments) -> Vec<T::Partial> {
        let mut changed = false;
        for (index, text) in fragments {
            if *self.index.get_or_insert(index) != index {
                continue;
            }
            let Some(parser) = self.parser.as_mut() else {
                return Vec::new();
            };
            match parser.feed(&text) {
                Ok(c) => changed |= c,
                Err(_) => {
                    self.parser = None;
                    return Vec::new();
                }
            }
        }
        if !changed {
            return Vec::new();
        }
        let Some(value) = self.parser.as_ref().and_then(PartialJsonParser::value) else {
            return Vec::new();
        };
        // A prefix that does not fit the partial type yet (say, a string where a number goes) is
        // not shown; the finished value is checked in full at the end.
        match T::Partial::deserialize(value) {
            Ok(partial) if self.last.as_ref() != Some(&partial) => {
                self.last = Some(partial.clone());
                vec![partial]
            }
            _ => Vec::new(),
        }
    }

    fn restart(&mut self) {
        *self = Self::new();
    }
}

/// Yields each complete, validated `T` of a list the moment it closes.
pub(crate) struct ItemWatch<T: Instructor> {
    mode: Mode,
    /// One parser per tool call in ParallelTools; one (index 0) with an item path otherwise.
    parsers: BTreeMap<u32, Option<PartialJsonParser>>,
    /// Items of this attempt seen so far.
    seen: usize,
    /// Items yielded over all attempts: a re-ask's first items are not yielded twice.
    yielded: usize,
    /// An item failed: yield no more this attempt, so order holds; the end re-asks.
    broken: bool,
    _t: PhantomData<fn() -> T>,
}

impl<T: Instructor> ItemWatch<T> {
    pub fn new(mode: Mode) -> Self {
        Self {
            mode,
            parsers: BTreeMap::new(),
            seen: 0,
            yielded: 0,
            broken: false,
            _t: PhantomData,
        }
    }

    fn parser_for(&mut self, index: u32) -> &mut Option<PartialJsonParser> {
        let parallel = self.mode == Mode::ParallelTools;
        self.parsers.entry(index).or_insert_with(|| {
            Some(if parallel {
                PartialJsonParser::new()
            } else {
                PartialJsonParser::with_item_path(vec![ITEMS_KEY.to_owned()])
            })
        })
    }

    fn offer(&mut self, out: &mut Vec<T>, item: Value) {
        self.seen += 1;
        if self.broken || self.seen <= self.yielded {
            return;
        }
        let parsed = if self.mode == Mode::ParallelTools {
            parse::deserialize_and_validate::<T>(item)
        } else {
            parse::value_as::<T>(item, kind(self.mode))
        };
        match parsed {
            Ok(v) => {
                self.yielded += 1;
                out.push(v);
            }
            Err(_) => self.broken = true,
        }
    }
}

impl<T: Instructor> Watch for ItemWatch<T> {
    type Item = T;

    fn on_fragments(&mut self, asm: &Assembler, fragments: Fragments) -> Vec<T> {
        let mut out = Vec::new();
        let parallel = self.mode == Mode::ParallelTools;
        for (index, text) in fragments {
            let index = if parallel { index } else { 0 };
            let slot = self.parser_for(index);
            let Some(parser) = slot.as_mut() else {
                continue;
            };
            if parser.feed(&text).is_err() {
                *slot = None;
                continue;
            }
            let completed = if !parallel {
                parser.take_completed_items()
            } else if parser.is_complete() {
                let name = asm.tool_name(index).unwrap_or_default().to_owned();
                let args = slot.take().and_then(|p| p.finish().ok());
                args.map(|args| json!({ name: args })).into_iter().collect()
            } else {
                Vec::new()
            };
            for item in completed {
                self.offer(&mut out, item);
            }
        }
        out
    }

    fn restart(&mut self) {
        self.parsers.clear();
        self.seen = 0;
        self.broken = false;
    }
}
