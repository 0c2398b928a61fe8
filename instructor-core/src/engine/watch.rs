//! What a stream shows while it runs: partial values, or each item as it completes.

use std::collections::BTreeMap;
use std::marker::PhantomData;

use serde::Deserialize;
use serde_json::{json, Value};

use crate::engine::assembler::Assembler;
use crate::engine::fingerprint::Fingerprints;
use crate::engine::fragments::Fragments;
use crate::error::Error;
use crate::instructor::Instructor;
use crate::mode::Mode;
use crate::request::target::ITEMS_KEY;
use crate::response::parse::{self, SchemaKind};
use crate::stream::partial_json::{Document, PartialJsonParser};
use crate::validation::ValidationErrors;

/// Turns new JSON text into things to yield.
pub(crate) trait Watch: Send {
    /// What is yielded.
    type Item: Send;
    /// Takes one chunk's fragments.
    fn on_fragments(&mut self, asm: &Assembler, fragments: Fragments) -> Vec<Self::Item>;
    /// The stream ended: anything held back.
    fn finish(&mut self) -> Vec<Self::Item> {
        Vec::new()
    }
    /// What the stream showed that makes its reply unusable even if it decodes: asked at the end
    /// of each attempt, re-asked like a validation error.
    fn objection(&mut self) -> Option<Error> {
        None
    }
    /// A re-ask starts a new stream.
    fn restart(&mut self);
}

/// Below this much JSON every visible change is shown.
const SHOW_EVERY_CHANGE_BELOW: usize = 8 * 1024;
/// Above it, a new partial once the JSON has grown by a sixteenth since the last one.
const GROWTH_DIVISOR: usize = 16;

/// Yields `T::Partial` each time the visible value changes.
///
/// Building a partial reads the whole value so far, so on large values partials are coalesced:
/// below [`SHOW_EVERY_CHANGE_BELOW`] bytes every change is shown, above it one partial per
/// 1/[`GROWTH_DIVISOR`] of growth, which keeps a stream's total cost near linear in its size. The
/// end of the stream always shows the last change.
pub(crate) struct PartialWatch<T: Instructor> {
    /// `None` once the text stopped being JSON: the end of the stream decides then.
    parser: Option<PartialJsonParser>,
    /// Which tool call is followed (the first one seen).
    index: Option<u32>,
    /// The fingerprint of the last partial shown: 8 bytes where a clone of it would take as
    /// much as the partial (with 10,000 streams open, that is what a server holds 10,000 times).
    last: Option<u64>,
    fingerprints: Fingerprints,
    /// JSON bytes fed so far, and when the last partial was built.
    fed: usize,
    fed_at_last_build: usize,
    /// A visible change not shown yet.
    dirty: bool,
    _t: PhantomData<fn() -> T>,
}

impl<T: Instructor> PartialWatch<T> {
    pub fn new() -> Self {
        Self {
            parser: Some(PartialJsonParser::new()),
            index: None,
            last: None,
            fingerprints: Fingerprints::default(),
            fed: 0,
            fed_at_last_build: 0,
            dirty: false,
            _t: PhantomData,
        }
    }

    fn due(&self) -> bool {
        self.fed < SHOW_EVERY_CHANGE_BELOW
            || (self.fed - self.fed_at_last_build) * GROWTH_DIVISOR >= self.fed
    }

    /// The partial of the value so far, if it differs from the last one shown.
    fn build(&mut self) -> Vec<T::Partial> {
        self.dirty = false;
        self.fed_at_last_build = self.fed;
        let Some(value) = self.parser.as_ref().and_then(PartialJsonParser::value) else {
            return Vec::new();
        };
        // A prefix that does not fit the partial type yet (say, a string where a number goes) is
        // not shown; the finished value is checked in full at the end.
        let Ok(partial) = T::Partial::deserialize(value) else {
            return Vec::new();
        };
        let fingerprint = self.fingerprints.of(&partial);
        if fingerprint.is_some() && fingerprint == self.last {
            return Vec::new();
        }
        self.last = fingerprint;
        vec![partial]
    }
}

impl<T: Instructor> Watch for PartialWatch<T> {
    type Item = T::Partial;

    fn on_fragments(&mut self, _asm: &Assembler, fragments: Fragments) -> Vec<T::Partial> {
        for (index, text) in fragments {
            if *self.index.get_or_insert(index) != index {
                continue;
            }
            let Some(parser) = self.parser.as_mut() else {
                return Vec::new();
            };
            self.fed += text.len();
            match parser.feed(&text) {
                Ok(changed) => self.dirty |= changed,
                Err(_) => {
                    self.parser = None;
                    return Vec::new();
                }
            }
        }
        if self.dirty && self.due() {
            self.build()
        } else {
            Vec::new()
        }
    }

    fn finish(&mut self) -> Vec<T::Partial> {
        if self.dirty {
            self.build()
        } else {
            Vec::new()
        }
    }

    fn restart(&mut self) {
        *self = Self::new();
    }
}

/// Yields each complete, validated `T` of a list the moment it closes.
///
/// Items yielded are final: the caller may already have shown them. A re-ask's stream must give
/// them again unchanged before it goes on; those are not yielded twice. A retry that changes or
/// drops an accepted item is objected to, and re-asked (or, out of attempts, fails), so the caller
/// never holds a mix of two attempts' lists.
pub(crate) struct ItemWatch<T: Instructor> {
    mode: Mode,
    /// One parser per tool call in ParallelTools; one (index 0) with an item path otherwise.
    parsers: BTreeMap<u32, Option<PartialJsonParser>>,
    /// Items of this attempt seen so far.
    seen: usize,
    /// The JSON of every item yielded, over all attempts, in order.
    accepted: Vec<Value>,
    /// An item failed: yield no more this attempt, so order holds; the end re-asks.
    broken: bool,
    /// Where this attempt disagreed with an accepted item.
    changed: ValidationErrors,
    _t: PhantomData<fn() -> T>,
}

impl<T: Instructor> ItemWatch<T> {
    pub fn new(mode: Mode) -> Self {
        Self {
            mode,
            parsers: BTreeMap::new(),
            seen: 0,
            accepted: Vec::new(),
            broken: false,
            changed: ValidationErrors::new(),
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

    /// How an item's position reads in an error.
    fn path(&self, index: usize) -> String {
        if self.mode == Mode::ParallelTools {
            format!("tool call {index}")
        } else {
            format!("{ITEMS_KEY}[{index}]")
        }
    }

    fn offer(&mut self, out: &mut Vec<T>, item: Value) {
        let index = self.seen;
        self.seen += 1;
        if let Some(accepted) = self.accepted.get(index) {
            if *accepted != item {
                let message = format!(
                    "this item was already accepted as {accepted}; give it again unchanged, then \
                     go on with the list"
                );
                self.changed.push(self.path(index), message);
                self.broken = true;
            }
            return;
        }
        if self.broken {
            return;
        }
        let parsed = if self.mode == Mode::ParallelTools {
            parse::deserialize_and_validate::<T>(item.clone())
        } else {
            parse::value_as::<T>(item.clone(), SchemaKind::of(self.mode))
        };
        match parsed {
            Ok(v) => {
                self.accepted.push(item);
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
                let args = slot
                    .take()
                    .and_then(|p| p.finish().ok())
                    .map(Document::into_value);
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

    fn objection(&mut self) -> Option<Error> {
        if self.seen < self.accepted.len() {
            let message = format!(
                "the list stopped after {} item(s), but {} were already accepted: give them again \
                 unchanged, then the rest",
                self.seen,
                self.accepted.len()
            );
            self.changed.push(self.path(self.seen), message);
        }
        std::mem::take(&mut self.changed)
            .into_result()
            .err()
            .map(Error::Validation)
    }

    fn restart(&mut self) {
        self.parsers.clear();
        self.seen = 0;
        self.broken = false;
        self.changed = ValidationErrors::new();
    }
}
