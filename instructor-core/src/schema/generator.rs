//! The schema generator: collects referenceable types into `$defs`, and a per-type cache of root
//! schemas.

use std::any::TypeId;
use std::collections::HashSet;

use serde_json::{Map, Value};

use super::{strictify, JsonSchema};
use crate::type_cache::TypeCache;

/// Builds one root schema: nested derived types are defined once in `$defs` and referenced with
/// `$ref`, so recursive types work. A type that refers back to the root type finds the root in
/// `$defs` too (never `{"$ref": "#"}`, which would break once the schema is embedded in another).
#[derive(Debug, Default)]
pub struct SchemaGenerator {
    defs: Map<String, Value>,
    pending: HashSet<String>,
    root: Option<String>,
    root_referenced: bool,
}

impl SchemaGenerator {
    /// An empty generator.
    pub fn new() -> Self {
        Self::default()
    }

    /// The schema to use for a value of type `T` inside another schema: `T`'s own schema for
    /// inline types, a `$ref` into `$defs` for referenceable ones (defining them on first use).
    pub fn subschema_for<T: JsonSchema + ?Sized>(&mut self) -> Value {
        if !T::referenceable() {
            return T::schema(self);
        }
        let name = T::def_name();
        if self.root.as_deref() == Some(name.as_str()) {
            self.root_referenced = true;
            return serde_json::json!({ "$ref": format!("#/$defs/{name}") });
        }
        if !self.defs.contains_key(&name) && !self.pending.contains(&name) {
            self.pending.insert(name.clone());
            let schema = T::schema(self);
            self.pending.remove(&name);
            self.defs.insert(name.clone(), schema);
        }
        serde_json::json!({ "$ref": format!("#/$defs/{name}") })
    }

    /// The definitions collected so far.
    pub fn definitions(&self) -> &Map<String, Value> {
        &self.defs
    }

    /// The root schema of `T`: its schema with a `title`, and `$defs` when any type was referenced.
    pub fn into_root_schema_for<T: JsonSchema + ?Sized>(mut self) -> Value {
        let name = T::def_name();
        if T::referenceable() {
            self.root = Some(name.clone());
        }
        let schema = T::schema(&mut self);
        if self.root_referenced {
            self.defs.insert(name.clone(), schema.clone());
        }
        let mut root = match schema {
            Value::Object(map) => map,
            other => {
                let mut map = Map::new();
                map.insert("allOf".into(), Value::Array(vec![other]));
                map
            }
        };
        let mut out = Map::new();
        out.insert("title".into(), Value::String(name));
        out.append(&mut root);
        if !self.defs.is_empty() {
            out.insert("$defs".into(), Value::Object(self.defs));
        }
        Value::Object(out)
    }
}

/// The root JSON Schema of `T` (strict or not), computed once per type and cached.
pub fn root_schema<T: JsonSchema + ?Sized + 'static>(strict: bool) -> Value {
    static CACHE: TypeCache<(TypeId, bool), Value> = TypeCache::new();
    CACHE.get_or_insert((TypeId::of::<T>(), strict), || {
        if strict {
            strictify(&root_schema::<T>(false))
        } else {
            SchemaGenerator::new().into_root_schema_for::<T>()
        }
    })
}
