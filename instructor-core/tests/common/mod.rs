//! The `User` most engine tests extract, implemented by hand (the engine's tests do not use the
//! derive): a name that must start with a capital letter and an age of at most 150, both checked
//! by `validate()` so a re-ask carries their messages.
#![allow(dead_code)]

use instructor_core::{Instructor, ValidationErrors};
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

/// A person mentioned in the text.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct User {
    pub name: String,
    pub age: u32,
}

/// `User`'s partial twin; absent fields are left out of its JSON, as a derived twin's are null.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct PartialUser {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub age: Option<u32>,
}

impl Instructor for User {
    type Partial = PartialUser;
    fn schema_name() -> String {
        "User".into()
    }
    fn description() -> Option<String> {
        Some("A person mentioned in the text.".into())
    }
    fn json_schema() -> Value {
        json!({"type": "object", "title": "User",
               "properties": {"name": {"type": "string"}, "age": {"type": "integer", "minimum": 0}},
               "required": ["name", "age"]})
    }
    fn json_schema_strict() -> Value {
        json!({"type": "object", "title": "User", "additionalProperties": false,
               "properties": {"name": {"type": "string"}, "age": {"type": "integer"}},
               "required": ["name", "age"]})
    }
    fn validate(&self) -> Result<(), ValidationErrors> {
        let mut e = ValidationErrors::new();
        if self.name.chars().next().is_some_and(char::is_lowercase) {
            e.push("name", "must start with a capital letter");
        }
        if self.age > 150 {
            e.push("age", "must be at most 150");
        }
        e.into_result()
    }
}
