//! `#[instructor(...)]` attributes and doc comments.

use proc_macro2::{Span, TokenStream};
use quote::ToTokens;
use syn::meta::ParseNestedMeta;
use syn::spanned::Spanned as _;
use syn::{Expr, ExprLit, ExprUnary, Lit, LitStr, UnOp};

use super::Ctxt;

const CONTAINER_KEYS: &str =
    "`description`, `validate_with`, `context`, `validate_with_context`, `examples`, `crate`";
const FIELD_KEYS: &str = "`description`, `validate`, `validate_with_context`, `min`, `max`, `min_len`, `max_len`, `pattern`, `examples`, `schema_with`";
const VARIANT_KEYS: &str = "`description`";

/// Attributes of the struct or enum.
#[derive(Default)]
pub struct Container {
    /// `description = ".."`.
    pub description: Option<String>,
    /// `validate_with = path`.
    pub validate_with: Option<syn::Path>,
    /// `context = Type`: the caller data the context validators take.
    pub context: Option<syn::Type>,
    /// `validate_with_context = path`: `fn(&Self, &Context) -> Result<(), E>`.
    pub validate_with_context: Option<syn::Path>,
    /// `examples = [..]`.
    pub examples: Option<TokenStream>,
    /// `crate = "path"`.
    pub krate: Option<syn::Path>,
}

/// Attributes of a variant.
#[derive(Default)]
pub struct Variant {
    /// `description = ".."`.
    pub description: Option<String>,
}

/// A numeric bound as written.
pub enum Number {
    /// An integer literal (possibly negated).
    Int(i128),
    /// A float literal (possibly negated).
    Float(f64),
}

/// A built-in constraint on a field's value: stated in the field's schema and checked by
/// `validate`, both in the order of the variants here.
pub enum Constraint {
    /// `min = n`: JSON Schema `minimum`.
    Min(Number),
    /// `max = n`: `maximum`.
    Max(Number),
    /// `min_len = n`: `minLength`, `minItems` or `minProperties`, as the type's JSON is.
    MinLen(usize),
    /// `max_len = n`: `maxLength`, `maxItems` or `maxProperties`.
    MaxLen(usize),
    /// `pattern = "regex"`: a valid regular expression the string must match.
    Pattern(String),
}

impl Constraint {
    /// The position of the variant, the order constraints are stated and checked in.
    fn rank(&self) -> u8 {
        match self {
            Constraint::Min(_) => 0,
            Constraint::Max(_) => 1,
            Constraint::MinLen(_) => 2,
            Constraint::MaxLen(_) => 3,
            Constraint::Pattern(_) => 4,
        }
    }
}

/// A value with the span of the attribute key that set it.
pub struct Spanned<T> {
    /// The value.
    pub value: T,
    /// Where it was written.
    pub span: Span,
}

/// Attributes of a field.
#[derive(Default)]
pub struct Field {
    /// `description = ".."`.
    pub description: Option<String>,
    /// `validate = path`.
    pub validate: Option<syn::Path>,
    /// `validate_with_context = path`: `fn(&T, &Context) -> Result<(), E>`.
    pub validate_with_context: Option<syn::Path>,
    /// `min`, `max`, `min_len`, `max_len`, `pattern`: at most one of each, in the order of
    /// [`Constraint`]'s variants whatever order they were written in.
    pub constraints: Vec<Spanned<Constraint>>,
    /// `examples = [..]`.
    pub examples: Option<TokenStream>,
    /// `schema_with = path`: a `fn(&mut SchemaGenerator) -> Value` giving the field's schema.
    pub schema_with: Option<syn::Path>,
}

impl Field {
    /// True when the field has any built-in constraint or validator.
    pub fn has_checks(&self) -> bool {
        self.validate.is_some() || !self.constraints.is_empty()
    }
}

/// The description of an item: `#[instructor(description)]` when given, else its doc comment.
pub fn description(given: Option<&str>, attrs: &[syn::Attribute]) -> Option<String> {
    given.map(str::to_owned).or_else(|| docs(attrs))
}

/// The `#[doc]` attributes (doc comments) of an item.
pub fn doc_attrs(attrs: &[syn::Attribute]) -> impl Iterator<Item = &syn::Attribute> {
    attrs.iter().filter(|a| a.path().is_ident("doc"))
}

/// The doc comment of an item: lines trimmed, lines of a paragraph joined with spaces, paragraphs
/// with a blank line; `None` when there is none.
fn docs(attrs: &[syn::Attribute]) -> Option<String> {
    let mut lines = Vec::new();
    for attr in doc_attrs(attrs) {
        if let syn::Meta::NameValue(nv) = &attr.meta {
            if let Expr::Lit(ExprLit {
                lit: Lit::Str(s), ..
            }) = &nv.value
            {
                let value = s.value();
                if value.trim().is_empty() {
                    lines.push(String::new());
                }
                for line in value.lines() {
                    lines.push(line.trim().to_owned());
                }
            }
        }
    }
    let mut paragraphs: Vec<String> = Vec::new();
    let mut current = String::new();
    for line in lines {
        if line.is_empty() {
            if !current.is_empty() {
                paragraphs.push(std::mem::take(&mut current));
            }
        } else {
            if !current.is_empty() {
                current.push(' ');
            }
            current.push_str(&line);
        }
    }
    if !current.is_empty() {
        paragraphs.push(current);
    }
    if paragraphs.is_empty() {
        None
    } else {
        Some(paragraphs.join("\n\n"))
    }
}

fn instructor_attrs(attrs: &[syn::Attribute]) -> impl Iterator<Item = &syn::Attribute> {
    attrs.iter().filter(|a| a.path().is_ident("instructor"))
}

fn key(meta: &ParseNestedMeta) -> String {
    meta.path
        .get_ident()
        .map(ToString::to_string)
        .unwrap_or_else(|| meta.path.to_token_stream().to_string().replace(' ', ""))
}

fn parse_lit_str(meta: &ParseNestedMeta) -> syn::Result<LitStr> {
    meta.value()?.parse::<LitStr>()
}

fn parse_string(meta: &ParseNestedMeta) -> syn::Result<String> {
    Ok(parse_lit_str(meta)?.value())
}

/// A type written bare (`context = Catalog`) or quoted (`context = "Catalog"`).
fn parse_type(meta: &ParseNestedMeta) -> syn::Result<syn::Type> {
    let input = meta.value()?;
    if input.peek(LitStr) {
        let s: LitStr = input.parse()?;
        s.parse::<syn::Type>()
    } else {
        input.parse::<syn::Type>()
    }
}

/// A path written bare (`validate = check_name`) or quoted (`validate = "check_name"`).
fn parse_path(meta: &ParseNestedMeta) -> syn::Result<syn::Path> {
    let input = meta.value()?;
    if input.peek(LitStr) {
        let s: LitStr = input.parse()?;
        s.parse::<syn::Path>()
    } else {
        input.parse::<syn::Path>()
    }
}

fn parse_examples(meta: &ParseNestedMeta) -> syn::Result<TokenStream> {
    let input = meta.value()?;
    let span = input.span();
    let group: proc_macro2::Group = input.parse().ok().filter(|g: &proc_macro2::Group| {
        g.delimiter() == proc_macro2::Delimiter::Bracket
    }).ok_or_else(|| {
        syn::Error::new(
            span,
            "expected a list of examples in JSON syntax, e.g. `examples = [\"Paris\", {\"city\": \"Rome\"}]`",
        )
    })?;
    Ok(group.to_token_stream())
}

fn parse_number(meta: &ParseNestedMeta) -> syn::Result<Number> {
    let expr: Expr = meta.value()?.parse()?;
    let (neg, lit) = match &expr {
        Expr::Unary(ExprUnary {
            op: UnOp::Neg(_),
            expr,
            ..
        }) => (true, &**expr),
        other => (false, other),
    };
    let err = || {
        syn::Error::new(
            expr.span(),
            "expected a number literal, e.g. `min = 0` or `max = 1.5`",
        )
    };
    let value = match lit {
        Expr::Lit(ExprLit {
            lit: Lit::Int(i), ..
        }) => {
            let v: i128 = i.base10_parse().map_err(|_| err())?;
            Number::Int(if neg { -v } else { v })
        }
        Expr::Lit(ExprLit {
            lit: Lit::Float(f), ..
        }) => {
            let v: f64 = f.base10_parse().map_err(|_| err())?;
            if !v.is_finite() {
                return Err(err());
            }
            Number::Float(if neg { -v } else { v })
        }
        _ => return Err(err()),
    };
    Ok(value)
}

fn parse_usize(meta: &ParseNestedMeta) -> syn::Result<usize> {
    let lit: syn::LitInt = meta.value()?.parse().map_err(|e| {
        syn::Error::new(
            e.span(),
            "expected a length, a non-negative integer such as `min_len = 1`",
        )
    })?;
    lit.base10_parse()
}

/// A regular expression, checked here so that a bad one is a compile error.
fn parse_pattern(meta: &ParseNestedMeta) -> syn::Result<String> {
    let lit = parse_lit_str(meta)?;
    let value = lit.value();
    if let Err(e) = regex_syntax::Parser::new().parse(&value) {
        return Err(syn::Error::new(
            lit.span(),
            format!("invalid regular expression in `pattern`: {e}"),
        ));
    }
    Ok(value)
}

fn misplaced(meta: &ParseNestedMeta, key: &str, here: &str, keys: &str) -> syn::Error {
    let hint = match key {
        "min" | "max" | "min_len" | "max_len" | "pattern" | "validate" | "schema_with" => {
            format!("`{key}` goes on a field, not on {here}")
        }
        "validate_with" => format!(
            "`validate_with` goes on the struct or enum; on {here} write `validate = path` instead"
        ),
        "crate" | "context" => format!("`{key}` goes on the struct or enum, not on {here}"),
        "examples" => format!("`examples` goes on the type or on a field, not on {here}"),
        _ => format!("unknown instructor attribute `{key}`; expected one of: {keys}"),
    };
    meta.error(hint)
}

/// Calls `each` with every key of every `#[instructor(...)]` attribute, reporting its errors.
fn for_each_key(
    cx: &Ctxt,
    attrs: &[syn::Attribute],
    mut each: impl FnMut(&ParseNestedMeta, &str) -> syn::Result<()>,
) {
    for attr in instructor_attrs(attrs) {
        if let Err(e) = attr.parse_nested_meta(|meta| each(&meta, &key(&meta))) {
            cx.syn_error(e);
        }
    }
}

fn duplicate(cx: &Ctxt, meta: &ParseNestedMeta, key: &str) {
    cx.syn_error(meta.error(format!("duplicate instructor attribute `{key}`")));
}

/// Sets an attribute once, reporting a duplicate.
fn once<T>(cx: &Ctxt, slot: &mut Option<T>, value: T, meta: &ParseNestedMeta, key: &str) {
    if slot.is_some() {
        duplicate(cx, meta, key);
    } else {
        *slot = Some(value);
    }
}

impl Container {
    /// Parses the container's `#[instructor(...)]` attributes.
    pub fn from_attrs(cx: &Ctxt, attrs: &[syn::Attribute]) -> Self {
        let mut out = Container::default();
        for_each_key(cx, attrs, |meta, k| {
            match k {
                "description" => once(cx, &mut out.description, parse_string(meta)?, meta, k),
                "validate_with" => once(cx, &mut out.validate_with, parse_path(meta)?, meta, k),
                "context" => once(cx, &mut out.context, parse_type(meta)?, meta, k),
                "validate_with_context" => once(
                    cx,
                    &mut out.validate_with_context,
                    parse_path(meta)?,
                    meta,
                    k,
                ),
                "examples" => once(cx, &mut out.examples, parse_examples(meta)?, meta, k),
                "crate" => once(cx, &mut out.krate, parse_lit_str(meta)?.parse()?, meta, k),
                _ => return Err(misplaced(meta, k, "the type", CONTAINER_KEYS)),
            }
            Ok(())
        });
        out
    }
}

impl Variant {
    /// Parses a variant's `#[instructor(...)]` attributes.
    pub fn from_attrs(cx: &Ctxt, attrs: &[syn::Attribute]) -> Self {
        let mut out = Variant::default();
        for_each_key(cx, attrs, |meta, k| {
            match k {
                "description" => once(cx, &mut out.description, parse_string(meta)?, meta, k),
                _ => {
                    return Err(misplaced(
                        meta,
                        k,
                        "a variant (put constraints on the variant's fields)",
                        VARIANT_KEYS,
                    ))
                }
            }
            Ok(())
        });
        out
    }
}

impl Field {
    /// Parses a field's `#[instructor(...)]` attributes.
    pub fn from_attrs(cx: &Ctxt, attrs: &[syn::Attribute]) -> Self {
        let mut out = Field::default();
        for_each_key(cx, attrs, |meta, k| {
            match k {
                "description" => once(cx, &mut out.description, parse_string(meta)?, meta, k),
                "validate" => once(cx, &mut out.validate, parse_path(meta)?, meta, k),
                "validate_with_context" => once(
                    cx,
                    &mut out.validate_with_context,
                    parse_path(meta)?,
                    meta,
                    k,
                ),
                "min" => out.constrain(cx, meta, k, Constraint::Min(parse_number(meta)?)),
                "max" => out.constrain(cx, meta, k, Constraint::Max(parse_number(meta)?)),
                "min_len" => out.constrain(cx, meta, k, Constraint::MinLen(parse_usize(meta)?)),
                "max_len" => out.constrain(cx, meta, k, Constraint::MaxLen(parse_usize(meta)?)),
                "pattern" => out.constrain(cx, meta, k, Constraint::Pattern(parse_pattern(meta)?)),
                "examples" => once(cx, &mut out.examples, parse_examples(meta)?, meta, k),
                "schema_with" => once(cx, &mut out.schema_with, parse_path(meta)?, meta, k),
                _ => return Err(misplaced(meta, k, "a field", FIELD_KEYS)),
            }
            Ok(())
        });
        out.constraints.sort_by_key(|c| c.value.rank());
        out
    }

    /// Adds a constraint, reporting a second one of the same kind.
    fn constrain(&mut self, cx: &Ctxt, meta: &ParseNestedMeta, key: &str, constraint: Constraint) {
        let rank = constraint.rank();
        if self.constraints.iter().any(|c| c.value.rank() == rank) {
            duplicate(cx, meta, key);
        } else {
            self.constraints.push(Spanned {
                value: constraint,
                span: meta.path.span(),
            });
        }
    }
}
