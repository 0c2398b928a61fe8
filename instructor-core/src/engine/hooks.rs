//! Observers of each request, reply, error and retry, for logging and metrics.

use std::fmt;
use std::sync::Arc;

use serde_json::Value;

use crate::error::Error;

type Observer<T> = Arc<dyn Fn(&T) + Send + Sync>;
type RetryObserver = Arc<dyn Fn(&RetryEvent<'_>) + Send + Sync>;

/// A retry about to happen: which attempt failed and why.
#[derive(Debug)]
pub struct RetryEvent<'a> {
    /// The attempt that failed, from 1.
    pub attempt: u32,
    /// How many attempts the client allows in all.
    pub max_attempts: u32,
    /// Why it failed; this is what the model is told.
    pub error: &'a Error,
}

/// The closures registered on a client. Cloning shares them.
#[derive(Clone, Default)]
pub struct Hooks {
    pub(crate) request: Vec<Observer<Value>>,
    pub(crate) response: Vec<Observer<Value>>,
    pub(crate) error: Vec<Observer<Error>>,
    pub(crate) retry: Vec<RetryObserver>,
}

impl Hooks {
    /// Shows the body to the request hooks; turned into a `Value` only when there are any.
    pub(crate) fn request(&self, body: impl FnOnce() -> Value) {
        if self.request.is_empty() {
            return;
        }
        let body = body();
        self.request.iter().for_each(|f| f(&body));
    }
    /// Shows the reply to the response hooks; parsed into a `Value` only when there are any.
    pub(crate) fn response(&self, reply: impl FnOnce() -> Option<Value>) {
        if self.response.is_empty() {
            return;
        }
        if let Some(raw) = reply() {
            self.response.iter().for_each(|f| f(&raw));
        }
    }
    pub(crate) fn error(&self, e: &Error) {
        self.error.iter().for_each(|f| f(e));
    }
    pub(crate) fn retry(&self, event: &RetryEvent<'_>) {
        self.retry.iter().for_each(|f| f(event));
    }
}

impl fmt::Debug for Hooks {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Hooks")
            .field("request", &self.request.len())
            .field("response", &self.response.len())
            .field("error", &self.error.len())
            .field("retry", &self.retry.len())
            .finish()
    }
}
