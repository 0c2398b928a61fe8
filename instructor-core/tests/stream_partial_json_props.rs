//! Property tests of the incremental partial-JSON parser (and a no-panic property of the SSE
//! decoder and the fence stripper).
//!
//! Case counts (100,000 in total) are set per property below; `PROPTEST_CASES` overrides them all.

use instructor_core::stream::accumulate::ContentJson;
use instructor_core::stream::partial_json::{Document, PartialJsonParser};
use instructor_core::stream::sse::SseDecoder;
use proptest::prelude::*;
use serde::Deserialize;
use serde_json::Value;

/// A JSON document tree whose numbers keep their exact source text.
#[derive(Debug, Clone)]
enum J {
    Null,
    Bool(bool),
    Num(String),
    Str(String),
    Arr(Vec<J>),
    Obj(Vec<(String, J)>),
}

fn number() -> impl Strategy<Value = String> {
    prop_oneof![
        any::<i64>().prop_map(|n| n.to_string()),
        any::<u64>().prop_map(|n| n.to_string()),
        Just("0".to_owned()),
        Just("-0".to_owned()),
        (
            any::<bool>(),
            0u32..100_000,
            proptest::option::of(0u32..1_000_000),
            proptest::option::of((
                prop::sample::select(vec!["e", "E"]),
                prop::sample::select(vec!["", "+", "-"]),
                0u32..300
            )),
        )
            .prop_map(|(neg, int, frac, exp)| {
                let mut s = String::new();
                if neg {
                    s.push('-');
                }
                s.push_str(&int.to_string());
                if let Some(f) = frac {
                    s.push('.');
                    s.push_str(&f.to_string());
                }
                if let Some((e, sign, x)) = exp {
                    s.push_str(&format!("{e}{sign}{x}"));
                }
                s
            }),
        any::<f64>()
            .prop_filter("finite", |f| f.is_finite())
            .prop_map(|f| format!("{f:e}")),
    ]
}

fn text() -> impl Strategy<Value = String> {
    prop_oneof![
        // Short strings of anything: control characters, quotes, backslashes, non-BMP characters.
        4 => any::<String>().prop_map(|s| s.chars().take(12).collect()),
        2 => "[a-z {}\\[\\]\",:\\\\]{0,10}",
        // Long strings (several KB), to cross many chunk boundaries.
        1 => ("[ -~éß世😀]{0,40}", 1usize..200).prop_map(|(s, n)| s.repeat(n)),
    ]
}

fn tree() -> impl Strategy<Value = J> {
    let leaf = prop_oneof![
        Just(J::Null),
        any::<bool>().prop_map(J::Bool),
        number().prop_map(J::Num),
        text().prop_map(J::Str),
    ];
    leaf.prop_recursive(6, 64, 8, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..8).prop_map(J::Arr),
            prop::collection::vec((text(), inner), 0..8).prop_map(|members| {
                // Unique keys: with duplicates the last one wins, and an earlier complete value
                // would visibly change, which the consistency check rightly forbids.
                let mut seen = std::collections::HashSet::new();
                J::Obj(
                    members
                        .into_iter()
                        .filter(|(k, _)| seen.insert(k.clone()))
                        .collect(),
                )
            }),
        ]
    })
}

/// A tiny deterministic generator for rendering choices (escapes, whitespace).
struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        // xorshift64*
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    fn chance(&mut self, one_in: u64) -> bool {
        self.next() % one_in == 0
    }
}

fn ws(out: &mut String, rng: &mut Rng) {
    if rng.chance(3) {
        for _ in 0..rng.next() % 3 {
            out.push([' ', '\n', '\t', '\r'][(rng.next() % 4) as usize]);
        }
    }
}

fn render_str(s: &str, out: &mut String, rng: &mut Rng) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' if rng.chance(2) => out.push_str("\\n"),
            '\t' if rng.chance(2) => out.push_str("\\t"),
            '/' if rng.chance(2) => out.push_str("\\/"),
            c if (c as u32) < 0x20 || rng.chance(5) => {
                let mut units = [0u16; 2];
                for u in c.encode_utf16(&mut units) {
                    if rng.chance(2) {
                        out.push_str(&format!("\\u{u:04x}"));
                    } else {
                        out.push_str(&format!("\\u{u:04X}"));
                    }
                }
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

fn render(j: &J, out: &mut String, rng: &mut Rng) {
    match j {
        J::Null => out.push_str("null"),
        J::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        J::Num(n) => out.push_str(n),
        J::Str(s) => render_str(s, out, rng),
        J::Arr(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                ws(out, rng);
                render(item, out, rng);
                ws(out, rng);
            }
            out.push(']');
        }
        J::Obj(members) => {
            out.push('{');
            for (i, (k, v)) in members.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                ws(out, rng);
                render_str(k, out, rng);
                ws(out, rng);
                out.push(':');
                ws(out, rng);
                render(v, out, rng);
                ws(out, rng);
            }
            out.push('}');
        }
    }
}

fn document(j: &J, seed: u64) -> String {
    let mut rng = Rng(seed | 1);
    let mut out = String::new();
    ws(&mut out, &mut rng);
    render(j, &mut out, &mut rng);
    ws(&mut out, &mut rng);
    out
}

/// Cuts `s` at the given fractions (moved forward to char boundaries).
fn split<'a>(s: &'a str, cuts: &[u16]) -> Vec<&'a str> {
    let mut points: Vec<usize> = cuts
        .iter()
        .map(|&c| {
            let mut p = (c as usize * s.len()) / usize::from(u16::MAX);
            while !s.is_char_boundary(p) {
                p += 1;
            }
            p
        })
        .collect();
    points.sort_unstable();
    let mut out = Vec::new();
    let mut last = 0;
    for p in points {
        out.push(&s[last..p]);
        last = p;
    }
    out.push(&s[last..]);
    out
}

/// `earlier` is a possible earlier state of `later`: strings are prefixes, scalars are equal,
/// arrays only grow (all but their last element already equal), objects only gain members.
fn consistent(earlier: &Value, later: &Value) -> bool {
    match (earlier, later) {
        (Value::String(a), Value::String(b)) => b.starts_with(a.as_str()),
        (Value::Array(a), Value::Array(b)) => {
            a.len() <= b.len()
                && a.iter().zip(b).enumerate().all(|(i, (x, y))| {
                    if i + 1 == a.len() {
                        consistent(x, y)
                    } else {
                        x == y
                    }
                })
        }
        (Value::Object(a), Value::Object(b)) => a
            .iter()
            .all(|(k, x)| b.get(k).is_some_and(|y| consistent(x, y))),
        (a, b) => a == b,
    }
}

fn config(cases: u32) -> ProptestConfig {
    ProptestConfig {
        cases: std::env::var("PROPTEST_CASES")
            .ok()
            .and_then(|c| c.parse().ok())
            .unwrap_or(cases),
        failure_persistence: None,
        ..ProptestConfig::default()
    }
}

proptest! {
    #![proptest_config(config(40_000))]

    /// Any valid document, split anywhere, parses to serde_json's value; every partial is
    /// consistent with the previous one and with the final value; `feed` says exactly when the
    /// visible value changed.
    #[test]
    fn valid_documents_split_anywhere(
        j in tree(),
        seed in any::<u64>(),
        cuts in prop::collection::vec(any::<u16>(), 0..40),
    ) {
        let doc = document(&j, seed);
        let expected: Value = serde_json::from_str(&doc).unwrap();
        let mut p = PartialJsonParser::new();
        let mut prev: Option<Value> = None;
        for piece in split(&doc, &cuts) {
            let changed = p.feed(piece).unwrap();
            let now = p.value().map(|v| v.to_value());
            // Read by serde straight from the parser's tree: the same as from the copy.
            let read = p.value().map(|v| Value::deserialize(v).unwrap());
            prop_assert_eq!(&read, &now);
            prop_assert_eq!(changed, now != prev, "feed({:?}) reported changed={}", piece, changed);
            if let Some(now) = &now {
                prop_assert!(consistent(now, &expected), "partial {} vs final {}", now, expected);
                if let Some(prev) = &prev {
                    prop_assert!(consistent(prev, now), "{} then {}", prev, now);
                }
            }
            prev = now;
        }
        let complete = p.is_complete();
        prop_assert_eq!(p.finish().unwrap(), expected.clone());
        // Only a bare root number waits for finish().
        prop_assert!(complete || matches!(j, J::Num(_)));
    }
}

proptest! {
    #![proptest_config(config(10_000))]

    /// Items of the array at the item path are reported once each, whole, in order, however the
    /// text is split; with other arrays and braces inside strings around them.
    #[test]
    fn items_at_a_path(
        items in prop::collection::vec(tree(), 0..10),
        decoy in tree(),
        seed in any::<u64>(),
        cuts in prop::collection::vec(any::<u16>(), 0..40),
        root_array in any::<bool>(),
    ) {
        let arr = J::Arr(items);
        let j = if root_array {
            arr
        } else {
            J::Obj(vec![
                ("before".to_owned(), J::Arr(vec![decoy.clone()])),
                ("items".to_owned(), arr),
                ("after".to_owned(), decoy),
            ])
        };
        let doc = document(&j, seed);
        let expected: Value = serde_json::from_str(&doc).unwrap();
        let expected_items = if root_array { &expected } else { &expected["items"] };
        let path = if root_array { vec![] } else { vec!["items".to_owned()] };
        let mut p = PartialJsonParser::with_item_path(path);
        let mut got = Vec::new();
        for piece in split(&doc, &cuts) {
            p.feed(piece).unwrap();
            for item in p.take_completed_items() {
                // An item is reported the moment it completes: it is already whole in the value.
                got.push(item);
            }
        }
        prop_assert_eq!(&Value::Array(got), expected_items);
    }
}

proptest! {
    #![proptest_config(config(25_000))]

    /// Arbitrary text never panics, split anywhere; where serde_json accepts the text we agree
    /// with it, and where we reject it so does serde_json.
    #[test]
    fn arbitrary_text_never_panics_and_agrees_with_serde_json(
        text in prop_oneof![
            any::<String>(),
            "[\\[\\]{}\",:0-9eE.+\\-a-z\\\\ ]{0,40}",
            // Valid documents with one byte changed.
            (tree(), any::<u64>(), any::<usize>(), "[\\[\\]{}\",:0-9.\\\\ a-z]").prop_map(|(j, seed, at, c)| {
                let mut d = document(&j, seed);
                if !d.is_empty() {
                    let mut at = at % d.len();
                    while !d.is_char_boundary(at) { at -= 1; }
                    let end = d[at..].chars().next().map_or(at, |ch| at + ch.len_utf8());
                    d.replace_range(at..end, &c);
                }
                d
            }),
        ],
        cuts in prop::collection::vec(any::<u16>(), 0..10),
    ) {
        let mut p = PartialJsonParser::new();
        let mut ok = true;
        for piece in split(&text, &cuts) {
            if p.feed(piece).is_err() {
                ok = false;
                break;
            }
        }
        let ours = if ok { p.finish().ok().map(Document::into_value) } else { None };
        let theirs = serde_json::from_str::<Value>(&text).ok();
        if let Some(theirs) = &theirs {
            prop_assert_eq!(ours.as_ref(), Some(theirs), "serde_json accepts {:?}", text);
        }
        if ours.is_none() {
            prop_assert!(theirs.is_none(), "we reject {:?}", text);
        }
    }
}

proptest! {
    #![proptest_config(config(25_000))]

    /// Random bytes never panic the SSE decoder, the fence stripper or the parser.
    #[test]
    fn random_bytes_never_panic(
        bytes in prop::collection::vec(any::<u8>(), 0..300),
        cuts in prop::collection::vec(any::<u16>(), 0..10),
    ) {
        let mut points: Vec<usize> = cuts.iter().map(|&c| c as usize * bytes.len() / usize::from(u16::MAX)).collect();
        points.sort_unstable();
        let mut d = SseDecoder::new();
        let mut last = 0;
        let mut events = Vec::new();
        for p in points.into_iter().chain([bytes.len()]) {
            events.extend(d.feed(&bytes[last..p]));
            last = p;
        }
        events.extend(d.finish());
        let text = String::from_utf8_lossy(&bytes);
        let mut fence = ContentJson::new();
        let mut parser = PartialJsonParser::new();
        for piece in split(&text, &cuts) {
            let json = fence.push(piece);
            let _ = parser.feed(&json);
        }
        let _ = parser.feed(&fence.finish());
        let _ = parser.finish();
    }
}

/// The serde shapes a partial type is made of, read from the parser's tree (`ValueRef`) and from
/// its `Value` copy, after every byte of documents that exercise them: both must agree, in value
/// and in whether they succeed.
mod read_by_serde {
    use std::collections::BTreeMap;

    use super::*;
    use serde::de::DeserializeOwned;

    #[derive(Deserialize, Debug, PartialEq)]
    enum External {
        Unit,
        Newtype(u32),
        Tuple(i64, String),
        Struct { a: Option<bool> },
    }

    #[derive(Deserialize, Debug, PartialEq)]
    #[serde(tag = "type")]
    enum Internal {
        Circle { r: f64 },
        Square { side: Option<u32> },
    }

    #[derive(Deserialize, Debug, PartialEq)]
    #[serde(tag = "t", content = "c")]
    enum Adjacent {
        Text(String),
        Pair(u8, u8),
    }

    #[derive(Deserialize, Debug, PartialEq)]
    #[serde(untagged)]
    enum Untagged {
        Number(f64),
        Words(Vec<String>),
        Named { name: String },
    }

    #[derive(Deserialize, Debug, PartialEq, Default)]
    #[serde(default)]
    struct Inner {
        city: Option<String>,
        zip: Option<String>,
    }

    #[derive(Deserialize, Debug, PartialEq)]
    struct Shapes {
        #[serde(default)]
        name: Option<String>,
        #[serde(default)]
        age: Option<u8>,
        #[serde(default)]
        external: Vec<External>,
        #[serde(default)]
        internal: Option<Internal>,
        #[serde(default)]
        adjacent: Option<Adjacent>,
        #[serde(default)]
        untagged: Vec<Untagged>,
        #[serde(default)]
        map: BTreeMap<String, i32>,
        #[serde(default)]
        tuple: Option<(u8, String)>,
        #[serde(default, rename = "where")]
        place: Inner,
        #[serde(flatten)]
        rest: BTreeMap<String, Value>,
    }

    #[derive(Deserialize, Debug, PartialEq)]
    #[serde(deny_unknown_fields)]
    struct Strict<'a> {
        #[serde(borrow)]
        word: Option<&'a str>,
    }

    fn agree<T: DeserializeOwned + PartialEq + std::fmt::Debug>(doc: &str) {
        let mut p = PartialJsonParser::new();
        let mut successes = 0;
        for i in 0..doc.len() {
            p.feed(&doc[i..=i]).unwrap();
            let Some(view) = p.value() else { continue };
            let direct = T::deserialize(view).map_err(|e| e.to_string());
            let via_value = serde_json::from_value::<T>(view.to_value()).map_err(|e| e.to_string());
            assert_eq!(direct, via_value, "after {:?}", &doc[..=i]);
            successes += usize::from(direct.is_ok());
        }
        assert!(
            successes > 0,
            "{doc} never read as {}",
            std::any::type_name::<T>()
        );
    }

    #[test]
    fn every_prefix_reads_as_from_a_value() {
        agree::<Shapes>(
            r#"{"name": "Ada \u00e9\ud83d\ude00", "age": 36, "external": ["Unit", {"Newtype": 7},
               {"Tuple": [-3, "x"]}, {"Struct": {"a": true}}, {"Tuple": []}],
               "internal": {"type": "Square", "side": 4}, "adjacent": {"t": "Pair", "c": [1, 2]},
               "untagged": [1.5e3, ["a", "b"], {"name": "n"}], "map": {"b": 2, "a": -1},
               "tuple": [9, "nine"], "where": {"city": "Oslo", "zip": null}, "extra": [null, {}],
               "age": 37, "name": "Ada L."}"#,
        );
        agree::<Vec<Internal>>(r#"[{"side": 2, "type": "Square"}, {"type": "Circle", "r": 1}]"#);
        agree::<Vec<Adjacent>>(r#"[{"c": "text first", "t": "Text"}, {"t": "Text", "c": "x"}]"#);
        agree::<Option<External>>(r#"{"Struct": {"a": null}, "Unit": null}"#);
        agree::<Vec<External>>(r#"["Nope", {"Unit": 1}, "Unit"]"#);
        agree::<(u8, bool)>("[1, true, 3]");
        agree::<BTreeMap<String, String>>(r#"{"k": "v", "k": "w", "j": "x"}"#);
    }

    #[test]
    fn strings_are_lent_out() {
        let mut p = PartialJsonParser::new();
        p.feed(r#"{"word": "borrowed""#).unwrap();
        let view = p.value().unwrap();
        let strict = Strict::deserialize(view).unwrap();
        assert_eq!(strict.word, Some("borrowed"));
        p.feed(r#", "other": 1}"#).unwrap();
        let err = Strict::deserialize(p.value().unwrap()).unwrap_err();
        assert!(err.to_string().contains("unknown field `other`"), "{err}");
    }

    /// A repeated key: the last value is read, once, as serde_json reads it into a `Value`.
    #[test]
    fn repeated_keys_read_once() {
        let mut p = PartialJsonParser::new();
        let many: String = (0..40).map(|i| format!(r#""k{i}": {i}, "#)).collect();
        p.feed(&format!(
            r#"{{"a": 1, {many}"a": "two", "k3": [3], "b": {{"a": 0, "a": {{}}}}}}"#
        ))
        .unwrap();
        let view = p.value().unwrap();
        assert_eq!(view.get("a").and_then(|v| v.as_str()), Some("two"));
        assert_eq!(
            view.get("k3").map(|v| v.to_value()),
            Some(serde_json::json!([3]))
        );
        #[derive(Deserialize)]
        struct Ab {
            a: String,
            b: BTreeMap<String, Value>,
        }
        let ab = Ab::deserialize(view).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(ab.a, "two");
        assert_eq!(ab.b.get("a"), Some(&serde_json::json!({})));
        assert_eq!(Value::deserialize(view).unwrap(), view.to_value());
    }
}
