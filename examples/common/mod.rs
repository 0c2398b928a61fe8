//! Shared by the examples: Azure when `AZURE_OPENAI_ENDPOINT` is set, else the local model that
//! `scripts/local-model.sh start` serves in Azure's URL form on 127.0.0.1.
#![allow(dead_code)]

use instructor::azure::{AsyncAzureOpenAI, AzureOpenAI};
use instructor::Request;

/// Where the local model listens, unless `LOCAL_MODEL_PORT` says otherwise.
const LOCAL_PORT: &str = "8088";

fn on_azure() -> bool {
    std::env::var("AZURE_OPENAI_ENDPOINT").is_ok_and(|v| !v.is_empty())
}

fn local_endpoint() -> String {
    let port = std::env::var("LOCAL_MODEL_PORT").unwrap_or_else(|_| LOCAL_PORT.to_owned());
    format!("http://127.0.0.1:{port}")
}

/// The blocking Azure client: from the environment, or the local model.
pub fn azure() -> Result<AzureOpenAI, instructor::Error> {
    if on_azure() {
        return AzureOpenAI::from_env();
    }
    AzureOpenAI::builder()
        .azure_endpoint(local_endpoint())
        .api_key("local")
        .api_version("2024-10-21")
        .deployment("smollm2")
        .build()
}

/// The blocking client for the Responses API modes: from the environment (they need
/// `OPENAI_API_VERSION=v1`, `preview`, or 2025-03-01-preview or later), or the local model in
/// Azure's v1 URL form (`/openai/v1/responses`).
pub fn azure_responses() -> Result<AzureOpenAI, instructor::Error> {
    if on_azure() {
        return AzureOpenAI::from_env();
    }
    AzureOpenAI::builder()
        .azure_endpoint(local_endpoint())
        .api_key("local")
        .api_version("v1")
        .deployment("smollm2")
        .build()
}

/// The async Azure client: from the environment, or the local model.
pub fn async_azure() -> Result<AsyncAzureOpenAI, instructor::Error> {
    if on_azure() {
        return AsyncAzureOpenAI::from_env();
    }
    AsyncAzureOpenAI::builder()
        .azure_endpoint(local_endpoint())
        .api_key("local")
        .api_version("2024-10-21")
        .deployment("smollm2")
        .build()
}

/// A request to the default deployment. On the local model the reply is bounded: a 135M model
/// left to itself can ramble for minutes.
pub fn request() -> Request {
    let request = Request::for_default_deployment();
    if on_azure() {
        request
    } else {
        request.temperature(0.0).max_tokens(400)
    }
}
