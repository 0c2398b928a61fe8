//! Property tests: for thousands of generated values of realistic types, what serde writes
//! validates against the generated schema (and the strict one), after a random mutation of the JSON
//! serde and the schema still agree on whether it is acceptable, and every prefix of the JSON reads
//! as the partial twin.

mod derive_types;

use std::collections::BTreeMap;

use derive_types::close::close;

use instructor::Instructor;
use proptest::prelude::*;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// A customer.
#[derive(Instructor, Serialize, Deserialize, Debug, Clone, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct Customer {
    pub full_name: String,
    pub email: Option<String>,
    #[instructor(min = 0, max = 130)]
    pub age: u8,
    #[serde(default)]
    pub vip: bool,
}

#[derive(Instructor, Serialize, Deserialize, Debug, Clone, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct LineItem {
    pub sku: String,
    pub quantity: u32,
    pub unit_price: f64,
    pub dims: Option<[u16; 3]>,
}

#[derive(Instructor, Serialize, Deserialize, Debug, Clone, PartialEq)]
#[serde(rename_all = "snake_case")]
pub enum OrderStatus {
    Pending,
    Shipped,
    Delivered,
}

#[derive(Instructor, Serialize, Deserialize, Debug, Clone, PartialEq)]
#[serde(tag = "method")]
pub enum Payment {
    Card { last4: String, expiry_month: u8 },
    Invoice(Customer),
    Cash,
}

#[derive(Instructor, Serialize, Deserialize, Debug, Clone, PartialEq)]
#[serde(tag = "t", content = "c")]
pub enum Note {
    Text(String),
    Rating(i8),
    Pair(i32, bool),
}

#[derive(Instructor, Serialize, Deserialize, Debug, Clone, PartialEq)]
pub enum Shipping {
    Pickup,
    Courier {
        company: String,
        tracking: Option<String>,
    },
    Post(u64),
}

/// An order.
#[derive(Instructor, Serialize, Deserialize, Debug, Clone, PartialEq)]
pub struct Order {
    pub id: i64,
    pub customer: Customer,
    pub items: Vec<LineItem>,
    pub status: OrderStatus,
    pub payment: Payment,
    pub notes: Vec<Note>,
    pub shipping: Shipping,
    pub labels: BTreeMap<String, String>,
    pub parent: Option<Box<Order>>,
}

fn text() -> impl Strategy<Value = String> {
    "[a-zA-Z0-9 é\"\\\\]{0,12}"
}

fn customer() -> impl Strategy<Value = Customer> {
    (
        text(),
        proptest::option::of(text()),
        0u8..=130,
        any::<bool>(),
    )
        .prop_map(|(full_name, email, age, vip)| Customer {
            full_name,
            email,
            age,
            vip,
        })
}

fn finite() -> impl Strategy<Value = f64> {
    prop_oneof![-1e9f64..1e9, Just(0.0)]
}

fn line_item() -> impl Strategy<Value = LineItem> {
    (
        text(),
        any::<u32>(),
        finite(),
        proptest::option::of(any::<[u16; 3]>()),
    )
        .prop_map(|(sku, quantity, unit_price, dims)| LineItem {
            sku,
            quantity,
            unit_price,
            dims,
        })
}

fn payment() -> impl Strategy<Value = Payment> {
    prop_oneof![
        (text(), any::<u8>()).prop_map(|(last4, expiry_month)| Payment::Card {
            last4,
            expiry_month
        }),
        customer().prop_map(Payment::Invoice),
        Just(Payment::Cash),
    ]
}

fn note() -> impl Strategy<Value = Note> {
    prop_oneof![
        text().prop_map(Note::Text),
        any::<i8>().prop_map(Note::Rating),
        (any::<i32>(), any::<bool>()).prop_map(|(a, b)| Note::Pair(a, b)),
    ]
}

fn shipping() -> impl Strategy<Value = Shipping> {
    prop_oneof![
        Just(Shipping::Pickup),
        (text(), proptest::option::of(text()))
            .prop_map(|(company, tracking)| Shipping::Courier { company, tracking }),
        any::<u64>().prop_map(Shipping::Post),
    ]
}

fn status() -> impl Strategy<Value = OrderStatus> {
    prop_oneof![
        Just(OrderStatus::Pending),
        Just(OrderStatus::Shipped),
        Just(OrderStatus::Delivered)
    ]
}

fn order_leaf() -> impl Strategy<Value = Order> {
    (
        any::<i64>(),
        customer(),
        proptest::collection::vec(line_item(), 0..3),
        status(),
        payment(),
        proptest::collection::vec(note(), 0..3),
        shipping(),
        proptest::collection::btree_map(text(), text(), 0..3),
    )
        .prop_map(
            |(id, customer, items, status, payment, notes, shipping, labels)| Order {
                id,
                customer,
                items,
                status,
                payment,
                notes,
                shipping,
                labels,
                parent: None,
            },
        )
}

fn order() -> impl Strategy<Value = Order> {
    (order_leaf(), proptest::option::of(order_leaf())).prop_map(|(mut o, parent)| {
        o.parent = parent.map(Box::new);
        o
    })
}

/// Any JSON value, floats always with a fraction (an integer type reads `3.0` as a float while
/// JSON Schema counts it as an integer; see the docs).
fn json() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        (-1000i32..1000).prop_map(Value::from),
        (-1e6f64..1e6)
            .prop_filter("fraction", |f| f.fract() != 0.0)
            .prop_map(Value::from),
        text().prop_map(Value::String),
        prop_oneof![
            Just("pending"),
            Just("Pickup"),
            Just("Card"),
            Just("Text"),
            Just("x")
        ]
        .prop_map(|s| Value::String(s.into())),
    ];
    leaf.prop_recursive(2, 8, 3, |inner| {
        prop_oneof![
            proptest::collection::vec(inner.clone(), 0..3).prop_map(Value::Array),
            proptest::collection::btree_map("[a-z]{1,6}", inner, 0..3)
                .prop_map(|m| Value::Object(m.into_iter().collect::<Map<String, Value>>())),
        ]
    })
}

fn count(v: &Value) -> usize {
    1 + match v {
        Value::Array(a) => a.iter().map(count).sum(),
        Value::Object(o) => o.values().map(count).sum(),
        _ => 0,
    }
}

/// Replaces (or, inside an object, removes when `remove`) the `n`-th node in pre-order.
fn mutate(v: &mut Value, n: &mut usize, with: &Value, remove: bool) -> bool {
    match v {
        Value::Array(a) => {
            for child in a.iter_mut() {
                if *n == 0 {
                    *child = with.clone();
                    return true;
                }
                *n -= 1;
                if mutate(child, n, with, remove) {
                    return true;
                }
            }
        }
        Value::Object(o) => {
            let keys: Vec<String> = o.keys().cloned().collect();
            for k in keys {
                if *n == 0 {
                    if remove {
                        o.remove(&k);
                    } else {
                        o.insert(k, with.clone());
                    }
                    return true;
                }
                *n -= 1;
                if let Some(child) = o.get_mut(&k) {
                    if mutate(child, n, with, remove) {
                        return true;
                    }
                }
            }
        }
        _ => {}
    }
    false
}

/// The schema never accepts what serde and `validate()` reject (the model would be asked for JSON
/// that fails); and they never accept what the schema rejects, except for serde's lenient extras: a
/// struct or an adjacently tagged enum also read from an array, which a schema describing objects
/// leaves out (`lenient_arrays` says whether the JSON may hold such an array). Constraints such as
/// `max = 130` on a `u8` are the schema's and `validate()`'s, not serde's, so both are asked.
fn agree<T: Instructor>(json: &Value, lenient_arrays: bool) -> Result<(), TestCaseError> {
    let serde_ok = serde_json::from_value::<T>(json.clone()).is_ok_and(|v| v.validate().is_ok());
    let schema = T::json_schema();
    let validator =
        jsonschema::validator_for(&schema).map_err(|e| TestCaseError::fail(e.to_string()))?;
    let schema_ok = validator.is_valid(json);
    if schema_ok {
        prop_assert!(serde_ok, "schema accepts what serde rejects: {}", json);
    } else if serde_ok {
        prop_assert!(
            lenient_arrays,
            "serde accepts what the schema rejects: {}",
            json
        );
    }
    Ok(())
}

fn has_array(v: &Value) -> bool {
    match v {
        Value::Array(_) => true,
        Value::Object(o) => o.values().any(has_array),
        _ => false,
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 2000, ..ProptestConfig::default() })]

    #[test]
    fn serialized_orders_validate(o in order()) {
        let json = serde_json::to_value(&o).unwrap();
        // Strict mode has no free-form maps (every object is closed): check it without labels.
        let mut closed = o.clone();
        closed.labels.clear();
        if let Some(p) = closed.parent.as_mut() {
            p.labels.clear();
        }
        let closed = serde_json::to_value(&closed).unwrap();
        for (schema, json) in [(Order::json_schema(), &json), (Order::json_schema_strict(), &closed)] {
            let validator = jsonschema::validator_for(&schema).unwrap();
            let errors: Vec<String> = validator.iter_errors(json).map(|e| e.to_string()).collect();
            prop_assert!(errors.is_empty(), "{} rejected: {:?}", json, errors);
        }
        prop_assert_eq!(serde_json::from_value::<Order>(json).unwrap(), o.clone());
        prop_assert!(o.validate().is_ok());
    }

    #[test]
    fn mutated_orders_agree(o in order(), at in any::<usize>(), with in json(), remove in any::<bool>()) {
        let mut json = serde_json::to_value(&o).unwrap();
        let mut n = at % count(&json);
        mutate(&mut json, &mut n, &with, remove);
        agree::<Order>(&json, has_array(&with))?;
    }

    #[test]
    fn arbitrary_json_agrees(with in json()) {
        let arrays = has_array(&with);
        agree::<Customer>(&with, arrays)?;
        agree::<Payment>(&with, arrays)?;
        agree::<Note>(&with, arrays)?;
        agree::<Shipping>(&with, arrays)?;
        agree::<OrderStatus>(&with, arrays)?;
    }

    #[test]
    fn mutated_parts_agree(c in customer(), p in payment(), s in shipping(), at in any::<usize>(), with in json(), remove in any::<bool>()) {
        let mut json = serde_json::json!({ "c": c, "p": p, "s": s });
        let mut n = at % count(&json);
        mutate(&mut json, &mut n, &with, remove);
        let arrays = has_array(&with);
        agree::<Customer>(&json["c"], arrays)?;
        agree::<Payment>(&json["p"], arrays)?;
        agree::<Shipping>(&json["s"], arrays)?;
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 200, ..ProptestConfig::default() })]

    /// Every prefix of a generated order, closed, reads as a `PartialOrder`.
    #[test]
    fn every_prefix_reads_as_the_partial(o in order()) {
        let text = serde_json::to_string(&o).unwrap();
        for (i, _) in text.char_indices() {
            if let Some(closed) = close(&text[..i]) {
                let r = serde_json::from_str::<PartialOrder>(&closed);
                prop_assert!(r.is_ok(), "{} -> {:?}", closed, r.err());
            }
        }
        let full: PartialOrder = serde_json::from_str(&text).unwrap();
        prop_assert_eq!(serde_json::to_value(&full).unwrap(), serde_json::to_value(&o).unwrap());
    }
}
