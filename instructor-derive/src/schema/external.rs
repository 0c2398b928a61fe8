//! Externally tagged enums (serde's default): `"Unit"` or `{"Variant": content}`.

use proc_macro2::TokenStream;
use quote::quote;

use super::{content, describe_variant, untagged_variant};
use crate::internals::ast::{Container, Style, Variant};

pub fn schema(cont: &Container, variants: &[Variant]) -> TokenStream {
    let k = &cont.krate;
    let p = quote!(#k::__private);
    let mut plain_units = Vec::new();
    let mut members = Vec::new();
    let mut any = false;
    for v in variants {
        let name = v.name();
        if v.serde.attrs.untagged() {
            any = true;
            members.push(untagged_variant(cont, v));
            continue;
        }
        match v.serde.style {
            Style::Unit if v.description.is_none() => plain_units.push(name.to_owned()),
            Style::Unit => {
                members.push(describe_variant(
                    cont,
                    v,
                    quote!(#p::serde_json::json!({ "type": "string", "const": #name })),
                ));
            }
            style => {
                let c = content(cont, style, &v.fields);
                members.push(describe_variant(
                    cont,
                    v,
                    quote!(#p::serde_json::json!({
                        "type": "object",
                        "properties": { #name: (#c) },
                        "required": [#name],
                        "additionalProperties": false,
                    })),
                ));
            }
        }
    }
    if !plain_units.is_empty() {
        members.insert(
            0,
            quote!(#p::serde_json::json!({ "type": "string", "enum": [#(#plain_units),*] })),
        );
    }
    quote!(#p::one_of(::std::vec![#(#members),*], #any))
}
