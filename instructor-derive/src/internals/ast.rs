//! serde's container model with our attributes beside each part.

use proc_macro2::TokenStream;
use quote::quote;
use serde_derive_internals::ast as serde_ast;
pub use serde_derive_internals::ast::Style;
use serde_derive_internals::attr::TagType;

use super::{attr, Ctxt};

/// The struct or enum being derived.
pub struct Container<'a> {
    /// serde's view of it.
    pub serde: &'a serde_ast::Container<'a>,
    /// Our attributes.
    pub attrs: attr::Container,
    /// The description: `#[instructor(description)]` or the doc comment.
    pub description: Option<String>,
    /// Fields or variants.
    pub data: Data<'a>,
    /// `instructor::__private` (under `#[instructor(crate = "..")]`'s path when given), the module
    /// generated code calls.
    pub private: TokenStream,
    /// The fields serde skips, of the struct or of every variant read: not part of the data, kept
    /// for the checks.
    pub skipped: Vec<Skipped<'a>>,
}

/// Fields of a struct or variants of an enum, skipped ones (by serde) left out.
pub enum Data<'a> {
    /// A struct.
    Struct(Style, Vec<Field<'a>>),
    /// An enum.
    Enum(Vec<Variant<'a>>),
}

/// A variant serde deserializes.
pub struct Variant<'a> {
    /// serde's view of it.
    pub serde: &'a serde_ast::Variant<'a>,
    /// The description: `#[instructor(description)]` or the doc comment.
    pub description: Option<String>,
    /// Its fields, skipped ones left out.
    pub fields: Vec<Field<'a>>,
}

/// A field serde deserializes.
pub struct Field<'a> {
    /// serde's view of it.
    pub serde: &'a serde_ast::Field<'a>,
    /// Our attributes.
    pub attrs: attr::Field,
    /// The description: `#[instructor(description)]` or the doc comment.
    pub description: Option<String>,
    /// Index among the non-skipped fields (the position in a tuple).
    pub index: usize,
}

/// A field serde skips: never read from the reply.
pub struct Skipped<'a> {
    /// serde's view of it.
    pub serde: &'a serde_ast::Field<'a>,
    /// Our attributes.
    pub attrs: attr::Field,
}

impl<'a> Field<'a> {
    /// The name serde reads.
    pub fn name(&self) -> &str {
        self.serde.attrs.name().deserialize_name()
    }

    /// The field's type.
    pub fn ty(&self) -> &'a syn::Type {
        self.serde.ty
    }

    /// True when serde reads the field with a function of the user's (`with`/`deserialize_with`),
    /// so the field's JSON is not its type's.
    pub fn custom_de(&self) -> bool {
        self.serde.attrs.deserialize_with().is_some()
    }
}

impl Variant<'_> {
    /// The name serde reads.
    pub fn name(&self) -> &str {
        self.serde.attrs.name().deserialize_name()
    }
}

/// The fields serde reads, each with its attributes; the skipped ones go to `skipped`.
fn fields<'a>(
    cx: &Ctxt,
    list: &'a [serde_ast::Field<'a>],
    skipped: &mut Vec<Skipped<'a>>,
) -> Vec<Field<'a>> {
    let mut out = Vec::new();
    for f in list {
        let attrs = attr::Field::from_attrs(cx, &f.original.attrs);
        if f.attrs.skip_deserializing() {
            skipped.push(Skipped { serde: f, attrs });
            continue;
        }
        let description = attr::description(attrs.description.as_deref(), &f.original.attrs);
        out.push(Field {
            serde: f,
            attrs,
            description,
            index: out.len(),
        });
    }
    out
}

impl<'a> Container<'a> {
    /// Builds the model, reporting attributes that do not parse; [`super::check`] reports what
    /// cannot be represented.
    pub fn from_serde(cx: &Ctxt, serde: &'a serde_ast::Container<'a>) -> Self {
        let attrs = attr::Container::from_attrs(cx, &serde.original.attrs);
        let description = attr::description(attrs.description.as_deref(), &serde.original.attrs);
        let krate = attrs
            .krate
            .clone()
            .unwrap_or_else(|| syn::parse_quote!(::instructor));
        let private = quote!(#krate::__private);
        let mut skipped = Vec::new();
        let data = match &serde.data {
            serde_ast::Data::Struct(style, fs) => {
                Data::Struct(*style, fields(cx, fs, &mut skipped))
            }
            serde_ast::Data::Enum(vs) => {
                let mut out = Vec::new();
                for v in vs {
                    let vattrs = attr::Variant::from_attrs(cx, &v.original.attrs);
                    if v.attrs.skip_deserializing() {
                        continue;
                    }
                    let description =
                        attr::description(vattrs.description.as_deref(), &v.original.attrs);
                    out.push(Variant {
                        serde: v,
                        description,
                        fields: fields(cx, &v.fields, &mut skipped),
                    });
                }
                Data::Enum(out)
            }
        };
        Container {
            serde,
            attrs,
            description,
            data,
            private,
            skipped,
        }
    }

    /// Every field serde reads: the struct's, or those of every variant.
    pub fn fields(&self) -> impl Iterator<Item = &Field<'a>> {
        let groups: Vec<&[Field<'a>]> = match &self.data {
            Data::Struct(_, fields) => vec![fields],
            Data::Enum(variants) => variants.iter().map(|v| v.fields.as_slice()).collect(),
        };
        groups.into_iter().flatten()
    }

    /// serde's enum representation.
    pub fn tag(&self) -> &TagType {
        self.serde.attrs.tag()
    }
}
