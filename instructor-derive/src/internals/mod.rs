//! The parsed model: serde's own container model (from `serde_derive_internals`) with our
//! `#[instructor(...)]` attributes beside it, plus an error context that collects every error with
//! its span before failing.

pub mod ast;
pub mod attr;
pub mod check;

use std::cell::RefCell;
use std::fmt::Display;

use quote::ToTokens;

/// Collects errors, each with the span of the code it is about.
#[derive(Default)]
pub struct Ctxt {
    errors: RefCell<Vec<syn::Error>>,
}

impl Ctxt {
    /// An error pointing at `tokens`.
    pub fn error_spanned_by<T: ToTokens, M: Display>(&self, tokens: T, msg: M) {
        self.errors
            .borrow_mut()
            .push(syn::Error::new_spanned(tokens.into_token_stream(), msg));
    }

    /// A parse error.
    pub fn syn_error(&self, err: syn::Error) {
        self.errors.borrow_mut().push(err);
    }

    /// `Ok` when nothing went wrong, else every error combined.
    pub fn check(self) -> syn::Result<()> {
        let mut errors = self.errors.into_inner().into_iter();
        let Some(mut first) = errors.next() else {
            return Ok(());
        };
        for e in errors {
            first.combine(e);
        }
        Err(first)
    }
}
