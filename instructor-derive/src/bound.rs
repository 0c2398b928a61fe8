//! Generics of the generated items.

use proc_macro2::TokenStream;
use syn::{parse_quote, Generics};

/// The generics with `T: bound` added to the where clause for every type parameter.
pub fn with_bound(generics: &Generics, bound: &TokenStream) -> Generics {
    let mut g = generics.clone();
    let params: Vec<syn::Ident> = g.type_params().map(|t| t.ident.clone()).collect();
    let wc = g.make_where_clause();
    for t in params {
        wc.predicates.push(parse_quote!(#t: #bound));
    }
    g
}

/// True when the type has type parameters (which make its schema name carry theirs).
pub fn has_type_params(generics: &Generics) -> bool {
    generics.type_params().next().is_some()
}

/// The tokens with every span set to `span`, so a type error in generated code points at the
/// user's attribute or field.
pub fn respan(ts: TokenStream, span: proc_macro2::Span) -> TokenStream {
    ts.into_iter()
        .map(|mut tt| {
            if let proc_macro2::TokenTree::Group(g) = &tt {
                let mut ng = proc_macro2::Group::new(g.delimiter(), respan(g.stream(), span));
                ng.set_span(span);
                tt = proc_macro2::TokenTree::Group(ng);
            } else {
                tt.set_span(span);
            }
            tt
        })
        .collect()
}
