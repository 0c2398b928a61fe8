//! The four clients and their builders.

use std::future::Future;
use std::marker::PhantomData;
use std::sync::Arc;
use std::time::Duration;

use futures::StreamExt;
use instructor_core::transport::BoxFuture;
use instructor_core::{
    AsyncTransport, ChunkIter, ChunkStream, Error, Feature, RequestBody, Result, Support, Transport,
};
use serde_json::Value;

use crate::api_version::ApiVersion;
use crate::auth::{Auth, CachedCredential, StaticToken, TokenCredential};
use crate::config::{HttpConfig, RetryPolicy};
use crate::http::{Core, Prepared, Target};
use crate::secret::Secret;
use crate::url::{azure_root, parse_base};
use crate::wire::{ClientSettings, HttpVersion};

fn env(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.trim().is_empty())
}

/// A private runtime for the blocking clients: requests run on its thread, so the blocking
/// clients work from plain `fn main` and from inside another tokio runtime alike.
pub(crate) struct Rt(Option<tokio::runtime::Runtime>);

impl Rt {
    fn new() -> Result<Self> {
        tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .thread_name("instructor-azure-io")
            .enable_all()
            .build()
            .map(|rt| Rt(Some(rt)))
            .map_err(|e| {
                Error::transport("could not start the I/O runtime of the blocking client", e)
            })
    }

    pub(crate) fn run<T: Send + 'static>(
        &self,
        fut: impl Future<Output = Result<T>> + Send + 'static,
    ) -> Result<T> {
        let Some(rt) = &self.0 else {
            return Err(Error::Configuration("the client's runtime is gone".into()));
        };
        let task = rt.spawn(fut);
        // `futures`' executor only parks this thread: no tokio "runtime within a runtime" panic.
        match futures::executor::block_on(task) {
            Ok(result) => result,
            Err(e) => Err(Error::Transport {
                message: format!("the request task stopped: {e}"),
                source: None,
            }),
        }
    }

    pub(crate) fn spawn(&self, fut: impl Future<Output = ()> + Send + 'static) {
        if let Some(rt) = &self.0 {
            rt.spawn(fut);
        }
    }
}

impl Drop for Rt {
    fn drop(&mut self) {
        // Unlike a plain drop, this never panics inside an async context.
        if let Some(rt) = self.0.take() {
            rt.shutdown_background();
        }
    }
}

/// Chunks of a blocking stream, pumped by a task on the client's runtime.
struct BlockingChunks {
    rx: tokio::sync::mpsc::Receiver<Result<String>>,
    _rt: Arc<Rt>,
}

impl Iterator for BlockingChunks {
    type Item = Result<String>;
    fn next(&mut self) -> Option<Self::Item> {
        futures::executor::block_on(self.rx.recv())
    }
}

/// Events a blocking stream reads ahead of its iterator: one waiting in the channel and one in
/// hand, so at most two events (each within the reply cap) are held for a slow reader.
const BLOCKING_READ_AHEAD: usize = 1;

fn blocking_chunks(rt: &Arc<Rt>, mut stream: ChunkStream) -> ChunkIter {
    let (tx, rx) = tokio::sync::mpsc::channel(BLOCKING_READ_AHEAD);
    rt.spawn(async move {
        loop {
            let item = tokio::select! {
                item = stream.next() => item,
                // The iterator was dropped: stop reading and close the connection.
                _ = tx.closed() => None,
            };
            let Some(item) = item else { break };
            if tx.send(item).await.is_err() {
                break;
            }
        }
    });
    Box::new(BlockingChunks {
        rx,
        _rt: rt.clone(),
    })
}

pub(crate) fn supports(core: &Core, feature: Feature) -> Support {
    match &core.target {
        Target::Azure { version, .. } => version.supports(feature),
        Target::OpenAi { .. } => Support::Yes,
    }
}

macro_rules! async_client {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Clone)]
        pub struct $name {
            pub(crate) core: Arc<Core>,
        }

        impl std::fmt::Debug for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                write!(f, "{}({:?})", stringify!($name), self.core)
            }
        }

        impl AsyncTransport for $name {
            fn send<'a>(&'a self, body: &'a Value) -> BoxFuture<'a, Result<String>> {
                Box::pin(async move { self.core.send(self.core.prepare_value(body, false)?).await })
            }
            fn stream<'a>(&'a self, body: &'a Value) -> BoxFuture<'a, Result<ChunkStream>> {
                Box::pin(async move { self.core.stream(self.core.prepare_value(body, true)?).await })
            }
            fn send_request<'a>(&'a self, body: &'a RequestBody) -> BoxFuture<'a, Result<String>> {
                Box::pin(async move { self.core.send(self.core.prepare(body, false)?).await })
            }
            fn stream_request<'a>(
                &'a self,
                body: &'a RequestBody,
            ) -> BoxFuture<'a, Result<ChunkStream>> {
                Box::pin(async move { self.core.stream(self.core.prepare(body, true)?).await })
            }
            fn default_model(&self) -> Option<&str> {
                self.core.default_model()
            }
            fn supports(&self, feature: Feature) -> Support {
                supports(&self.core, feature)
            }
        }
    };
}

macro_rules! blocking_client {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Clone)]
        pub struct $name {
            pub(crate) core: Arc<Core>,
            pub(crate) rt: Arc<Rt>,
        }

        impl std::fmt::Debug for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                write!(f, "{}({:?})", stringify!($name), self.core)
            }
        }

        impl $name {
            /// Sends on the client's runtime; the body is already bytes, so nothing is copied.
            fn send_prepared(&self, p: Prepared) -> Result<String> {
                let core = self.core.clone();
                self.rt.run(async move { core.send(p).await })
            }
            fn stream_prepared(&self, p: Prepared) -> Result<ChunkIter> {
                let core = self.core.clone();
                let stream = self.rt.run(async move { core.stream(p).await })?;
                Ok(blocking_chunks(&self.rt, stream))
            }
        }

        impl Transport for $name {
            fn send(&self, body: &Value) -> Result<String> {
                self.send_prepared(self.core.prepare_value(body, false)?)
            }
            fn stream(&self, body: &Value) -> Result<ChunkIter> {
                self.stream_prepared(self.core.prepare_value(body, true)?)
            }
            fn send_request(&self, body: &RequestBody) -> Result<String> {
                self.send_prepared(self.core.prepare(body, false)?)
            }
            fn stream_request(&self, body: &RequestBody) -> Result<ChunkIter> {
                self.stream_prepared(self.core.prepare(body, true)?)
            }
            fn default_model(&self) -> Option<&str> {
                self.core.default_model()
            }
            fn supports(&self, feature: Feature) -> Support {
                supports(&self.core, feature)
            }
        }
    };
}

async_client! {
    /// Async Azure OpenAI transport; see [`AzureOpenAI`] for the blocking one.
    ///
    /// ```no_run
    /// use instructor_azure::AsyncAzureOpenAI;
    /// let client = AsyncAzureOpenAI::builder()
    ///     .api_key("...")
    ///     .api_version("2024-10-21")
    ///     .azure_endpoint("https://my-resource.openai.azure.com")
    ///     .deployment("gpt-4o-mini")
    ///     .build()?;
    /// # Ok::<(), instructor_core::Error>(())
    /// ```
    AsyncAzureOpenAI
}

blocking_client! {
    /// Blocking Azure OpenAI transport. It runs its requests on a private one-thread runtime, so it
    /// works from plain `fn main` and does not panic inside a tokio runtime (though async code
    /// should prefer [`AsyncAzureOpenAI`]).
    ///
    /// ```no_run
    /// use instructor_azure::AzureOpenAI;
    /// // AZURE_OPENAI_API_KEY, AZURE_OPENAI_ENDPOINT, OPENAI_API_VERSION, AZURE_OPENAI_DEPLOYMENT
    /// let client = AzureOpenAI::from_env()?;
    /// // or
    /// let client = AzureOpenAI::builder()
    ///     .api_key("...")
    ///     .api_version("2024-10-21")
    ///     .azure_endpoint("https://my-resource.openai.azure.com")
    ///     .deployment("gpt-4o-mini")
    ///     .build()?;
    /// # Ok::<(), instructor_core::Error>(())
    /// ```
    AzureOpenAI
}

async_client! {
    /// Async transport for OpenAI and OpenAI-compatible servers (llama.cpp, vLLM, Ollama).
    ///
    /// ```
    /// use instructor_azure::AsyncOpenAI;
    /// let local = AsyncOpenAI::builder().base_url("http://127.0.0.1:8080/v1").build()?;
    /// # Ok::<(), instructor_core::Error>(())
    /// ```
    AsyncOpenAI
}

blocking_client! {
    /// Blocking transport for OpenAI and OpenAI-compatible servers (llama.cpp, vLLM, Ollama).
    ///
    /// ```
    /// use instructor_azure::OpenAI;
    /// let local = OpenAI::builder().base_url("http://localhost:11434/v1").model("llama3.2").build()?;
    /// # Ok::<(), instructor_core::Error>(())
    /// ```
    OpenAI
}

/// Settings every builder shares.
macro_rules! common_settings {
    () => {
        /// How long to wait for a TCP + TLS connection (default 10 s).
        pub fn connect_timeout(mut self, timeout: Duration) -> Self {
            self.client.connect_timeout = Some(timeout);
            self
        }

        /// How long to wait for the reply's headers, and then for each next piece of its body or
        /// stream (default 300 s).
        pub fn read_timeout(mut self, timeout: Duration) -> Self {
            self.cfg.read_timeout = timeout;
            self
        }

        /// The longest one call may take, or one stream may stay open, from the first byte sent
        /// to the last one read: connecting, token fetches, retries and their waits, and every
        /// read (default 10 minutes). A server that sends a byte now and then cannot keep a call
        /// alive past it.
        pub fn total_timeout(mut self, timeout: Duration) -> Self {
            self.cfg.total_timeout = timeout;
            self
        }

        /// Sends through your own `reqwest::Client` (its proxy, root certificates, client
        /// certificate, timeouts, default headers) instead of one the SDK builds. Build it with
        /// `.redirect(reqwest::redirect::Policy::none())`: the SDK then follows redirects itself
        /// and keeps the key on the endpoint's origin; a client that follows a redirect by
        /// itself gets an error. The settings of the SDK's own client (`connect_timeout`,
        /// `proxy`, `no_proxy`, `add_root_certificate`, `http1_only`, `http2_prior_knowledge`,
        /// `max_streams_per_connection`) are then refused: set them on your client.
        ///
        /// ```
        /// use instructor_azure::{reqwest, AsyncAzureOpenAI};
        /// let http = reqwest::Client::builder()
        ///     .redirect(reqwest::redirect::Policy::none())
        ///     .proxy(reqwest::Proxy::https("https://proxy.corp.example:8443")?)
        ///     .build()?;
        /// let client = AsyncAzureOpenAI::builder()
        ///     .api_key("...")
        ///     .api_version("2024-10-21")
        ///     .azure_endpoint("https://my-resource.openai.azure.com")
        ///     .http_client(http)
        ///     .build()?;
        /// # Ok::<(), Box<dyn std::error::Error>>(())
        /// ```
        pub fn http_client(mut self, client: reqwest::Client) -> Self {
            self.client.user = Some(client);
            self
        }

        /// A proxy for the SDK's client (`http://`, `https://` — TLS to the proxy itself —, or
        /// with the `socks` feature `socks5://` / `socks5h://`); may be called more than once.
        /// Without one, `HTTPS_PROXY`, `HTTP_PROXY`, `ALL_PROXY` and `NO_PROXY` apply.
        pub fn proxy(mut self, proxy: reqwest::Proxy) -> Self {
            self.client.proxies.push(proxy);
            self
        }

        /// No proxy at all, not even one from the environment.
        pub fn no_proxy(mut self) -> Self {
            self.client.no_proxy = true;
            self
        }

        /// Trusts `cert` as a root besides the system's (a corporate TLS-inspecting proxy, a
        /// private endpoint's CA); may be called more than once.
        pub fn add_root_certificate(mut self, cert: reqwest::Certificate) -> Self {
            self.client.roots.push(cert);
            self
        }

        /// HTTP/1.1 only (by default HTTP/2 is used when the server offers it in the TLS
        /// handshake).
        pub fn http1_only(mut self) -> Self {
            self.client.version = HttpVersion::Http1Only;
            self
        }

        /// HTTP/2 without negotiation (prior knowledge), also over plain http to a local server.
        pub fn http2_prior_knowledge(mut self) -> Self {
            self.client.version = HttpVersion::Http2PriorKnowledge;
            self
        }

        /// How many requests and streams one connection carries at once before the SDK's
        /// client opens another (default 100). An HTTP/2 server lets one connection carry a
        /// limited number of streams (its `SETTINGS_MAX_CONCURRENT_STREAMS`, 100 or 128 on
        /// most); requests beyond it would wait for a stream to end, and a streamed completion
        /// lasts seconds to minutes. Set it to the server's limit if that is lower. Over
        /// HTTP/1.1 each request has a connection of its own anyway. The connections share the
        /// client's TLS configuration: opening one reads no certificate file (unless
        /// [`add_root_certificate`](Self::add_root_certificate) is used).
        pub fn max_streams_per_connection(mut self, streams: usize) -> Self {
            self.client.max_streams_per_connection = streams.max(1);
            self
        }

        /// Retries of 408, 409, 429, 5xx, refused connections and connections closed before the
        /// reply (default 2).
        pub fn max_retries(mut self, retries: u32) -> Self {
            self.cfg.retry.max_retries = retries;
            self
        }

        /// The whole retry policy: count, backoff, cap on one wait, total budget.
        pub fn retry_policy(mut self, policy: RetryPolicy) -> Self {
            self.cfg.retry = policy;
            self
        }

        /// The largest reply body (or single stream event) read, in bytes (default 16 MiB).
        pub fn max_response_bytes(mut self, bytes: usize) -> Self {
            self.cfg.max_response_bytes = bytes;
            self
        }
    };
}

/// Builds an [`AzureOpenAI`] (or, as `AzureOpenAIBuilder<AsyncAzureOpenAI>`, an [`AsyncAzureOpenAI`]).
#[must_use]
pub struct AzureOpenAIBuilder<C = AzureOpenAI> {
    api_key: Option<Secret>,
    credential: Option<Arc<CachedCredential>>,
    api_version: Option<String>,
    endpoint: Option<String>,
    deployment: Option<String>,
    cfg: HttpConfig,
    client: ClientSettings,
    _client: PhantomData<fn() -> C>,
}

impl<C> std::fmt::Debug for AzureOpenAIBuilder<C> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AzureOpenAIBuilder")
            .field("api_key", &self.api_key)
            .field("credential", &self.credential.as_ref().map(|_| "***"))
            .field("api_version", &self.api_version)
            .field("endpoint", &self.endpoint)
            .field("deployment", &self.deployment)
            .field("client", &self.client)
            .finish_non_exhaustive()
    }
}

impl<C> AzureOpenAIBuilder<C> {
    fn new() -> Self {
        AzureOpenAIBuilder {
            api_key: None,
            credential: None,
            api_version: None,
            endpoint: None,
            deployment: None,
            cfg: HttpConfig::default(),
            client: ClientSettings::default(),
            _client: PhantomData,
        }
    }

    /// The resource key, sent as the `api-key` header.
    pub fn api_key(mut self, key: impl Into<Secret>) -> Self {
        self.api_key = Some(key.into());
        self
    }

    /// An Entra ID token you already have, sent as `Authorization: Bearer`.
    pub fn azure_ad_token(self, token: impl Into<Secret>) -> Self {
        self.token_credential(Arc::new(StaticToken::new(token)))
    }

    /// Entra ID tokens from `credential` (scope `https://cognitiveservices.azure.com/.default`),
    /// cached and refreshed 5 minutes before expiry. Takes precedence over an API key.
    pub fn token_credential(mut self, credential: Arc<dyn TokenCredential>) -> Self {
        self.credential = Some(Arc::new(CachedCredential::new(credential)));
        self
    }

    /// A token cache shared with other clients.
    pub fn cached_credential(mut self, credential: Arc<CachedCredential>) -> Self {
        self.credential = Some(credential);
        self
    }

    /// The api-version: `2024-10-21`, `2024-08-01-preview`, … or `v1` / `preview` for the
    /// `/openai/v1/` API.
    pub fn api_version(mut self, version: impl Into<String>) -> Self {
        self.api_version = Some(version.into());
        self
    }

    /// The resource endpoint, e.g. `https://my-resource.openai.azure.com`.
    pub fn azure_endpoint(mut self, endpoint: impl Into<String>) -> Self {
        self.endpoint = Some(endpoint.into());
        self
    }

    /// The deployment used when a request names none.
    pub fn deployment(mut self, deployment: impl Into<String>) -> Self {
        self.deployment = Some(deployment.into());
        self
    }

    /// Same as [`deployment`](Self::deployment), under the Python SDK's name.
    pub fn azure_deployment(self, deployment: impl Into<String>) -> Self {
        self.deployment(deployment)
    }

    /// Fills what is not set yet from `AZURE_OPENAI_API_KEY` (or `AZURE_OPENAI_AD_TOKEN`),
    /// `AZURE_OPENAI_ENDPOINT`, `OPENAI_API_VERSION` and `AZURE_OPENAI_DEPLOYMENT`.
    pub fn with_env(mut self) -> Self {
        if self.api_key.is_none() && self.credential.is_none() {
            if let Some(key) = env("AZURE_OPENAI_API_KEY") {
                self.api_key = Some(Secret::new(key));
            } else if let Some(token) = env("AZURE_OPENAI_AD_TOKEN") {
                self = self.azure_ad_token(token);
            }
        }
        self.endpoint = self.endpoint.or_else(|| env("AZURE_OPENAI_ENDPOINT"));
        self.api_version = self.api_version.or_else(|| env("OPENAI_API_VERSION"));
        self.deployment = self.deployment.or_else(|| env("AZURE_OPENAI_DEPLOYMENT"));
        self
    }

    common_settings!();

    fn core(self) -> Result<Core> {
        let endpoint = self.endpoint.ok_or_else(|| {
            Error::Configuration(
                "no Azure endpoint: call .azure_endpoint(\"https://my-resource.openai.azure.com\") \
                 or set AZURE_OPENAI_ENDPOINT"
                    .into(),
            )
        })?;
        let version = self.api_version.ok_or_else(|| {
            Error::Configuration(
                "no api-version: call .api_version(\"2024-10-21\") or set OPENAI_API_VERSION"
                    .into(),
            )
        })?;
        let version = ApiVersion::parse(&version)?;
        let root = azure_root(&parse_base(&endpoint, "the Azure endpoint")?);
        let auth = match (self.credential, self.api_key) {
            (Some(cred), _) => Auth::Token(cred),
            (None, Some(key)) if !key.is_empty() => Auth::ApiKey(key),
            _ => {
                return Err(Error::Configuration(
                    "no credentials: call .api_key(..) or .token_credential(..), or set \
                     AZURE_OPENAI_API_KEY"
                        .into(),
                ))
            }
        };
        Core::new(
            self.cfg,
            self.client,
            auth,
            Target::Azure {
                root,
                version,
                deployment: self.deployment.filter(|d| !d.is_empty()),
            },
        )
    }
}

impl AzureOpenAIBuilder<AzureOpenAI> {
    /// Builds the client: checks the endpoint (https, or http on loopback), api-version and credentials.
    pub fn build(self) -> Result<AzureOpenAI> {
        Ok(AzureOpenAI {
            core: Arc::new(self.core()?),
            rt: Arc::new(Rt::new()?),
        })
    }
}

impl AzureOpenAIBuilder<AsyncAzureOpenAI> {
    /// Builds the client: checks the endpoint (https, or http on loopback), api-version and credentials.
    pub fn build(self) -> Result<AsyncAzureOpenAI> {
        Ok(AsyncAzureOpenAI {
            core: Arc::new(self.core()?),
        })
    }
}

/// Builds an [`OpenAI`] (or, as `OpenAIBuilder<AsyncOpenAI>`, an [`AsyncOpenAI`]).
#[must_use]
pub struct OpenAIBuilder<C = OpenAI> {
    api_key: Option<Secret>,
    base_url: Option<String>,
    model: Option<String>,
    cfg: HttpConfig,
    client: ClientSettings,
    _client: PhantomData<fn() -> C>,
}

impl<C> std::fmt::Debug for OpenAIBuilder<C> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OpenAIBuilder")
            .field("api_key", &self.api_key)
            .field("base_url", &self.base_url)
            .field("model", &self.model)
            .field("client", &self.client)
            .finish_non_exhaustive()
    }
}

/// OpenAI's own base URL, the default.
pub const OPENAI_BASE_URL: &str = "https://api.openai.com/v1";

impl<C> OpenAIBuilder<C> {
    fn new() -> Self {
        OpenAIBuilder {
            api_key: None,
            base_url: None,
            model: None,
            cfg: HttpConfig::default(),
            client: ClientSettings::default(),
            _client: PhantomData,
        }
    }

    /// The key, sent as `Authorization: Bearer`; optional for local servers.
    pub fn api_key(mut self, key: impl Into<Secret>) -> Self {
        self.api_key = Some(key.into());
        self
    }

    /// The base URL the `/chat/completions` path is appended to (default `https://api.openai.com/v1`).
    pub fn base_url(mut self, url: impl Into<String>) -> Self {
        self.base_url = Some(url.into());
        self
    }

    /// The model used when a request names none.
    pub fn model(mut self, model: impl Into<String>) -> Self {
        self.model = Some(model.into());
        self
    }

    /// Fills what is not set yet from `OPENAI_API_KEY` and `OPENAI_BASE_URL`.
    pub fn with_env(mut self) -> Self {
        self.api_key = self
            .api_key
            .or_else(|| env("OPENAI_API_KEY").map(Secret::new));
        self.base_url = self.base_url.or_else(|| env("OPENAI_BASE_URL"));
        self
    }

    common_settings!();

    fn core(self) -> Result<Core> {
        let base = self.base_url.as_deref().unwrap_or(OPENAI_BASE_URL);
        let base = parse_base(base, "the base URL")?;
        let auth = match self.api_key {
            Some(key) if !key.is_empty() => Auth::BearerKey(key),
            _ => Auth::None,
        };
        Core::new(
            self.cfg,
            self.client,
            auth,
            Target::OpenAi {
                base,
                model: self.model.filter(|m| !m.is_empty()),
            },
        )
    }
}

impl OpenAIBuilder<OpenAI> {
    /// Builds the client (https, or http on loopback hosts).
    pub fn build(self) -> Result<OpenAI> {
        Ok(OpenAI {
            core: Arc::new(self.core()?),
            rt: Arc::new(Rt::new()?),
        })
    }
}

impl OpenAIBuilder<AsyncOpenAI> {
    /// Builds the client (https, or http on loopback hosts).
    pub fn build(self) -> Result<AsyncOpenAI> {
        Ok(AsyncOpenAI {
            core: Arc::new(self.core()?),
        })
    }
}

macro_rules! azure_ctors {
    ($name:ident) => {
        impl $name {
            /// A builder; see the type's example.
            pub fn builder() -> AzureOpenAIBuilder<$name> {
                AzureOpenAIBuilder::new()
            }

            /// From `AZURE_OPENAI_API_KEY` (or `AZURE_OPENAI_AD_TOKEN`), `AZURE_OPENAI_ENDPOINT`,
            /// `OPENAI_API_VERSION` and `AZURE_OPENAI_DEPLOYMENT`.
            pub fn from_env() -> Result<Self> {
                Self::builder().with_env().build()
            }

            /// The configured api-version.
            pub fn api_version(&self) -> Option<&ApiVersion> {
                match &self.core.target {
                    Target::Azure { version, .. } => Some(version),
                    Target::OpenAi { .. } => None,
                }
            }
        }
    };
}

macro_rules! openai_ctors {
    ($name:ident) => {
        impl $name {
            /// A builder; see the type's example.
            pub fn builder() -> OpenAIBuilder<$name> {
                OpenAIBuilder::new()
            }

            /// From `OPENAI_API_KEY` and `OPENAI_BASE_URL` (default `https://api.openai.com/v1`).
            pub fn from_env() -> Result<Self> {
                Self::builder().with_env().build()
            }
        }
    };
}

azure_ctors!(AzureOpenAI);
azure_ctors!(AsyncAzureOpenAI);
openai_ctors!(OpenAI);
openai_ctors!(AsyncOpenAI);

macro_rules! into_instructor {
    ($name:ident => $client:ident) => {
        impl instructor_core::IntoInstructor for $name {
            type Client = instructor_core::$client<$name>;
            fn into_instructor(self) -> Self::Client {
                instructor_core::$client::new(self)
            }
        }
    };
}

into_instructor!(AzureOpenAI => Client);
into_instructor!(OpenAI => Client);
into_instructor!(AsyncAzureOpenAI => AsyncClient);
into_instructor!(AsyncOpenAI => AsyncClient);

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};

    /// A slow reader of a blocking stream holds a few events, not 64 (up to a GiB at the cap).
    #[test]
    fn blocking_stream_reads_only_a_few_events_ahead() {
        let rt = Arc::new(Rt::new().unwrap());
        let pulled = Arc::new(AtomicUsize::new(0));
        let counter = pulled.clone();
        let endless: ChunkStream = Box::pin(futures::stream::repeat_with(move || {
            counter.fetch_add(1, Ordering::SeqCst);
            Ok("{}".to_string())
        }));
        let mut chunks = blocking_chunks(&rt, endless);
        assert!(chunks.next().is_some());
        std::thread::sleep(Duration::from_millis(200));
        let ahead = pulled.load(Ordering::SeqCst);
        assert!(ahead <= 3, "{ahead} events pulled for one read");
    }
}
