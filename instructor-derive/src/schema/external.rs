//! Externally tagged enums (serde's default): `"Unit"` or `{"Variant": content}`.

use proc_macro2::TokenStream;
use quote::quote;

use super::{content, tagged_enum};
use crate::internals::ast::{Container, Style, Variant};

/// A unit variant with nothing to describe: one of the strings of a single `enum`.
fn plain_unit(v: &Variant) -> bool {
    !v.serde.attrs.untagged() && matches!(v.serde.style, Style::Unit) && v.description.is_none()
}

pub fn schema(cont: &Container, variants: &[Variant]) -> TokenStream {
    let p = &cont.private;
    let units: Vec<&str> = variants
        .iter()
        .filter(|v| plain_unit(v))
        .map(Variant::name)
        .collect();
    let first = (!units.is_empty())
        .then(|| quote!(#p::serde_json::json!({ "type": "string", "enum": [#(#units),*] })));
    let others = variants.iter().filter(|v| !plain_unit(v));
    tagged_enum(cont, first, others, |v| {
        let name = v.name();
        match v.serde.style {
            Style::Unit => quote!(#p::serde_json::json!({ "type": "string", "const": #name })),
            style => {
                let c = content(cont, style, &v.fields);
                quote!(#p::serde_json::json!({
                    "type": "object",
                    "properties": { #name: (#c) },
                    "required": [#name],
                    "additionalProperties": false,
                }))
            }
        }
    })
}
