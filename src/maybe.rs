//! `Maybe<T>`: a value, or the model's word that the text does not hold one.

use serde::{Deserialize, Serialize};

use crate::Instructor;

/// A result-or-reason wrapper, as Python instructor's `Maybe`: the model answers with the value,
/// or sets `error` and says in `message` why there is none, instead of inventing one.
///
/// ```
/// use instructor::{Instructor, Maybe};
/// use serde::Deserialize;
///
/// #[derive(Instructor, Deserialize, Debug)]
/// struct User { name: String, age: u32 }
///
/// // The schema the model is asked for: `Maybe_User`, with `result` nullable.
/// assert_eq!(Maybe::<User>::json_schema()["title"], "Maybe_User");
///
/// let none: Maybe<User> = serde_json::from_str(
///     r#"{"result": null, "error": true, "message": "no age is given"}"#,
/// ).unwrap();
/// assert!(none.validate().is_ok());
/// assert_eq!(none.into_result().unwrap_err(), "no age is given");
/// ```
#[derive(Instructor, Serialize, Deserialize, Debug, Clone, PartialEq)]
#[instructor(
    crate = "crate",
    validate_with = Maybe::check,
    description = "The result if the text holds it; otherwise error true and a short message why not."
)]
pub struct Maybe<T> {
    /// The value, when the text holds one; null otherwise.
    pub result: Option<T>,
    /// True when there is no value to give; then `message` says why.
    pub error: bool,
    /// Why there is no value, short and concise; null when there is one.
    pub message: Option<String>,
}

impl<T> Maybe<T> {
    /// The value, or the model's reason there is none.
    pub fn into_result(self) -> Result<T, String> {
        match self.result {
            Some(value) if !self.error => Ok(value),
            _ => Err(self
                .message
                .unwrap_or_else(|| "the model gave no value and no reason".to_owned())),
        }
    }

    /// The value, if the model gave one.
    pub fn into_option(self) -> Option<T> {
        self.into_result().ok()
    }

    /// The wrapper's own rule, for the re-ask: a value, or an error with its reason; not both.
    fn check(&self) -> Result<(), &'static str> {
        match (&self.result, self.error) {
            (Some(_), true) => Err("`error` is true but a `result` is given: give the result \
                 with error false, or null with error true and a message"),
            (None, false) => Err(
                "`result` is null but `error` is false: give the result, or \
                 set error true and say in `message` why the text does not hold it",
            ),
            (None, true) if self.message.as_deref().is_none_or(str::is_empty) => {
                Err("`error` is true: say in `message` why there is no result")
            }
            _ => Ok(()),
        }
    }
}
