//! Types shared by the derive tests.
#![allow(dead_code)]

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet, VecDeque};

use instructor::Instructor;
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// A postal address.
#[derive(Instructor, Serialize, Deserialize, Debug, Clone, PartialEq)]
pub struct Address {
    /// Street and number.
    pub street: String,
    pub city: String,
    #[serde(default)]
    pub zip: Option<String>,
}

/// A person mentioned in the text.
///
/// Only people named in full.
#[derive(Instructor, Serialize, Deserialize, Debug, Clone, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct User {
    /// First name only.
    pub first_name: String,
    #[instructor(min = 0, max = 150)]
    pub age: u32,
    pub addresses: Vec<Address>,
    pub nickname: Option<String>,
    #[serde(skip)]
    pub internal: u8,
    #[serde(alias = "mail")]
    pub email_address: String,
    #[serde(default)]
    pub score: f64,
    #[instructor(description = "Overrides the doc comment.", min_len = 1, max_len = 3)]
    /// Not this.
    pub tags: Vec<String>,
    #[instructor(pattern = "^[A-Z]{2}$", examples = ["FR", "DE"])]
    pub country: String,
}

#[derive(Instructor, Serialize, Deserialize, Debug, Clone, PartialEq)]
pub struct Numbers {
    pub a: u8,
    pub b: u16,
    pub c: u32,
    pub d: u64,
    pub e: u128,
    pub f: usize,
    pub g: i8,
    pub h: i16,
    pub i: i32,
    pub j: i64,
    pub k: i128,
    pub l: isize,
    pub m: f32,
    pub n: f64,
    pub o: bool,
    pub p: char,
}

#[derive(Instructor, Serialize, Deserialize, Debug, Clone, PartialEq)]
pub struct Collections {
    pub list: Vec<u8>,
    pub deque: VecDeque<String>,
    pub array: [i32; 3],
    pub set: HashSet<String>,
    pub tree_set: BTreeSet<u32>,
    pub map: HashMap<String, Address>,
    pub tree_map: BTreeMap<String, f64>,
    pub boxed: Box<Address>,
    pub any: Value,
    pub pair: (String, u8),
}

/// A comment with its replies.
#[derive(Instructor, Serialize, Deserialize, Debug, Clone, PartialEq)]
pub struct Comment {
    pub text: String,
    pub replies: Vec<Comment>,
    pub parent: Option<Box<Comment>>,
    pub thread: Option<Thread>,
}

#[derive(Instructor, Serialize, Deserialize, Debug, Clone, PartialEq)]
pub struct Thread {
    pub title: String,
    pub comments: Vec<Comment>,
}

/// How a task stands.
#[derive(Instructor, Serialize, Deserialize, Debug, Clone, PartialEq)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Status {
    InProgress,
    Done,
    #[serde(rename = "blocked")]
    Blocked,
    #[serde(skip)]
    Hidden,
}

#[derive(Instructor, Serialize, Deserialize, Debug, Clone, PartialEq)]
pub enum Shape {
    /// A dot.
    Point,
    Circle(f64),
    Rect(f64, f64),
    Poly {
        sides: u8,
        #[serde(rename = "len")]
        length: f64,
    },
    Labeled(Address),
}

#[derive(Instructor, Serialize, Deserialize, Debug, Clone, PartialEq)]
#[serde(tag = "kind", rename_all = "lowercase")]
pub enum Event {
    Started,
    Moved { x: i32, y: i32 },
    Addressed(Address),
}

#[derive(Instructor, Serialize, Deserialize, Debug, Clone, PartialEq)]
#[serde(tag = "t", content = "c")]
pub enum Adjacent {
    Unit,
    One(String),
    Two(u8, u8),
    Named { a: bool },
}

#[derive(Instructor, Serialize, Deserialize, Debug, Clone, PartialEq)]
#[serde(untagged)]
pub enum Loose {
    Num(f64),
    Text(String),
    Addr(Address),
    List(Vec<u8>),
    Nothing,
}

/// An id.
#[derive(Instructor, Serialize, Deserialize, Debug, Clone, PartialEq)]
pub struct Id(#[instructor(min_len = 3)] pub String);

#[derive(Instructor, Serialize, Deserialize, Debug, Clone, PartialEq)]
pub struct Point(pub f64, pub f64, #[serde(skip)] pub u8);

#[derive(Instructor, Serialize, Deserialize, Debug, Clone, PartialEq)]
#[serde(transparent)]
pub struct Meters {
    pub value: f64,
}

/// A page of results.
#[derive(Instructor, Serialize, Deserialize, Debug, Clone, PartialEq)]
pub struct Page<T> {
    pub items: Vec<T>,
    pub next: Option<String>,
}

#[derive(Instructor, Serialize, Deserialize, Debug, Clone, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Strict {
    pub a: u8,
    #[serde(default = "default_b")]
    pub b: String,
    #[serde(skip_deserializing)]
    pub c: u8,
}

#[derive(Instructor, Serialize, Deserialize, Debug, Clone, PartialEq)]
pub struct WithFlatten {
    pub id: u32,
    #[serde(flatten)]
    pub address: Address,
    #[serde(flatten)]
    pub extra: HashMap<String, String>,
}

#[derive(Instructor, Serialize, Deserialize, Debug, Clone, PartialEq, Default)]
#[serde(default)]
pub struct AllDefault {
    pub a: u8,
    pub b: String,
}

#[derive(Instructor, Serialize, Deserialize, Debug, Clone, PartialEq)]
#[serde(rename_all = "kebab-case")]
pub struct Cases {
    pub first_field: u8,
    #[serde(rename = "SECOND")]
    pub second_field: u8,
}

#[derive(Instructor, Serialize, Deserialize, Debug, Clone, PartialEq)]
#[serde(rename_all = "PascalCase")]
pub struct Pascal {
    pub first_field: u8,
}

/// The tool to run.
#[derive(Instructor, Serialize, Deserialize, Debug, Clone, PartialEq)]
#[instructor(examples = [{ "city": "Paris" }], description = "Weather lookup.")]
pub struct Weather {
    pub city: String,
}

/// Search the web.
#[derive(Instructor, Serialize, Deserialize, Debug, Clone, PartialEq)]
pub struct Search {
    pub query: String,
}

#[derive(Instructor, Serialize, Deserialize, Debug, Clone, PartialEq)]
pub enum Action {
    #[serde(rename = "get_weather")]
    Weather(Weather),
    Search(Search),
}

#[derive(Instructor, Serialize, Deserialize, Debug, Clone, PartialEq)]
pub struct Dated {
    pub day: chrono::NaiveDate,
    pub at: chrono::DateTime<chrono::Utc>,
    pub local: chrono::NaiveDateTime,
    pub id: uuid::Uuid,
}

pub fn default_b() -> String {
    "b".into()
}

pub mod close;

/// Reads a number written as a string.
pub mod as_string {
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(v: &u64, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&v.to_string())
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<u64, D::Error> {
        String::deserialize(d)?
            .parse()
            .map_err(serde::de::Error::custom)
    }

    pub fn schema(_: &mut instructor::SchemaGenerator) -> serde_json::Value {
        serde_json::json!({ "type": "string", "pattern": "^[0-9]+$" })
    }
}

#[derive(Instructor, Serialize, Deserialize, Debug, Clone, PartialEq)]
pub struct Custom {
    #[serde(with = "as_string")]
    #[instructor(schema_with = as_string::schema, max = 1000)]
    pub big: u64,
    pub plain: Option<u8>,
}

#[derive(Instructor, Serialize, Deserialize, Debug, Clone, PartialEq)]
pub struct Sparse {
    pub values: Vec<Option<String>>,
    pub by_key: BTreeMap<String, Option<u8>>,
    pub maybe: Option<Option<u8>>,
}
