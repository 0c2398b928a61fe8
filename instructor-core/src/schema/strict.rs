//! The OpenAI / Azure OpenAI strict-mode transform.

use serde_json::{Map, Value};

/// Keywords strict mode rejects; [`strictify`] removes them (the constraints they carried are still
/// checked by `validate()`, and a failure is sent back to the model).
pub const STRICT_UNSUPPORTED_KEYWORDS: &[&str] = &[
    "minLength",
    "maxLength",
    "pattern",
    "format",
    "minimum",
    "maximum",
    "exclusiveMinimum",
    "exclusiveMaximum",
    "multipleOf",
    "patternProperties",
    "unevaluatedProperties",
    "propertyNames",
    "minProperties",
    "maxProperties",
    "unevaluatedItems",
    "contains",
    "minContains",
    "maxContains",
    "minItems",
    "maxItems",
    "uniqueItems",
    "examples",
    "default",
];

/// Rewrites a schema under strict-mode rules: `additionalProperties: false` and every property in
/// `required` on every object, `oneOf` as `anyOf`, `const` as a one-value `enum`, `prefixItems` as
/// `items` (any of the positions' schemas), and no keyword of [`STRICT_UNSUPPORTED_KEYWORDS`].
///
/// Optional values are already unions with `null` in the generated schemas, so making every
/// property required keeps them optional for the model.
///
/// Strict mode refuses keywords beside a `$ref`: a `$ref` into `$defs` that carries a description
/// is replaced by the definition itself with that description (a few levels deep for recursive
/// types, and a bounded number of times in all, past which the siblings are dropped).
pub fn strictify(schema: &Value) -> Value {
    let defs = schema
        .get("$defs")
        .and_then(Value::as_object)
        .cloned()
        .unwrap_or_default();
    let mut out = schema.clone();
    let mut budget = MAX_INLINES;
    walk(&mut out, &defs, 0, &mut budget);
    out
}

/// Bounds that only restate an integer type's range: not worth telling the model.
fn is_type_bound(v: &Value) -> bool {
    const EXTREMES: [i128; 9] = [
        0,
        u8::MAX as i128,
        u16::MAX as i128,
        u32::MAX as i128,
        u64::MAX as i128,
        i8::MIN as i128,
        i16::MIN as i128,
        i32::MIN as i128,
        i64::MIN as i128,
    ];
    let n = v
        .as_i64()
        .map(i128::from)
        .or_else(|| v.as_u64().map(i128::from));
    n.is_some_and(|n| {
        EXTREMES.contains(&n)
            || n == i128::from(i8::MAX)
            || n == i128::from(i16::MAX)
            || n == i128::from(i32::MAX)
            || n == i128::from(i64::MAX)
    })
}

/// The constraints strict mode drops, in words, so the model still knows them (they are checked by
/// `validate()` all the same); the sketch of the prompt-only modes shows them too.
pub(super) fn constraint_hints(map: &Map<String, Value>) -> Vec<String> {
    const WORDS: &[(&str, &str)] = &[
        ("minimum", "minimum"),
        ("maximum", "maximum"),
        ("exclusiveMinimum", "greater than"),
        ("exclusiveMaximum", "less than"),
        ("multipleOf", "multiple of"),
        ("minLength", "min length"),
        ("maxLength", "max length"),
        ("pattern", "pattern"),
        ("format", "format"),
        ("minItems", "min items"),
        ("maxItems", "max items"),
        ("uniqueItems", "unique items"),
        ("minProperties", "min entries"),
        ("maxProperties", "max entries"),
    ];
    let mut out = Vec::new();
    for (key, words) in WORDS {
        let Some(v) = map.get(*key) else { continue };
        if (*key == "minimum" || *key == "maximum") && is_type_bound(v) {
            continue;
        }
        match v {
            Value::String(s) => out.push(format!("{words} {s}")),
            Value::Bool(true) => out.push((*words).to_owned()),
            Value::Bool(false) => {}
            other => out.push(format!("{words} {other}")),
        }
    }
    out
}

/// How deep `$ref`s are inlined before siblings are simply dropped (guards recursive types).
const MAX_INLINE_DEPTH: usize = 8;

/// How many `$ref`s one schema inlines in all: a type with several described references to itself
/// (or a chain of types each referring twice to the next) would otherwise multiply its copies at
/// every level. Past it, siblings are dropped.
const MAX_INLINES: usize = 64;

fn inline_ref(
    map: &mut Map<String, Value>,
    defs: &Map<String, Value>,
    depth: usize,
    budget: &mut usize,
) {
    let Some(Value::String(target)) = map.get("$ref") else {
        return;
    };
    if map.len() == 1 {
        return;
    }
    let def = target
        .strip_prefix("#/$defs/")
        .and_then(|name| defs.get(name))
        .filter(|_| depth < MAX_INLINE_DEPTH && *budget > 0);
    match def {
        Some(Value::Object(def)) => {
            *budget -= 1;
            let mut merged = def.clone();
            map.remove("$ref");
            for (k, v) in std::mem::take(map) {
                merged.insert(k, v);
            }
            *map = merged;
        }
        _ => map.retain(|k, _| k == "$ref"),
    }
}

fn walk(v: &mut Value, defs: &Map<String, Value>, depth: usize, budget: &mut usize) {
    let Value::Object(map) = v else {
        return;
    };
    let had_ref = map.contains_key("$ref") && map.len() > 1;
    inline_ref(map, defs, depth, budget);
    let depth = if had_ref && !map.contains_key("$ref") {
        depth + 1
    } else {
        depth
    };
    let hints = constraint_hints(map);
    for k in STRICT_UNSUPPORTED_KEYWORDS {
        map.remove(*k);
    }
    if !hints.is_empty() {
        let text = format!("Constraints: {}.", hints.join(", "));
        let description = match map.get("description").and_then(Value::as_str) {
            Some(d) if !d.is_empty() => format!("{d} {text}"),
            _ => text,
        };
        map.insert("description".into(), Value::String(description));
    }
    if let Some(one_of) = map.remove("oneOf") {
        map.insert("anyOf".into(), one_of);
    }
    if let Some(c) = map.remove("const") {
        map.insert("enum".into(), Value::Array(vec![c]));
    }
    if let Some(Value::Array(prefix)) = map.remove("prefixItems") {
        let mut unique: Vec<Value> = Vec::new();
        for p in prefix {
            if !unique.contains(&p) {
                unique.push(p);
            }
        }
        let items = if unique.len() == 1 {
            unique.pop().unwrap_or(Value::Bool(true))
        } else {
            let mut m = Map::new();
            m.insert("anyOf".into(), Value::Array(unique));
            Value::Object(m)
        };
        map.insert("items".into(), items);
    }
    let is_object =
        map.get("type").is_some_and(|t| t == "object") || map.contains_key("properties");
    if is_object {
        let keys: Vec<Value> = match map.get("properties") {
            Some(Value::Object(props)) => props.keys().map(|k| Value::String(k.clone())).collect(),
            _ => Vec::new(),
        };
        if !map.contains_key("properties") {
            map.insert("properties".into(), Value::Object(Map::new()));
        }
        map.insert("required".into(), Value::Array(keys));
        map.insert("additionalProperties".into(), Value::Bool(false));
    }
    for (key, child) in map.iter_mut() {
        match key.as_str() {
            "properties" | "$defs" | "definitions" => {
                if let Value::Object(m) = child {
                    for s in m.values_mut() {
                        walk(s, defs, depth, budget);
                    }
                }
            }
            "anyOf" | "allOf" | "items" | "not" | "additionalProperties" => match child {
                Value::Array(a) => a.iter_mut().for_each(|s| walk(s, defs, depth, budget)),
                other => walk(other, defs, depth, budget),
            },
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::strictify;

    #[test]
    fn rewrites_to_strict_rules() {
        let s = json!({
            "type": "object",
            "properties": {
                "a": { "type": "string", "minLength": 2, "format": "email" },
                "b": { "oneOf": [{ "const": "x" }, { "type": "integer", "minimum": 5 }] },
                "c": { "type": "array", "prefixItems": [{ "type": "string" }, { "type": "string" }] },
                "d": { "$ref": "#/$defs/D", "description": "The d." },
                "m": { "type": "object", "additionalProperties": { "type": "string" } },
            },
            "required": ["a"],
            "$defs": { "D": { "type": "object", "properties": { "x": { "$ref": "#/$defs/D", "description": "again" } } } },
        });
        let t = strictify(&s);
        assert_eq!(t["required"], json!(["a", "b", "c", "d", "m"]));
        assert_eq!(t["additionalProperties"], false);
        assert_eq!(
            t["properties"]["a"],
            json!({ "type": "string", "description": "Constraints: min length 2, format email." })
        );
        assert_eq!(
            t["properties"]["b"],
            json!({ "anyOf": [{ "enum": ["x"] }, { "type": "integer", "description": "Constraints: minimum 5." }] })
        );
        assert_eq!(
            t["properties"]["c"],
            json!({ "type": "array", "items": { "type": "string" } })
        );
        assert_eq!(t["properties"]["d"]["description"], "The d.");
        assert_eq!(t["properties"]["d"]["type"], "object");
        assert_eq!(
            t["properties"]["m"],
            json!({ "type": "object", "properties": {}, "required": [], "additionalProperties": false })
        );
        // Recursive described references are inlined a few levels, then left bare.
        let mut depth = 0;
        let mut at = &t["properties"]["d"];
        while at.get("$ref").is_none() {
            at = &at["properties"]["x"];
            depth += 1;
            assert!(depth < 20, "unbounded inlining");
        }
        assert_eq!(at, &json!({ "$ref": "#/$defs/D" }));
    }
}
