//! A 64-bit fingerprint of anything `Serialize`: what a stream keeps of the last partial it showed,
//! in place of a clone, to tell whether the next one differs.
//!
//! The value is fed to the hasher as serde walks it (no JSON text, no tree): each primitive with
//! a tag of its kind, each string and byte string with its length, each sequence, map and struct
//! closed by an end tag, so two values fingerprint alike only if they serialize alike (or collide,
//! at odds of 2⁻⁶⁴ per comparison with a seed drawn per process).
//!
//! Why no crate: the one serde-to-hash serializer published (`hashing-serializer`) feeds
//! cryptographic `digest::Update`s, not a `Hasher`, and is a pre-release.

use std::hash::{BuildHasher, Hasher};

use serde::ser::{self, Serialize};

/// Fingerprints values with one seed.
#[derive(Clone, Default)]
pub(crate) struct Fingerprints(foldhash::quality::RandomState);

impl Fingerprints {
    /// The fingerprint of `value`, or `None` if its `Serialize` failed (a custom impl may).
    pub fn of<T: Serialize + ?Sized>(&self, value: &T) -> Option<u64> {
        let mut feed = Feed(self.0.build_hasher());
        value.serialize(&mut feed).ok()?;
        Some(feed.0.finish())
    }
}

/// Kinds, so that values of different kinds with the same bytes differ.
mod tag {
    pub const NONE: u8 = 0;
    pub const SOME: u8 = 1;
    pub const UNIT: u8 = 2;
    pub const BOOL: u8 = 3;
    pub const INT: u8 = 4;
    pub const UINT: u8 = 5;
    pub const FLOAT: u8 = 6;
    pub const CHAR: u8 = 7;
    pub const STR: u8 = 8;
    pub const BYTES: u8 = 9;
    pub const SEQ: u8 = 10;
    pub const MAP: u8 = 11;
    pub const STRUCT: u8 = 12;
    pub const VARIANT: u8 = 13;
    pub const NEWTYPE: u8 = 14;
    pub const END: u8 = 15;
}

struct Feed<H>(H);

impl<H: Hasher> Feed<H> {
    fn bytes(&mut self, tag: u8, bytes: &[u8]) {
        self.0.write_u8(tag);
        self.0.write_usize(bytes.len());
        self.0.write(bytes);
    }

    fn variant(&mut self, index: u32) {
        self.0.write_u8(tag::VARIANT);
        self.0.write_u32(index);
    }
}

/// `Serialize` impls can only fail through this; the fingerprint is then not taken.
#[derive(Debug, thiserror::Error)]
#[error("the value's Serialize impl failed")]
struct Unfingerprintable;

impl ser::Error for Unfingerprintable {
    fn custom<T: std::fmt::Display>(_: T) -> Self {
        Unfingerprintable
    }
}

type Done = Result<(), Unfingerprintable>;

impl<H: Hasher> ser::Serializer for &mut Feed<H> {
    type Ok = ();
    type Error = Unfingerprintable;
    type SerializeSeq = Self;
    type SerializeTuple = Self;
    type SerializeTupleStruct = Self;
    type SerializeTupleVariant = Self;
    type SerializeMap = Self;
    type SerializeStruct = Self;
    type SerializeStructVariant = Self;

    fn serialize_bool(self, v: bool) -> Done {
        self.0.write_u8(tag::BOOL);
        self.0.write_u8(u8::from(v));
        Ok(())
    }
    fn serialize_i8(self, v: i8) -> Done {
        self.serialize_i64(i64::from(v))
    }
    fn serialize_i16(self, v: i16) -> Done {
        self.serialize_i64(i64::from(v))
    }
    fn serialize_i32(self, v: i32) -> Done {
        self.serialize_i64(i64::from(v))
    }
    fn serialize_i64(self, v: i64) -> Done {
        self.serialize_i128(i128::from(v))
    }
    fn serialize_i128(self, v: i128) -> Done {
        self.0.write_u8(tag::INT);
        self.0.write_i128(v);
        Ok(())
    }
    fn serialize_u8(self, v: u8) -> Done {
        self.serialize_u64(u64::from(v))
    }
    fn serialize_u16(self, v: u16) -> Done {
        self.serialize_u64(u64::from(v))
    }
    fn serialize_u32(self, v: u32) -> Done {
        self.serialize_u64(u64::from(v))
    }
    fn serialize_u64(self, v: u64) -> Done {
        self.serialize_u128(u128::from(v))
    }
    fn serialize_u128(self, v: u128) -> Done {
        self.0.write_u8(tag::UINT);
        self.0.write_u128(v);
        Ok(())
    }
    fn serialize_f32(self, v: f32) -> Done {
        self.serialize_f64(f64::from(v))
    }
    fn serialize_f64(self, v: f64) -> Done {
        self.0.write_u8(tag::FLOAT);
        self.0.write_u64(v.to_bits());
        Ok(())
    }
    fn serialize_char(self, v: char) -> Done {
        self.0.write_u8(tag::CHAR);
        self.0.write_u32(u32::from(v));
        Ok(())
    }
    fn serialize_str(self, v: &str) -> Done {
        self.bytes(tag::STR, v.as_bytes());
        Ok(())
    }
    fn serialize_bytes(self, v: &[u8]) -> Done {
        self.bytes(tag::BYTES, v);
        Ok(())
    }
    fn serialize_none(self) -> Done {
        self.0.write_u8(tag::NONE);
        Ok(())
    }
    fn serialize_some<T: Serialize + ?Sized>(self, value: &T) -> Done {
        self.0.write_u8(tag::SOME);
        value.serialize(self)
    }
    fn serialize_unit(self) -> Done {
        self.0.write_u8(tag::UNIT);
        Ok(())
    }
    fn serialize_unit_struct(self, _name: &'static str) -> Done {
        self.serialize_unit()
    }
    fn serialize_unit_variant(
        self,
        _name: &'static str,
        index: u32,
        _variant: &'static str,
    ) -> Done {
        self.variant(index);
        Ok(())
    }
    fn serialize_newtype_struct<T: Serialize + ?Sized>(
        self,
        _name: &'static str,
        value: &T,
    ) -> Done {
        self.0.write_u8(tag::NEWTYPE);
        value.serialize(self)
    }
    fn serialize_newtype_variant<T: Serialize + ?Sized>(
        self,
        _name: &'static str,
        index: u32,
        _variant: &'static str,
        value: &T,
    ) -> Done {
        self.variant(index);
        value.serialize(self)
    }
    fn serialize_seq(self, _len: Option<usize>) -> Result<Self, Unfingerprintable> {
        self.0.write_u8(tag::SEQ);
        Ok(self)
    }
    fn serialize_tuple(self, len: usize) -> Result<Self, Unfingerprintable> {
        self.serialize_seq(Some(len))
    }
    fn serialize_tuple_struct(
        self,
        _name: &'static str,
        len: usize,
    ) -> Result<Self, Unfingerprintable> {
        self.serialize_seq(Some(len))
    }
    fn serialize_tuple_variant(
        self,
        _name: &'static str,
        index: u32,
        _variant: &'static str,
        _len: usize,
    ) -> Result<Self, Unfingerprintable> {
        self.variant(index);
        self.0.write_u8(tag::SEQ);
        Ok(self)
    }
    fn serialize_map(self, _len: Option<usize>) -> Result<Self, Unfingerprintable> {
        self.0.write_u8(tag::MAP);
        Ok(self)
    }
    fn serialize_struct(self, _name: &'static str, _len: usize) -> Result<Self, Unfingerprintable> {
        self.0.write_u8(tag::STRUCT);
        Ok(self)
    }
    fn serialize_struct_variant(
        self,
        _name: &'static str,
        index: u32,
        _variant: &'static str,
        _len: usize,
    ) -> Result<Self, Unfingerprintable> {
        self.variant(index);
        self.0.write_u8(tag::STRUCT);
        Ok(self)
    }
}

/// Elements of sequences, tuples and maps in order; the end tag closes them.
impl<H: Hasher> Feed<H> {
    fn element<T: Serialize + ?Sized>(&mut self, value: &T) -> Done {
        value.serialize(&mut *self)
    }

    /// A struct field by name: a partial leaves out the fields it has no value for.
    fn field<T: Serialize + ?Sized>(&mut self, key: &'static str, value: &T) -> Done {
        self.bytes(tag::STR, key.as_bytes());
        value.serialize(&mut *self)
    }

    fn end(&mut self) -> Done {
        self.0.write_u8(tag::END);
        Ok(())
    }
}

macro_rules! elements {
    ($($trait:ident :: $method:ident),*) => {$(
        impl<H: Hasher> ser::$trait for &mut Feed<H> {
            type Ok = ();
            type Error = Unfingerprintable;
            fn $method<T: Serialize + ?Sized>(&mut self, value: &T) -> Done {
                self.element(value)
            }
            fn end(self) -> Done {
                Feed::end(self)
            }
        }
    )*};
}

elements!(
    SerializeSeq::serialize_element,
    SerializeTuple::serialize_element,
    SerializeTupleStruct::serialize_field,
    SerializeTupleVariant::serialize_field
);

macro_rules! fields {
    ($($trait:ident),*) => {$(
        impl<H: Hasher> ser::$trait for &mut Feed<H> {
            type Ok = ();
            type Error = Unfingerprintable;
            fn serialize_field<T: Serialize + ?Sized>(
                &mut self,
                key: &'static str,
                value: &T,
            ) -> Done {
                self.field(key, value)
            }
            fn end(self) -> Done {
                Feed::end(self)
            }
        }
    )*};
}

fields!(SerializeStruct, SerializeStructVariant);

impl<H: Hasher> ser::SerializeMap for &mut Feed<H> {
    type Ok = ();
    type Error = Unfingerprintable;
    fn serialize_key<T: Serialize + ?Sized>(&mut self, key: &T) -> Done {
        self.element(key)
    }
    fn serialize_value<T: Serialize + ?Sized>(&mut self, value: &T) -> Done {
        self.element(value)
    }
    fn end(self) -> Done {
        Feed::end(self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Serialize;
    use serde_json::json;
    use std::collections::BTreeMap;

    #[derive(Serialize, Clone, Default)]
    struct Partial {
        #[serde(skip_serializing_if = "Option::is_none")]
        name: Option<String>,
        #[serde(skip_serializing_if = "Option::is_none")]
        bio: Option<String>,
        #[serde(skip_serializing_if = "Option::is_none")]
        tags: Option<Vec<String>>,
    }

    fn fp<T: Serialize>(f: &Fingerprints, v: &T) -> u64 {
        f.of(v).unwrap_or_default()
    }

    #[test]
    fn equal_values_fingerprint_alike() {
        let f = Fingerprints::default();
        let a = Partial {
            name: Some("Ada".into()),
            tags: Some(vec!["x".into()]),
            ..Partial::default()
        };
        assert_eq!(f.of(&a), f.of(&a.clone()));
        assert_eq!(
            fp(&f, &json!({"a": [1, "b"]})),
            fp(&f, &json!({"a": [1, "b"]}))
        );
    }

    #[test]
    fn what_a_stream_changes_changes_the_fingerprint() {
        let f = Fingerprints::default();
        let grown = |name: &str, bio: Option<&str>| Partial {
            name: Some(name.into()),
            bio: bio.map(Into::into),
            ..Partial::default()
        };
        let steps = [
            fp(&f, &Partial::default()),
            fp(&f, &grown("", None)),
            fp(&f, &grown("A", None)),
            fp(&f, &grown("Ad", None)),
            fp(&f, &grown("Ad", Some(""))),
            fp(&f, &grown("Ad", Some("a"))),
        ];
        for (i, a) in steps.iter().enumerate() {
            for b in &steps[i + 1..] {
                assert_ne!(a, b);
            }
        }
    }

    #[test]
    fn the_same_text_in_another_place_differs() {
        let f = Fingerprints::default();
        let name = Partial {
            name: Some("x".into()),
            ..Partial::default()
        };
        let bio = Partial {
            bio: Some("x".into()),
            ..Partial::default()
        };
        assert_ne!(fp(&f, &name), fp(&f, &bio));
        // Nesting is not lost: the end tag closes each list.
        assert_ne!(fp(&f, &json!([["a"], "b"])), fp(&f, &json!([["a", "b"]])));
        assert_ne!(fp(&f, &json!(["ab"])), fp(&f, &json!(["a", "b"])));
        assert_ne!(fp(&f, &json!(1)), fp(&f, &json!(1.0)));
        assert_ne!(fp(&f, &json!(null)), fp(&f, &json!([])));
        let mut map = BTreeMap::new();
        map.insert("k", 1);
        assert_ne!(fp(&f, &map), fp(&f, &json!({"k": 2})));
    }

    #[test]
    fn a_failing_serialize_gives_no_fingerprint() {
        struct Refuses;
        impl Serialize for Refuses {
            fn serialize<S: serde::Serializer>(&self, _: S) -> Result<S::Ok, S::Error> {
                Err(serde::ser::Error::custom("no"))
            }
        }
        assert_eq!(Fingerprints::default().of(&Refuses), None);
    }
}
