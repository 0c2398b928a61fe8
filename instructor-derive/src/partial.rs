//! Codegen of the partial twin: `PartialUser` beside `User`, every field optional, nested derived
//! types replaced by their partials, the same serde names.
//!
//! `Debug`, `Clone`, `PartialEq` and `Default` are implemented by hand rather than derived, so that a
//! generic `Page<T>` gets them from `T: JsonSchema` alone (a derive would demand `T: Clone`, ...).

use proc_macro2::{Ident, TokenStream};
use quote::{format_ident, quote, quote_spanned};
use serde_derive_internals::attr::TagType;
use syn::spanned::Spanned;
use syn::Generics;

use crate::bound;
use crate::internals::ast::{Container, Data, Field, Style, Variant};
use crate::internals::attr;

/// The name of the twin: `Partial` + the type name.
pub fn ident(cont: &Container) -> Ident {
    format_ident!("Partial{}", cont.serde.ident)
}

fn variant_enum_ident(cont: &Container) -> Ident {
    format_ident!("Partial{}Variant", cont.serde.ident)
}

/// `#[serde(rename(..), alias = ..)]` carrying serde's names.
fn names(
    name: &serde_derive_internals::attr::Name,
    aliases: &std::collections::BTreeSet<String>,
) -> TokenStream {
    let ser = name.serialize_name();
    let de = name.deserialize_name();
    let aliases = aliases.iter().filter(|a| a.as_str() != de);
    quote!(#[serde(rename(serialize = #ser, deserialize = #de) #(, alias = #aliases)*)])
}

fn partial_ty(cont: &Container, f: &Field) -> TokenStream {
    let p = &cont.private;
    if f.custom_de() {
        // Read by the user's function: the twin keeps the raw JSON.
        return quote!(#p::serde_json::Value);
    }
    let ty = f.ty();
    quote_spanned!(ty.span()=> <#ty as #p::JsonSchema>::Partial)
}

/// `X` when the type is written `Option<X>`.
fn option_inner(ty: &syn::Type) -> Option<&syn::Type> {
    let syn::Type::Path(p) = ty else {
        return None;
    };
    if p.qself.is_some() {
        return None;
    }
    let seg = p.path.segments.last()?;
    if seg.ident != "Option" {
        return None;
    }
    let syn::PathArguments::AngleBracketed(args) = &seg.arguments else {
        return None;
    };
    match args.args.first() {
        Some(syn::GenericArgument::Type(t)) if args.args.len() == 1 => Some(t),
        _ => None,
    }
}

/// The type of a twin field: `Option<T::Partial>`, and for a field written `Option<X>`,
/// `Option<X::Partial>` rather than `Option<Option<X::Partial>>` (both read `null` as `None`).
fn optional_partial_ty(cont: &Container, f: &Field) -> TokenStream {
    let p = &cont.private;
    match option_inner(f.ty()) {
        Some(inner) if !f.custom_de() => {
            quote_spanned!(inner.span()=> ::core::option::Option<<#inner as #p::JsonSchema>::Partial>)
        }
        _ => {
            let pty = partial_ty(cont, f);
            quote!(::core::option::Option<#pty>)
        }
    }
}

/// Where a field of the twin is declared, which decides how it is written.
#[derive(Clone, Copy)]
enum Place {
    /// In a struct with named fields: `pub name: ..`, with serde's names and `default`.
    Struct,
    /// In a tuple struct: `pub ..`, with `default`.
    TupleStruct,
    /// In a struct variant: `name: ..`, with serde's names and `default`.
    StructVariant,
    /// In a tuple variant: the type alone.
    TupleVariant,
}

impl Place {
    fn named(self) -> bool {
        matches!(self, Place::Struct | Place::StructVariant)
    }

    fn has_vis(self) -> bool {
        matches!(self, Place::Struct | Place::TupleStruct)
    }
}

/// A field of the twin: `Option<T::Partial>`, written as its [`Place`] says (a transparent struct's
/// one field without `default`: it is the whole JSON), or the bare partial when flattened.
fn twin_field(cont: &Container, f: &Field, place: Place) -> TokenStream {
    let named = place.named();
    let vis = place.has_vis().then_some(&f.serde.original.vis);
    let docs = attr::doc_attrs(&f.serde.original.attrs);
    let ident = f
        .serde
        .original
        .ident
        .as_ref()
        .filter(|_| named)
        .map(|i| quote!(#i :));
    if f.serde.attrs.flatten() {
        let pty = partial_ty(cont, f);
        return quote!(#(#docs)* #[serde(flatten)] #vis #ident #pty);
    }
    let names = named.then(|| names(f.serde.attrs.name(), f.serde.attrs.aliases()));
    let default = (!cont.serde.attrs.transparent() && !matches!(place, Place::TupleVariant))
        .then(|| quote!(#[serde(default)]));
    let ty = optional_partial_ty(cont, f);
    quote!(#(#docs)* #names #default #vis #ident #ty)
}

/// The shape of a struct or variant, for the hand-written impls.
enum Shape {
    Named(Vec<Ident>),
    Tuple(usize),
    Unit,
}

fn shape(style: Style, fields: &[Field]) -> Shape {
    match style {
        Style::Struct => Shape::Named(
            fields
                .iter()
                .filter_map(|f| f.serde.original.ident.clone())
                .collect(),
        ),
        Style::Tuple | Style::Newtype if !fields.is_empty() => Shape::Tuple(fields.len()),
        _ => Shape::Unit,
    }
}

fn binders(prefix: &str, shape: &Shape) -> (TokenStream, Vec<Ident>) {
    match shape {
        Shape::Named(names) => {
            let vars: Vec<Ident> = (0..names.len())
                .map(|i| format_ident!("{}{}", prefix, i))
                .collect();
            (quote!({ #(#names: #vars),* }), vars)
        }
        Shape::Tuple(n) => {
            let vars: Vec<Ident> = (0..*n).map(|i| format_ident!("{}{}", prefix, i)).collect();
            (quote!((#(#vars),*)), vars)
        }
        Shape::Unit => (TokenStream::new(), Vec::new()),
    }
}

fn rebuild(shape: &Shape, values: &[TokenStream]) -> TokenStream {
    match shape {
        Shape::Named(names) => quote!({ #(#names: #values),* }),
        Shape::Tuple(_) => quote!((#(#values),*)),
        Shape::Unit => TokenStream::new(),
    }
}

fn debug_body(name: &str, shape: &Shape, vars: &[Ident]) -> TokenStream {
    match shape {
        Shape::Named(names) => {
            let keys = names.iter().map(|n| n.to_string());
            quote!(f.debug_struct(#name) #(.field(#keys, #vars))* .finish())
        }
        Shape::Tuple(_) => quote!(f.debug_tuple(#name) #(.field(#vars))* .finish()),
        Shape::Unit => quote!(f.write_str(#name)),
    }
}

/// `Debug`, `Clone`, `PartialEq` (and `Default` when given) for a list of (path, name, shape).
fn std_impls(
    ty: &TokenStream,
    generics: &Generics,
    cases: &[(TokenStream, String, Shape)],
    default: Option<TokenStream>,
) -> TokenStream {
    let (ig, _, wc) = generics.split_for_impl();
    let mut clone_arms = Vec::new();
    let mut eq_arms = Vec::new();
    let mut debug_arms = Vec::new();
    for (path, name, shape) in cases {
        let (pat_a, a) = binders("__a", shape);
        let (pat_b, b) = binders("__b", shape);
        let cloned: Vec<TokenStream> = a
            .iter()
            .map(|v| quote!(::core::clone::Clone::clone(#v)))
            .collect();
        let rebuilt = rebuild(shape, &cloned);
        clone_arms.push(quote!(#path #pat_a => #path #rebuilt,));
        eq_arms.push(quote!((#path #pat_a, #path #pat_b) => true #(&& #a == #b)*,));
        let dbg = debug_body(name, shape, &a);
        debug_arms.push(quote!(#path #pat_a => #dbg,));
    }
    let default_impl = default.map(|d| {
        quote! {
            #[automatically_derived]
            #[allow(clippy::all)]
            impl #ig ::core::default::Default for #ty #wc {
                fn default() -> Self {
                    #d
                }
            }
        }
    });
    quote! {
        #[automatically_derived]
        #[allow(clippy::all)]
        impl #ig ::core::clone::Clone for #ty #wc {
            fn clone(&self) -> Self {
                match self { #(#clone_arms)* }
            }
        }
        #[automatically_derived]
        #[allow(clippy::all, unreachable_patterns)]
        impl #ig ::core::cmp::PartialEq for #ty #wc {
            fn eq(&self, other: &Self) -> bool {
                match (self, other) {
                    #(#eq_arms)*
                    _ => false,
                }
            }
        }
        #[automatically_derived]
        #[allow(clippy::all)]
        impl #ig ::core::fmt::Debug for #ty #wc {
            fn fmt(&self, f: &mut ::core::fmt::Formatter<'_>) -> ::core::fmt::Result {
                match self { #(#debug_arms)* }
            }
        }
        #default_impl
    }
}

/// The twin's items, and its type (with generics) for `type Partial = ..`.
pub fn expand(cont: &Container) -> (TokenStream, TokenStream) {
    let p = &cont.private;
    let serde_path = quote!(#p::serde).to_string().replace(' ', "");
    let name = ident(cont);
    let vis = &cont.serde.original.vis;
    let generics = bound::with_bound(cont.serde.generics, &quote!(#p::JsonSchema + 'static));
    let (_, tg, wc) = generics.split_for_impl();
    let params = &generics.params;
    let ty = quote!(#name #tg);
    let doc = format!(
        "The partial form of [`{}`] while it streams in: every field optional, nested types partial.",
        cont.serde.ident
    );
    let derive = quote! {
        #[derive(#p::serde::Serialize, #p::serde::Deserialize)]
        #[serde(crate = #serde_path, bound = "")]
    };
    let items = match &cont.data {
        Data::Struct(style, fields) => {
            let transparent = cont
                .serde
                .attrs
                .transparent()
                .then(|| quote!(#[serde(transparent)]));
            let sh = shape(*style, fields);
            let body = match &sh {
                Shape::Named(_) => {
                    let fs = fields.iter().map(|f| twin_field(cont, f, Place::Struct));
                    quote!(<#params> #wc { #(#fs),* })
                }
                Shape::Tuple(_) => {
                    let fs = fields
                        .iter()
                        .map(|f| twin_field(cont, f, Place::TupleStruct));
                    quote!(<#params> (#(#fs),*) #wc;)
                }
                Shape::Unit => quote!(<#params> #wc;),
            };
            let defaults: Vec<TokenStream> = fields
                .iter()
                .map(|_| quote!(::core::default::Default::default()))
                .collect();
            let default = {
                let r = rebuild(&sh, &defaults);
                quote!(Self #r)
            };
            let impls = std_impls(
                &ty,
                &generics,
                &[(quote!(Self), name.to_string(), sh)],
                Some(default),
            );
            quote! {
                #[doc = #doc]
                #[allow(missing_docs)]
                #derive
                #transparent
                #vis struct #name #body
                #impls
            }
        }
        Data::Enum(variants) => {
            let inner = variant_enum_ident(cont);
            let tag = match cont.tag() {
                TagType::External => None,
                TagType::Internal { tag } => Some(quote!(#[serde(tag = #tag)])),
                TagType::Adjacent { tag, content } => {
                    Some(quote!(#[serde(tag = #tag, content = #content)]))
                }
                TagType::None => Some(quote!(#[serde(untagged)])),
            };
            let vs = variants.iter().map(|v| twin_variant(cont, v));
            let cases: Vec<(TokenStream, String, Shape)> = variants
                .iter()
                .map(|v| {
                    let vi = &v.serde.ident;
                    (
                        quote!(Self::#vi),
                        vi.to_string(),
                        shape(v.serde.style, &v.fields),
                    )
                })
                .collect();
            let inner_ty = quote!(#inner #tg);
            let inner_impls = std_impls(&inner_ty, &generics, &cases, None);
            let outer_impls = std_impls(
                &ty,
                &generics,
                &[(quote!(Self), name.to_string(), Shape::Tuple(1))],
                Some(quote!(Self(::core::option::Option::None))),
            );
            let inner_doc = format!("A variant of [`{}`] as it streams in.", cont.serde.ident);
            let (ig, _, _) = generics.split_for_impl();
            let mut de_generics = generics.clone();
            de_generics.params.insert(0, syn::parse_quote!('__de));
            let (de_ig, _, _) = de_generics.split_for_impl();
            quote! {
                #[doc = #doc]
                ///
                /// `None` until the value is recognisable as one of the variants.
                #[allow(missing_docs)]
                #vis struct #name <#params> (pub ::core::option::Option<#inner_ty>) #wc;

                #[doc = #inner_doc]
                #[allow(missing_docs)]
                #derive
                #tag
                #vis enum #inner <#params> #wc { #(#vs),* }

                #[automatically_derived]
                impl #ig #p::serde::Serialize for #ty #wc {
                    fn serialize<__S: #p::serde::Serializer>(&self, __s: __S) -> ::core::result::Result<__S::Ok, __S::Error> {
                        #p::serde::Serialize::serialize(&self.0, __s)
                    }
                }
                #[automatically_derived]
                impl #de_ig #p::serde::Deserialize<'__de> for #ty #wc {
                    fn deserialize<__D: #p::serde::Deserializer<'__de>>(__d: __D) -> ::core::result::Result<Self, __D::Error> {
                        ::core::result::Result::Ok(Self(#p::lenient(__d)?))
                    }
                }
                #outer_impls
                #inner_impls
            }
        }
    };
    (items, ty)
}

fn twin_variant(cont: &Container, v: &Variant) -> TokenStream {
    let vi = &v.serde.ident;
    let names = names(v.serde.attrs.name(), v.serde.attrs.aliases());
    let untagged = v.serde.attrs.untagged().then(|| quote!(#[serde(untagged)]));
    let other = v.serde.attrs.other().then(|| quote!(#[serde(other)]));
    let docs = attr::doc_attrs(&v.serde.original.attrs);
    let body = match v.serde.style {
        Style::Struct => {
            let fs = v
                .fields
                .iter()
                .map(|f| twin_field(cont, f, Place::StructVariant));
            quote!({ #(#fs),* })
        }
        Style::Newtype => match v.fields.first() {
            Some(f) => {
                let pty = partial_ty(cont, f);
                quote!((#pty))
            }
            None => TokenStream::new(),
        },
        Style::Tuple => {
            let fs = v
                .fields
                .iter()
                .map(|f| twin_field(cont, f, Place::TupleVariant));
            quote!((#(#fs),*))
        }
        Style::Unit => TokenStream::new(),
    };
    quote!(#(#docs)* #names #untagged #other #vi #body)
}
