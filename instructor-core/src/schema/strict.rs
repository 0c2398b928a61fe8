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
pub fn strictify(schema: &Value) -> Value {
    let mut out = schema.clone();
    walk(&mut out);
    out
}

fn walk(v: &mut Value) {
    let Value::Object(map) = v else {
        return;
    };
    for k in STRICT_UNSUPPORTED_KEYWORDS {
        map.remove(*k);
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
                        walk(s);
                    }
                }
            }
            "anyOf" | "allOf" | "items" | "not" | "additionalProperties" => match child {
                Value::Array(a) => a.iter_mut().for_each(walk),
                other => walk(other),
            },
            _ => {}
        }
    }
}
