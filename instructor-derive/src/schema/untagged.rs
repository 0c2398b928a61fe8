//! Untagged enums, `#[serde(untagged)]`: the first variant whose content matches.

use proc_macro2::TokenStream;
use quote::quote;

use super::untagged_variant;
use crate::internals::ast::{Container, Variant};

pub fn schema(cont: &Container, variants: &[Variant]) -> TokenStream {
    let p = &cont.private;
    let members = variants.iter().map(|v| untagged_variant(cont, v));
    quote!(#p::one_of(::std::vec![#(#members),*], true))
}
