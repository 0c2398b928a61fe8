//! Reading the value out of a reply message: one value, a list, or parallel tool calls.

use std::sync::Arc;

use serde_json::{json, Value};

use crate::completion::ResponseMessage;
use crate::error::{Error, Result};
use crate::instructor::Instructor;
use crate::mode::Mode;
use crate::request::target::{Target, ITEMS_KEY};
use crate::response::json_text;
use crate::response::parse::{self, SchemaKind};
use crate::validation::ValidationErrors;

/// Reads the value out of a reply message: one value, a list, or one per parallel tool call.
pub(crate) type Decode<O> = fn(Mode, &Target, &ResponseMessage) -> Result<O>;

/// What one extraction asks for, and how its replies are read.
pub(crate) struct Plan<O> {
    pub target: Arc<Target>,
    pub decode: Decode<O>,
}

impl<T: Instructor> Plan<T> {
    /// One `T`.
    pub fn single(mode: Mode) -> Self {
        Plan {
            target: Target::single::<T>(mode),
            decode: single::<T>,
        }
    }
}

impl<T: Instructor> Plan<Vec<T>> {
    /// A list of `T`: one tool per variant in ParallelTools, else a wrapper object with the list
    /// under `items`.
    pub fn list(mode: Mode) -> Result<Self> {
        if mode == Mode::ParallelTools {
            Self::parallel()
        } else {
            Ok(Plan {
                target: Target::iterable::<T>(mode),
                decode: many::<T>,
            })
        }
    }

    /// One `T` per tool call, each read as the variant of `T` its tool names.
    pub fn parallel() -> Result<Self> {
        Ok(Plan {
            target: Target::parallel::<T>()?,
            decode: parallel::<T>,
        })
    }
}

/// One `T`.
fn single<T: Instructor>(mode: Mode, target: &Target, m: &ResponseMessage) -> Result<T> {
    let text = json_text::json_text(mode, &target.name, m)?;
    parse::text_as::<T>(text, SchemaKind::of(mode))
}

/// A list of `T` under `items` (a bare list is accepted too); every item's errors are reported.
fn many<T: Instructor>(mode: Mode, target: &Target, m: &ResponseMessage) -> Result<Vec<T>> {
    let text = json_text::json_text(mode, &target.name, m)?;
    let items = match parse::json_from_text(text)? {
        Value::Array(items) => items,
        Value::Object(mut o) => match o.remove(ITEMS_KEY) {
            Some(Value::Array(items)) => items,
            _ => {
                return Err(Error::parse(format!(
                    "expected an object with the list `{ITEMS_KEY}`"
                )))
            }
        },
        _ => {
            return Err(Error::parse(format!(
                "expected an object with the list `{ITEMS_KEY}`"
            )))
        }
    };
    collect(items.into_iter().enumerate().map(|(i, item)| {
        (
            format!("{ITEMS_KEY}[{i}]"),
            parse::value_as::<T>(item, SchemaKind::of(mode)),
        )
    }))
}

/// One `T` per tool call, each call's arguments read as the variant its name names.
fn parallel<T: Instructor>(_mode: Mode, _target: &Target, m: &ResponseMessage) -> Result<Vec<T>> {
    let calls = json_text::tool_calls(m)?;
    collect(calls.iter().map(|call| {
        let name = call.function.name.clone();
        // The enum's schema is a oneOf, whose errors say little; serde names the failing field.
        let value = parse::json_from_text(&call.function.arguments)
            .and_then(|args| parse::deserialize_and_validate::<T>(json!({ name.clone(): args })));
        (String::new(), value.map_err(|e| named(&name, e)))
    }))
}

fn named(tool: &str, error: Error) -> Error {
    match error {
        Error::Validation(_) => error,
        other => Error::parse(format!("the call to `{tool}`: {other}")),
    }
}

/// All values, or every error with its item's path in front.
fn collect<T>(results: impl Iterator<Item = (String, Result<T>)>) -> Result<Vec<T>> {
    let mut values = Vec::new();
    let mut errors = ValidationErrors::new();
    for (path, result) in results {
        match result {
            Ok(v) => values.push(v),
            Err(Error::Validation(e)) => errors.extend_at(&path, e),
            Err(Error::Parse { message }) => errors.push(path, message),
            Err(e) => errors.push(path, e.to_string()),
        }
    }
    errors.into_result().map_err(Error::Validation)?;
    Ok(values)
}
