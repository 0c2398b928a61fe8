//! `#[derive(Instructor)]`: implements `instructor::Instructor` (and the field-level
//! `instructor::JsonSchema`) for a struct or enum: its JSON Schema, its partial twin for streaming
//! and its validation.
//!
//! serde's attributes are read with `serde_derive_internals`, serde's own parser, so the schema
//! describes exactly the JSON serde accepts. The layout follows serde_derive's: `internals` (the
//! parsed model, attributes, checks, an error context), then one codegen module per concern.

mod bound;
mod internals;
mod partial;
mod schema;
mod validate;

use proc_macro::TokenStream;
use proc_macro2::TokenStream as TokenStream2;
use quote::quote;
use syn::{parse_macro_input, DeriveInput};

use internals::ast::{Container, Data, Style};
use internals::Ctxt;
use serde_derive_internals::attr::TagType;

/// Derives `instructor::Instructor` and `instructor::JsonSchema`, and defines the partial twin
/// `Partial<Name>`.
///
/// Attributes (`#[instructor(...)]`):
/// - on the type: `description = ".."`, `validate_with = path` (a `fn(&Self) -> Result<(), E>`),
///   `examples = [..]` (JSON syntax), `crate = "path"` (where `instructor` is);
/// - on a field: `description = ".."`, `validate = path` (a `fn(&T) -> Result<(), E>`), `min`,
///   `max` (numbers), `min_len`, `max_len` (strings and collections), `pattern = "regex"`,
///   `examples = [..]`;
/// - on a variant: `description = ".."`.
///
/// `E` may be `String`, `&str`, `ValidationError` or `ValidationErrors`.
#[proc_macro_derive(Instructor, attributes(instructor))]
pub fn derive_instructor(input: TokenStream) -> TokenStream {
    let input = parse_macro_input!(input as DeriveInput);
    match expand(&input) {
        Ok(ts) => ts.into(),
        Err(e) => e.to_compile_error().into(),
    }
}

fn expand(input: &DeriveInput) -> syn::Result<TokenStream2> {
    if let syn::Data::Union(u) = &input.data {
        return Err(syn::Error::new(
            u.union_token.span,
            "unions cannot derive `Instructor`: a model cannot say which field is set; use an enum instead",
        ));
    }
    let serde_cx = serde_derive_internals::Ctxt::new();
    let serde = serde_derive_internals::ast::Container::from_ast(
        &serde_cx,
        input,
        serde_derive_internals::Derive::Deserialize,
    );
    // serde's own derive reports serde attribute errors; ours would repeat them.
    let serde_ok = serde_cx.check().is_ok();
    let Some(serde) = serde.filter(|_| serde_ok) else {
        return Ok(TokenStream2::new());
    };
    let cx = Ctxt::default();
    let cont = Container::from_serde(&cx, &serde);
    internals::check::check(&cx, &cont);
    cx.check()?;
    Ok(impls(&cont))
}

fn def_name(cont: &Container) -> TokenStream2 {
    let p = &cont.private;
    let name = cont.serde.ident.to_string();
    if !bound::has_type_params(cont.serde.generics) {
        return quote!(::std::string::String::from(#name));
    }
    let params = cont.serde.generics.type_params().map(|t| &t.ident);
    quote!({
        let mut __n = ::std::string::String::from(#name);
        #(
            __n.push('_');
            __n.push_str(&<#params as #p::JsonSchema>::def_name());
        )*
        __n
    })
}

/// For an externally tagged enum whose variants all wrap one type: one tool per variant.
fn parallel_tools(cont: &Container) -> Option<TokenStream2> {
    let p = &cont.private;
    let Data::Enum(variants) = &cont.data else {
        return None;
    };
    if !matches!(cont.tag(), TagType::External) {
        return None;
    }
    let mut tools = Vec::new();
    for v in variants {
        if !matches!(v.serde.style, Style::Newtype) || v.serde.attrs.untagged() {
            return None;
        }
        let f = v.fields.first()?;
        let ty = f.ty();
        let name = v.name();
        tools.push(quote!(#p::tool::<#ty>(#name)));
    }
    Some(quote! {
        fn parallel_tools() -> ::core::option::Option<::std::vec::Vec<#p::ToolSchema>> {
            #p::tools(::std::vec![#(#tools),*])
        }
    })
}

fn impls(cont: &Container) -> TokenStream2 {
    let p = &cont.private;
    let ident = &cont.serde.ident;
    let (partial_items, partial_ty) = partial::expand(cont);
    let schema_body = schema::body(cont);
    let validate_body = validate::body(cont);
    let name = def_name(cont);
    let description = match &cont.description {
        Some(d) => quote!(::core::option::Option::Some(::std::string::String::from(#d))),
        None => quote!(::core::option::Option::None),
    };

    let js_generics = bound::with_bound(cont.serde.generics, &quote!(#p::JsonSchema + 'static));
    let (js_ig, tg, js_wc) = js_generics.split_for_impl();
    let mut ins_generics = bound::with_bound(
        cont.serde.generics,
        &quote!(#p::JsonSchema + ::core::marker::Send + 'static),
    );
    ins_generics
        .make_where_clause()
        .predicates
        .push(syn::parse_quote!(Self: #p::serde::de::DeserializeOwned));
    let (ins_ig, _, ins_wc) = ins_generics.split_for_impl();
    let tools = parallel_tools(cont);
    let context_impl = validate::context_body(cont).map(|body| {
        let context = &cont.attrs.context;
        let (ig, tg, wc) = cont.serde.generics.split_for_impl();
        quote! {
            #[automatically_derived]
            #[allow(clippy::all, unused_mut, unused_variables)]
            impl #ig #p::ValidateContext<#context> for #ident #tg #wc {
                fn validate_context(
                    &self,
                    __ctx: &#context,
                ) -> ::core::result::Result<(), #p::ValidationErrors> {
                    #body
                }
            }
        }
    });

    quote! {
        #partial_items
        #context_impl

        #[automatically_derived]
        #[allow(clippy::all, unused_mut, unused_variables, non_shorthand_field_patterns)]
        impl #js_ig #p::JsonSchema for #ident #tg #js_wc {
            type Partial = #partial_ty;
            fn def_name() -> ::std::string::String {
                #name
            }
            fn schema(__gen: &mut #p::SchemaGenerator) -> #p::serde_json::Value {
                #schema_body
            }
            fn referenceable() -> bool {
                true
            }
            fn schema_description() -> ::core::option::Option<::std::string::String> {
                #description
            }
            fn validate_at(&self, __path: &str, __errors: &mut #p::ValidationErrors) {
                #validate_body
            }
        }

        #[automatically_derived]
        #[allow(clippy::all)]
        impl #ins_ig #p::Instructor for #ident #tg #ins_wc {
            type Partial = #partial_ty;
            fn schema_name() -> ::std::string::String {
                <Self as #p::JsonSchema>::def_name()
            }
            fn description() -> ::core::option::Option<::std::string::String> {
                <Self as #p::JsonSchema>::schema_description()
            }
            fn json_schema() -> #p::serde_json::Value {
                #p::root_schema::<Self>(false)
            }
            fn json_schema_strict() -> #p::serde_json::Value {
                #p::root_schema::<Self>(true)
            }
            fn validate(&self) -> ::core::result::Result<(), #p::ValidationErrors> {
                #p::validate_root(self)
            }
            #tools
        }
    }
}
