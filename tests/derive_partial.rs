//! The partial twin: every prefix of a serialized value, closed by a partial-JSON completion,
//! deserializes; the whole value round-trips through it.

mod derive_types;

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet, VecDeque};

use derive_types::close::close;
use derive_types::*;
use instructor::Instructor;
use serde::Serialize;
use serde_json::{json, Value};

/// Every prefix of `value`'s JSON, closed, deserializes into `T::Partial`; the full JSON gives a
/// partial that serializes back to the same JSON.
fn every_prefix<T: Instructor + Serialize>(value: &T) -> usize {
    let text = serde_json::to_string(value).unwrap();
    let mut checked = 0;
    for (i, _) in text
        .char_indices()
        .chain(std::iter::once((text.len(), ' ')))
    {
        let prefix = &text[..i];
        let Some(closed) = close(prefix) else {
            continue;
        };
        if let Err(e) = serde_json::from_str::<T::Partial>(&closed) {
            panic!("prefix {prefix:?} closed as {closed} does not deserialize: {e}");
        }
        checked += 1;
    }
    let full: T::Partial = serde_json::from_str(&text).unwrap();
    let (p, v) = (
        serde_json::to_value(&full).unwrap(),
        serde_json::to_value(value).unwrap(),
    );
    assert!(
        subset(&p, &v),
        "the full value through the partial twin: {p} vs {v}"
    );
    checked
}

/// `a` equals `b` except that objects of `b` may have more keys (fields serde never reads, such as
/// `skip_deserializing` ones, are not in the twin).
fn subset(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Object(a), Value::Object(b)) => a
            .iter()
            .all(|(k, v)| b.get(k).is_some_and(|w| subset(v, w))),
        (Value::Array(a), Value::Array(b)) => {
            a.len() == b.len() && a.iter().zip(b).all(|(v, w)| subset(v, w))
        }
        _ => a == b,
    }
}

fn address() -> Address {
    Address {
        street: "1 \"Main\" St \u{e9}".into(),
        city: "London".into(),
        zip: Some("N1".into()),
    }
}

#[test]
fn partial_twin_shape() {
    // Named `Partial` + the type name, every field optional, nested types partial.
    let p = PartialUser {
        first_name: Some("Ada".into()),
        addresses: Some(vec![PartialAddress {
            city: Some("London".into()),
            ..Default::default()
        }]),
        ..Default::default()
    };
    assert_eq!(p.age, None);
    assert_eq!(p.clone(), p);
    assert!(format!("{p:?}").starts_with("PartialUser {"));
    let j = serde_json::to_value(&p).unwrap();
    assert_eq!(j["firstName"], "Ada", "serde renames carried over");
    let from_alias: PartialUser = serde_json::from_value(json!({ "mail": "a@b.c" })).unwrap();
    assert_eq!(from_alias.email_address.as_deref(), Some("a@b.c"));
    let empty: PartialUser = serde_json::from_str("{}").unwrap();
    assert_eq!(empty, PartialUser::default());
    let _: <User as Instructor>::Partial = empty;
    let _: PartialComment = PartialComment {
        replies: Some(vec![PartialComment::default()]),
        parent: Some(Box::default()),
        ..Default::default()
    };
    let _: PartialPage<Address> = PartialPage {
        items: Some(vec![PartialAddress::default()]),
        next: None,
    };
    let _: PartialCollections = PartialCollections {
        array: Some(vec![1, 2]),
        set: Some(vec![]),
        map: Some(HashMap::from([("k".to_owned(), PartialAddress::default())])),
        ..Default::default()
    };
}

#[test]
fn prefixes_of_structs() {
    let u = User {
        first_name: "Ada".into(),
        age: 36,
        addresses: vec![
            address(),
            Address {
                street: "2 Side".into(),
                city: "Paris".into(),
                zip: None,
            },
        ],
        nickname: Some("ad\\a".into()),
        internal: 0,
        email_address: "ada@example.com".into(),
        score: -1.5e3,
        tags: vec!["a".into(), "b".into()],
        country: "GB".into(),
    };
    assert!(every_prefix(&u) > 100);
    every_prefix(&Numbers {
        a: 1,
        b: 2,
        c: 3,
        d: u64::MAX,
        e: 5,
        f: 6,
        g: -7,
        h: -8,
        i: -9,
        j: i64::MIN,
        k: -11,
        l: 12,
        m: 0.5,
        n: 1e-7,
        o: false,
        p: '\u{1F600}',
    });
    every_prefix(&Collections {
        list: vec![1, 2, 3],
        deque: VecDeque::from(vec!["x".to_owned()]),
        array: [1, 2, 3],
        set: HashSet::from(["s".to_owned()]),
        tree_set: BTreeSet::from([4, 5]),
        map: HashMap::from([("home".to_owned(), address())]),
        tree_map: BTreeMap::from([("a".to_owned(), 1.0), ("b".to_owned(), 2.0)]),
        boxed: Box::new(address()),
        any: json!({ "k": [1, { "z": null }], "t": true }),
        pair: ("p".into(), 9),
    });
    every_prefix(&Dated {
        day: chrono::NaiveDate::from_ymd_opt(2024, 2, 29).unwrap(),
        at: chrono::DateTime::from_timestamp(1_700_000_000, 0).unwrap(),
        local: chrono::NaiveDate::from_ymd_opt(2024, 1, 1)
            .unwrap()
            .and_hms_opt(9, 30, 0)
            .unwrap(),
        id: uuid::Uuid::new_v4(),
    });
    every_prefix(&WithFlatten {
        id: 1,
        address: address(),
        extra: HashMap::from([("note".to_owned(), "n".to_owned())]),
    });
    every_prefix(&Strict {
        a: 1,
        b: "b".into(),
        c: 0,
    });
    every_prefix(&Page {
        items: vec![address()],
        next: Some("2".into()),
    });
    every_prefix(&Cases {
        first_field: 1,
        second_field: 2,
    });
}

#[test]
fn nulls_inside_collections() {
    let v = Sparse {
        values: vec![None, Some("a".into()), None],
        by_key: BTreeMap::from([("k".to_owned(), None), ("l".to_owned(), Some(1))]),
        maybe: Some(None),
    };
    every_prefix(&v);
    let p: PartialSparse =
        serde_json::from_str(r#"{"values": [null, "a"], "maybe": null}"#).unwrap();
    assert_eq!(p.values, Some(vec![None, Some("a".to_owned())]));
    let _: Option<Option<u8>> = p.maybe;
}

#[test]
fn prefixes_of_recursive_types() {
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
            comments: vec![leaf],
        }),
    };
    every_prefix(&tree);
}

#[test]
fn prefixes_of_enums() {
    for s in [Status::InProgress, Status::Blocked] {
        every_prefix(&s);
    }
    for s in [
        Shape::Point,
        Shape::Circle(1.5),
        Shape::Rect(1.0, 2.0),
        Shape::Poly {
            sides: 3,
            length: 2.0,
        },
        Shape::Labeled(address()),
    ] {
        every_prefix(&s);
    }
    for e in [
        Event::Started,
        Event::Moved { x: 1, y: 2 },
        Event::Addressed(address()),
    ] {
        every_prefix(&e);
    }
    for a in [
        Adjacent::Unit,
        Adjacent::One("o".into()),
        Adjacent::Two(1, 2),
        Adjacent::Named { a: true },
    ] {
        every_prefix(&a);
    }
    for l in [
        Loose::Num(1.0),
        Loose::Text("t".into()),
        Loose::List(vec![1]),
        Loose::Nothing,
    ] {
        every_prefix(&l);
    }
    every_prefix(&Action::Weather(Weather {
        city: "Paris".into(),
    }));
}

#[test]
fn enum_partials_are_none_until_recognisable() {
    let p: PartialEvent = serde_json::from_str(r#"{"x": 1}"#).unwrap();
    assert_eq!(p, PartialEvent(None));
    let p: PartialEvent = serde_json::from_str(r#"{"kind": "moved", "x": 1}"#).unwrap();
    assert_eq!(
        p,
        PartialEvent(Some(PartialEventVariant::Moved {
            x: Some(1),
            y: None
        }))
    );
    let p: PartialStatus = serde_json::from_str(r#""IN_PROG""#).unwrap();
    assert_eq!(p, PartialStatus(None));
    let p: PartialStatus = serde_json::from_str(r#""IN_PROGRESS""#).unwrap();
    assert_eq!(p, PartialStatus(Some(PartialStatusVariant::InProgress)));
    assert_eq!(serde_json::to_value(&p).unwrap(), json!("IN_PROGRESS"));
    assert_eq!(
        serde_json::to_value(PartialStatus::default()).unwrap(),
        Value::Null
    );
    // A half-streamed enum inside a struct does not break the struct.
    let v: PartialWithEnums = serde_json::from_str(r#"{"status": "DO", "name": "x"}"#).unwrap();
    assert_eq!(v.status, Some(PartialStatus(None)));
    assert_eq!(v.name.as_deref(), Some("x"));
}

#[derive(Instructor, Serialize, serde::Deserialize, Debug)]
pub struct WithEnums {
    pub status: Status,
    pub name: String,
}

#[test]
fn newtype_tuple_and_transparent() {
    every_prefix(&Id("abc".into()));
    every_prefix(&Point(1.0, 2.0, 0));
    every_prefix(&Meters { value: 2.0 });
    let p: PartialPoint = serde_json::from_str("[1.0]").unwrap();
    assert_eq!(p, PartialPoint(Some(1.0), None));
    let p: PartialMeters = serde_json::from_str("null").unwrap();
    assert_eq!(p, PartialMeters { value: None });
}
