//! The trait `#[derive(Instructor)]` implements, and [`Extract`], the clients its `extract`
//! shortcuts run on.

use std::fmt::Debug;

use serde::de::DeserializeOwned;
use serde::Serialize;
use serde_json::Value;

use crate::validation::ValidationErrors;

/// A type a model can be asked to produce: its JSON Schema, its partial twin for streaming, and its
/// validation.
///
/// Derive it with `#[derive(Instructor)]` beside serde's `Deserialize`.
pub trait Instructor: DeserializeOwned + Send + 'static {
    /// The partial twin: every field optional, nested derived types replaced by their partials, so
    /// any prefix of a streamed value deserializes.
    type Partial: DeserializeOwned
        + Serialize
        + Default
        + Clone
        + PartialEq
        + Debug
        + Send
        + 'static;

    /// The name given to the model (tool name, `json_schema.name`): the type name, generics included.
    fn schema_name() -> String;

    /// The type's description (its doc comment), if any.
    fn description() -> Option<String> {
        None
    }

    /// The JSON Schema of the type, nested types in `$defs`.
    fn json_schema() -> Value;

    /// The schema under OpenAI strict-mode rules: `additionalProperties: false` on every object,
    /// every property required, optional values as unions with `null`, no rejected keywords.
    fn json_schema_strict() -> Value;

    /// Runs the field, nested and type-level validators and the built-in constraints.
    fn validate(&self) -> Result<(), ValidationErrors> {
        Ok(())
    }

    /// For an enum whose variants each wrap one derived type (externally tagged): one tool per
    /// variant, for `Mode::ParallelTools`. `None` for every other type.
    fn parallel_tools() -> Option<Vec<ToolSchema>> {
        None
    }

    /// One `Self` from `prompt`, sent as a user message to the client's default deployment (with
    /// its system prompt, if set). A `Result` on a [`Client`](crate::Client), a future on an
    /// [`AsyncClient`](crate::AsyncClient).
    fn extract<C: Extract>(client: &C, prompt: impl Into<String>) -> C::One<'_, Self>
    where
        Self: Sized,
    {
        client.extract_one::<Self>(prompt.into())
    }

    /// `Self`'s partials streamed from `prompt`; see [`Client::create_partial`](crate::Client::create_partial).
    fn extract_partial<C: Extract>(client: &C, prompt: impl Into<String>) -> C::Partial<'_, Self>
    where
        Self: Sized,
    {
        client.extract_partial::<Self>(prompt.into())
    }

    /// Every `Self` in `prompt`, streamed; see [`Client::create_iterable`](crate::Client::create_iterable).
    fn extract_iterable<C: Extract>(client: &C, prompt: impl Into<String>) -> C::Iterable<'_, Self>
    where
        Self: Sized,
    {
        client.extract_iterable::<Self>(prompt.into())
    }
}

/// Validators that need the caller's data (a catalogue, the source text, the user's account):
/// `create_with_context(request, &context)` runs them after the value has parsed and passed its
/// own validators, and re-asks with their errors like any other.
///
/// `#[derive(Instructor)]` implements it for the type named by `#[instructor(context = Type)]`,
/// from `#[instructor(validate_with_context = f)]` on fields (`fn(&FieldType, &Context)`) and on
/// the type (`fn(&Self, &Context)`); or implement it by hand.
///
/// ```
/// use instructor_core::{ValidateContext, ValidationErrors};
///
/// struct Order { sku: String }
/// struct Catalog { skus: Vec<String> }
///
/// impl ValidateContext<Catalog> for Order {
///     fn validate_context(&self, catalog: &Catalog) -> Result<(), ValidationErrors> {
///         let mut errors = ValidationErrors::new();
///         if !catalog.skus.contains(&self.sku) {
///             errors.push("sku", format!("`{}` is not in the catalogue", self.sku));
///         }
///         errors.into_result()
///     }
/// }
/// ```
pub trait ValidateContext<C: ?Sized> {
    /// Checks the value against `context`; each error at the JSON path of its value.
    fn validate_context(&self, context: &C) -> Result<(), ValidationErrors>;
}

/// One tool of a parallel-tools enum: a variant and its payload's schema.
#[derive(Debug, Clone, PartialEq)]
pub struct ToolSchema {
    /// The variant's name as serde writes it; the tool's name.
    pub name: String,
    /// The payload type's description.
    pub description: Option<String>,
    /// The payload's JSON Schema.
    pub parameters: Value,
    /// The payload's strict JSON Schema.
    pub strict_parameters: Value,
}

/// A client the `extract` shortcuts work with: [`Client`](crate::Client) returns values,
/// [`AsyncClient`](crate::AsyncClient) futures and streams.
pub trait Extract {
    /// What `T::extract` returns.
    type One<'a, T: Instructor>
    where
        Self: 'a;
    /// What `T::extract_partial` returns.
    type Partial<'a, T: Instructor>
    where
        Self: 'a;
    /// What `T::extract_iterable` returns.
    type Iterable<'a, T: Instructor>
    where
        Self: 'a;

    /// One `T` from `prompt`, sent as a user message to the default deployment.
    fn extract_one<T: Instructor>(&self, prompt: String) -> Self::One<'_, T>;
    /// `T`'s partials streamed from `prompt`.
    fn extract_partial<T: Instructor>(&self, prompt: String) -> Self::Partial<'_, T>;
    /// Every `T` in `prompt`, streamed.
    fn extract_iterable<T: Instructor>(&self, prompt: String) -> Self::Iterable<'_, T>;
}
