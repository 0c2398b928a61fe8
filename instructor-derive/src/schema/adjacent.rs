//! Adjacently tagged enums, `#[serde(tag = "t", content = "c")]`: `{"t": "Variant", "c": content}`.

use proc_macro2::TokenStream;
use quote::quote;

use super::{content, describe_variant, untagged_variant};
use crate::internals::ast::{Container, Style, Variant};

pub fn schema(cont: &Container, variants: &[Variant], tag: &str, content_key: &str) -> TokenStream {
    let k = &cont.krate;
    let p = quote!(#k::__private);
    let deny = cont.serde.attrs.deny_unknown_fields();
    let mut members = Vec::new();
    let mut any = false;
    for v in variants {
        let name = v.name();
        if v.serde.attrs.untagged() {
            any = true;
            members.push(untagged_variant(cont, v));
            continue;
        }
        let s = match v.serde.style {
            Style::Unit => quote!({
                let mut __props = #p::serde_json::Map::new();
                __props.insert(::std::string::String::from(#tag), #p::tag(#name));
                #p::object(__props, ::std::vec![::std::string::String::from(#tag)], #deny, ::std::vec::Vec::new())
            }),
            style => {
                let c = content(cont, style, &v.fields);
                quote!({
                    let mut __props = #p::serde_json::Map::new();
                    __props.insert(::std::string::String::from(#tag), #p::tag(#name));
                    __props.insert(::std::string::String::from(#content_key), #c);
                    #p::object(
                        __props,
                        ::std::vec![::std::string::String::from(#tag), ::std::string::String::from(#content_key)],
                        #deny,
                        ::std::vec::Vec::new(),
                    )
                })
            }
        };
        members.push(describe_variant(cont, v, s));
    }
    quote!(#p::one_of(::std::vec![#(#members),*], #any))
}
