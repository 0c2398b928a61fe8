//! The schema generator: collects referenceable types into `$defs`, and a per-type cache of root
//! schemas.

use std::any::TypeId;
use std::collections::{HashMap, HashSet};

use serde_json::{Map, Value};

use super::{strictify, JsonSchema};
use crate::type_cache::TypeCache;

/// Builds one root schema: nested derived types are defined once in `$defs` and referenced with
/// `$ref`, so recursive types work. A type that refers back to the root type finds the root in
/// `$defs` too (never `{"$ref": "#"}`, which would break once the schema is embedded in another).
///
/// Two different types of the same name (`billing::Address` and `shipping::Address`) never share
/// an entry: the first keeps the plain name, the next is qualified by its module
/// (`shipping__Address`).
#[derive(Debug, Default)]
pub struct SchemaGenerator {
    defs: Map<String, Value>,
    pending: HashSet<String>,
    /// The `$defs` name of each type met, by its full type name.
    names: HashMap<&'static str, String>,
    /// The type each `$defs` name stands for.
    owners: HashMap<String, &'static str>,
    /// The root type's full type name.
    root: Option<&'static str>,
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
        let ty = T::def_identity();
        if self.root == Some(ty) {
            self.root_referenced = true;
        }
        let name = self.name_for::<T>();
        if self.root != Some(ty) && !self.defs.contains_key(&name) && !self.pending.contains(&name)
        {
            self.pending.insert(name.clone());
            let schema = T::schema(self);
            self.pending.remove(&name);
            self.defs.insert(name.clone(), schema);
        }
        serde_json::json!({ "$ref": format!("#/$defs/{name}") })
    }

    /// `T`'s `$defs` name: its own, unless another type took it first.
    fn name_for<T: JsonSchema + ?Sized>(&mut self) -> String {
        let ty = T::def_identity();
        if let Some(name) = self.names.get(ty) {
            return name.clone();
        }
        let plain = T::def_name();
        let name = if !self.owners.contains_key(&plain) {
            plain
        } else {
            let qualified = format!("{}__{plain}", module_of(ty));
            let mut name = qualified.clone();
            let mut n = 2;
            while self.owners.contains_key(&name) {
                name = format!("{qualified}{n}");
                n += 1;
            }
            name
        };
        self.owners.insert(name.clone(), ty);
        self.names.insert(ty, name.clone());
        name
    }

    /// The definitions collected so far.
    pub fn definitions(&self) -> &Map<String, Value> {
        &self.defs
    }

    /// The root schema of `T`: its schema with a `title`, and `$defs` when any type was referenced.
    pub fn into_root_schema_for<T: JsonSchema + ?Sized>(mut self) -> Value {
        let name = if T::referenceable() {
            self.root = Some(T::def_identity());
            self.name_for::<T>()
        } else {
            T::def_name()
        };
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

/// The last module of a type's path, made a name: `app::shipping::Address<T>` gives `shipping`.
fn module_of(type_name: &str) -> String {
    let path = type_name.split('<').next().unwrap_or(type_name);
    let mut segments = path.rsplit("::");
    segments.next();
    segments
        .next()
        .unwrap_or("type")
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
        .collect()
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
