//! [`Extract`] for both clients: what `T::extract(&client, prompt)`, `T::extract_partial` and
//! `T::extract_iterable` return on each.

use crate::client::async_streams::{IterableStream, PartialStream};
use crate::client::asynchronous::AsyncClient;
use crate::client::blocking::Client;
use crate::client::blocking_streams::{IterableIter, PartialIter};
use crate::error::Result;
use crate::instructor::{Extract, Instructor};
use crate::request::chat_request::Request;
use crate::transport::{AsyncTransport, BoxFuture, Transport};

fn prompt_request(prompt: String) -> Request {
    Request::for_default_deployment().user(prompt)
}

impl<Tr: Transport + 'static> Extract for Client<Tr> {
    type One<'a, T: Instructor>
        = Result<T>
    where
        Self: 'a;
    type Partial<'a, T: Instructor>
        = Result<PartialIter<Tr, T>>
    where
        Self: 'a;
    type Iterable<'a, T: Instructor>
        = Result<IterableIter<Tr, T>>
    where
        Self: 'a;

    fn extract_one<T: Instructor>(&self, prompt: String) -> Result<T> {
        self.create(prompt_request(prompt))
    }
    fn extract_partial<T: Instructor>(&self, prompt: String) -> Result<PartialIter<Tr, T>> {
        self.create_partial(prompt_request(prompt))
    }
    fn extract_iterable<T: Instructor>(&self, prompt: String) -> Result<IterableIter<Tr, T>> {
        self.create_iterable(prompt_request(prompt))
    }
}

impl<Tr: AsyncTransport + 'static> Extract for AsyncClient<Tr> {
    type One<'a, T: Instructor>
        = BoxFuture<'a, Result<T>>
    where
        Self: 'a;
    type Partial<'a, T: Instructor>
        = Result<PartialStream<T>>
    where
        Self: 'a;
    type Iterable<'a, T: Instructor>
        = Result<IterableStream<T>>
    where
        Self: 'a;

    fn extract_one<T: Instructor>(&self, prompt: String) -> BoxFuture<'_, Result<T>> {
        Box::pin(self.create(prompt_request(prompt)))
    }
    fn extract_partial<T: Instructor>(&self, prompt: String) -> Result<PartialStream<T>> {
        self.create_partial(prompt_request(prompt))
    }
    fn extract_iterable<T: Instructor>(&self, prompt: String) -> Result<IterableStream<T>> {
        self.create_iterable(prompt_request(prompt))
    }
}
