//! Codegen of `JsonSchema::schema`: structs here, one module per enum representation.

mod adjacent;
mod external;
mod internal;
mod untagged;

use proc_macro2::TokenStream;
use quote::{quote, quote_spanned};
use serde_derive_internals::attr::TagType;
use syn::spanned::Spanned;

use crate::internals::ast::{Container, Data, Field, Style, Variant};
use crate::internals::attr::{Constraint, Number};

/// A number as a `serde_json::Value` expression.
pub fn number(n: &Number) -> TokenStream {
    match n {
        Number::Int(i) => {
            if let Ok(v) = i64::try_from(*i) {
                quote!(::core::convert::From::<i64>::from(#v))
            } else if let Ok(v) = u64::try_from(*i) {
                quote!(::core::convert::From::<u64>::from(#v))
            } else {
                let f = *i as f64;
                quote!(::core::convert::From::<f64>::from(#f))
            }
        }
        Number::Float(f) => quote!(::core::convert::From::<f64>::from(#f)),
    }
}

/// The statement of a constraint in the schema `__s` of a field of type `ty`.
fn keyword(p: &TokenStream, ty: &syn::Type, constraint: &Constraint) -> TokenStream {
    let length_keywords = quote!(<#ty as #p::JsonSchema>::length_keywords());
    match constraint {
        Constraint::Min(n) => {
            let v = number(n);
            quote!(#p::set(&mut __s, "minimum", #v);)
        }
        Constraint::Max(n) => {
            let v = number(n);
            quote!(#p::set(&mut __s, "maximum", #v);)
        }
        Constraint::MinLen(n) => {
            quote!(#p::set_len(&mut __s, #length_keywords, #p::LenBound::Min, #n);)
        }
        Constraint::MaxLen(n) => {
            quote!(#p::set_len(&mut __s, #length_keywords, #p::LenBound::Max, #n);)
        }
        Constraint::Pattern(re) => {
            quote!(#p::set(&mut __s, "pattern", #p::serde_json::Value::String(::std::string::String::from(#re)));)
        }
    }
}

/// The schema of one field: its type's (sub)schema with constraints, description and examples.
pub fn field_schema(cont: &Container, field: &Field) -> TokenStream {
    let p = &cont.private;
    let ty = field.ty();
    let a = &field.attrs;
    let mut steps: Vec<TokenStream> = a
        .constraints
        .iter()
        .map(|c| keyword(p, ty, &c.value))
        .collect();
    if let Some(d) = &field.description {
        steps.push(quote!(#p::describe(&mut __s, #d);));
    }
    if let Some(ex) = &a.examples {
        steps.push(quote!(#p::set(&mut __s, "examples", #p::serde_json::json!(#ex));));
    }
    let sub = match &a.schema_with {
        Some(path) => quote_spanned!(path.span()=> #path(__gen)),
        None => quote_spanned!(ty.span()=> __gen.subschema_for::<#ty>()),
    };
    if steps.is_empty() {
        sub
    } else {
        quote!({
            #[allow(unused_mut)]
            let mut __s = #sub;
            #(#steps)*
            __s
        })
    }
}

/// The object schema of named fields (a struct, or a struct variant).
pub fn fields_object(cont: &Container, fields: &[Field]) -> TokenStream {
    let p = &cont.private;
    let container_default = !cont.serde.attrs.default().is_none();
    let deny = cont.serde.attrs.deny_unknown_fields();
    let mut stmts = Vec::new();
    for f in fields {
        let ty = f.ty();
        if f.serde.attrs.flatten() && f.attrs.schema_with.is_none() {
            stmts.push(quote! {
                if let ::core::option::Option::Some(__x) = #p::flatten(
                    <#ty as #p::JsonSchema>::schema(__gen),
                    <#ty as #p::JsonSchema>::optional(),
                    &mut __props,
                    &mut __req,
                    &mut __all_of,
                ) {
                    __extra = ::core::option::Option::Some(__x);
                }
            });
            continue;
        }
        let name = f.name();
        let schema = field_schema(cont, f);
        stmts.push(quote! {
            __props.insert(::std::string::String::from(#name), #schema);
        });
        if !container_default && f.serde.attrs.default().is_none() && f.custom_de() {
            stmts.push(quote! {
                __req.push(::std::string::String::from(#name));
            });
        } else if !container_default && f.serde.attrs.default().is_none() {
            stmts.push(quote! {
                if !<#ty as #p::JsonSchema>::optional() {
                    __req.push(::std::string::String::from(#name));
                }
            });
        }
    }
    quote!({
        #[allow(unused_mut)]
        let mut __props = #p::serde_json::Map::new();
        #[allow(unused_mut)]
        let mut __req: ::std::vec::Vec<::std::string::String> = ::std::vec::Vec::new();
        #[allow(unused_mut)]
        let mut __all_of: ::std::vec::Vec<#p::serde_json::Value> = ::std::vec::Vec::new();
        #[allow(unused_mut)]
        let mut __extra: ::core::option::Option<#p::serde_json::Value> = ::core::option::Option::None;
        #(#stmts)*
        let mut __o = #p::object(__props, __req, #deny, __all_of);
        if let ::core::option::Option::Some(__x) = __extra {
            #p::set(&mut __o, "additionalProperties", __x);
        }
        __o
    })
}

/// The schema of a variant's or struct's content, by style: `null` for unit, the field's schema
/// for newtype, a fixed-length array for tuple, an object for named fields.
pub fn content(cont: &Container, style: Style, fields: &[Field]) -> TokenStream {
    let p = &cont.private;
    match style {
        Style::Unit => quote!(#p::serde_json::json!({ "type": "null" })),
        Style::Newtype => match fields.first() {
            Some(f) => field_schema(cont, f),
            // A newtype whose only field is skipped reads as unit.
            None => quote!(#p::serde_json::json!({ "type": "null" })),
        },
        Style::Tuple => {
            // A tuple struct with all fields but one skipped is still a one-element sequence.
            let items = fields.iter().map(|f| field_schema(cont, f));
            quote!(#p::tuple(::std::vec![#(#items),*]))
        }
        Style::Struct => fields_object(cont, fields),
    }
}

/// Sets the description of a variant's schema.
fn describe_variant(cont: &Container, v: &Variant, schema: TokenStream) -> TokenStream {
    let p = &cont.private;
    match &v.description {
        Some(d) => quote!({
            let mut __v = #schema;
            #p::describe(&mut __v, #d);
            __v
        }),
        None => schema,
    }
}

/// The body of `fn schema(__gen: &mut SchemaGenerator) -> Value`.
pub fn body(cont: &Container) -> TokenStream {
    let p = &cont.private;
    let main = match &cont.data {
        Data::Struct(style, fields) => {
            if cont.serde.attrs.transparent() {
                match fields.first() {
                    Some(f) => field_schema(cont, f),
                    None => quote!(#p::serde_json::json!({ "type": "null" })),
                }
            } else {
                content(cont, *style, fields)
            }
        }
        Data::Enum(variants) => match cont.tag() {
            TagType::External => external::schema(cont, variants),
            TagType::Internal { tag } => internal::schema(cont, variants, tag),
            TagType::Adjacent { tag, content } => adjacent::schema(cont, variants, tag, content),
            TagType::None => untagged::schema(cont, variants),
        },
    };
    let mut steps = Vec::new();
    if let Some(d) = &cont.description {
        steps.push(quote!(#p::describe(&mut __s, #d);));
    }
    if let Some(ex) = &cont.attrs.examples {
        steps.push(quote!(#p::set(&mut __s, "examples", #p::serde_json::json!(#ex));));
    }
    quote! {
        #[allow(unused_mut)]
        let mut __s = #main;
        #(#steps)*
        __s
    }
}

/// The schema of a tagged enum: `first` when given, then every variant in order, as `tagged`
/// writes it and with its description; a `#[serde(untagged)]` variant is its bare content instead,
/// and makes the list `anyOf`, since it may match what a tagged one matches.
pub fn tagged_enum<'v, 'a: 'v>(
    cont: &Container,
    first: Option<TokenStream>,
    variants: impl IntoIterator<Item = &'v Variant<'a>>,
    tagged: impl Fn(&Variant) -> TokenStream,
) -> TokenStream {
    let p = &cont.private;
    let mut members: Vec<TokenStream> = first.into_iter().collect();
    let mut any = false;
    for v in variants {
        if v.serde.attrs.untagged() {
            any = true;
            members.push(untagged_variant(cont, v));
        } else {
            members.push(describe_variant(cont, v, tagged(v)));
        }
    }
    quote!(#p::one_of(::std::vec![#(#members),*], #any))
}

/// A variant with `#[serde(untagged)]` inside a tagged enum: its bare content.
pub fn untagged_variant(cont: &Container, v: &Variant) -> TokenStream {
    describe_variant(cont, v, content(cont, v.serde.style, &v.fields))
}
