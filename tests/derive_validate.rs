//! `validate()`: built-in constraints, field and type validators, nested values, each error at the
//! JSON path of its value with a message fit to send back to the model.

use std::collections::BTreeMap;

use instructor::{Instructor, ValidationError, ValidationErrors};
use serde::Deserialize;

fn no_bob(name: &str) -> Result<(), String> {
    if name.eq_ignore_ascii_case("bob") {
        Err("Bob is not a valid name here; use the person's real name".into())
    } else {
        Ok(())
    }
}

fn city_known(city: &str) -> Result<(), &'static str> {
    if city.is_empty() {
        Err("city must not be empty")
    } else {
        Ok(())
    }
}

fn dates_in_order(t: &Trip) -> Result<(), ValidationError> {
    if t.start > t.end {
        Err(ValidationError {
            path: "end".into(),
            message: "must not be before start".into(),
        })
    } else {
        Ok(())
    }
}

#[derive(Instructor, Deserialize, Debug)]
pub struct Address {
    #[instructor(validate = city_known, max_len = 20)]
    pub city: String,
    #[instructor(pattern = r"^\d{5}$")]
    pub zip: Option<String>,
}

#[derive(Instructor, Deserialize, Debug)]
pub struct Person {
    #[instructor(validate = no_bob, min_len = 2)]
    pub name: String,
    #[instructor(min = 0, max = 150)]
    pub age: i32,
    #[instructor(min = 0.0, max = 1.0)]
    pub confidence: f64,
    #[instructor(max_len = 2)]
    pub addresses: Vec<Address>,
    pub by_name: BTreeMap<String, Address>,
    #[instructor(min = 1)]
    pub rank: Option<u8>,
}

#[derive(Instructor, Deserialize, Debug)]
#[instructor(validate_with = dates_in_order)]
pub struct Trip {
    pub start: u32,
    pub end: u32,
    pub stops: Vec<Stop>,
}

#[derive(Instructor, Deserialize, Debug)]
#[serde(tag = "kind")]
pub enum Stop {
    City {
        #[instructor(min_len = 1)]
        name: String,
    },
    Address(Address),
}

#[derive(Instructor, Deserialize, Debug)]
pub enum External {
    Named {
        #[instructor(max = 10)]
        n: u8,
    },
    Pair(#[instructor(max = 1)] u8, #[instructor(max_len = 1)] String),
}

#[derive(Instructor, Deserialize, Debug)]
#[serde(tag = "t", content = "c")]
pub enum Adjacent {
    One(#[instructor(min = 5)] u8),
}

fn errors(e: Result<(), ValidationErrors>) -> Vec<(String, String)> {
    e.err()
        .map(|e| e.into_iter().map(|e| (e.path, e.message)).collect())
        .unwrap_or_default()
}

fn person(json: serde_json::Value) -> Person {
    serde_json::from_value(json).unwrap()
}

#[test]
fn valid_values_pass() {
    let p = person(serde_json::json!({
        "name": "Ada", "age": 36, "confidence": 0.5,
        "addresses": [{ "city": "London", "zip": "12345" }], "by_name": {}, "rank": null
    }));
    assert_eq!(p.validate(), Ok(()));
}

#[test]
fn every_failure_has_its_path_and_message() {
    let p = person(serde_json::json!({
        "name": "Bob", "age": 151, "confidence": -0.5,
        "addresses": [
            { "city": "London", "zip": "1234" },
            { "city": "", "zip": null },
            { "city": "Llanfairpwllgwyngyll-gogerychwyrn", "zip": "99999" }
        ],
        "by_name": { "home": { "city": "" }, "a b": { "city": "x", "zip": "no" } },
        "rank": 0
    }));
    let e = errors(p.validate());
    let expected = [
        (
            "name",
            "Bob is not a valid name here; use the person's real name",
        ),
        ("age", "must be at most 150, got 151"),
        ("confidence", "must be at least 0, got -0.5"),
        ("addresses", "must have at most 2 items, got 3"),
        ("addresses[0].zip", r"must match the pattern ^\d{5}$"),
        ("addresses[1].city", "city must not be empty"),
        (
            "addresses[2].city",
            "must have at most 20 characters, got 33",
        ),
        ("by_name[\"a b\"].zip", r"must match the pattern ^\d{5}$"),
        ("by_name.home.city", "city must not be empty"),
        ("rank", "must be at least 1, got 0"),
    ];
    let expected: Vec<(String, String)> = expected
        .iter()
        .map(|(a, b)| (a.to_string(), b.to_string()))
        .collect();
    assert_eq!(e, expected);
    let p = person(serde_json::json!({
        "name": "A", "age": -1, "confidence": 2, "addresses": [], "by_name": {}
    }));
    let e = p.validate().unwrap_err();
    assert_eq!(e.len(), 3);
    assert_eq!(
        e.to_string(),
        "name: must have at least 2 characters, got 1; age: must be at least 0, got -1; confidence: must be at most 1, got 2"
    );
}

#[test]
fn type_level_and_nested_enum_validators() {
    let t: Trip = serde_json::from_value(serde_json::json!({
        "start": 5, "end": 3,
        "stops": [{ "kind": "City", "name": "" }, { "kind": "Address", "city": "" }]
    }))
    .unwrap();
    assert_eq!(
        errors(t.validate()),
        vec![
            (
                "stops[0].name".to_owned(),
                "must have at least 1 character, got 0".to_owned()
            ),
            (
                "stops[1].city".to_owned(),
                "city must not be empty".to_owned()
            ),
            ("end".to_owned(), "must not be before start".to_owned()),
        ]
    );
    let e: External = serde_json::from_value(serde_json::json!({ "Named": { "n": 11 } })).unwrap();
    assert_eq!(
        errors(e.validate()),
        vec![(
            "Named.n".to_owned(),
            "must be at most 10, got 11".to_owned()
        )]
    );
    let e: External = serde_json::from_value(serde_json::json!({ "Pair": [2, "ab"] })).unwrap();
    assert_eq!(
        errors(e.validate()),
        vec![
            ("Pair[0]".to_owned(), "must be at most 1, got 2".to_owned()),
            (
                "Pair[1]".to_owned(),
                "must have at most 1 character, got 2".to_owned()
            ),
        ]
    );
    let a: Adjacent = serde_json::from_value(serde_json::json!({ "t": "One", "c": 1 })).unwrap();
    assert_eq!(
        errors(a.validate()),
        vec![("c".to_owned(), "must be at least 5, got 1".to_owned())]
    );
}

#[test]
fn constraints_are_in_the_schema() {
    let s = Person::json_schema();
    let p = &s["properties"];
    assert_eq!(p["name"]["minLength"], 2);
    assert_eq!(p["age"]["minimum"], 0);
    assert_eq!(p["age"]["maximum"], 150);
    assert_eq!(p["confidence"]["minimum"], 0.0);
    assert_eq!(p["addresses"]["maxItems"], 2);
    assert_eq!(p["rank"]["minimum"], 1);
    assert_eq!(
        s["$defs"]["Address"]["properties"]["zip"]["pattern"],
        r"^\d{5}$"
    );
    assert_eq!(s["$defs"]["Address"]["properties"]["city"]["maxLength"], 20);
}

#[derive(Instructor, Deserialize, Debug)]
pub struct Code {
    #[instructor(pattern = "^[a-z]+$", max_len = 3, min_len = 2)]
    pub code: String,
    #[instructor(max = 9, min = 1)]
    pub level: u8,
}

#[test]
fn constraints_keep_one_order_whatever_order_they_are_written_in() {
    let s = Code::json_schema();
    let keys = |name: &str| -> Vec<String> {
        s["properties"][name]
            .as_object()
            .map(|o| o.keys().cloned().collect())
            .unwrap_or_default()
    };
    assert_eq!(keys("code"), ["type", "minLength", "maxLength", "pattern"]);
    assert_eq!(keys("level"), ["type", "minimum", "maximum"]);
    let c: Code =
        serde_json::from_value(serde_json::json!({ "code": "ABCD", "level": 0 })).unwrap();
    assert_eq!(
        errors(c.validate()),
        vec![
            (
                "code".to_owned(),
                "must have at most 3 characters, got 4".to_owned()
            ),
            (
                "code".to_owned(),
                "must match the pattern ^[a-z]+$".to_owned()
            ),
            ("level".to_owned(), "must be at least 1, got 0".to_owned()),
        ]
    );
}
