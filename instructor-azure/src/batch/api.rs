//! The files and batches calls of the Azure OpenAI API (both URL forms), over the client's HTTP
//! core: its auth, retries, redirects and timeouts.

use std::collections::BTreeMap;
use std::sync::Arc;

use http::Method;
use instructor_core::{Error, Result};
use serde::de::DeserializeOwned;
use serde_json::{json, Value};
use url::Url;

use crate::api_version::ApiVersion;
use crate::batch::lines::Lines;
use crate::batch::spool::SpoolFile;
use crate::batch::{BatchInfo, BatchPage, FileInfo};
use crate::errors::ErrorContext;
use crate::http::{Core, FormSource, Target};
use crate::url::{azure_api_url, origin};

/// The one completion window the service accepts.
const COMPLETION_WINDOW: &str = "24h";

/// A resource's files and batches API.
#[derive(Clone)]
pub(crate) struct Api {
    core: Arc<Core>,
    root: Url,
    version: ApiVersion,
}

impl Api {
    /// The API of an Azure client.
    pub(crate) fn new(core: &Arc<Core>) -> Result<Self> {
        match &core.target {
            Target::Azure { root, version, .. } => Ok(Api {
                core: Arc::clone(core),
                root: root.clone(),
                version: version.clone(),
            }),
            Target::OpenAi { .. } => Err(Error::Configuration(
                "batches are served by the Azure OpenAI clients".into(),
            )),
        }
    }

    pub(crate) fn core(&self) -> &Core {
        &self.core
    }

    pub(crate) fn version(&self) -> &ApiVersion {
        &self.version
    }

    /// The `url` of every input line and the batch's `endpoint`: `/chat/completions` for the
    /// dated api-versions, `/v1/chat/completions` for `v1` and `preview`.
    pub(crate) fn chat_endpoint(&self) -> &'static str {
        if self.version.is_v1() {
            "/v1/chat/completions"
        } else {
            "/chat/completions"
        }
    }

    /// The context per-line errors are mapped with, as an online call to `deployment`'s.
    pub(crate) fn error_context(&self, deployment: &str) -> ErrorContext {
        ErrorContext {
            deployment: Some(deployment.to_owned()),
            endpoint: origin(&self.root),
            azure: true,
        }
    }

    fn url(&self, path: &[&str]) -> Result<Url> {
        azure_api_url(&self.root, &self.version, path)
    }

    async fn call<T: DeserializeOwned>(
        &self,
        method: Method,
        url: Url,
        body: Option<Value>,
    ) -> Result<T> {
        let body = body.map(|b| b.to_string().into_bytes());
        let text = self
            .core
            .send(self.core.prepare_call(method, url, body))
            .await?;
        decode(&text)
    }

    /// Uploads an input file with purpose `batch` (multipart, streamed from disk).
    pub(crate) async fn upload(&self, file: &SpoolFile, name: &str) -> Result<FileInfo> {
        let form: FormSource = {
            let file = file.clone();
            let name = name.to_owned();
            Arc::new(move || file.form(&name))
        };
        let p = self.core.prepare_upload(self.url(&["files"])?, form);
        decode(&self.core.send(p).await?)
    }

    /// A file's state.
    pub(crate) async fn file(&self, id: &str) -> Result<FileInfo> {
        self.call(Method::GET, self.url(&["files", id])?, None)
            .await
    }

    /// Creates a batch of the chat-completions lines in `input_file_id`.
    pub(crate) async fn create_batch(
        &self,
        input_file_id: &str,
        metadata: &BTreeMap<String, String>,
    ) -> Result<BatchInfo> {
        let body = json!({
            "input_file_id": input_file_id,
            "endpoint": self.chat_endpoint(),
            "completion_window": COMPLETION_WINDOW,
            "metadata": metadata,
        });
        self.call(Method::POST, self.url(&["batches"])?, Some(body))
            .await
    }

    /// A batch's state.
    pub(crate) async fn batch(&self, id: &str) -> Result<BatchInfo> {
        self.call(Method::GET, self.url(&["batches", id])?, None)
            .await
    }

    /// Asks the service to cancel a batch.
    pub(crate) async fn cancel(&self, id: &str) -> Result<BatchInfo> {
        self.call(Method::POST, self.url(&["batches", id, "cancel"])?, None)
            .await
    }

    /// One page of the resource's batches, newest first.
    pub(crate) async fn list(&self, limit: u32, after: Option<&str>) -> Result<BatchPage> {
        let mut url = self.url(&["batches"])?;
        {
            let mut query = url.query_pairs_mut();
            query.append_pair("limit", &limit.to_string());
            if let Some(after) = after {
                query.append_pair("after", after);
            }
        }
        self.call(Method::GET, url, None).await
    }

    /// A file's content, line by line; a line longer than the client's reply cap is an error.
    pub(crate) async fn lines(&self, file_id: &str) -> Result<Lines> {
        let url = self.url(&["files", file_id, "content"])?;
        let download = self
            .core
            .download(self.core.prepare_call(Method::GET, url, None))
            .await?;
        Ok(Lines::new(
            download,
            file_id,
            self.core.cfg.max_response_bytes,
        ))
    }
}

fn decode<T: DeserializeOwned>(text: &str) -> Result<T> {
    serde_json::from_str(text).map_err(|e| Error::Transport {
        message: format!(
            "the service's reply is not what its API describes ({e}): {}",
            instructor_core::error::excerpt(text, 200)
        ),
        source: None,
    })
}
