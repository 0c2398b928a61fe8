//! A validator that asks the model itself (Python instructor's `llm_validator`): "does this value
//! satisfy RULE?", answered as a small typed [`Verdict`]; a "no" is re-asked with its reason.

use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

use crate::client::asynchronous::AsyncClient;
use crate::client::blocking::Client;
use crate::error::{Error, Result};
use crate::instructor::Instructor;
use crate::request::chat_request::Request;
use crate::transport::{AsyncTransport, BoxFuture, Transport};
use crate::validation::ValidationErrors;

/// A model's verdict on a value.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
pub struct Verdict {
    /// Whether the value satisfies the rule.
    pub is_valid: bool,
    /// Why not, and what would fix it; null when it does.
    pub reason: Option<String>,
}

impl Instructor for Verdict {
    type Partial = Value;
    fn schema_name() -> String {
        "Verdict".to_owned()
    }
    fn description() -> Option<String> {
        Some("Whether the value satisfies the rule, and if not, why.".to_owned())
    }
    fn json_schema() -> Value {
        json!({
            "type": "object", "title": "Verdict",
            "properties": {
                "is_valid": {"type": "boolean", "description": "True when the value satisfies the rule."},
                "reason": {"type": ["string", "null"], "description": "When it does not: which part breaks the rule and what would fix it."}
            },
            "required": ["is_valid", "reason"]
        })
    }
    fn json_schema_strict() -> Value {
        let mut schema = Self::json_schema();
        schema["additionalProperties"] = json!(false);
        schema
    }
}

const INSTRUCTIONS: &str = "You check values against a rule. Decide strictly whether the value \
    satisfies the rule. If it does not, say in `reason` which part breaks the rule and what \
    would fix it, in one or two sentences.";

/// A rule a model judges values by: `check` asks the model, and a value it finds wanting is an
/// [`Error::Validation`] carrying the model's reason, which `create_validated` re-asks with.
///
/// ```no_run
/// # #[cfg(feature = "testing")] {
/// use instructor_core::{llm_validator, Client, Request};
/// # use instructor_core::testing::ScriptedTransport;
/// # #[derive(serde::Deserialize, serde::Serialize)] struct Reply { text: String }
/// # impl instructor_core::Instructor for Reply { type Partial = serde_json::Value;
/// #   fn schema_name() -> String { "Reply".into() }
/// #   fn json_schema() -> serde_json::Value { serde_json::json!({"type": "object"}) }
/// #   fn json_schema_strict() -> serde_json::Value { Self::json_schema() } }
/// # let client = Client::new(ScriptedTransport::new());
/// let reply: Reply = client.create_validated(
///     Request::new("gpt-4o-mini").user("Answer the customer: where is my parcel?"),
///     llm_validator(&client, "is polite and promises no delivery date"),
/// )?;
/// # }
/// # Ok::<(), instructor_core::Error>(())
/// ```
#[derive(Debug, Clone)]
pub struct LlmValidator {
    rule: String,
    model: Option<String>,
}

impl LlmValidator {
    /// A validator for `rule`, asked of the client's default deployment.
    pub fn new(rule: impl Into<String>) -> Self {
        LlmValidator {
            rule: rule.into(),
            model: None,
        }
    }

    /// Asks this model (deployment) instead of the client's default.
    pub fn model(mut self, model: impl Into<String>) -> Self {
        self.model = Some(model.into());
        self
    }

    fn request(&self, value: &impl Serialize) -> Result<Request> {
        let value = serde_json::to_string_pretty(value).map_err(|e| {
            Error::Configuration(format!(
                "the value to check could not be written as JSON: {e}"
            ))
        })?;
        let request = match &self.model {
            Some(model) => Request::new(model.clone()),
            None => Request::for_default_deployment(),
        };
        Ok(request
            .system(INSTRUCTIONS)
            .user(format!("Rule: {}\n\nValue:\n{value}", self.rule)))
    }

    fn judge(&self, verdict: Verdict) -> Result<()> {
        if verdict.is_valid {
            return Ok(());
        }
        let reason = verdict
            .reason
            .filter(|r| !r.trim().is_empty())
            .unwrap_or_else(|| "no reason given".to_owned());
        let mut errors = ValidationErrors::new();
        errors.push("", format!("breaks the rule \"{}\": {reason}", self.rule));
        Err(Error::Validation(errors))
    }

    /// Asks the model whether `value` satisfies the rule.
    pub fn check<T: Transport>(&self, client: &Client<T>, value: &impl Serialize) -> Result<()> {
        let verdict = client.create::<Verdict>(self.request(value)?)?;
        self.judge(verdict)
    }

    /// Asks the model whether `value` satisfies the rule, awaited.
    pub async fn check_async<T: AsyncTransport>(
        &self,
        client: &AsyncClient<T>,
        value: &(impl Serialize + Sync),
    ) -> Result<()> {
        let verdict = client.create::<Verdict>(self.request(value)?).await?;
        self.judge(verdict)
    }
}

/// A check for [`Client::create_validated`] that asks `client`'s model whether the value
/// satisfies `rule`; see [`LlmValidator`].
pub fn llm_validator<'c, O: Serialize, T: Transport>(
    client: &'c Client<T>,
    rule: impl Into<String>,
) -> impl FnMut(&O) -> Result<()> + 'c {
    let validator = LlmValidator::new(rule);
    move |value: &O| validator.check(client, value)
}

/// A check for [`AsyncClient::create_validated`] that asks `client`'s model whether the value
/// satisfies `rule`; see [`LlmValidator`]. The client is cloned into it (a clone shares the
/// transport).
pub fn llm_validator_async<O, T>(
    client: &AsyncClient<T>,
    rule: impl Into<String>,
) -> impl for<'v> Fn(&'v O) -> BoxFuture<'v, Result<()>>
where
    O: Serialize + Sync,
    T: AsyncTransport + 'static,
{
    let validator = LlmValidator::new(rule);
    let client = client.clone();
    move |value: &O| {
        let (validator, client) = (validator.clone(), client.clone());
        Box::pin(async move { validator.check_async(&client, value).await })
    }
}
