//! The mode's part of the body: the schema sent as a tool, a legacy function, or a
//! `response_format`, with the choice that forces it.

use serde_json::{json, Value};

use crate::instructor::ToolSchema;
use crate::mode::Mode;
use crate::request::body::Field;

/// What a mode's fields are built from: a target's name, description and schema, and for
/// `ParallelTools` one tool per variant (descriptions filled in).
pub(crate) struct TargetSpec<'a> {
    pub name: &'a str,
    pub description: &'a str,
    pub schema: &'a Value,
    pub tools: &'a [ToolSchema],
}

/// An object from owned values. `json!` would serialize each interpolated `Value` into a copy,
/// and the schema is the largest part of every body.
fn object<const N: usize>(pairs: [(&str, Value); N]) -> Value {
    Value::Object(pairs.into_iter().map(|(k, v)| (k.to_owned(), v)).collect())
}

fn function(name: &str, description: String, parameters: Value, strict: bool) -> Value {
    let mut f = object([
        ("name", Value::String(name.to_owned())),
        ("description", Value::String(description)),
        ("parameters", parameters),
    ]);
    if strict {
        f["strict"] = Value::Bool(true);
    }
    f
}

fn tool(function: Value) -> Value {
    object([("type", Value::from("function")), ("function", function)])
}

/// The mode's schema-bearing body fields (`tools` and `tool_choice`, `functions` and
/// `function_call`, or `response_format`) for a target: computed once per type and mode, when the
/// target is, and shared by every body.
pub(crate) fn for_mode(mode: Mode, target: &TargetSpec<'_>) -> Vec<(&'static str, Field)> {
    let schema = || parameters(target.schema.clone());
    match mode {
        Mode::Tools | Mode::ToolsStrict => {
            let strict = mode == Mode::ToolsStrict;
            let f = function(target.name, target.description.to_owned(), schema(), strict);
            vec![
                ("tools", Field::shared(&Value::Array(vec![tool(f)]))),
                (
                    "tool_choice",
                    Field::shared(&named_tool_choice(target.name)),
                ),
            ]
        }
        Mode::ParallelTools => {
            let tools = target
                .tools
                .iter()
                .map(|t| {
                    tool(function(
                        &t.name,
                        t.description.clone().unwrap_or_default(),
                        parameters(t.parameters.clone()),
                        false,
                    ))
                })
                .collect();
            vec![
                ("tools", Field::shared(&Value::Array(tools))),
                ("tool_choice", Field::shared(&json!("auto"))),
            ]
        }
        Mode::Functions => {
            let f = function(target.name, target.description.to_owned(), schema(), false);
            vec![
                ("functions", Field::shared(&Value::Array(vec![f]))),
                (
                    "function_call",
                    Field::shared(&json!({"name": target.name})),
                ),
            ]
        }
        Mode::Json => vec![(
            "response_format",
            Field::shared(&json!({"type": "json_object"})),
        )],
        Mode::JsonSchema => {
            let json_schema = object([
                ("name", Value::String(target.name.to_owned())),
                ("description", Value::String(target.description.to_owned())),
                ("schema", schema()),
                ("strict", Value::Bool(true)),
            ]);
            let format = object([
                ("type", Value::from("json_schema")),
                ("json_schema", json_schema),
            ]);
            vec![("response_format", Field::shared(&format))]
        }
        Mode::MdJson | Mode::JsonO1 => Vec::new(),
        Mode::ResponsesTools => {
            // Responses function tools are flat (no `function` wrapper) and strict by default.
            let tool = object([
                ("type", Value::from("function")),
                ("name", Value::String(target.name.to_owned())),
                ("description", Value::String(target.description.to_owned())),
                ("parameters", schema()),
                ("strict", Value::Bool(true)),
            ]);
            vec![
                ("tools", Field::shared(&Value::Array(vec![tool]))),
                (
                    "tool_choice",
                    Field::shared(&json!({"type": "function", "name": target.name})),
                ),
                ("parallel_tool_calls", Field::shared(&Value::Bool(false))),
            ]
        }
        Mode::ResponsesJsonSchema => {
            let format = object([
                ("type", Value::from("json_schema")),
                ("name", Value::String(target.name.to_owned())),
                ("description", Value::String(target.description.to_owned())),
                ("schema", schema()),
                ("strict", Value::Bool(true)),
            ]);
            vec![("text", Field::shared(&object([("format", format)])))]
        }
    }
}

fn named_tool_choice(name: &str) -> Value {
    json!({"type": "function", "function": {"name": name}})
}

/// Removes keys a tool's `parameters` need not carry.
fn parameters(mut schema: Value) -> Value {
    if let Some(o) = schema.as_object_mut() {
        o.remove("$schema");
    }
    schema
}
