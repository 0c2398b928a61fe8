//! Support for the code `#[derive(Instructor)]` generates. Not a public API: it may change in any
//! release.

use std::sync::OnceLock;

use serde::{Deserialize, Deserializer};
use serde_json::{Map, Value};

pub use regex::Regex;
pub use serde;
pub use serde_json;
pub use std::sync::OnceLock as Once;

pub use crate::instructor::{Instructor, ToolSchema, ValidateContext};
pub use crate::schema::{root_schema, JsonSchema, SchemaGenerator};
pub use crate::validation::{join_path, ValidationError, ValidationErrors};

/// `Option`, re-exported so generated code does not depend on the user's prelude.
pub type Opt<T> = ::core::option::Option<T>;

/// Inserts `key: value` into an object schema (a non-object schema is wrapped in `allOf`).
pub fn set(schema: &mut Value, key: &str, value: Value) {
    if !schema.is_object() {
        let inner = std::mem::take(schema);
        let mut m = Map::new();
        m.insert("allOf".into(), Value::Array(vec![inner]));
        *schema = Value::Object(m);
    }
    if let Value::Object(m) = schema {
        m.insert(key.into(), value);
    }
}

/// Which end of a length a constraint bounds.
pub enum LenBound {
    /// `min_len`.
    Min,
    /// `max_len`.
    Max,
}

/// Sets a length constraint with the keyword that fits the type (`minLength`, `minItems`, …).
pub fn set_len(schema: &mut Value, keywords: Opt<(&str, &str)>, bound: LenBound, n: usize) {
    if let Some((min, max)) = keywords {
        let keyword = match bound {
            LenBound::Min => min,
            LenBound::Max => max,
        };
        set(schema, keyword, Value::from(n));
    }
}

/// A description from a doc comment or `#[instructor(description)]`.
pub fn describe(schema: &mut Value, description: &str) {
    set(schema, "description", Value::String(description.into()));
}

/// `{"type": "object", "properties", "required"}`, plus `additionalProperties: false` when serde
/// denies unknown fields, plus `allOf` for flattened parts that are not plain objects.
pub fn object(
    properties: Map<String, Value>,
    required: Vec<String>,
    deny_unknown: bool,
    all_of: Vec<Value>,
) -> Value {
    let mut m = Map::new();
    m.insert("type".into(), "object".into());
    m.insert("properties".into(), Value::Object(properties));
    if !required.is_empty() {
        m.insert(
            "required".into(),
            Value::Array(required.into_iter().map(Value::String).collect()),
        );
    }
    if deny_unknown && all_of.is_empty() {
        m.insert("additionalProperties".into(), Value::Bool(false));
    }
    if !all_of.is_empty() {
        m.insert("allOf".into(), Value::Array(all_of));
    }
    Value::Object(m)
}

/// Merges the schema of a `#[serde(flatten)]` field into the parent's properties; a map's value
/// schema becomes the parent's `additionalProperties`; anything else goes to `allOf`.
pub fn flatten(
    schema: Value,
    optional: bool,
    properties: &mut Map<String, Value>,
    required: &mut Vec<String>,
    all_of: &mut Vec<Value>,
) -> Opt<Value> {
    let Value::Object(mut m) = schema else {
        all_of.push(schema);
        return None;
    };
    if let Some(Value::Object(props)) = m.remove("properties") {
        if !optional {
            if let Some(Value::Array(req)) = m.remove("required") {
                required.extend(
                    req.into_iter()
                        .filter_map(|r| r.as_str().map(str::to_owned)),
                );
            }
        }
        for (k, v) in props {
            properties.insert(k, v);
        }
        if let Some(Value::Array(more)) = m.remove("allOf") {
            all_of.extend(more);
        }
        None
    } else if let Some(extra) = m.remove("additionalProperties") {
        Some(extra)
    } else {
        all_of.push(Value::Object(m));
        None
    }
}

/// `{"type": "string", "enum": [name]}`: the schema of a tag.
pub fn tag(name: &str) -> Value {
    serde_json::json!({ "type": "string", "enum": [name] })
}

/// Adds a required tag property to an object schema (internally tagged variants); a schema that is
/// not a plain object is combined with the tag through `allOf`.
pub fn with_tag(schema: Value, tag_key: &str, name: &str) -> Value {
    match schema {
        Value::Object(mut m) if m.contains_key("properties") => {
            if let Some(Value::Object(props)) = m.get_mut("properties") {
                let mut new_props = Map::new();
                new_props.insert(tag_key.into(), tag(name));
                new_props.append(props);
                *props = new_props;
            }
            let mut req = vec![Value::String(tag_key.into())];
            if let Some(Value::Array(old)) = m.remove("required") {
                req.extend(old);
            }
            m.insert("required".into(), Value::Array(req));
            Value::Object(m)
        }
        other => serde_json::json!({
            "type": "object",
            "properties": { tag_key: tag(name) },
            "required": [tag_key],
            "allOf": [other],
        }),
    }
}

/// `oneOf` (or `anyOf` when the variants may overlap) of the variant schemas; one schema stands
/// alone.
pub fn one_of(mut variants: Vec<Value>, any: bool) -> Value {
    if variants.len() == 1 {
        return variants.pop().unwrap_or(Value::Bool(true));
    }
    let mut m = Map::new();
    m.insert(
        if any { "anyOf" } else { "oneOf" }.into(),
        Value::Array(variants),
    );
    Value::Object(m)
}

/// `{"type": "array", "prefixItems": [..]}` with exactly that many items.
pub fn tuple(items: Vec<Value>) -> Value {
    let n = items.len();
    serde_json::json!({
        "type": "array",
        "prefixItems": items,
        "items": false,
        "minItems": n,
        "maxItems": n,
    })
}

/// The tool of one variant of a parallel-tools enum, if its payload is a derived type.
pub fn tool<T: JsonSchema + 'static>(name: &str) -> Opt<ToolSchema> {
    if !T::referenceable() {
        return None;
    }
    Some(ToolSchema {
        name: name.into(),
        description: T::schema_description(),
        parameters: root_schema::<T>(false),
        strict_parameters: root_schema::<T>(true),
    })
}

/// Every tool, or `None` when one payload is not a derived type.
pub fn tools(tools: Vec<Opt<ToolSchema>>) -> Opt<Vec<ToolSchema>> {
    tools.into_iter().collect()
}

/// Runs a value's validators from the root.
pub fn validate_root<T: JsonSchema + ?Sized>(value: &T) -> Result<(), ValidationErrors> {
    let mut errors = ValidationErrors::new();
    value.validate_at("", &mut errors);
    errors.into_result()
}

/// The partial twin of an enum: deserializes whatever JSON it is given, to `None` when the value is
/// not (yet) a recognisable variant.
pub fn lenient<'de, D: Deserializer<'de>, T: serde::de::DeserializeOwned>(
    d: D,
) -> Result<Opt<T>, D::Error> {
    let v = Value::deserialize(d)?;
    Ok(serde_json::from_value(v).ok())
}

/// What a validator may return: `Result<(), E>` with `E` a `String`, `&str`, [`ValidationError`]
/// or [`ValidationErrors`].
pub trait ValidatorOutput {
    /// Pushes the failure(s) at `path`.
    fn push_into(self, path: &str, errors: &mut ValidationErrors);
}

impl ValidatorOutput for Result<(), String> {
    fn push_into(self, path: &str, errors: &mut ValidationErrors) {
        if let Err(m) = self {
            errors.push(path, m);
        }
    }
}

impl ValidatorOutput for Result<(), &str> {
    fn push_into(self, path: &str, errors: &mut ValidationErrors) {
        if let Err(m) = self {
            errors.push(path, m);
        }
    }
}

impl ValidatorOutput for Result<(), ValidationError> {
    fn push_into(self, path: &str, errors: &mut ValidationErrors) {
        if let Err(e) = self {
            errors.push(join_path(path, &e.path), e.message);
        }
    }
}

impl ValidatorOutput for Result<(), ValidationErrors> {
    fn push_into(self, path: &str, errors: &mut ValidationErrors) {
        if let Err(e) = self {
            errors.extend_at(path, e);
        }
    }
}

/// A bound of `min`/`max`.
#[derive(Debug, Clone, Copy)]
pub enum Bound {
    /// An integer bound.
    Int(i128),
    /// A float bound.
    Float(f64),
}

impl std::fmt::Display for Bound {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Bound::Int(i) => write!(f, "{i}"),
            Bound::Float(x) => write!(f, "{x}"),
        }
    }
}

/// A number for `min`/`max`, as an exact integer or a float.
#[derive(Debug, Clone, Copy)]
pub enum Num {
    /// An integer.
    Int(i128),
    /// A float.
    Float(f64),
}

impl Num {
    fn cmp_bound(self, b: Bound) -> Opt<std::cmp::Ordering> {
        match (self, b) {
            (Num::Int(a), Bound::Int(b)) => Some(a.cmp(&b)),
            (Num::Int(a), Bound::Float(b)) => (a as f64).partial_cmp(&b),
            (Num::Float(a), Bound::Int(b)) => a.partial_cmp(&(b as f64)),
            (Num::Float(a), Bound::Float(b)) => a.partial_cmp(&b),
        }
    }
}

impl std::fmt::Display for Num {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Num::Int(i) => write!(f, "{i}"),
            Num::Float(x) => write!(f, "{x}"),
        }
    }
}

/// Values `min`/`max` apply to: numbers, and options and boxes of them.
#[diagnostic::on_unimplemented(
    message = "`min`/`max` apply to numbers, and `{Self}` is not a number",
    label = "not a number",
    note = "for the length of a string or a collection write `min_len`/`max_len`"
)]
pub trait Numeric {
    /// The number, or `None` (an absent optional value passes every bound).
    fn num(&self) -> Opt<Num>;
}

macro_rules! numeric_int {
    ($($t:ty),*) => {$(
        impl Numeric for $t {
            fn num(&self) -> Opt<Num> {
                i128::try_from(*self).ok().map(Num::Int)
            }
        }
    )*};
}
numeric_int!(u8, u16, u32, u64, usize, u128, i8, i16, i32, i64, isize, i128);

impl Numeric for f32 {
    fn num(&self) -> Opt<Num> {
        Some(Num::Float(f64::from(*self)))
    }
}
impl Numeric for f64 {
    fn num(&self) -> Opt<Num> {
        Some(Num::Float(*self))
    }
}
impl<T: Numeric> Numeric for Option<T> {
    fn num(&self) -> Opt<Num> {
        self.as_ref().and_then(Numeric::num)
    }
}
impl<T: Numeric + ?Sized> Numeric for Box<T> {
    fn num(&self) -> Opt<Num> {
        (**self).num()
    }
}

/// Checks `value >= min`.
pub fn check_min<T: Numeric + ?Sized>(
    value: &T,
    min: Bound,
    path: &str,
    errors: &mut ValidationErrors,
) {
    if let Some(n) = value.num() {
        if n.cmp_bound(min) == Some(std::cmp::Ordering::Less) {
            errors.push(path, format!("must be at least {min}, got {n}"));
        }
    }
}

/// Checks `value <= max`.
pub fn check_max<T: Numeric + ?Sized>(
    value: &T,
    max: Bound,
    path: &str,
    errors: &mut ValidationErrors,
) {
    if let Some(n) = value.num() {
        if n.cmp_bound(max) == Some(std::cmp::Ordering::Greater) {
            errors.push(path, format!("must be at most {max}, got {n}"));
        }
    }
}

/// Values `min_len`/`max_len` apply to: strings (in characters), sequences and sets (in items),
/// maps (in entries), and options and boxes of them.
#[diagnostic::on_unimplemented(
    message = "`min_len`/`max_len` apply to strings and collections, and `{Self}` is neither",
    label = "has no length",
    note = "for a number's bounds write `min`/`max`"
)]
pub trait Length {
    /// The length and its unit, or `None` for an absent optional value.
    fn length(&self) -> Opt<(usize, &'static str)>;
}

impl Length for String {
    fn length(&self) -> Opt<(usize, &'static str)> {
        Some((self.chars().count(), "characters"))
    }
}
impl<T> Length for Vec<T> {
    fn length(&self) -> Opt<(usize, &'static str)> {
        Some((self.len(), "items"))
    }
}
impl<T> Length for std::collections::VecDeque<T> {
    fn length(&self) -> Opt<(usize, &'static str)> {
        Some((self.len(), "items"))
    }
}
impl<T, const N: usize> Length for [T; N] {
    fn length(&self) -> Opt<(usize, &'static str)> {
        Some((N, "items"))
    }
}
impl<T, S> Length for std::collections::HashSet<T, S> {
    fn length(&self) -> Opt<(usize, &'static str)> {
        Some((self.len(), "items"))
    }
}
impl<T> Length for std::collections::BTreeSet<T> {
    fn length(&self) -> Opt<(usize, &'static str)> {
        Some((self.len(), "items"))
    }
}
impl<K, V, S> Length for std::collections::HashMap<K, V, S> {
    fn length(&self) -> Opt<(usize, &'static str)> {
        Some((self.len(), "entries"))
    }
}
impl<K, V> Length for std::collections::BTreeMap<K, V> {
    fn length(&self) -> Opt<(usize, &'static str)> {
        Some((self.len(), "entries"))
    }
}
impl<T: Length> Length for Option<T> {
    fn length(&self) -> Opt<(usize, &'static str)> {
        self.as_ref().and_then(Length::length)
    }
}
impl<T: Length + ?Sized> Length for Box<T> {
    fn length(&self) -> Opt<(usize, &'static str)> {
        (**self).length()
    }
}

fn unit_for(n: usize, unit: &str) -> &str {
    match (n, unit) {
        (1, "characters") => "character",
        (1, "items") => "item",
        (1, "entries") => "entry",
        _ => unit,
    }
}

/// Checks a minimum length.
pub fn check_min_len<T: Length + ?Sized>(
    value: &T,
    min: usize,
    path: &str,
    errors: &mut ValidationErrors,
) {
    if let Some((n, unit)) = value.length() {
        if n < min {
            let unit = unit_for(min, unit);
            errors.push(path, format!("must have at least {min} {unit}, got {n}"));
        }
    }
}

/// Checks a maximum length.
pub fn check_max_len<T: Length + ?Sized>(
    value: &T,
    max: usize,
    path: &str,
    errors: &mut ValidationErrors,
) {
    if let Some((n, unit)) = value.length() {
        if n > max {
            let unit = unit_for(max, unit);
            errors.push(path, format!("must have at most {max} {unit}, got {n}"));
        }
    }
}

/// Values `pattern` applies to: strings, and options and boxes of them.
#[diagnostic::on_unimplemented(
    message = "`pattern` applies to strings, and `{Self}` is not a `String`",
    label = "not a string"
)]
pub trait Text {
    /// The text, or `None` for an absent optional value.
    fn text(&self) -> Opt<&str>;
}
impl Text for String {
    fn text(&self) -> Opt<&str> {
        Some(self)
    }
}
impl<T: Text> Text for Option<T> {
    fn text(&self) -> Opt<&str> {
        self.as_ref().and_then(Text::text)
    }
}
impl<T: Text + ?Sized> Text for Box<T> {
    fn text(&self) -> Opt<&str> {
        (**self).text()
    }
}

/// Checks a `pattern` (searched anywhere in the string, as JSON Schema does); the regex is compiled
/// once into `cell`.
pub fn check_pattern<T: Text + ?Sized>(
    value: &T,
    cell: &'static OnceLock<Opt<Regex>>,
    pattern: &'static str,
    path: &str,
    errors: &mut ValidationErrors,
) {
    let Some(s) = value.text() else {
        return;
    };
    if let Some(re) = cell.get_or_init(|| Regex::new(pattern).ok()) {
        if !re.is_match(s) {
            errors.push(path, format!("must match the pattern {pattern}"));
        }
    }
}
