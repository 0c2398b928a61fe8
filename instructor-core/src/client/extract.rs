//! The shortcuts `T::extract(&client, prompt)`, `T::extract_partial` and `T::extract_iterable`,
//! for blocking and async clients alike.

use crate::async_client::AsyncClient;
use crate::client::Client;
use crate::error::Result;
use crate::instructor::Instructor;
use crate::request::Request;
use crate::streaming::{IterableIter, IterableStream, PartialIter, PartialStream};
use crate::transport::{AsyncTransport, BoxFuture, Transport};

/// A client the `extract` shortcuts work with: [`Client`] returns values, [`AsyncClient`] futures
/// and streams.
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

fn prompt_request(prompt: String) -> Request {
    Request::for_default_deployment().user(prompt)
}

impl<Tr: Transport> Extract for Client<Tr> {
    type One<'a, T: Instructor>
        = Result<T>
    where
        Self: 'a;
    type Partial<'a, T: Instructor>
        = Result<PartialIter<'a, Tr, T>>
    where
        Self: 'a;
    type Iterable<'a, T: Instructor>
        = Result<IterableIter<'a, Tr, T>>
    where
        Self: 'a;

    fn extract_one<T: Instructor>(&self, prompt: String) -> Result<T> {
        self.create(prompt_request(prompt))
    }
    fn extract_partial<T: Instructor>(&self, prompt: String) -> Result<PartialIter<'_, Tr, T>> {
        self.create_partial(prompt_request(prompt))
    }
    fn extract_iterable<T: Instructor>(&self, prompt: String) -> Result<IterableIter<'_, Tr, T>> {
        self.create_iterable(prompt_request(prompt))
    }
}

impl<Tr: AsyncTransport> Extract for AsyncClient<Tr> {
    type One<'a, T: Instructor>
        = BoxFuture<'a, Result<T>>
    where
        Self: 'a;
    type Partial<'a, T: Instructor>
        = Result<PartialStream<'a, T>>
    where
        Self: 'a;
    type Iterable<'a, T: Instructor>
        = Result<IterableStream<'a, T>>
    where
        Self: 'a;

    fn extract_one<T: Instructor>(&self, prompt: String) -> BoxFuture<'_, Result<T>> {
        Box::pin(self.create(prompt_request(prompt)))
    }
    fn extract_partial<T: Instructor>(&self, prompt: String) -> Result<PartialStream<'_, T>> {
        self.create_partial(prompt_request(prompt))
    }
    fn extract_iterable<T: Instructor>(&self, prompt: String) -> Result<IterableStream<'_, T>> {
        self.create_iterable(prompt_request(prompt))
    }
}
