//! Reading the value out of a reply message: one value, a list, or parallel tool calls.

use std::sync::Arc;

use serde_json::{json, Value};

use crate::attempt::Decode;
use crate::completion::ResponseMessage;
use crate::error::{Error, Result};
use crate::instructor::Instructor;
use crate::mode::Mode;
use crate::parse::{self, SchemaKind};
use crate::reply;
use crate::target::{Target, ITEMS_KEY};
use crate::validation::ValidationErrors;

pub(crate) fn kind(mode: Mode) -> SchemaKind {
    if mode.is_strict() {
        SchemaKind::Strict
    } else {
        SchemaKind::Plain
    }
}

/// The target and reader for a list of `T`: one tool per variant in ParallelTools, else a wrapper
/// object with the list under `items`.
pub(crate) fn list_plan<T: Instructor>(mode: Mode) -> Result<(Arc<Target>, Decode<Vec<T>>)> {
    if mode == Mode::ParallelTools {
        Ok((Target::parallel::<T>()?, parallel::<T>))
    } else {
        Ok((Target::iterable::<T>(mode), many::<T>))
    }
}

/// One `T`.
pub(crate) fn single<T: Instructor>(mode: Mode, target: &Target, m: &ResponseMessage) -> Result<T> {
    let text = reply::json_text(mode, &target.name, m)?;
    parse::text_as::<T>(text, kind(mode))
}

/// A list of `T` under `items` (a bare list is accepted too); every item's errors are reported.
pub(crate) fn many<T: Instructor>(
    mode: Mode,
    target: &Target,
    m: &ResponseMessage,
) -> Result<Vec<T>> {
    let text = reply::json_text(mode, &target.name, m)?;
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
            parse::value_as::<T>(item, kind(mode)),
        )
    }))
}

/// One `T` per tool call, each call's arguments read as the variant its name names.
pub(crate) fn parallel<T: Instructor>(
    _mode: Mode,
    _target: &Target,
    m: &ResponseMessage,
) -> Result<Vec<T>> {
    let calls = reply::tool_calls(m)?;
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
