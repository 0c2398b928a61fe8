//! Reading what the parser read: [`ValueRef`], the value so far borrowed from the parser, and
//! [`Document`], the whole document once finished. serde reads a type from either directly.

use std::fmt;

use serde::de::value::BorrowedStrDeserializer;
use serde::de::{
    self, DeserializeSeed, Deserializer, EnumAccess, Error as _, IntoDeserializer, MapAccess,
    SeqAccess, Unexpected, VariantAccess, Visitor,
};
use serde::forward_to_deserialize_any;
use serde_json::{Error, Value};

use super::tree::{Children, Node, Tree};

/// A value in a [`PartialJsonParser`](super::PartialJsonParser)'s document, borrowed from it.
///
/// It is a [`Deserializer`]: a type is read from it directly, as from a `serde_json::Value` and
/// with the same results, without copying the document into one. Strings are lent out
/// (`&str` fields borrow them). [`to_value`](Self::to_value) makes an owned `Value`.
///
/// ```
/// use instructor_core::stream::partial_json::PartialJsonParser;
/// use serde::Deserialize;
///
/// #[derive(Deserialize, Debug, PartialEq)]
/// struct PartialUser {
///     name: Option<String>,
///     age: Option<u8>,
/// }
///
/// let mut parser = PartialJsonParser::new();
/// parser.feed(r#"{"name": "Ja"#)?;
/// let value = parser.value().expect("the object has started");
/// assert_eq!(value.get("name").and_then(|n| n.as_str()), Some("Ja"));
/// let partial = PartialUser::deserialize(value)?;
/// assert_eq!(partial, PartialUser { name: Some("Ja".into()), age: None });
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Copy)]
pub struct ValueRef<'a> {
    tree: &'a Tree,
    index: usize,
}

impl<'a> ValueRef<'a> {
    #[inline]
    pub(super) fn new(tree: &'a Tree, index: usize) -> Self {
        ValueRef { tree, index }
    }

    #[inline]
    fn node(self) -> Node {
        self.tree.node(self.index).unwrap_or(Node::Null)
    }

    /// An owned copy, as `serde_json` would have read the same text.
    pub fn to_value(self) -> Value {
        self.tree.to_value(self.index)
    }

    /// The member `key` of an object (its last value if the key repeats); `None` for other
    /// values or a member not started.
    pub fn get(self, key: &str) -> Option<ValueRef<'a>> {
        self.members().find(|(k, _)| *k == key).map(|(_, v)| v)
    }

    /// The text of a string.
    pub fn as_str(self) -> Option<&'a str> {
        match self.node() {
            Node::Str(span) => Some(self.tree.str(span)),
            _ => None,
        }
    }

    /// The members of an object, repeated keys once; empty for other values.
    #[inline]
    fn members(self) -> Members<'a> {
        let object = matches!(self.node(), Node::Object { .. });
        Members {
            tree: self.tree,
            next: self.index + 1,
            end: if object { self.tree.end(self.index) } else { 0 },
        }
    }

    /// The elements of an array; empty for other values.
    #[inline]
    fn elements(self) -> Elements<'a> {
        Elements {
            tree: self.tree,
            at: matches!(self.node(), Node::Array { .. }).then(|| self.tree.children(self.index)),
        }
    }

    fn unexpected(self) -> Unexpected<'a> {
        match self.node() {
            Node::Null => Unexpected::Unit,
            Node::Bool(b) => Unexpected::Bool(b),
            Node::PosInt(n) => Unexpected::Unsigned(n),
            Node::NegInt(n) => Unexpected::Signed(n),
            Node::Float(f) => Unexpected::Float(f),
            Node::Str(span) | Node::Key { span, .. } => Unexpected::Str(self.tree.str(span)),
            Node::Array { .. } => Unexpected::Seq,
            Node::Object { .. } => Unexpected::Map,
        }
    }
}

/// A whole document, as [`PartialJsonParser::finish`](super::PartialJsonParser::finish) returns it:
/// the parser's own tree, kept as it is. Read a type from [`value`](Self::value) with serde, or
/// copy it into a `serde_json::Value` with [`into_value`](Self::into_value) (which costs about as
/// much again as the parse: `BENCHMARKS.md`).
///
/// ```
/// use instructor_core::stream::partial_json::PartialJsonParser;
/// use serde::Deserialize;
///
/// #[derive(Deserialize)]
/// struct User {
///     name: String,
/// }
///
/// let mut parser = PartialJsonParser::new();
/// parser.feed(r#"{"name": "Jo"#)?;
/// parser.feed(r#"hn"}"#)?;
/// let document = parser.finish()?;
/// assert_eq!(User::deserialize(document.value())?.name, "John");
/// assert_eq!(document.into_value(), serde_json::json!({"name": "John"}));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub struct Document {
    tree: Tree,
}

impl Document {
    /// A document whose root value is the first node of `tree`.
    pub(super) fn new(tree: Tree) -> Self {
        Document { tree }
    }

    /// The root value.
    pub fn value(&self) -> ValueRef<'_> {
        ValueRef::new(&self.tree, 0)
    }

    /// A copy as a `serde_json::Value`, exactly as `serde_json` reads the same text.
    pub fn into_value(self) -> Value {
        self.tree.to_value(0)
    }
}

impl From<Document> for Value {
    fn from(document: Document) -> Value {
        document.into_value()
    }
}

impl fmt::Debug for Document {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&self.value(), f)
    }
}

impl PartialEq<Value> for Document {
    fn eq(&self, other: &Value) -> bool {
        self.value() == *other
    }
}

impl fmt::Debug for ValueRef<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&self.to_value(), f)
    }
}

impl PartialEq<Value> for ValueRef<'_> {
    fn eq(&self, other: &Value) -> bool {
        self.to_value() == *other
    }
}

/// Walks an object's key nodes: each member's value is the node after its key, and the next key
/// follows that value's last node. The same walk as `tree::Children`, written out here: built on
/// it (and skipping shadowed keys after it) a streamed 1 KB object cost 3% more per event.
struct Members<'a> {
    tree: &'a Tree,
    next: usize,
    end: usize,
}

impl<'a> Iterator for Members<'a> {
    type Item = (&'a str, ValueRef<'a>);

    #[inline]
    fn next(&mut self) -> Option<Self::Item> {
        while self.next < self.end {
            let key = self.next;
            let Some(Node::Key { span, shadowed }) = self.tree.node(key) else {
                return None;
            };
            self.next = self.tree.end(key + 1);
            if !shadowed {
                return Some((self.tree.str(span), ValueRef::new(self.tree, key + 1)));
            }
        }
        None
    }
}

struct Elements<'a> {
    tree: &'a Tree,
    at: Option<Children<'a>>,
}

impl<'a> Iterator for Elements<'a> {
    type Item = ValueRef<'a>;

    #[inline]
    fn next(&mut self) -> Option<Self::Item> {
        let index = self.at.as_mut()?.next()?;
        Some(ValueRef::new(self.tree, index))
    }
}

impl<'de> IntoDeserializer<'de, Error> for ValueRef<'de> {
    type Deserializer = Self;

    fn into_deserializer(self) -> Self {
        self
    }
}

/// Reads as `serde_json::Value`'s own deserializer does, case for case, so a type reads the same
/// from this as from the `Value` [`to_value`](ValueRef::to_value) would give.
impl<'de> Deserializer<'de> for ValueRef<'de> {
    type Error = Error;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        match self.node() {
            Node::Null => visitor.visit_unit(),
            Node::Bool(b) => visitor.visit_bool(b),
            Node::PosInt(n) => visitor.visit_u64(n),
            Node::NegInt(n) => visitor.visit_i64(n),
            Node::Float(f) => visitor.visit_f64(f),
            Node::Str(span) | Node::Key { span, .. } => {
                visitor.visit_borrowed_str(self.tree.str(span))
            }
            Node::Array { .. } => visit_seq(self, visitor),
            Node::Object { .. } => visit_map(self, visitor),
        }
    }

    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        match self.node() {
            Node::Null => visitor.visit_none(),
            _ => visitor.visit_some(self),
        }
    }

    fn deserialize_enum<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _variants: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, Error> {
        let (variant, value) = match self.node() {
            Node::Str(span) => (self.tree.str(span), None),
            Node::Object { .. } => {
                let mut members = self.members();
                match (members.next(), members.next()) {
                    (Some((key, value)), None) => (key, Some(value)),
                    _ => {
                        return Err(Error::invalid_value(
                            Unexpected::Map,
                            &"map with a single key",
                        ))
                    }
                }
            }
            _ => return Err(Error::invalid_type(self.unexpected(), &"string or map")),
        };
        visitor.visit_enum(Enum { variant, value })
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        visitor: V,
    ) -> Result<V::Value, Error> {
        visitor.visit_newtype_struct(self)
    }

    fn deserialize_ignored_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        visitor.visit_unit()
    }

    forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string bytes byte_buf unit
        unit_struct seq tuple tuple_struct map struct identifier
    }
}

// A visitor that stops early is found out afterwards, with serde_json's error. Objects are not
// counted first (a walk over every member, at every chunk, for a size hint that struct visitors
// do not read).

fn visit_seq<'de, V: Visitor<'de>>(array: ValueRef<'de>, visitor: V) -> Result<V::Value, Error> {
    let mut seq = Seq {
        elements: array.elements(),
        taken: 0,
        len: array.elements().count(),
    };
    let value = visitor.visit_seq(&mut seq)?;
    match seq.elements.count() {
        0 => Ok(value),
        left => Err(Error::invalid_length(
            seq.taken + left,
            &"fewer elements in array",
        )),
    }
}

fn visit_map<'de, V: Visitor<'de>>(object: ValueRef<'de>, visitor: V) -> Result<V::Value, Error> {
    let mut map = Map {
        members: object.members(),
        value: None,
        taken: 0,
    };
    let value = visitor.visit_map(&mut map)?;
    match map.members.count() {
        0 => Ok(value),
        left => Err(Error::invalid_length(
            map.taken + left,
            &"fewer elements in map",
        )),
    }
}

struct Seq<'de> {
    elements: Elements<'de>,
    taken: usize,
    /// Counted first: a `Vec` is then allocated once (arrays are short; objects are not counted).
    len: usize,
}

impl<'de> SeqAccess<'de> for Seq<'de> {
    type Error = Error;

    fn next_element_seed<T: DeserializeSeed<'de>>(
        &mut self,
        seed: T,
    ) -> Result<Option<T::Value>, Error> {
        match self.elements.next() {
            Some(element) => {
                self.taken += 1;
                seed.deserialize(element).map(Some)
            }
            None => Ok(None),
        }
    }

    fn size_hint(&self) -> Option<usize> {
        Some(self.len.saturating_sub(self.taken))
    }
}

struct Map<'de> {
    members: Members<'de>,
    value: Option<ValueRef<'de>>,
    taken: usize,
}

impl<'de> MapAccess<'de> for Map<'de> {
    type Error = Error;

    fn next_key_seed<K: DeserializeSeed<'de>>(
        &mut self,
        seed: K,
    ) -> Result<Option<K::Value>, Error> {
        match self.members.next() {
            Some((key, value)) => {
                self.taken += 1;
                self.value = Some(value);
                seed.deserialize(BorrowedStrDeserializer::new(key))
                    .map(Some)
            }
            None => Ok(None),
        }
    }

    fn next_value_seed<V: DeserializeSeed<'de>>(&mut self, seed: V) -> Result<V::Value, Error> {
        match self.value.take() {
            Some(value) => seed.deserialize(value),
            None => Err(Error::custom("value is missing")),
        }
    }
}

struct Enum<'de> {
    variant: &'de str,
    value: Option<ValueRef<'de>>,
}

impl<'de> EnumAccess<'de> for Enum<'de> {
    type Error = Error;
    type Variant = Variant<'de>;

    fn variant_seed<V: DeserializeSeed<'de>>(
        self,
        seed: V,
    ) -> Result<(V::Value, Variant<'de>), Error> {
        let variant = seed.deserialize(BorrowedStrDeserializer::<Error>::new(self.variant))?;
        Ok((variant, Variant { value: self.value }))
    }
}

struct Variant<'de> {
    value: Option<ValueRef<'de>>,
}

impl<'de> VariantAccess<'de> for Variant<'de> {
    type Error = Error;

    fn unit_variant(self) -> Result<(), Error> {
        match self.value {
            Some(value) => de::Deserialize::deserialize(value),
            None => Ok(()),
        }
    }

    fn newtype_variant_seed<T: DeserializeSeed<'de>>(self, seed: T) -> Result<T::Value, Error> {
        match self.value {
            Some(value) => seed.deserialize(value),
            None => Err(Error::invalid_type(
                Unexpected::UnitVariant,
                &"newtype variant",
            )),
        }
    }

    fn tuple_variant<V: Visitor<'de>>(self, _len: usize, visitor: V) -> Result<V::Value, Error> {
        match self.value {
            Some(value) if matches!(value.node(), Node::Array { .. }) => {
                if value.elements().next().is_none() {
                    visitor.visit_unit()
                } else {
                    visit_seq(value, visitor)
                }
            }
            Some(other) => Err(Error::invalid_type(other.unexpected(), &"tuple variant")),
            None => Err(Error::invalid_type(
                Unexpected::UnitVariant,
                &"tuple variant",
            )),
        }
    }

    fn struct_variant<V: Visitor<'de>>(
        self,
        _fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, Error> {
        match self.value {
            Some(value) if matches!(value.node(), Node::Object { .. }) => visit_map(value, visitor),
            Some(other) => Err(Error::invalid_type(other.unexpected(), &"struct variant")),
            None => Err(Error::invalid_type(
                Unexpected::UnitVariant,
                &"struct variant",
            )),
        }
    }
}
