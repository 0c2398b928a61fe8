//! Adjacently tagged enums, `#[serde(tag = "t", content = "c")]`: `{"t": "Variant", "c": content}`.

use proc_macro2::TokenStream;
use quote::quote;

use super::{content, tagged_enum};
use crate::internals::ast::{Container, Style, Variant};

pub fn schema(cont: &Container, variants: &[Variant], tag: &str, content_key: &str) -> TokenStream {
    let p = &cont.private;
    let deny = cont.serde.attrs.deny_unknown_fields();
    tagged_enum(cont, None, variants, |v| {
        let name = v.name();
        match v.serde.style {
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
        }
    })
}
