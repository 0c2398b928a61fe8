//! Extractions with the caller's own checks after the type's validators: validators that see
//! caller data ([`ValidateContext`]), closures, async validators, and validators that ask the
//! model. A value they refuse is re-asked with their errors like any validation error.

use tracing::Instrument as _;

use crate::client::asynchronous::AsyncClient;
use crate::client::blocking::Client;
use crate::engine::attempts::{Attempts, Turn};
use crate::error::{Error, Result};
use crate::event::Final;
use crate::instructor::{Instructor, ValidateContext};
use crate::request::chat_request::Request;
use crate::response::decode::Plan;
use crate::transport::{AsyncTransport, BoxFuture, Transport};

/// What a check says of a value: `Err(Error::Validation(..))` (or `Error::Parse`) is sent back
/// to the model; any other error ends the extraction.
fn verdict<O>(
    attempts: &mut Attempts<O>,
    done: Final<O>,
    checked: Result<()>,
) -> Result<Option<O>> {
    match checked {
        Ok(()) => Ok(Some(done.value)),
        Err(e) if e.is_reaskable() => {
            attempts.refuse(done, e)?;
            Ok(None)
        }
        Err(e) => Err(e),
    }
}

impl<T: Transport> Client<T> {
    /// As [`create`](Self::create), then the type's context validators with `context` (see
    /// [`ValidateContext`]); their errors are re-asked like any other.
    ///
    /// ```
    /// # #[cfg(feature = "testing")] {
    /// use instructor_core::testing::{self, ScriptedTransport};
    /// use instructor_core::{Client, Request, ValidateContext, ValidationErrors};
    /// # use instructor_core::Instructor;
    /// # #[derive(serde::Deserialize)] struct Order { sku: String }
    /// # impl Instructor for Order { type Partial = serde_json::Value;
    /// #   fn schema_name() -> String { "Order".into() }
    /// #   fn json_schema() -> serde_json::Value { serde_json::json!({"type": "object"}) }
    /// #   fn json_schema_strict() -> serde_json::Value { Self::json_schema() } }
    /// struct Catalog(Vec<&'static str>);
    /// impl ValidateContext<Catalog> for Order {
    ///     fn validate_context(&self, c: &Catalog) -> Result<(), ValidationErrors> {
    ///         let mut e = ValidationErrors::new();
    ///         if !c.0.contains(&self.sku.as_str()) { e.push("sku", "not in the catalogue"); }
    ///         e.into_result()
    ///     }
    /// }
    /// let transport = ScriptedTransport::new()
    ///     .reply(testing::tool_call_completion("Order", r#"{"sku": "X9"}"#))
    ///     .reply(testing::tool_call_completion("Order", r#"{"sku": "A1"}"#));
    /// let client = Client::new(transport).max_retries(1);
    /// let order: Order = client
    ///     .create_with_context(Request::new("m").user("one A1 please"), &Catalog(vec!["A1"]))
    ///     .unwrap();
    /// assert_eq!(order.sku, "A1");
    /// # }
    /// ```
    pub fn create_with_context<O, C>(&self, request: Request, context: &C) -> Result<O>
    where
        O: Instructor + ValidateContext<C>,
        C: ?Sized,
    {
        self.create_validated(request, |value: &O| {
            value.validate_context(context).map_err(Error::Validation)
        })
    }

    /// As [`create`](Self::create), then `check` on the value: `Err(Error::Validation(..))` is
    /// re-asked, any other error ends the extraction. The check may capture whatever it needs,
    /// and may itself ask a model (see [`llm_validator`](crate::llm_validator)).
    pub fn create_validated<O: Instructor>(
        &self,
        request: Request,
        mut check: impl FnMut(&O) -> Result<()>,
    ) -> Result<O> {
        let plan = Plan::single(self.settings.mode);
        let mut attempts = Attempts::new(&self.settings, self, request, plan, false)?;
        loop {
            let body = attempts.body();
            let raw = attempts
                .call_span()
                .in_scope(|| self.transport.send_request(body))?;
            if let Turn::Done(done) = attempts.on_reply(&raw)? {
                let checked = check(&done.value);
                if let Some(value) = verdict(&mut attempts, *done, checked)? {
                    return Ok(value);
                }
            }
        }
    }
}

impl<T: AsyncTransport> AsyncClient<T> {
    /// As [`create`](Self::create), then the type's context validators with `context`; see
    /// [`Client::create_with_context`].
    pub async fn create_with_context<O, C>(&self, request: Request, context: &C) -> Result<O>
    where
        O: Instructor + ValidateContext<C>,
        C: ?Sized + Sync,
    {
        self.create_validated(request, |value: &O| {
            let checked = value.validate_context(context).map_err(Error::Validation);
            Box::pin(async move { checked })
        })
        .await
    }

    /// As [`create`](Self::create), then the async `check` on the value (a lookup in a database,
    /// a call to another service, a question to a model): `Err(Error::Validation(..))` is
    /// re-asked, any other error ends the extraction.
    ///
    /// ```no_run
    /// # async fn run(client: instructor_core::AsyncClient<impl instructor_core::AsyncTransport>) -> instructor_core::Result<()> {
    /// # #[derive(serde::Deserialize)] struct User { email: String }
    /// # impl instructor_core::Instructor for User { type Partial = serde_json::Value;
    /// #   fn schema_name() -> String { "User".into() }
    /// #   fn json_schema() -> serde_json::Value { serde_json::json!({"type": "object"}) }
    /// #   fn json_schema_strict() -> serde_json::Value { Self::json_schema() } }
    /// # async fn email_is_registered(_: &str) -> bool { true }
    /// use instructor_core::{Error, Request, ValidationErrors};
    /// let user: User = client
    ///     .create_validated(Request::new("gpt-4o-mini").user("…"), |user: &User| {
    ///         Box::pin(async move {
    ///             if email_is_registered(&user.email).await {
    ///                 return Ok(());
    ///             }
    ///             let mut e = ValidationErrors::new();
    ///             e.push("email", format!("{} has no account; give the address on file", user.email));
    ///             Err(Error::Validation(e))
    ///         })
    ///     })
    ///     .await?;
    /// # Ok(()) }
    /// ```
    pub async fn create_validated<O, F>(&self, request: Request, check: F) -> Result<O>
    where
        O: Instructor,
        F: for<'v> Fn(&'v O) -> BoxFuture<'v, Result<()>>,
    {
        let plan = Plan::single(self.settings.mode);
        let mut attempts = Attempts::new(&self.settings, self, request, plan, false)?;
        loop {
            let body = attempts.body();
            let call = attempts.call_span();
            let raw = self.transport.send_request(body).instrument(call).await?;
            if let Turn::Done(done) = attempts.on_reply(&raw)? {
                let checked = check(&done.value).await;
                if let Some(value) = verdict(&mut attempts, *done, checked)? {
                    return Ok(value);
                }
            }
        }
    }
}
