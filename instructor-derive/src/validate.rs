//! Codegen of `JsonSchema::validate_at`: built-in constraints, field validators, nested values,
//! then the type-level validator, each error at the JSON path of its value.

use proc_macro2::{Ident, TokenStream};
use quote::{format_ident, quote, quote_spanned};
use serde_derive_internals::attr::TagType;
use syn::spanned::Spanned as _;

use crate::internals::ast::{Container, Data, Field, Style, Variant};
use crate::internals::attr::{Constraint, Number, Spanned};

fn bound(p: &TokenStream, n: &Number) -> TokenStream {
    match n {
        Number::Int(i) => quote!(#p::Bound::Int(#i)),
        Number::Float(f) => quote!(#p::Bound::Float(#f)),
    }
}

/// The check of one constraint on `value` (a `&T` expression), spanned at the constraint's key so
/// that a type error (`min` on a `String`) points there.
fn check(p: &TokenStream, value: &TokenStream, constraint: &Spanned<Constraint>) -> TokenStream {
    let span = constraint.span;
    let v = crate::bound::respan(value.clone(), span);
    match &constraint.value {
        Constraint::Min(n) => {
            let b = bound(p, n);
            quote_spanned!(span=> #p::check_min(#v, #b, &__p, __errors);)
        }
        Constraint::Max(n) => {
            let b = bound(p, n);
            quote_spanned!(span=> #p::check_max(#v, #b, &__p, __errors);)
        }
        Constraint::MinLen(n) => quote_spanned!(span=> #p::check_min_len(#v, #n, &__p, __errors);),
        Constraint::MaxLen(n) => quote_spanned!(span=> #p::check_max_len(#v, #n, &__p, __errors);),
        Constraint::Pattern(re) => quote_spanned!(span=> {
            static __RE: #p::Once<::core::option::Option<#p::Regex>> = #p::Once::new();
            #p::check_pattern(#v, &__RE, #re, &__p, __errors);
        }),
    }
}

/// The checks of one field. `value` is an expression of type `&T`; `path` an expression of type
/// `String` or `&str` giving the field's JSON path.
fn field_checks(
    cont: &Container,
    f: &Field,
    value: &TokenStream,
    path: TokenStream,
) -> TokenStream {
    let p = &cont.private;
    let ty = f.ty();
    let a = &f.attrs;
    let mut steps: Vec<TokenStream> = a.constraints.iter().map(|c| check(p, value, c)).collect();
    if let Some(func) = &a.validate {
        steps.push(quote_spanned!(func.segments.last().map(|s| s.ident.span()).unwrap_or_else(proc_macro2::Span::call_site)=>
            #p::ValidatorOutput::push_into(#func(#value), &__p, __errors);
        ));
    }
    let nested =
        quote_spanned!(ty.span()=> <#ty as #p::JsonSchema>::validate_at(#value, &__p, __errors););
    if steps.is_empty() {
        // Nothing of the field's own: the path is built only when the value validates anything.
        return quote!(if <#ty as #p::JsonSchema>::validates() {
            let __p = #path;
            #nested
        });
    }
    quote!({
        let __p = #path;
        #(#steps)*
        #nested
    })
}

fn field_path(cont: &Container, f: &Field, base: &TokenStream, style: Style) -> TokenStream {
    let p = &cont.private;
    if f.serde.attrs.flatten() || matches!(style, Style::Newtype) {
        return quote!(#base);
    }
    match style {
        Style::Struct => {
            let name = f.name();
            quote!(#p::join_path(#base, #name))
        }
        _ => {
            let idx = format!("[{}]", f.index);
            quote!(#p::join_path(#base, #idx))
        }
    }
}

/// The body of `fn validate_at(&self, __path: &str, __errors: &mut ValidationErrors)`.
pub fn body(cont: &Container) -> TokenStream {
    let p = &cont.private;
    let base = quote!(__path);
    let fields_part = match &cont.data {
        Data::Struct(style, fields) => {
            let style = if cont.serde.attrs.transparent() {
                Style::Newtype
            } else {
                *style
            };
            let checks = fields.iter().map(|f| {
                let m = &f.serde.member;
                let path = field_path(cont, f, &base, style);
                field_checks(cont, f, &quote!(&self.#m), quote!(#path))
            });
            quote!(#(#checks)*)
        }
        Data::Enum(variants) => {
            let arms = variants.iter().map(|v| variant_arm(cont, v));
            quote! {
                #[allow(unreachable_patterns)]
                match self {
                    #(#arms)*
                    _ => {}
                }
            }
        }
    };
    let type_level = cont
        .attrs
        .validate_with
        .as_ref()
        .map(|func| quote!(#p::ValidatorOutput::push_into(#func(self), __path, __errors);));
    quote! {
        #fields_part
        #type_level
    }
}

fn variant_arm(cont: &Container, v: &Variant) -> TokenStream {
    let p = &cont.private;
    let vi = &v.serde.ident;
    let name = v.name();
    let prefix = if v.serde.attrs.untagged() {
        quote!(__path)
    } else {
        match cont.tag() {
            TagType::External => quote!(&#p::join_path(__path, #name)),
            TagType::Internal { .. } | TagType::None => quote!(__path),
            TagType::Adjacent { content, .. } => quote!(&#p::join_path(__path, #content)),
        }
    };
    let vars: Vec<Ident> = v
        .fields
        .iter()
        .map(|f| format_ident!("__f{}", f.index))
        .collect();
    let pattern = match v.serde.style {
        Style::Unit => TokenStream::new(),
        Style::Struct => {
            let names = v
                .fields
                .iter()
                .filter_map(|f| f.serde.original.ident.as_ref());
            quote!({ #(#names: #vars,)* .. })
        }
        Style::Newtype | Style::Tuple => {
            // Positions of every field, skipped ones bound to `_`.
            let mut it = v.fields.iter().zip(vars.iter()).peekable();
            let all = v
                .serde
                .fields
                .iter()
                .map(|sf| match it.peek() {
                    Some((f, var)) if std::ptr::eq(f.serde, sf) => {
                        let var = (*var).clone();
                        it.next();
                        quote!(#var)
                    }
                    _ => quote!(_),
                })
                .collect::<Vec<_>>();
            quote!((#(#all),*))
        }
    };
    if v.fields.is_empty() {
        return quote!(Self::#vi #pattern => {});
    }
    let checks = v.fields.iter().zip(vars.iter()).map(|(f, var)| {
        let path = field_path(cont, f, &quote!(__vp), v.serde.style);
        field_checks(cont, f, &quote!(#var), path)
    });
    quote!(Self::#vi #pattern => {
        let __vp: &str = #prefix;
        #(#checks)*
    })
}

/// The body of `ValidateContext::validate_context`: each field's context validator, then the
/// type-level one, with `__ctx: &Context` and the errors at their JSON paths. `None` without
/// `context = Type`.
pub fn context_body(cont: &Container) -> Option<TokenStream> {
    cont.attrs.context.as_ref()?;
    let p = &cont.private;
    let base = quote!("");
    let fields_part = match &cont.data {
        Data::Struct(style, fields) => {
            let style = if cont.serde.attrs.transparent() {
                Style::Newtype
            } else {
                *style
            };
            let checks = fields.iter().filter_map(|f| {
                let func = f.attrs.validate_with_context.as_ref()?;
                let m = &f.serde.member;
                let path = field_path(cont, f, &base, style);
                let span = func
                    .segments
                    .last()
                    .map(|s| s.ident.span())
                    .unwrap_or_else(proc_macro2::Span::call_site);
                Some(quote_spanned!(span=> {
                    let __p = #path;
                    #p::ValidatorOutput::push_into(#func(&self.#m, __ctx), &__p, __errors);
                }))
            });
            quote!(#(#checks)*)
        }
        // Checked: enum variants' fields take no context validators.
        Data::Enum(_) => TokenStream::new(),
    };
    let type_level = cont
        .attrs
        .validate_with_context
        .as_ref()
        .map(|func| quote!(#p::ValidatorOutput::push_into(#func(self, __ctx), "", __errors);));
    Some(quote! {
        let mut __all = #p::ValidationErrors::new();
        let __errors = &mut __all;
        #fields_part
        #type_level
        __all.into_result()
    })
}
