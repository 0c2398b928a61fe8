//! Internally tagged enums, `#[serde(tag = "type")]`: `{"type": "Variant", ...fields}`.

use proc_macro2::TokenStream;
use quote::quote;

use super::{fields_object, tagged_enum};
use crate::internals::ast::{Container, Style, Variant};

pub fn schema(cont: &Container, variants: &[Variant], tag: &str) -> TokenStream {
    let p = &cont.private;
    tagged_enum(cont, None, variants, |v| {
        let name = v.name();
        match v.serde.style {
            Style::Unit => quote!(#p::serde_json::json!({
                "type": "object",
                "properties": { #tag: #p::tag(#name) },
                "required": [#tag],
            })),
            Style::Newtype => match v.fields.first() {
                Some(f) => {
                    let ty = f.ty();
                    let inner = match &f.attrs.schema_with {
                        Some(path) => quote!(#path(__gen)),
                        None => quote!(<#ty as #p::JsonSchema>::schema(__gen)),
                    };
                    quote!(#p::with_tag(#inner, #tag, #name))
                }
                None => quote!(#p::with_tag(#p::object(
                    #p::serde_json::Map::new(), ::std::vec::Vec::new(), false, ::std::vec::Vec::new()),
                    #tag, #name)),
            },
            // serde rejects tuple variants in internally tagged enums; it has reported that.
            Style::Tuple | Style::Struct => {
                let o = fields_object(cont, &v.fields);
                quote!(#p::with_tag(#o, #tag, #name))
            }
        }
    })
}
