//! [`JsonSchema`] for std types (and chrono / uuid behind features).

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet, VecDeque};
use std::hash::{BuildHasher, Hash};

#[cfg(feature = "chrono")]
use serde::de::DeserializeOwned;
use serde_json::{json, Value};

use super::{JsonSchema, SchemaGenerator};
use crate::validation::{join_path, ValidationErrors};

/// A type that streams whole, with a fixed schema and nothing of its own to validate.
macro_rules! leaf_impl {
    ($($t:ty => $schema:expr;)*) => {$(
        impl JsonSchema for $t {
            type Partial = $t;
            fn def_name() -> String {
                stringify!($t).into()
            }
            fn schema(_: &mut SchemaGenerator) -> Value {
                $schema
            }
            fn validates() -> bool {
                false
            }
        }
    )*};
}

fn integer(min: impl Into<Value>, max: impl Into<Value>) -> Value {
    json!({ "type": "integer", "minimum": min.into(), "maximum": max.into() })
}

// Integer bounds are those serde_json can deliver: numbers outside i64/u64 arrive as floats and are
// refused by integer types, so the 128-bit types are bounded by i64::MIN and u64::MAX.
leaf_impl! {
    bool => json!({ "type": "boolean" });
    u8 => integer(0, u8::MAX);
    u16 => integer(0, u16::MAX);
    u32 => integer(0, u32::MAX);
    u64 => integer(0, u64::MAX);
    u128 => integer(0, u64::MAX);
    usize => integer(0, usize::MAX as u64);
    i8 => integer(i8::MIN, i8::MAX);
    i16 => integer(i16::MIN, i16::MAX);
    i32 => integer(i32::MIN, i32::MAX);
    i64 => integer(i64::MIN, i64::MAX);
    i128 => integer(i64::MIN, u64::MAX);
    isize => integer(isize::MIN as i64, isize::MAX as i64);
    f32 => json!({ "type": "number" });
    f64 => json!({ "type": "number" });
}

impl JsonSchema for String {
    type Partial = String;
    fn def_name() -> String {
        "String".into()
    }
    fn schema(_: &mut SchemaGenerator) -> Value {
        json!({ "type": "string" })
    }
    fn validates() -> bool {
        false
    }
    fn length_keywords() -> Option<(&'static str, &'static str)> {
        Some(("minLength", "maxLength"))
    }
}

impl JsonSchema for char {
    // A streamed one-character string may still be empty.
    type Partial = String;
    fn def_name() -> String {
        "char".into()
    }
    fn schema(_: &mut SchemaGenerator) -> Value {
        json!({ "type": "string", "minLength": 1, "maxLength": 1 })
    }
    fn validates() -> bool {
        false
    }
}

impl JsonSchema for Value {
    type Partial = Value;
    fn def_name() -> String {
        "Value".into()
    }
    fn schema(_: &mut SchemaGenerator) -> Value {
        json!({})
    }
    fn validates() -> bool {
        false
    }
}

impl<T: JsonSchema> JsonSchema for Option<T> {
    // `Option` again, so a `null` inside a collection (`Vec<Option<T>>`) still reads; a derived
    // type's field written `Option<T>` gets `Option<T::Partial>` in its twin, not two `Option`s.
    type Partial = Option<T::Partial>;
    fn def_name() -> String {
        format!("Option_{}", T::def_name())
    }
    fn schema(gen: &mut SchemaGenerator) -> Value {
        let inner = gen.subschema_for::<T>();
        json!({ "anyOf": [inner, { "type": "null" }] })
    }
    fn optional() -> bool {
        true
    }
    fn validates() -> bool {
        T::validates()
    }
    fn length_keywords() -> Option<(&'static str, &'static str)> {
        T::length_keywords()
    }
    fn validate_at(&self, path: &str, errors: &mut ValidationErrors) {
        if let Some(v) = self {
            v.validate_at(path, errors);
        }
    }
}

impl<T: JsonSchema + ?Sized> JsonSchema for Box<T> {
    type Partial = Box<T::Partial>;
    fn def_name() -> String {
        T::def_name()
    }
    fn schema(gen: &mut SchemaGenerator) -> Value {
        T::schema(gen)
    }
    fn referenceable() -> bool {
        T::referenceable()
    }
    fn def_identity() -> &'static str {
        T::def_identity()
    }
    fn optional() -> bool {
        T::optional()
    }
    fn validates() -> bool {
        T::validates()
    }
    fn schema_description() -> Option<String> {
        T::schema_description()
    }
    fn length_keywords() -> Option<(&'static str, &'static str)> {
        T::length_keywords()
    }
    fn validate_at(&self, path: &str, errors: &mut ValidationErrors) {
        (**self).validate_at(path, errors);
    }
}

fn validate_items<'a, T: JsonSchema + 'a>(
    items: impl Iterator<Item = &'a T>,
    path: &str,
    errors: &mut ValidationErrors,
) {
    if !T::validates() {
        return;
    }
    for (i, item) in items.enumerate() {
        item.validate_at(&join_path(path, &format!("[{i}]")), errors);
    }
}

fn array_schema<T: JsonSchema>(gen: &mut SchemaGenerator) -> Value {
    json!({ "type": "array", "items": gen.subschema_for::<T>() })
}

const ITEMS: Option<(&str, &str)> = Some(("minItems", "maxItems"));

/// A list-like collection: its partial is a `Vec`, its schema a JSON array (`def` names it in
/// `$defs`, `schema` builds it), each item validated at `path[i]`.
macro_rules! seq_impl {
    ($([$($generics:tt)*] $ty:ty => $def:literal, $schema:ident;)+) => {$(
        impl<$($generics)*> JsonSchema for $ty {
            type Partial = Vec<T::Partial>;
            fn def_name() -> String {
                format!(concat!($def, "_{}"), T::def_name())
            }
            fn schema(gen: &mut SchemaGenerator) -> Value {
                $schema::<T>(gen)
            }
            fn length_keywords() -> Option<(&'static str, &'static str)> {
                ITEMS
            }
            fn validates() -> bool {
                T::validates()
            }
            fn validate_at(&self, path: &str, errors: &mut ValidationErrors) {
                validate_items(self.iter(), path, errors);
            }
        }
    )+};
}

fn set_schema<T: JsonSchema>(gen: &mut SchemaGenerator) -> Value {
    json!({ "type": "array", "items": gen.subschema_for::<T>(), "uniqueItems": true })
}

seq_impl! {
    [T: JsonSchema] Vec<T> => "Array", array_schema;
    [T: JsonSchema] VecDeque<T> => "Array", array_schema;
    [T: JsonSchema + Eq + Hash, S: BuildHasher + Default] HashSet<T, S> => "Set", set_schema;
    [T: JsonSchema + Ord] BTreeSet<T> => "Set", set_schema;
}

impl<T: JsonSchema, const N: usize> JsonSchema for [T; N] {
    type Partial = Vec<T::Partial>;
    fn def_name() -> String {
        format!("Array{N}_{}", T::def_name())
    }
    fn schema(gen: &mut SchemaGenerator) -> Value {
        json!({
            "type": "array",
            "items": gen.subschema_for::<T>(),
            "minItems": N,
            "maxItems": N,
        })
    }
    fn length_keywords() -> Option<(&'static str, &'static str)> {
        ITEMS
    }
    fn validates() -> bool {
        T::validates()
    }
    fn validate_at(&self, path: &str, errors: &mut ValidationErrors) {
        validate_items(self.iter(), path, errors);
    }
}

/// The path of a map entry: `.key` for identifier-like keys, `["key"]` otherwise.
fn key_path(path: &str, key: &str) -> String {
    let plain = !key.is_empty()
        && key
            .chars()
            .all(|c| c.is_alphanumeric() || c == '_' || c == '-')
        && !key.starts_with(|c: char| c.is_ascii_digit());
    if plain {
        join_path(path, key)
    } else {
        let quoted = serde_json::to_string(key).unwrap_or_default();
        format!("{path}[{quoted}]")
    }
}

const PROPERTIES: Option<(&str, &str)> = Some(("minProperties", "maxProperties"));

/// A map with string keys: its schema an object whose `additionalProperties` are `V`'s, each value
/// validated at its key's path, in key order (so errors come in a stable order).
macro_rules! map_impl {
    ($([$($generics:tt)*] $ty:ty => $partial:ty;)+) => {$(
        impl<$($generics)*> JsonSchema for $ty {
            type Partial = $partial;
            fn def_name() -> String {
                format!("Map_{}", V::def_name())
            }
            fn schema(gen: &mut SchemaGenerator) -> Value {
                json!({ "type": "object", "additionalProperties": gen.subschema_for::<V>() })
            }
            fn length_keywords() -> Option<(&'static str, &'static str)> {
                PROPERTIES
            }
            fn validates() -> bool {
                V::validates()
            }
            fn validate_at(&self, path: &str, errors: &mut ValidationErrors) {
                if !V::validates() {
                    return;
                }
                let mut entries: Vec<_> = self.iter().collect();
                entries.sort_by(|a, b| a.0.cmp(b.0));
                for (k, v) in entries {
                    v.validate_at(&key_path(path, k), errors);
                }
            }
        }
    )+};
}

map_impl! {
    [V: JsonSchema, S: BuildHasher + Default] HashMap<String, V, S> => HashMap<String, V::Partial>;
    [V: JsonSchema] BTreeMap<String, V> => BTreeMap<String, V::Partial>;
}

macro_rules! tuple_impl {
    ($partial:ident; $($name:ident $idx:tt),+) => {
        /// The partial form of a tuple: each position optional, so a half-streamed array reads.
        #[derive(Debug, Clone, Default, PartialEq, serde::Serialize, serde::Deserialize)]
        pub struct $partial<$($name),+>($(#[serde(default)] pub Option<$name>),+);

        impl<$($name: JsonSchema),+> JsonSchema for ($($name,)+) {
            type Partial = $partial<$($name::Partial),+>;
            fn def_name() -> String {
                let parts: Vec<String> = vec![$($name::def_name()),+];
                format!("Tuple_{}", parts.join("_"))
            }
            fn schema(gen: &mut SchemaGenerator) -> Value {
                let items: Vec<Value> = vec![$(gen.subschema_for::<$name>()),+];
                let n = items.len();
                json!({ "type": "array", "prefixItems": items, "items": false, "minItems": n, "maxItems": n })
            }
            fn validates() -> bool {
                false $(|| $name::validates())+
            }
            fn validate_at(&self, path: &str, errors: &mut ValidationErrors) {
                $( self.$idx.validate_at(&join_path(path, concat!("[", stringify!($idx), "]")), errors); )+
            }
        }
    };
}

tuple_impl!(PartialTuple2; A 0, B 1);
tuple_impl!(PartialTuple3; A 0, B 1, C 2);
tuple_impl!(PartialTuple4; A 0, B 1, C 2, D 3);

/// Types that arrive as a string with a `format`; their partial form is the string itself, since a
/// half-streamed date or id does not parse yet.
#[cfg(any(feature = "chrono", feature = "uuid"))]
fn formatted_string(format: &str) -> Value {
    json!({ "type": "string", "format": format })
}

#[cfg(any(feature = "chrono", feature = "uuid"))]
macro_rules! formatted_impl {
    ($($t:ty => $name:expr, $format:expr;)*) => {$(
        impl JsonSchema for $t {
            type Partial = String;
            fn def_name() -> String {
                $name.into()
            }
            fn schema(_: &mut SchemaGenerator) -> Value {
                formatted_string($format)
            }
            fn validates() -> bool {
                false
            }
        }
    )*};
}

#[cfg(feature = "chrono")]
formatted_impl! {
    chrono::NaiveDate => "NaiveDate", "date";
}

// JSON Schema's `time` and `date-time` formats require a UTC offset, which the naive types do not
// write: they get a description instead of a format that would reject them.
#[cfg(feature = "chrono")]
macro_rules! naive_impl {
    ($($t:ty => $name:expr, $desc:expr;)*) => {$(
        impl JsonSchema for $t {
            type Partial = String;
            fn def_name() -> String {
                $name.into()
            }
            fn schema(_: &mut SchemaGenerator) -> Value {
                json!({ "type": "string", "description": $desc })
            }
            fn validates() -> bool {
                false
            }
        }
    )*};
}

#[cfg(feature = "chrono")]
naive_impl! {
    chrono::NaiveTime => "NaiveTime", "A time of day without time zone, as 09:30:00";
    chrono::NaiveDateTime => "NaiveDateTime", "A date and time without time zone, as 2024-01-31T09:30:00";
}

#[cfg(feature = "chrono")]
impl<Tz: chrono::TimeZone> JsonSchema for chrono::DateTime<Tz>
where
    chrono::DateTime<Tz>: DeserializeOwned,
{
    type Partial = String;
    fn def_name() -> String {
        "DateTime".into()
    }
    fn schema(_: &mut SchemaGenerator) -> Value {
        formatted_string("date-time")
    }
    fn validates() -> bool {
        false
    }
}

#[cfg(feature = "uuid")]
formatted_impl! {
    uuid::Uuid => "Uuid", "uuid";
}
