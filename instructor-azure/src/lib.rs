//! Azure OpenAI and OpenAI-compatible transports for instructor.
//!
//! - [`AzureOpenAI`] / [`AsyncAzureOpenAI`]: an Azure OpenAI resource, by api-version
//!   (deployment URLs, or the `/openai/v1/` form for `v1` / `preview`), with an API key or Entra ID
//!   tokens ([`TokenCredential`], [`ClientSecretCredential`], [`StaticToken`]).
//! - [`OpenAI`] / [`AsyncOpenAI`]: any OpenAI-compatible server (OpenAI, llama.cpp, vLLM, Ollama).
//! - [`batch`]: many extractions as one job on Azure's Batch API ([`AzureOpenAI::batch`]).
//!
//! Every client keeps one pooled HTTP connection pool, refuses request fields its api-version does
//! not accept before sending ([`ApiVersion::check_body`]), retries 429 / 5xx with backoff and the
//! server's retry-after within a [`RetryPolicy`], maps Azure's error bodies to
//! [`instructor_core::Error`] variants, never sends credentials to another origin on redirect, and
//! never prints them.
//!
//! ```no_run
//! use instructor_azure::AzureOpenAI;
//! use instructor_core::Transport;
//! use serde_json::json;
//!
//! let client = AzureOpenAI::builder()
//!     .api_key(std::env::var("AZURE_OPENAI_API_KEY").unwrap_or_default())
//!     .api_version("2024-10-21")
//!     .azure_endpoint("https://my-resource.openai.azure.com")
//!     .deployment("gpt-4o-mini")
//!     .build()?;
//! let reply = client.send(&json!({"messages": [{"role": "user", "content": "Hi"}]}))?;
//! # Ok::<(), instructor_core::Error>(())
//! ```

#![warn(missing_docs)]

mod api_version;
mod auth;
pub mod batch;
mod client;
mod config;
mod errors;
mod http;
#[cfg(feature = "azure-identity")]
mod identity;
mod retry;
mod secret;
mod url;
mod wire;

pub use api_version::ApiVersion;
pub use auth::{
    AccessToken, CachedCredential, ClientSecretCredential, StaticToken, TokenCredential,
    COGNITIVE_SERVICES_SCOPE, DEFAULT_AUTHORITY_HOST, DEFAULT_TOKEN_FETCH_BACKOFF,
    DEFAULT_TOKEN_FETCH_TIMEOUT, MAX_TOKEN_FETCH_BACKOFF, MAX_TOKEN_LIFETIME,
};
pub use batch::{
    AsyncBatchJob, AsyncBatchResults, BatchBuilder, BatchClient, BatchIds, BatchInfo, BatchItem,
    BatchJob, BatchLimits, BatchProgress, BatchRequest, BatchResults, BatchStatus,
};
pub use client::{
    AsyncAzureOpenAI, AsyncOpenAI, AzureOpenAI, AzureOpenAIBuilder, OpenAI, OpenAIBuilder,
    OPENAI_BASE_URL,
};
pub use config::{
    RetryPolicy, DEFAULT_CONNECT_TIMEOUT, DEFAULT_MAX_RESPONSE_BYTES, DEFAULT_READ_TIMEOUT,
    DEFAULT_TOTAL_TIMEOUT,
};
pub use reqwest;
pub use secret::Secret;

// Feature `azure-identity`: the adapter, and the `azure_identity` / `azure_core` crates it is
// built with, so the credentials you construct are of the versions it accepts.
#[cfg(feature = "azure-identity")]
pub use azure_core;
#[cfg(feature = "azure-identity")]
pub use azure_identity;
#[cfg(feature = "azure-identity")]
pub use identity::AzureIdentityCredential;

#[cfg(feature = "fuzzing")]
#[doc(hidden)]
pub use errors::fuzzing;
