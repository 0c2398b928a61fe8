//! From JSON text to a validated `T`: JSON syntax, then the schema, then serde, then `validate()`.
//!
//! Checking the schema before serde lets the re-ask tell the model every wrong field at once, each
//! with its JSON path, instead of serde's first error only.

use std::any::TypeId;
use std::sync::Arc;

use serde_json::Value;

use crate::error::{excerpt, Error, Result};
use crate::instructor::Instructor;
use crate::mode::Mode;
use crate::type_cache::TypeCache;
use crate::validation::{join_path, ValidationErrors};

/// Which of a type's schemas a validator was built from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) enum SchemaKind {
    /// `json_schema()`.
    Plain,
    /// `json_schema_strict()`.
    Strict,
}

impl SchemaKind {
    /// The schema a mode's replies are checked against.
    pub fn of(mode: Mode) -> Self {
        if mode.is_strict() {
            SchemaKind::Strict
        } else {
            SchemaKind::Plain
        }
    }
}

/// The compiled validator of `T`'s schema, built once per type and kind.
fn validator<T: Instructor>(kind: SchemaKind) -> Option<Arc<jsonschema::Validator>> {
    static CACHE: TypeCache<(TypeId, SchemaKind), Arc<jsonschema::Validator>> = TypeCache::new();
    CACHE
        .get_or_try_insert((TypeId::of::<T>(), kind), || {
            let schema = match kind {
                SchemaKind::Plain => T::json_schema(),
                SchemaKind::Strict => T::json_schema_strict(),
            };
            // A schema the validator cannot compile is skipped rather than failing every reply:
            // serde and validate() still check the value.
            jsonschema::validator_for(&schema).map(Arc::new)
        })
        .ok()
}

/// What comes before the excerpt of the reply in a parse error: the user reads it, the re-ask
/// leaves it out.
pub(crate) const REPLY_ECHO: &str = "; the text was: ";

/// Parses JSON text, reporting where it breaks.
pub(crate) fn json_from_text(text: &str) -> Result<Value> {
    serde_json::from_str(text).map_err(|e| {
        Error::parse(format!(
            "the reply is not valid JSON ({e}){REPLY_ECHO}{}",
            excerpt(text, 300)
        ))
    })
}

/// Checks `value` against `T`'s schema, then deserializes and validates it.
pub(crate) fn value_as<T: Instructor>(value: Value, kind: SchemaKind) -> Result<T> {
    check_schema::<T>(&value, kind)?;
    deserialize_and_validate(value)
}

/// Deserializes and validates `value` without the schema check.
pub(crate) fn deserialize_and_validate<T: Instructor>(value: Value) -> Result<T> {
    let parsed: T = serde_json::from_value(value)
        .map_err(|e| Error::parse(format!("the JSON does not fit the type: {e}")))?;
    parsed.validate().map_err(Error::Validation)?;
    Ok(parsed)
}

/// Parses JSON text into a validated `T`.
pub(crate) fn text_as<T: Instructor>(text: &str, kind: SchemaKind) -> Result<T> {
    value_as(json_from_text(text)?, kind)
}

fn check_schema<T: Instructor>(value: &Value, kind: SchemaKind) -> Result<()> {
    let Some(validator) = validator::<T>(kind) else {
        return Ok(());
    };
    // The yes/no check allocates nothing; errors are collected only for a reply that fails.
    if validator.is_valid(value) {
        return Ok(());
    }
    let mut errors = ValidationErrors::new();
    for e in validator.iter_errors(value) {
        errors.push(pointer_to_path(e.instance_path().as_str()), e.to_string());
    }
    errors.into_result().map_err(Error::Validation)
}

/// `/addresses/1/city` -> `addresses[1].city`.
pub(crate) fn pointer_to_path(pointer: &str) -> String {
    let mut path = String::new();
    for segment in pointer.split('/').skip(1) {
        let segment = segment.replace("~1", "/").replace("~0", "~");
        let part = if !segment.is_empty() && segment.bytes().all(|b| b.is_ascii_digit()) {
            format!("[{segment}]")
        } else {
            segment
        };
        path = join_path(&path, &part);
    }
    path
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pointers_become_paths() {
        assert_eq!(pointer_to_path(""), "");
        assert_eq!(pointer_to_path("/age"), "age");
        assert_eq!(pointer_to_path("/addresses/1/city"), "addresses[1].city");
        assert_eq!(pointer_to_path("/a~1b/0"), "a/b[0]");
    }
}
