//! JSON Schema generation: the field-level [`JsonSchema`] trait (implemented here for std types and by
//! `#[derive(Instructor)]` for user types), the [`SchemaGenerator`] that collects nested types into
//! `$defs`, the OpenAI strict-mode transform [`strictify`], the sketch the prompt-only modes show the
//! model, and a per-type schema cache.

mod generator;
mod impls;
#[doc(hidden)]
pub mod private;
pub(crate) mod sketch;
mod strict;

use std::fmt::Debug;

use serde::de::DeserializeOwned;
use serde::Serialize;
use serde_json::Value;

use crate::validation::ValidationErrors;

pub use generator::{root_schema, SchemaGenerator};
pub use impls::{PartialTuple2, PartialTuple3, PartialTuple4};
pub use strict::{strictify, STRICT_UNSUPPORTED_KEYWORDS};

/// A type that can appear in an [`Instructor`](crate::Instructor) type: its JSON Schema, its
/// partial twin and its validation.
///
/// Implemented for `bool`, every integer width, `f32`/`f64`, `String`, `char`, `Option<T>`,
/// `Vec<T>`, `VecDeque<T>`, `[T; N]`, `HashSet<T>`/`BTreeSet<T>`, `HashMap<String, V>`/
/// `BTreeMap<String, V>`, `Box<T>`, `serde_json::Value` (and, behind features, chrono's dates and
/// times and `uuid::Uuid`); `#[derive(Instructor)]` implements it for your own types.
///
/// The method names differ from [`Instructor`](crate::Instructor)'s so both traits can be in scope.
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be used in an `Instructor` type",
    label = "`{Self}` has no JSON Schema",
    note = "derive `Instructor` on `{Self}`, or use a supported type: bool, integers, floats, String, char, Option, Vec, arrays, sets, maps with String keys, Box, serde_json::Value"
)]
pub trait JsonSchema {
    /// The partial form of the value, used while it streams in: any prefix of a serialized value
    /// closed by a partial-JSON completion deserializes into it.
    type Partial: DeserializeOwned
        + Serialize
        + Default
        + Clone
        + PartialEq
        + Debug
        + Send
        + 'static;

    /// A name for the type, used as its `$defs` key and as the tool name: `User`, `Page_User`.
    fn def_name() -> String;

    /// The schema of the type. Referenceable types return their full definition here; fields
    /// call [`SchemaGenerator::subschema_for`], which puts those in `$defs` and returns a `$ref`.
    fn schema(gen: &mut SchemaGenerator) -> Value;

    /// True for types that go into `$defs` (derived structs and enums).
    fn referenceable() -> bool {
        false
    }

    /// Which type a referenceable type's `$defs` entry stands for: its full type name, or, for a
    /// wrapper that is referenced as the type it wraps (`Box<T>`), that type's. Two types of one
    /// [`def_name`](Self::def_name) are told apart by it.
    fn def_identity() -> &'static str {
        std::any::type_name::<Self>()
    }

    /// True when serde accepts the value being absent (as for `Option<T>`): such a property is not
    /// in `required`.
    fn optional() -> bool {
        false
    }

    /// The type's description (its doc comment), if any.
    fn schema_description() -> Option<String> {
        None
    }

    /// The pair of schema keywords a `min_len`/`max_len` constraint maps to for this type:
    /// `("minLength", "maxLength")` for strings, `("minItems", "maxItems")` for sequences,
    /// `("minProperties", "maxProperties")` for maps; `None` when length means nothing.
    fn length_keywords() -> Option<(&'static str, &'static str)> {
        None
    }

    /// False when [`validate_at`](Self::validate_at) can never report anything (plain values such
    /// as numbers and strings), so containers skip their items. Keep the default `true` when you
    /// implement `validate_at`.
    fn validates() -> bool {
        true
    }

    /// Runs the validators of this value (and of the values inside it), pushing each failure with
    /// its JSON path, `path` being the path of this value.
    fn validate_at(&self, path: &str, errors: &mut ValidationErrors) {
        let _ = (path, errors);
    }
}
