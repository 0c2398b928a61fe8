//! The clients: [`Client`](blocking::Client) over a blocking transport and
//! [`AsyncClient`](asynchronous::AsyncClient) over an async one, each driving the engine over its
//! transport, with their streams and the `T::extract` shortcuts.

pub(crate) mod async_streams;
pub(crate) mod asynchronous;
pub(crate) mod blocking;
pub(crate) mod blocking_streams;
mod checked;
mod extract;
pub(crate) mod llm_validator;
pub(crate) mod settings_builder;
