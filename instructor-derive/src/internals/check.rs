//! What cannot be represented: reported on the user's span, with what to write instead.

use serde_derive_internals::ast as serde_ast;
use syn::{GenericArgument, PathArguments, Type};

use super::Ctxt;

/// Checks the container as a whole.
pub fn check_container(cx: &Ctxt, cont: &serde_ast::Container) {
    for lt in cont.generics.lifetimes() {
        cx.error_spanned_by(
            lt,
            "`Instructor` types cannot borrow: the reply is parsed into owned values; remove the lifetime and use owned field types such as `String`",
        );
    }
    let a = &cont.attrs;
    if a.type_from().is_some() || a.type_try_from().is_some() {
        cx.error_spanned_by(
            &cont.original.ident,
            "`#[serde(from = ..)]`/`#[serde(try_from = ..)]` are not supported by `#[derive(Instructor)]`: derive `Instructor` on the type it converts from and convert after extraction",
        );
    }
    if a.remote().is_some() {
        cx.error_spanned_by(
            &cont.original.ident,
            "`#[serde(remote = ..)]` is not supported by `#[derive(Instructor)]`",
        );
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

/// Checks one field type, recursively.
pub fn check_type(cx: &Ctxt, ty: &Type) {
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
