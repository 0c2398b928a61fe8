//! What the model is asked to produce: a name, a description and a schema, derived from a type.

use std::any::TypeId;
use std::sync::Arc;

use serde_json::{json, Value};

use crate::error::Error;
use crate::instructor::{Instructor, ToolSchema};
use crate::mode::Mode;
use crate::request::body::Field;
use crate::request::mode_fields::{self, TargetSpec};
use crate::type_cache::TypeCache;

/// The key of the list in the wrapper object used by iterable extraction.
pub(crate) const ITEMS_KEY: &str = "items";

/// The schema side of one extraction, independent of how the mode sends it.
#[derive(Debug, Clone)]
pub(crate) struct Target {
    /// Tool / `json_schema` name: `^[a-zA-Z0-9_-]{1,64}$`.
    pub name: String,
    /// What to extract, in words.
    pub description: String,
    /// The schema the reply must match (strict form in strict modes).
    pub schema: Value,
    /// One tool per variant (ParallelTools only).
    pub tools: Vec<ToolSchema>,
    /// The mode's body fields (`tools` and `tool_choice`, …), the schema serialized once.
    pub fields: Vec<(&'static str, Field)>,
}

/// Which target of a type: the type itself, a list of it, or its variants as tools.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Kind {
    Single,
    Iterable,
    Parallel,
}

/// Targets depend only on the type and the mode, so each is built once: every extraction of a
/// type shares its schema and its serialized body fields.
static CACHE: TypeCache<(TypeId, Kind, Mode), Arc<Target>> = TypeCache::new();

impl Target {
    /// One value of `T`.
    pub fn single<T: Instructor>(mode: Mode) -> Arc<Self> {
        let key = (TypeId::of::<T>(), Kind::Single, mode);
        CACHE.get_or_insert(key, || {
            let name = tool_name(&T::schema_name());
            let description = T::description().unwrap_or_else(|| default_description(&name));
            Self::new(name, description, schema_for::<T>(mode)).with_fields(mode)
        })
    }

    /// A list of `T` under `items`, for iterable extraction.
    pub fn iterable<T: Instructor>(mode: Mode) -> Arc<Self> {
        let key = (TypeId::of::<T>(), Kind::Iterable, mode);
        CACHE.get_or_insert(key, || {
            let item = tool_name(&T::schema_name());
            let name = tool_name(&format!("{item}List"));
            let description = format!(
                "Every {item} found in the conversation, in order, as the list `{ITEMS_KEY}`.{}",
                T::description()
                    .map(|d| format!(" Each {item}: {d}"))
                    .unwrap_or_default()
            );
            let schema = wrap_in_list(schema_for::<T>(mode), mode.is_strict());
            Self::new(name, description, schema).with_fields(mode)
        })
    }

    /// A target without variant tools; [`with_fields`](Self::with_fields) adds its body fields.
    fn new(name: String, description: String, schema: Value) -> Self {
        Self {
            name,
            description,
            schema,
            tools: Vec::new(),
            fields: Vec::new(),
        }
    }

    /// The target with the mode's body fields serialized, ready to share.
    fn with_fields(mut self, mode: Mode) -> Arc<Self> {
        self.fields = mode_fields::for_mode(
            mode,
            &TargetSpec {
                name: &self.name,
                description: &self.description,
                schema: &self.schema,
                tools: &self.tools,
            },
        );
        Arc::new(self)
    }

    /// One tool per variant of `T`, for `Mode::ParallelTools`.
    pub fn parallel<T: Instructor>() -> Result<Arc<Self>, Error> {
        let mode = Mode::ParallelTools;
        CACHE.get_or_try_insert((TypeId::of::<T>(), Kind::Parallel, mode), || {
            Ok(Self::build_parallel::<T>()?.with_fields(mode))
        })
    }

    fn build_parallel<T: Instructor>() -> Result<Self, Error> {
        let tools = T::parallel_tools().ok_or_else(|| {
            Error::Configuration(format!(
                "Mode::ParallelTools needs an enum whose every variant wraps one derived type, \
                 like `enum Action {{ Search(Search), Lookup(Lookup) }}`; `{}` is not one. \
                 Use create_parallel with such an enum, or another mode",
                T::schema_name()
            ))
        })?;
        let tools = tools
            .into_iter()
            .map(|mut t| {
                t.name = tool_name(&t.name);
                t.description = Some(
                    t.description
                        .unwrap_or_else(|| default_description(&t.name)),
                );
                t
            })
            .collect();
        Ok(Self {
            name: tool_name(&T::schema_name()),
            description: T::description().unwrap_or_default(),
            schema: T::json_schema(),
            tools,
            fields: Vec::new(),
        })
    }
}

fn schema_for<T: Instructor>(mode: Mode) -> Value {
    if mode.is_strict() {
        T::json_schema_strict()
    } else {
        T::json_schema()
    }
}

/// Our own sentence for a type without a doc comment (Python's "correctly extracted" is no help to a model).
fn default_description(name: &str) -> String {
    format!(
        "Record the {name} found in the conversation. Fill every field from what the text says; \
         the arguments must match this function's JSON Schema exactly."
    )
}

/// Moves `$defs` to the wrapper's root so `#/$defs/..` references still resolve.
fn wrap_in_list(mut item: Value, strict: bool) -> Value {
    let defs = item.as_object_mut().and_then(|o| o.remove("$defs"));
    if let Some(o) = item.as_object_mut() {
        o.remove("$schema");
        o.remove("title");
    }
    let mut wrapper = json!({
        "type": "object",
        "properties": { ITEMS_KEY: { "type": "array", "items": item } },
        "required": [ITEMS_KEY],
    });
    if strict {
        wrapper["additionalProperties"] = Value::Bool(false);
    }
    if let (Some(defs), Some(o)) = (defs, wrapper.as_object_mut()) {
        o.insert("$defs".to_owned(), defs);
    }
    wrapper
}

/// A name the API accepts: ASCII letters, digits, `_` and `-`, at most 64 characters.
pub(crate) fn tool_name(raw: &str) -> String {
    let mut name: String = raw
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '_' || c == '-' {
                c
            } else {
                '_'
            }
        })
        .collect();
    while name.contains("__") {
        name = name.replace("__", "_");
    }
    let name = name.trim_matches('_');
    let mut name: String = name.chars().take(64).collect();
    if name.is_empty() {
        name.push_str("Response");
    }
    name
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tool_names_are_what_the_api_accepts() {
        assert_eq!(tool_name("Page<User>"), "Page_User");
        assert_eq!(tool_name("a b::c"), "a_b_c");
        assert_eq!(tool_name("<>"), "Response");
        assert_eq!(tool_name(&"x".repeat(100)).len(), 64);
    }

    #[test]
    fn wrapper_keeps_defs_reachable() {
        let item = json!({"$ref": "#/$defs/A", "$defs": {"A": {"type": "object"}}});
        let w = wrap_in_list(item, true);
        assert_eq!(w["$defs"]["A"]["type"], "object");
        assert_eq!(w["properties"]["items"]["items"]["$ref"], "#/$defs/A");
        assert_eq!(w["additionalProperties"], false);
    }
}
