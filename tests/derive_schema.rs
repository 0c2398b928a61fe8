//! `#[derive(Instructor)]` schemas: for every supported shape, values serde serializes validate
//! against the generated schema, and JSON serde rejects does not.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet, VecDeque};

use instructor::{Instructor, JsonSchema};
use serde::{Deserialize, Serialize};

mod derive_types;
use derive_types::*;
use serde_json::{json, Value};

fn validator(schema: &Value) -> jsonschema::Validator {
    jsonschema::validator_for(schema).unwrap_or_else(|e| panic!("invalid schema {schema}: {e}"))
}

/// Serialized `value` validates against both schemas of `T` (the strict one only when `strict`).
fn accepts<T: Instructor + Serialize>(value: &T, strict: bool) {
    let json = serde_json::to_value(value).unwrap();
    let schema = T::json_schema();
    let errors: Vec<String> = validator(&schema)
        .iter_errors(&json)
        .map(|e| e.to_string())
        .collect();
    assert!(
        errors.is_empty(),
        "{json} rejected by {schema:#}: {errors:?}"
    );
    if strict {
        let schema = T::json_schema_strict();
        let errors: Vec<String> = validator(&schema)
            .iter_errors(&json)
            .map(|e| e.to_string())
            .collect();
        assert!(
            errors.is_empty(),
            "{json} rejected by strict {schema:#}: {errors:?}"
        );
    }
    // And serde reads back what it wrote.
    let _: T = serde_json::from_value(json).unwrap();
}

/// JSON serde accepts is accepted by the schema, JSON serde rejects is rejected: they agree.
fn agrees<T: Instructor>(json: Value) {
    let serde_ok = serde_json::from_value::<T>(json.clone()).is_ok();
    let schema = T::json_schema();
    let schema_ok = validator(&schema).is_valid(&json);
    assert_eq!(
        serde_ok,
        schema_ok,
        "serde {} but schema {} for {json} with {schema:#}",
        if serde_ok { "accepts" } else { "rejects" },
        if schema_ok { "accepts" } else { "rejects" },
    );
}

/// Every object of a strict schema has `additionalProperties: false`, every property is required,
/// and no keyword strict mode rejects is left.
fn assert_strict_rules(schema: &Value) {
    fn walk(v: &Value, at: &str) {
        match v {
            Value::Object(m) => {
                for k in instructor::schema::STRICT_UNSUPPORTED_KEYWORDS {
                    assert!(!m.contains_key(*k), "{k} left at {at}");
                }
                assert!(!m.contains_key("oneOf"), "oneOf left at {at}");
                assert!(
                    !m.contains_key("$ref") || m.len() == 1,
                    "keywords beside $ref at {at}"
                );
                assert!(!m.contains_key("const"), "const left at {at}");
                let is_object = m.get("type").is_some_and(|t| t == "object");
                if is_object || m.contains_key("properties") {
                    assert_eq!(
                        m.get("additionalProperties"),
                        Some(&json!(false)),
                        "at {at}"
                    );
                    let props: Vec<&String> = m
                        .get("properties")
                        .and_then(Value::as_object)
                        .map(|p| p.keys().collect())
                        .unwrap_or_default();
                    let req: Vec<&str> = m
                        .get("required")
                        .and_then(Value::as_array)
                        .map(|r| r.iter().filter_map(Value::as_str).collect())
                        .unwrap_or_default();
                    for p in props {
                        assert!(req.contains(&p.as_str()), "{p} not required at {at}");
                    }
                }
                for (k, c) in m {
                    if k != "enum" && k != "examples" && k != "description" {
                        walk(c, &format!("{at}/{k}"));
                    }
                }
            }
            Value::Array(a) => a
                .iter()
                .enumerate()
                .for_each(|(i, c)| walk(c, &format!("{at}/{i}"))),
            _ => {}
        }
    }
    walk(schema, "#");
}

fn user() -> User {
    User {
        first_name: "Ada".into(),
        age: 36,
        addresses: vec![Address {
            street: "1 Main St".into(),
            city: "London".into(),
            zip: None,
        }],
        nickname: None,
        internal: 0,
        email_address: "ada@example.com".into(),
        score: 1.5,
        tags: vec!["math".into()],
        country: "GB".into(),
    }
}

#[test]
fn struct_schema_names_descriptions_and_constraints() {
    let s = User::json_schema();
    assert_eq!(User::schema_name(), "User");
    assert_eq!(
        User::description().as_deref(),
        Some("A person mentioned in the text.\n\nOnly people named in full.")
    );
    assert_eq!(s["title"], "User");
    assert_eq!(
        s["description"],
        "A person mentioned in the text.\n\nOnly people named in full."
    );
    assert_eq!(s["type"], "object");
    let p = &s["properties"];
    assert_eq!(
        p["firstName"],
        json!({ "type": "string", "description": "First name only." })
    );
    assert_eq!(p["age"]["minimum"], 0);
    assert_eq!(p["age"]["maximum"], 150);
    assert_eq!(
        p["addresses"],
        json!({ "type": "array", "items": { "$ref": "#/$defs/Address" } })
    );
    assert!(p.get("internal").is_none(), "skipped field in schema");
    assert!(
        p.get("emailAddress").is_some(),
        "alias: the schema uses the main name"
    );
    assert_eq!(p["tags"]["description"], "Overrides the doc comment.");
    assert_eq!(p["tags"]["minItems"], 1);
    assert_eq!(p["tags"]["maxItems"], 3);
    assert_eq!(p["country"]["pattern"], "^[A-Z]{2}$");
    assert_eq!(p["country"]["examples"], json!(["FR", "DE"]));
    assert_eq!(
        s["required"],
        json!([
            "firstName",
            "age",
            "addresses",
            "emailAddress",
            "tags",
            "country"
        ])
    );
    assert_eq!(s["$defs"]["Address"]["description"], "A postal address.");
    assert_eq!(
        s["$defs"]["Address"]["properties"]["street"]["description"],
        "Street and number."
    );
    assert_eq!(s["$defs"]["Address"]["required"], json!(["street", "city"]));
}

#[test]
fn struct_schema_agrees_with_serde() {
    accepts(&user(), true);
    let good = serde_json::to_value(user()).unwrap();
    agrees::<User>(good.clone());
    for key in ["firstName", "age", "addresses", "emailAddress"] {
        let mut v = good.clone();
        v.as_object_mut().unwrap().remove(key);
        agrees::<User>(v);
    }
    let mut v = good.clone();
    v.as_object_mut().unwrap().remove("nickname");
    v.as_object_mut().unwrap().remove("score");
    agrees::<User>(v);
    let mut v = good.clone();
    v["age"] = json!(-1);
    agrees::<User>(v);
    let mut v = good.clone();
    v["age"] = json!("36");
    agrees::<User>(v);
    let mut v = good.clone();
    v["addresses"][0]["city"] = json!(3);
    agrees::<User>(v);
}

#[derive(Instructor, Serialize, Deserialize, Debug, Clone, PartialEq)]
pub struct Described {
    /// Where the user lives.
    pub home: Address,
    /// Parent comment.
    pub comment: Comment,
}

#[test]
fn strict_inlines_described_refs() {
    let s = Described::json_schema();
    assert_eq!(
        s["properties"]["home"],
        json!({ "$ref": "#/$defs/Address", "description": "Where the user lives." })
    );
    let strict = Described::json_schema_strict();
    assert_strict_rules(&strict);
    assert_eq!(
        strict["properties"]["home"]["description"],
        "Where the user lives."
    );
    assert_eq!(strict["properties"]["home"]["type"], "object");
    assert_eq!(
        strict["properties"]["home"]["required"],
        json!(["street", "city", "zip"])
    );
    accepts(
        &Described {
            home: Address {
                street: "s".into(),
                city: "c".into(),
                zip: None,
            },
            comment: Comment {
                text: "t".into(),
                replies: vec![],
                parent: None,
                thread: None,
            },
        },
        true,
    );
}

#[test]
fn strict_schema_follows_the_rules() {
    let s = User::json_schema_strict();
    assert_strict_rules(&s);
    assert_eq!(
        s["properties"]["nickname"],
        json!({ "anyOf": [{ "type": "string" }, { "type": "null" }] })
    );
    assert_eq!(s["properties"]["country"].get("pattern"), None);
    // Dropped constraints are told in words; bare integer type ranges are not.
    assert_eq!(
        s["properties"]["country"]["description"],
        "Constraints: pattern ^[A-Z]{2}$."
    );
    assert_eq!(
        s["properties"]["age"]["description"],
        "Constraints: maximum 150."
    );
    assert_eq!(
        s["properties"]["tags"]["description"],
        "Overrides the doc comment. Constraints: min items 1, max items 3."
    );
    assert_eq!(
        s["$defs"]["Address"]["properties"]["city"].get("description"),
        None
    );
    assert_eq!(
        s["$defs"]["Address"]["required"],
        json!(["street", "city", "zip"])
    );
    // Cached: the same value each time.
    assert_eq!(User::json_schema_strict(), s);
}

#[test]
fn integers_have_honest_bounds() {
    let s = Numbers::json_schema();
    let p = &s["properties"];
    assert_eq!(
        p["a"],
        json!({ "type": "integer", "minimum": 0, "maximum": 255 })
    );
    assert_eq!(p["d"]["maximum"], json!(u64::MAX));
    assert_eq!(p["j"]["minimum"], json!(i64::MIN));
    assert_eq!(p["j"]["maximum"], json!(i64::MAX));
    assert_eq!(p["g"]["minimum"], -128);
    assert_eq!(p["m"], json!({ "type": "number" }));
    assert_eq!(p["o"], json!({ "type": "boolean" }));
    let max = Numbers {
        a: u8::MAX,
        b: u16::MAX,
        c: u32::MAX,
        d: u64::MAX,
        e: u64::MAX as u128,
        f: usize::MAX,
        g: i8::MIN,
        h: i16::MIN,
        i: i32::MIN,
        j: i64::MIN,
        k: i64::MIN as i128,
        l: isize::MIN,
        m: 1.5,
        n: -2.25,
        o: true,
        p: 'é',
    };
    accepts(&max, true);
    let good = serde_json::to_value(&max).unwrap();
    for (k, bad) in [
        ("a", json!(256)),
        ("g", json!(-129)),
        ("c", json!(-1)),
        ("p", json!("ab")),
        ("p", json!("")),
        ("o", json!(1)),
        ("d", json!(1.5)),
    ] {
        let mut v = good.clone();
        v[k] = bad;
        agrees::<Numbers>(v);
    }
}

#[test]
fn collections() {
    let s = Collections::json_schema();
    let p = &s["properties"];
    assert_eq!(
        p["array"],
        json!({ "type": "array", "items": { "type": "integer", "minimum": i32::MIN, "maximum": i32::MAX }, "minItems": 3, "maxItems": 3 })
    );
    assert_eq!(p["set"]["uniqueItems"], true);
    assert_eq!(
        p["map"],
        json!({ "type": "object", "additionalProperties": { "$ref": "#/$defs/Address" } })
    );
    assert_eq!(p["boxed"], json!({ "$ref": "#/$defs/Address" }));
    assert_eq!(p["any"], json!({}));
    let v = Collections {
        list: vec![1, 2],
        deque: VecDeque::from(vec!["a".to_owned()]),
        array: [1, -2, 3],
        set: HashSet::from(["x".to_owned(), "y".to_owned()]),
        tree_set: BTreeSet::from([1, 2]),
        map: HashMap::from([(
            "home".to_owned(),
            Address {
                street: "s".into(),
                city: "c".into(),
                zip: Some("1".into()),
            },
        )]),
        tree_map: BTreeMap::from([("e".to_owned(), 2.5)]),
        boxed: Box::new(Address {
            street: "s".into(),
            city: "c".into(),
            zip: None,
        }),
        any: json!({ "anything": [1, "two", null] }),
        pair: ("a".into(), 1),
    };
    accepts(&v, false);
    let good = serde_json::to_value(&v).unwrap();
    for (k, bad) in [
        ("array", json!([1, 2])),
        ("array", json!([1, 2, 3, 4])),
        ("map", json!({ "home": { "street": 1 } })),
        ("tree_map", json!({ "e": "2.7" })),
        ("any", json!(null)),
        ("pair", json!(["a"])),
        ("pair", json!(["a", 1, 2])),
        ("list", json!([256])),
    ] {
        let mut v = good.clone();
        v[k] = bad;
        agrees::<Collections>(v);
    }
    // Sets are `uniqueItems`: stricter than serde, which silently drops duplicates.
    let mut v = good.clone();
    v["set"] = json!(["x", "x"]);
    assert!(!validator(&Collections::json_schema()).is_valid(&v));
}

#[test]
fn recursive_types() {
    let s = Comment::json_schema();
    let root_ref = json!({ "$ref": "#/$defs/Comment" });
    assert_eq!(s["properties"]["replies"]["items"], root_ref);
    assert_eq!(
        s["$defs"]["Thread"]["properties"]["comments"]["items"],
        root_ref
    );
    // The root is in `$defs` too, so the schema still resolves once embedded in another.
    assert_eq!(s["$defs"]["Comment"]["properties"], s["properties"]);
    let leaf = Comment {
        text: "leaf".into(),
        replies: vec![],
        parent: None,
        thread: None,
    };
    let tree = Comment {
        text: "root".into(),
        replies: vec![
            leaf.clone(),
            Comment {
                replies: vec![leaf.clone()],
                ..leaf.clone()
            },
        ],
        parent: Some(Box::new(leaf.clone())),
        thread: Some(Thread {
            title: "t".into(),
            comments: vec![leaf.clone()],
        }),
    };
    accepts(&tree, true);
    assert_strict_rules(&Comment::json_schema_strict());
    agrees::<Comment>(
        json!({ "text": "a", "replies": [{ "text": "b" }], "parent": null, "thread": null }),
    );
    let t = Thread::json_schema();
    assert_eq!(
        t["$defs"]["Comment"]["properties"]["thread"]["anyOf"][0],
        json!({ "$ref": "#/$defs/Thread" })
    );
    // Embedded in a wrapper with its `$defs` moved to the wrapper's root, it still resolves.
    let mut item = Comment::json_schema();
    let defs = item.as_object_mut().unwrap().remove("$defs").unwrap();
    let wrapper = json!({
        "type": "object",
        "properties": { "items": { "type": "array", "items": item } },
        "$defs": defs,
    });
    let v = validator(&wrapper);
    assert!(v.is_valid(&json!({ "items": [serde_json::to_value(&tree).unwrap()] })));
    assert!(!v.is_valid(&json!({ "items": [{ "text": "a", "replies": [{ "text": 1 }] }] })));
    accepts(
        &Thread {
            title: "t".into(),
            comments: vec![tree],
        },
        true,
    );
}

#[test]
fn unit_enum_is_a_string_enum() {
    let s = Status::json_schema();
    assert_eq!(
        s,
        json!({ "title": "Status", "description": "How a task stands.", "type": "string", "enum": ["IN_PROGRESS", "DONE", "blocked"] })
    );
    accepts(&Status::InProgress, true);
    for v in [
        "IN_PROGRESS",
        "DONE",
        "blocked",
        "Blocked",
        "Hidden",
        "InProgress",
    ] {
        agrees::<Status>(json!(v));
    }
}

#[test]
fn externally_tagged_enum() {
    for v in [
        Shape::Point,
        Shape::Circle(1.0),
        Shape::Rect(1.0, 2.0),
        Shape::Poly {
            sides: 3,
            length: 1.0,
        },
        Shape::Labeled(Address {
            street: "s".into(),
            city: "c".into(),
            zip: None,
        }),
    ] {
        accepts(&v, false);
    }
    let s = Shape::json_schema();
    assert!(s["oneOf"].is_array(), "{s}");
    for j in [
        json!("Point"),
        json!("Circle"),
        json!({ "Circle": 2 }),
        json!({ "Circle": "2" }),
        json!({ "Rect": [1, 2] }),
        json!({ "Rect": [1] }),
        json!({ "Poly": { "sides": 3, "len": 2 } }),
        json!({ "Poly": { "sides": 3, "length": 2 } }),
        json!({ "Circle": 1, "Point": null }),
        json!({ "Labeled": { "street": "s", "city": "c" } }),
        json!({ "Nope": 1 }),
    ] {
        agrees::<Shape>(j);
    }
    assert_strict_rules(&Shape::json_schema_strict());
}

#[test]
fn internally_tagged_enum() {
    for v in [
        Event::Started,
        Event::Moved { x: 1, y: -1 },
        Event::Addressed(Address {
            street: "s".into(),
            city: "c".into(),
            zip: None,
        }),
    ] {
        accepts(&v, true);
    }
    for j in [
        json!({ "kind": "started" }),
        json!({ "kind": "moved", "x": 1, "y": 2 }),
        json!({ "kind": "moved", "x": 1 }),
        json!({ "kind": "addressed", "street": "s", "city": "c" }),
        json!({ "kind": "addressed", "street": "s" }),
        json!({ "x": 1, "y": 2 }),
        json!({ "kind": "Started" }),
    ] {
        agrees::<Event>(j);
    }
    assert_strict_rules(&Event::json_schema_strict());
}

#[test]
fn adjacently_tagged_enum() {
    for v in [
        Adjacent::Unit,
        Adjacent::One("x".into()),
        Adjacent::Two(1, 2),
        Adjacent::Named { a: true },
    ] {
        accepts(&v, true);
    }
    for j in [
        json!({ "t": "Unit" }),
        json!({ "t": "One", "c": "x" }),
        json!({ "t": "One" }),
        json!({ "t": "Two", "c": [1, 2] }),
        json!({ "t": "Named", "c": { "a": false } }),
        json!({ "t": "Named", "c": { "a": 1 } }),
        json!({ "c": "x" }),
    ] {
        agrees::<Adjacent>(j);
    }
}

/// Externally tagged with a `#[serde(untagged)]` variant: plain units, a described unit, a
/// newtype, and free text when nothing else matches.
#[derive(Instructor, Serialize, Deserialize, Debug)]
enum Reply {
    Yes,
    No,
    /// Not sure yet.
    Maybe,
    Count(u32),
    #[serde(untagged)]
    Text(String),
}

#[derive(Instructor, Serialize, Deserialize, Debug)]
#[serde(tag = "kind")]
enum Figure {
    Circle {
        r: f64,
    },
    #[serde(untagged)]
    Named {
        name: String,
    },
}

#[derive(Instructor, Serialize, Deserialize, Debug)]
#[serde(tag = "t", content = "c")]
enum Message {
    Ping,
    Say(String),
    #[serde(untagged)]
    Raw(u32),
}

#[test]
fn untagged_variants_inside_tagged_enums() {
    let s = Reply::json_schema();
    let members = s["anyOf"].as_array().unwrap_or_else(|| panic!("{s}"));
    assert_eq!(
        members[0],
        json!({ "type": "string", "enum": ["Yes", "No"] })
    );
    assert_eq!(members[1]["description"], "Not sure yet.");
    for v in [
        Reply::Yes,
        Reply::Maybe,
        Reply::Count(3),
        Reply::Text("hm".into()),
    ] {
        accepts(&v, false);
    }
    for j in [
        json!("No"),
        json!("Maybe"),
        json!("free text"),
        json!({ "Count": 1 }),
        json!({ "Count": "x" }),
        json!(1),
    ] {
        agrees::<Reply>(j);
    }
    assert!(Figure::json_schema()["anyOf"].is_array());
    for j in [
        json!({ "kind": "Circle", "r": 1.0 }),
        json!({ "kind": "Circle" }),
        json!({ "name": "blob" }),
        json!({ "kind": "Blob", "name": "blob" }),
        json!({ "kind": "Blob" }),
    ] {
        agrees::<Figure>(j);
    }
    assert!(Message::json_schema()["anyOf"].is_array());
    for j in [
        json!({ "t": "Ping" }),
        json!({ "t": "Say", "c": "hi" }),
        json!({ "t": "Say" }),
        json!(7),
        json!("x"),
    ] {
        agrees::<Message>(j);
    }
}

#[test]
fn untagged_enum() {
    for v in [
        Loose::Num(1.5),
        Loose::Text("t".into()),
        Loose::Addr(Address {
            street: "s".into(),
            city: "c".into(),
            zip: None,
        }),
        Loose::List(vec![1]),
        Loose::Nothing,
    ] {
        accepts(&v, false);
    }
    for j in [
        json!(1),
        json!("a"),
        json!(null),
        json!([1, 2]),
        json!([300]),
        json!({ "street": "s", "city": "c" }),
        json!({ "street": "s" }),
        json!(true),
    ] {
        agrees::<Loose>(j);
    }
}

#[test]
fn newtype_tuple_and_transparent_structs() {
    assert_eq!(
        Id::json_schema(),
        json!({ "title": "Id", "type": "string", "minLength": 3, "description": "An id." })
    );
    accepts(&Id("abc".into()), false);
    agrees::<Id>(json!("abcd"));
    agrees::<Id>(json!(1));
    accepts(&Point(1.0, 2.0, 0), false);
    agrees::<Point>(json!([1, 2]));
    agrees::<Point>(json!([1, 2, 3]));
    agrees::<Point>(json!([1]));
    accepts(&Meters { value: 1.0 }, true);
    agrees::<Meters>(json!(1.0));
    agrees::<Meters>(json!({ "value": 1.0 }));
}

#[test]
fn generic_types() {
    assert_eq!(Page::<Address>::schema_name(), "Page_Address");
    assert_eq!(Page::<String>::schema_name(), "Page_String");
    let s = Page::<Address>::json_schema();
    assert_eq!(
        s["properties"]["items"]["items"],
        json!({ "$ref": "#/$defs/Address" })
    );
    assert_ne!(
        Page::<String>::json_schema(),
        s,
        "cached per type, generics included"
    );
    accepts(
        &Page {
            items: vec![Address {
                street: "s".into(),
                city: "c".into(),
                zip: None,
            }],
            next: None,
        },
        true,
    );
    accepts(
        &Page {
            items: vec![Page {
                items: vec![1u8],
                next: Some("n".into()),
            }],
            next: None,
        },
        true,
    );
    agrees::<Page<u8>>(json!({ "items": [1, 2] }));
    agrees::<Page<u8>>(json!({ "items": [1, -2] }));
}

#[test]
fn serde_attributes() {
    let s = Strict::json_schema();
    assert_eq!(s["additionalProperties"], false);
    assert_eq!(s["required"], json!(["a"]));
    assert!(s["properties"].get("c").is_none());
    for j in [
        json!({ "a": 1 }),
        json!({ "a": 1, "b": "x" }),
        json!({ "a": 1, "c": 2 }),
        json!({ "a": 1, "z": 2 }),
        json!({}),
    ] {
        agrees::<Strict>(j);
    }
    let s = WithFlatten::json_schema();
    assert_eq!(s["required"], json!(["id", "street", "city"]));
    assert_eq!(s["additionalProperties"], json!({ "type": "string" }));
    accepts(
        &WithFlatten {
            id: 1,
            address: Address {
                street: "s".into(),
                city: "c".into(),
                zip: Some("z".into()),
            },
            extra: HashMap::from([("note".to_owned(), "n".to_owned())]),
        },
        false,
    );
    for j in [
        json!({ "id": 1, "street": "s", "city": "c" }),
        json!({ "id": 1, "street": "s" }),
        json!({ "id": 1, "street": "s", "city": "c", "x": 1 }),
    ] {
        agrees::<WithFlatten>(j);
    }
    assert!(AllDefault::json_schema().get("required").is_none());
    agrees::<AllDefault>(json!({}));
    agrees::<AllDefault>(json!({ "a": "x" }));
}

#[test]
fn rename_all_case_styles() {
    let keys = |s: Value| {
        s["properties"]
            .as_object()
            .unwrap()
            .keys()
            .cloned()
            .collect::<Vec<_>>()
    };
    assert_eq!(keys(Cases::json_schema()), ["first-field", "SECOND"]);
    assert_eq!(keys(Pascal::json_schema()), ["FirstField"]);
    accepts(
        &Cases {
            first_field: 1,
            second_field: 2,
        },
        true,
    );
}

#[test]
fn parallel_tools() {
    assert_eq!(
        Weather::json_schema()["examples"],
        json!([{ "city": "Paris" }])
    );
    assert_eq!(Weather::description().as_deref(), Some("Weather lookup."));
    let tools = Action::parallel_tools().expect("tools");
    assert_eq!(tools.len(), 2);
    assert_eq!(tools[0].name, "get_weather");
    assert_eq!(tools[0].description.as_deref(), Some("Weather lookup."));
    assert_eq!(tools[0].parameters, Weather::json_schema());
    assert_eq!(tools[0].strict_parameters, Weather::json_schema_strict());
    assert_eq!(tools[1].name, "Search");
    assert!(Shape::parallel_tools().is_none());
    assert!(Event::parallel_tools().is_none());
    assert!(User::parallel_tools().is_none());
}

#[test]
fn chrono_and_uuid() {
    let s = Dated::json_schema();
    assert_eq!(
        s["properties"]["day"],
        json!({ "type": "string", "format": "date" })
    );
    assert_eq!(
        s["properties"]["at"],
        json!({ "type": "string", "format": "date-time" })
    );
    assert_eq!(
        s["properties"]["id"],
        json!({ "type": "string", "format": "uuid" })
    );
    let v = Dated {
        day: chrono::NaiveDate::from_ymd_opt(2024, 2, 29).unwrap(),
        at: chrono::DateTime::from_timestamp(1_700_000_000, 0).unwrap(),
        local: chrono::NaiveDate::from_ymd_opt(2024, 1, 1)
            .unwrap()
            .and_hms_opt(9, 30, 0)
            .unwrap(),
        id: uuid::Uuid::new_v4(),
    };
    accepts(&v, true);
}

#[test]
fn field_level_trait_is_usable_directly() {
    let mut gen = instructor::SchemaGenerator::new();
    let r = gen.subschema_for::<User>();
    assert_eq!(r, json!({ "$ref": "#/$defs/User" }));
    assert!(gen.definitions().contains_key("Address"));
    assert!(<Option<u8> as JsonSchema>::optional());
}

#[test]
fn serde_with_fields_take_their_schema_from_schema_with() {
    let s = Custom::json_schema();
    assert_eq!(
        s["properties"]["big"],
        json!({ "type": "string", "pattern": "^[0-9]+$", "maximum": 1000 })
    );
    assert_eq!(s["required"], json!(["big"]));
    accepts(
        &Custom {
            big: 12,
            plain: None,
        },
        false,
    );
    agrees::<Custom>(json!({ "big": "12" }));
    agrees::<Custom>(json!({ "big": 12 }));
    agrees::<Custom>(json!({ "big": "x" }));
    let p: PartialCustom = serde_json::from_value(json!({ "big": "1" })).unwrap();
    assert_eq!(p.big, Some(json!("1")));
    let c: Custom = serde_json::from_value(json!({ "big": "2000" })).unwrap();
    assert_eq!(
        c.validate().unwrap_err().to_string(),
        "big: must be at most 1000, got 2000"
    );
}

#[test]
fn nulls_inside_collections() {
    let v = Sparse {
        values: vec![None, Some("a".into())],
        by_key: BTreeMap::from([("k".to_owned(), None)]),
        maybe: Some(Some(1)),
    };
    accepts(&v, false);
    agrees::<Sparse>(json!({ "values": [null, 1], "by_key": {}, "maybe": null }));
    agrees::<Sparse>(json!({ "values": [null], "by_key": { "a": null } }));
}

mod billing {
    use super::*;
    /// Where invoices go.
    #[derive(Instructor, Serialize, Deserialize, Debug, Clone, PartialEq)]
    pub struct Address {
        pub iban: String,
    }
}

mod shipping {
    use super::*;
    /// Where parcels go.
    #[derive(Instructor, Serialize, Deserialize, Debug, Clone, PartialEq)]
    pub struct Address {
        pub street: String,
        pub zip: String,
    }
}

#[derive(Instructor, Serialize, Deserialize, Debug, Clone, PartialEq)]
struct Order {
    billing: billing::Address,
    shipping: shipping::Address,
    /// Earlier orders to the same customer.
    previous: Vec<Order>,
}

#[test]
fn two_types_of_one_name_get_a_definition_each() {
    let s = Order::json_schema();
    let billing = &s["properties"]["billing"]["$ref"];
    let shipping = &s["properties"]["shipping"]["$ref"];
    assert_ne!(billing, shipping, "{s:#}");
    assert_eq!(
        s["$defs"]["Address"]["properties"]["iban"]["type"],
        "string"
    );
    assert_eq!(
        s["$defs"]["shipping__Address"]["properties"]["street"]["type"],
        "string"
    );
    let order = Order {
        billing: billing::Address {
            iban: "DE89".into(),
        },
        shipping: shipping::Address {
            street: "1 Main St".into(),
            zip: "12345".into(),
        },
        previous: vec![],
    };
    accepts(&order, true);
    // The shipping address is checked as a shipping address, not as the billing one.
    let swapped =
        json!({"billing": {"iban": "DE89"}, "shipping": {"iban": "DE89"}, "previous": []});
    assert!(!validator(&s).is_valid(&swapped));
    assert!(!validator(&Order::json_schema_strict()).is_valid(&swapped));
}

/// An expression whose operands are each described.
#[derive(Instructor, Serialize, Deserialize, Debug, Clone, PartialEq)]
enum Expr {
    Number(u32),
    Op {
        /// The first operand.
        left: Box<Expr>,
        /// The second operand.
        middle: Box<Expr>,
        /// The third operand.
        right: Box<Expr>,
    },
}

#[derive(Instructor, Serialize, Deserialize, Debug, Clone, PartialEq)]
struct Formula {
    /// The whole expression.
    expr: Expr,
}

#[test]
fn a_type_with_several_described_references_to_itself_has_a_bounded_strict_schema() {
    let strict = Formula::json_schema_strict();
    let size = strict.to_string().len();
    assert!(size < 200_000, "the strict schema is {size} bytes");
    assert_strict_rules(&strict);
    let n = |v| Box::new(Expr::Number(v));
    let formula = Formula {
        expr: Expr::Op {
            left: n(1),
            middle: Box::new(Expr::Op {
                left: n(2),
                middle: n(3),
                right: n(4),
            }),
            right: n(5),
        },
    };
    accepts(&formula, true);
}
