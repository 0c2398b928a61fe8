//! What cannot be represented, found in a pass over the built model (as serde_derive's
//! `check.rs`): every error on the user's span, with what to write instead.

use syn::{GenericArgument, PathArguments, Type};

use super::ast::{Container, Data, Field};
use super::attr::{self, Constraint};
use super::Ctxt;

/// Runs every check on the model, reporting through `cx`.
pub fn check(cx: &Ctxt, cont: &Container) {
    check_lifetimes(cx, cont);
    check_serde_container(cx, cont);
    for f in cont.fields() {
        check_lengths(cx, &f.attrs);
        check_type(cx, f.ty());
        check_custom_de(cx, f);
    }
    check_skipped(cx, cont);
    check_variants(cx, cont);
    check_context(cx, cont);
}

/// Context validators need the context's type, and run on a struct's own fields.
fn check_context(cx: &Ctxt, cont: &Container) {
    let field_validators = cont
        .fields()
        .filter_map(|f| f.attrs.validate_with_context.as_ref());
    let validators = cont
        .attrs
        .validate_with_context
        .iter()
        .chain(field_validators);
    if cont.attrs.context.is_none() {
        for path in validators {
            cx.error_spanned_by(
                path,
                "`validate_with_context` needs the context's type: add `#[instructor(context = YourContext)]` on the type, and call `create_with_context(request, &context)`",
            );
        }
        return;
    }
    if let Data::Enum(_) = &cont.data {
        for path in cont
            .fields()
            .filter_map(|f| f.attrs.validate_with_context.as_ref())
        {
            cx.error_spanned_by(
                path,
                "`validate_with_context` on an enum variant's field is not supported: put a type-level `#[instructor(validate_with_context = path)]` on the enum and match the variant there",
            );
        }
    }
}

fn check_lifetimes(cx: &Ctxt, cont: &Container) {
    for lt in cont.serde.generics.lifetimes() {
        cx.error_spanned_by(
            lt,
            "`Instructor` types cannot borrow: the reply is parsed into owned values; remove the lifetime and use owned field types such as `String`",
        );
    }
}

/// serde container attributes that make the JSON another type's.
fn check_serde_container(cx: &Ctxt, cont: &Container) {
    let a = &cont.serde.attrs;
    let ident = &cont.serde.original.ident;
    if a.type_from().is_some() || a.type_try_from().is_some() {
        cx.error_spanned_by(
            ident,
            "`#[serde(from = ..)]`/`#[serde(try_from = ..)]` are not supported by `#[derive(Instructor)]`: derive `Instructor` on the type it converts from and convert after extraction",
        );
    }
    if a.remote().is_some() {
        cx.error_spanned_by(
            ident,
            "`#[serde(remote = ..)]` is not supported by `#[derive(Instructor)]`",
        );
    }
}

/// `min_len` no greater than `max_len`.
fn check_lengths(cx: &Ctxt, attrs: &attr::Field) {
    let mut min_len = None;
    let mut max_len = None;
    for c in &attrs.constraints {
        match c.value {
            Constraint::MinLen(n) => min_len = Some((n, c.span)),
            Constraint::MaxLen(n) => max_len = Some(n),
            _ => {}
        }
    }
    if let (Some((min, span)), Some(max)) = (min_len, max_len) {
        if min > max {
            cx.syn_error(syn::Error::new(
                span,
                "`min_len` is greater than `max_len`: no value could pass",
            ));
        }
    }
}

/// A field serde reads with a function of the user's needs its schema given.
fn check_custom_de(cx: &Ctxt, f: &Field) {
    // `#[serde(borrow)]` sets a deserializer of serde's own; the lifetime is reported already.
    let borrowed = !f.serde.attrs.borrowed_lifetimes().is_empty();
    if f.custom_de() && f.attrs.schema_with.is_none() && !borrowed {
        cx.error_spanned_by(
            f.serde.original,
            "this field is read with `#[serde(with)]`/`#[serde(deserialize_with)]`, so its JSON is not its type's: give its schema with `#[instructor(schema_with = path)]`, a `fn(&mut instructor::SchemaGenerator) -> serde_json::Value`",
        );
    }
}

/// Nothing to check or describe on a field serde never reads.
fn check_skipped(cx: &Ctxt, cont: &Container) {
    for f in &cont.skipped {
        if f.attrs.has_checks() || f.attrs.description.is_some() {
            cx.error_spanned_by(
                f.serde.original,
                "this field is skipped by serde, so it is never read from the reply: remove its `#[instructor(...)]` attribute",
            );
        }
    }
}

/// An enum has a variant to choose.
fn check_variants(cx: &Ctxt, cont: &Container) {
    if let Data::Enum(variants) = &cont.data {
        if variants.is_empty() {
            cx.error_spanned_by(
                &cont.serde.original.ident,
                "an enum needs at least one variant serde can read for the model to choose from",
            );
        }
    }
}

fn last_ident(ty: &Type) -> Option<(&syn::PathSegment, String)> {
    if let Type::Path(p) = ty {
        if p.qself.is_none() {
            if let Some(seg) = p.path.segments.last() {
                return Some((seg, seg.ident.to_string()));
            }
        }
    }
    None
}

/// A field type JSON can be read into, recursively.
fn check_type(cx: &Ctxt, ty: &Type) {
    match ty {
        Type::Reference(r) => {
            let is_str = matches!(last_ident(&r.elem), Some((_, ref n)) if n == "str");
            let msg = if is_str {
                "borrowed `&str` fields are not supported: the reply is parsed into owned values; use `String` instead".to_owned()
            } else {
                "borrowed fields are not supported: the reply is parsed into owned values; use an owned type (`T`, `Box<T>`, `Vec<T>`) instead".to_owned()
            };
            cx.error_spanned_by(r, msg);
        }
        Type::Ptr(p) => cx.error_spanned_by(
            p,
            "raw pointers cannot be read from JSON; use an owned value such as `Box<T>` or `Option<T>`",
        ),
        Type::BareFn(f) => cx.error_spanned_by(
            f,
            "function pointers cannot be read from JSON; store data (a String, a number, an enum) instead",
        ),
        Type::TraitObject(t) => cx.error_spanned_by(
            t,
            "trait objects cannot be read from JSON; use an enum of the concrete types instead",
        ),
        Type::ImplTrait(t) => cx.error_spanned_by(t, "`impl Trait` is not allowed in a field type"),
        Type::Slice(s) => cx.error_spanned_by(
            s,
            "unsized slices cannot be read from JSON; use `Vec<T>` instead",
        ),
        Type::Array(a) => check_type(cx, &a.elem),
        Type::Tuple(t) => t.elems.iter().for_each(|e| check_type(cx, e)),
        Type::Paren(p) => check_type(cx, &p.elem),
        Type::Group(g) => check_type(cx, &g.elem),
        Type::Path(p) => {
            if let Some(q) = &p.qself {
                check_type(cx, &q.ty);
            }
            let Some((seg, name)) = last_ident(ty) else {
                return;
            };
            let PathArguments::AngleBracketed(args) = &seg.arguments else {
                return;
            };
            let types: Vec<&Type> = args
                .args
                .iter()
                .filter_map(|a| match a {
                    GenericArgument::Type(t) => Some(t),
                    _ => None,
                })
                .collect();
            if name == "HashMap" || name == "BTreeMap" || name == "IndexMap" {
                if let Some(key) = types.first() {
                    let is_string = matches!(last_ident(key), Some((s, ref n)) if n == "String" && s.arguments.is_empty());
                    if !is_string {
                        cx.error_spanned_by(
                            key,
                            format!(
                                "map keys must be `String`: JSON object keys are strings; write `{name}<String, V>`, or use a `Vec` of structs holding the key and the value"
                            ),
                        );
                    }
                }
            }
            for t in types {
                check_type(cx, t);
            }
        }
        _ => {}
    }
}
