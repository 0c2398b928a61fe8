//! A schema drawn as the JSON it describes: what the prompt-only modes show the model.
//!
//! A JSON Schema in the prompt is itself JSON, and a small model copies it back instead of
//! filling it in (measured on SmolLM2-135M: every request that showed the schema got the schema
//! back). The sketch has the answer's own shape with each value's type where the value goes and
//! the descriptions and constraints as comments, the way OpenAI's models read tool definitions:
//!
//! ```text
//! {
//!   "name": string, // The person's first name.
//!   "age": integer, // Age in years. Maximum 150.
//!   "tags": [string] // Optional.
//! }
//! ```

use serde_json::{Map, Value};

use super::strict::constraint_hints;

/// How deep `$ref`s are followed: a recursive type is named, not drawn again, past this.
const MAX_DEPTH: usize = 8;

/// The sketch of `schema` (a root schema, with its `$defs`).
pub(crate) fn sketch(schema: &Value) -> String {
    let defs = schema
        .get("$defs")
        .and_then(Value::as_object)
        .cloned()
        .unwrap_or_default();
    let mut out = String::new();
    Sketcher {
        defs: &defs,
        out: &mut out,
        refs: Vec::new(),
    }
    .value(schema, 0);
    out
}

struct Sketcher<'a> {
    defs: &'a Map<String, Value>,
    out: &'a mut String,
    /// The definitions being drawn, outermost first: a `$ref` to one of them is a cycle.
    refs: Vec<String>,
}

impl Sketcher<'_> {
    /// Writes the value of `schema` at nesting `depth` (the current line is already indented).
    fn value(&mut self, schema: &Value, depth: usize) {
        let Some(map) = schema.as_object() else {
            // `true`, or anything that is not a schema object: no constraint.
            self.out.push_str("any JSON value");
            return;
        };
        if let Some(Value::String(target)) = map.get("$ref") {
            self.reference(target, depth);
            return;
        }
        if let Some(Value::Array(values)) = map.get("enum") {
            self.alternatives_of_literals(values);
            return;
        }
        if let Some(value) = map.get("const") {
            self.out.push_str(&literal(value));
            return;
        }
        if let Some(Value::Array(options)) = map.get("anyOf").or_else(|| map.get("oneOf")) {
            for (i, option) in options.iter().enumerate() {
                if i > 0 {
                    self.out.push_str(" or ");
                }
                self.value(option, depth);
            }
            return;
        }
        match map.get("type") {
            Some(Value::String(t)) => self.typed(t, map, depth),
            Some(Value::Array(types)) => {
                for (i, t) in types.iter().filter_map(Value::as_str).enumerate() {
                    if i > 0 {
                        self.out.push_str(" or ");
                    }
                    self.typed(t, map, depth);
                }
            }
            _ if map.contains_key("properties") => self.object(map, depth),
            _ => self.out.push_str("any JSON value"),
        }
    }

    fn typed(&mut self, t: &str, map: &Map<String, Value>, depth: usize) {
        match t {
            "object" => self.object(map, depth),
            "array" => self.array(map, depth),
            other => self.out.push_str(other),
        }
    }

    fn reference(&mut self, target: &str, depth: usize) {
        let name = target.rsplit('/').next().unwrap_or(target).to_owned();
        let def = self.defs.get(&name);
        match def {
            Some(def) if !self.refs.contains(&name) && self.refs.len() < MAX_DEPTH => {
                self.refs.push(name);
                self.value(def, depth);
                self.refs.pop();
            }
            // A type inside itself: named, with the shape drawn further up.
            Some(_) => self.out.push_str(&format!("{name} (as above)")),
            None => self.out.push_str("any JSON value"),
        }
    }

    fn alternatives_of_literals(&mut self, values: &[Value]) {
        let words: Vec<String> = values.iter().map(literal).collect();
        self.out.push_str(&words.join(" or "));
    }

    fn object(&mut self, map: &Map<String, Value>, depth: usize) {
        let properties = map.get("properties").and_then(Value::as_object);
        let Some(properties) = properties.filter(|p| !p.is_empty()) else {
            return self.map_of(map.get("additionalProperties"), depth);
        };
        let required: Vec<&str> = map
            .get("required")
            .and_then(Value::as_array)
            .map(|r| r.iter().filter_map(Value::as_str).collect())
            .unwrap_or_default();
        self.out.push('{');
        for (i, (key, schema)) in properties.iter().enumerate() {
            self.newline(depth + 1);
            self.out.push_str(&literal(&Value::String(key.clone())));
            self.out.push_str(": ");
            self.value(schema, depth + 1);
            if i + 1 < properties.len() {
                self.out.push(',');
            }
            let comment = comment(schema, !required.contains(&key.as_str()));
            if !comment.is_empty() {
                self.out.push_str(" // ");
                self.out.push_str(&comment);
            }
        }
        self.newline(depth);
        self.out.push('}');
    }

    /// An object with any keys (a map): one entry drawn.
    fn map_of(&mut self, values: Option<&Value>, depth: usize) {
        match values {
            Some(Value::Bool(false)) => self.out.push_str("{}"),
            Some(schema @ Value::Object(_)) => {
                self.out.push_str("{\"<key>\": ");
                self.value(schema, depth);
                self.out.push_str(", ...}");
            }
            _ => self.out.push_str("{\"<key>\": any JSON value, ...}"),
        }
    }

    fn array(&mut self, map: &Map<String, Value>, depth: usize) {
        if let Some(Value::Array(positions)) = map.get("prefixItems") {
            self.out.push('[');
            for (i, p) in positions.iter().enumerate() {
                if i > 0 {
                    self.out.push_str(", ");
                }
                self.value(p, depth);
            }
            self.out.push(']');
            return;
        }
        // `[item]`, not `[item, ...]`: shown the ellipsis, SmolLM2-135M sometimes repeated the
        // first item until the token limit; the description says how many.
        self.out.push('[');
        match map.get("items") {
            Some(items) => self.value(items, depth),
            None => self.out.push_str("any JSON value"),
        }
        self.out.push(']');
    }

    fn newline(&mut self, depth: usize) {
        self.out.push('\n');
        for _ in 0..depth {
            self.out.push_str("  ");
        }
    }
}

/// A property's comment: its description, its constraints in words, and whether it may be left
/// out, on one line.
fn comment(schema: &Value, optional: bool) -> String {
    let mut parts = Vec::new();
    if let Some(map) = schema.as_object() {
        if let Some(d) = map.get("description").and_then(Value::as_str) {
            let d = d.split_whitespace().collect::<Vec<_>>().join(" ");
            if !d.is_empty() {
                parts.push(d);
            }
        }
        // "Maximum 150." reads as part of the description; "Constraints: maximum 150." made
        // SmolLM2-135M repeat keys or copy phrases where there had been none.
        let hints = constraint_hints(map).join(", ");
        let mut chars = hints.chars();
        if let Some(first) = chars.next() {
            parts.push(format!("{}{}.", first.to_uppercase(), chars.as_str()));
        }
    }
    if optional {
        parts.push("Optional.".to_owned());
    }
    parts.join(" ")
}

/// A JSON value as written in JSON.
fn literal(value: &Value) -> String {
    serde_json::to_string(value).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::sketch;

    #[test]
    fn an_object_is_drawn_with_types_where_the_values_go_and_comments() {
        let schema = json!({
            "title": "User",
            "type": "object",
            "properties": {
                "name": {"type": "string", "description": "The person's first name."},
                "age": {"type": "integer", "minimum": 0, "maximum": 150, "description": "Age in years."},
                "bio": {"anyOf": [{"type": "string"}, {"type": "null"}]}
            },
            "required": ["name", "age"],
            "description": "A person."
        });
        assert_eq!(
            sketch(&schema),
            "{\n  \"name\": string, // The person's first name.\n  \"age\": integer, // Age in years. \
             Maximum 150.\n  \"bio\": string or null // Optional.\n}"
        );
    }

    #[test]
    fn references_lists_enums_and_maps() {
        let schema = json!({
            "type": "object",
            "properties": {
                "addresses": {"type": "array", "items": {"$ref": "#/$defs/Address"}, "minItems": 1},
                "kind": {"enum": ["home", "work"]},
                "scores": {"type": "object", "additionalProperties": {"type": "number"}},
                "pair": {"type": "array", "prefixItems": [{"type": "string"}, {"type": "boolean"}]},
                "extra": {}
            },
            "required": ["addresses", "kind", "scores", "pair", "extra"],
            "$defs": {"Address": {
                "type": "object",
                "properties": {"city": {"type": "string", "description": "The city."}},
                "required": ["city"]
            }}
        });
        assert_eq!(
            sketch(&schema),
            "{\n  \"addresses\": [{\n    \"city\": string // The city.\n  }], // Min items 1.\n  \
             \"kind\": \"home\" or \"work\",\n  \"scores\": {\"<key>\": number, ...},\n  \
             \"pair\": [string, boolean],\n  \"extra\": any JSON value\n}"
        );
    }

    #[test]
    fn a_recursive_type_is_named_where_it_recurs() {
        let schema = json!({
            "$ref": "#/$defs/Node",
            "$defs": {"Node": {
                "type": "object",
                "properties": {"children": {"type": "array", "items": {"$ref": "#/$defs/Node"}}},
                "required": ["children"]
            }}
        });
        assert_eq!(sketch(&schema), "{\n  \"children\": [Node (as above)]\n}");
    }

    #[test]
    fn variants_of_an_enum_are_alternatives() {
        let schema = json!({"oneOf": [
            {"type": "object", "properties": {"Search": {"type": "string"}}, "required": ["Search"]},
            {"const": "Stop"}
        ]});
        assert_eq!(sketch(&schema), "{\n  \"Search\": string\n} or \"Stop\"");
    }
}
