//! The async engine every client shares: capability check, URL, auth, redirects, timeouts,
//! retries, size caps, error mapping and SSE streams.

use std::borrow::Cow;
use std::collections::VecDeque;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use http::header::{
    HeaderMap, HeaderName, HeaderValue, ACCEPT, AUTHORIZATION, CONTENT_TYPE, LOCATION, USER_AGENT,
};
use http::{Method, StatusCode};
use instructor_core::stream::sse::{SseDecoder, SseEvent};
use instructor_core::{ChunkStream, Endpoint, Error, Feature, RequestBody, Result};
use serde_json::Value;
use tokio::time::Instant;
use url::Url;

use crate::api_version::ApiVersion;
use crate::auth::Auth;
use crate::config::HttpConfig;
use crate::errors::{excerpt, map_error_json, map_error_reply, ErrorContext};
use crate::retry::{retry_after, retryable_status, RetryState};
use crate::secret::Secret;
use crate::url::{
    azure_chat_url, azure_responses_url, check_redirect, openai_chat_url, openai_responses_url,
    origin, same_origin,
};
use crate::wire::{
    self, Body, Client, ClientSettings, LaneGuard, Lanes, ReadError, Response, SendFailure,
};

const MAX_REDIRECTS: usize = 5;
const MAX_ERROR_BODY: usize = 64 * 1024;

/// Where requests go.
#[derive(Debug, Clone)]
pub(crate) enum Target {
    Azure {
        root: Url,
        version: ApiVersion,
        deployment: Option<String>,
    },
    OpenAi {
        base: Url,
        model: Option<String>,
    },
}

/// The pooled HTTP clients and everything needed to use them.
pub(crate) struct Core {
    http: Lanes,
    /// The client is the user's: it may follow redirects by itself.
    user_client: bool,
    pub(crate) cfg: HttpConfig,
    pub(crate) auth: Auth,
    pub(crate) target: Target,
    /// The header a fixed key is sent in, built once (marked sensitive: never logged).
    key_header: Option<(HeaderName, HeaderValue)>,
    /// Where requests without their own `model` go, resolved once.
    default_route: Option<Arc<Route>>,
    /// User-Agent, Accept and Content-Type, built once.
    headers: FixedHeaders,
    /// The length of the last body serialized: the next one starts with that much room.
    body_size: AtomicUsize,
}

impl std::fmt::Debug for Core {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let mut d = f.debug_struct("Client");
        match &self.target {
            Target::Azure {
                root,
                version,
                deployment,
            } => d
                .field("endpoint", &origin(root))
                .field("api_version", &version.as_str())
                .field("deployment", deployment),
            Target::OpenAi { base, model } => d
                .field("base_url", &format!("{}{}", origin(base), base.path()))
                .field("model", model),
        };
        d.field("auth", &self.auth.describe())
            .field("connect_timeout", &self.cfg.connect_timeout)
            .field("read_timeout", &self.cfg.read_timeout)
            .field("total_timeout", &self.cfg.total_timeout)
            .field("user_client", &self.user_client)
            .field("lanes", &self.http.count())
            .field("retry", &self.cfg.retry)
            .finish()
    }
}

/// Where one deployment's (or model's) requests go: chat completions, and the Responses API where
/// the endpoint serves it.
struct Route {
    url: Url,
    responses: Option<Url>,
    ctx: ErrorContext,
}

impl Route {
    fn new(url: Url, responses: Option<Url>, ctx: ErrorContext) -> Result<Arc<Self>> {
        Ok(Arc::new(Route {
            url,
            responses,
            ctx,
        }))
    }
}

/// A request ready to go.
pub(crate) struct Prepared {
    route: Arc<Route>,
    body: Bytes,
    /// Where a chat-completions route sends it: chat completions or the Responses API.
    endpoint: Endpoint,
    /// POST for chat completions; the files and batches calls also GET.
    method: Method,
    /// A multipart body, sent instead of `body`.
    form: Option<FormSource>,
}

impl Prepared {
    /// The URL the body is sent to.
    fn url(&self) -> &Url {
        match (self.endpoint, &self.route.responses) {
            (Endpoint::Responses, Some(url)) => url,
            _ => &self.route.url,
        }
    }
}

/// A multipart form, built afresh for each attempt (an upload's file is read again on a retry).
pub(crate) type FormSource = Arc<dyn Fn() -> Result<reqwest::multipart::Form> + Send + Sync>;

impl Core {
    pub(crate) fn new(
        mut cfg: HttpConfig,
        client: ClientSettings,
        auth: Auth,
        target: Target,
    ) -> Result<Self> {
        let user_client = client.user.is_some();
        let http = match client.user {
            Some(user) if client.configures_own_client() => {
                drop(user);
                return Err(Error::Configuration(
                    "connect_timeout, http1_only, http2_prior_knowledge, proxy, no_proxy, \
                     add_root_certificate and max_streams_per_connection configure the SDK's own \
                     HTTP client; with .http_client(..) set them on your reqwest::Client instead"
                        .into(),
                ));
            }
            Some(user) => Lanes::user(user),
            None => {
                cfg.connect_timeout = client.connect_timeout.unwrap_or(cfg.connect_timeout);
                Lanes::build(&client, cfg.connect_timeout).map_err(|e| {
                    Error::transport(
                        "could not set up the HTTP client (TLS roots, proxy settings)",
                        e,
                    )
                })?
            }
        };
        let key_header = match &auth {
            Auth::ApiKey(key) => Some((
                HeaderName::from_static("api-key"),
                sensitive(key.expose().to_string())?,
            )),
            Auth::BearerKey(key) => Some((
                AUTHORIZATION,
                sensitive(format!("Bearer {}", key.expose()))?,
            )),
            Auth::None | Auth::Token(_) => None,
        };
        let mut core = Core {
            http,
            user_client,
            cfg,
            auth,
            target,
            key_header,
            default_route: None,
            headers: FixedHeaders {
                post: fixed_headers(false, true),
                post_stream: fixed_headers(true, true),
                get: fixed_headers(false, false),
                get_stream: fixed_headers(true, false),
            },
            body_size: AtomicUsize::new(0),
        };
        core.default_route = match &core.target {
            // Azure needs a deployment in the URL; without a default each request names one.
            Target::Azure { deployment, .. } => deployment
                .as_deref()
                .map(|d| core.route(Some(d)))
                .transpose()?,
            // Elsewhere the URL is the same for every model, and no model lets the server pick.
            Target::OpenAi { model, .. } => Some(core.route(model.as_deref())?),
        };
        Ok(core)
    }

    /// The route for `name` (a deployment on Azure, a model elsewhere).
    fn route(&self, name: Option<&str>) -> Result<Arc<Route>> {
        let deployment = name.map(str::to_owned);
        match &self.target {
            Target::Azure { root, version, .. } => {
                let Some(name) = name else {
                    return Err(Error::Configuration(
                        "no deployment: name it in the request, with .deployment(), or in \
                         AZURE_OPENAI_DEPLOYMENT"
                            .into(),
                    ));
                };
                Route::new(
                    azure_chat_url(root, version, name)?,
                    azure_responses_url(root, version)?,
                    ErrorContext {
                        deployment,
                        endpoint: origin(root),
                        azure: true,
                    },
                )
            }
            Target::OpenAi { base, .. } => Route::new(
                openai_chat_url(base)?,
                Some(openai_responses_url(base)?),
                ErrorContext {
                    deployment,
                    endpoint: format!("{}{}", origin(base), base.path()),
                    azure: false,
                },
            ),
        }
    }

    /// The route for a request naming `named` (or nothing): the cached default when it matches.
    fn route_for(&self, named: Option<&str>) -> Result<Arc<Route>> {
        match (&self.default_route, named) {
            (Some(route), None) => Ok(route.clone()),
            (Some(route), Some(n)) if route.ctx.deployment.as_deref() == Some(n) => {
                Ok(route.clone())
            }
            _ => self.route(named),
        }
    }

    pub(crate) fn default_model(&self) -> Option<&str> {
        match &self.target {
            Target::Azure { deployment, .. } => deployment.as_deref(),
            Target::OpenAi { model, .. } => model.as_deref(),
        }
    }

    /// A caller's JSON body, ready to go.
    pub(crate) fn prepare_value(&self, body: &Value, stream: bool) -> Result<Prepared> {
        let body = RequestBody::from_value(body.clone())
            .ok_or_else(|| Error::Configuration("the request body must be a JSON object".into()))?;
        self.prepare(&body, stream)
    }

    /// Checks the body against the api-version and writes it for this endpoint: `model` set as
    /// the endpoint wants it, `stream` as the call wants it.
    pub(crate) fn prepare(&self, body: &RequestBody, stream: bool) -> Result<Prepared> {
        if !stream && body.is_stream() {
            return Err(Error::Configuration(
                "a body with `stream: true` was sent with send(); use stream()".into(),
            ));
        }
        let named = body.model().filter(|m| !m.is_empty());
        let route = self.route_for(named)?;
        let endpoint = body.endpoint();
        let model = match (&self.target, endpoint) {
            (Target::Azure { version, .. }, Endpoint::ChatCompletions) => {
                version.check_request(body)?;
                // The deployment is in the URL; the dated specs have no `model` field.
                version
                    .is_v1()
                    .then_some(route.ctx.deployment.as_deref())
                    .flatten()
            }
            (Target::Azure { version, .. }, Endpoint::Responses) => {
                if route.responses.is_none() {
                    return Err(Error::Unsupported {
                        what: Feature::Responses.describe().to_owned(),
                        by: format!("Azure OpenAI api-version {}", version.as_str()),
                        since: Some("2025-03-01-preview".to_owned()),
                        suggestion: Some("api-version v1 serves it at /openai/v1/responses".into()),
                    });
                }
                // The Responses API takes the deployment as `model`, in every URL form.
                route.ctx.deployment.as_deref()
            }
            (Target::OpenAi { .. }, _) => route.ctx.deployment.as_deref(),
        };
        let body = self.serialize(&BodyView {
            body,
            model,
            stream,
        })?;
        Ok(Prepared {
            body: Bytes::from(body),
            route,
            endpoint,
            method: Method::POST,
            form: None,
        })
    }

    /// A files or batches call: `method` to `url`, with a JSON body or none.
    pub(crate) fn prepare_call(&self, method: Method, url: Url, body: Option<Vec<u8>>) -> Prepared {
        Prepared {
            route: self.api_route(url),
            body: body.map(Bytes::from).unwrap_or_default(),
            endpoint: Endpoint::ChatCompletions,
            method,
            form: None,
        }
    }

    /// A multipart upload to `url`.
    pub(crate) fn prepare_upload(&self, url: Url, form: FormSource) -> Prepared {
        Prepared {
            route: self.api_route(url),
            body: Bytes::new(),
            endpoint: Endpoint::ChatCompletions,
            method: Method::POST,
            form: Some(form),
        }
    }

    fn api_route(&self, url: Url) -> Arc<Route> {
        let ctx = ErrorContext {
            deployment: None,
            endpoint: origin(&url),
            azure: matches!(self.target, Target::Azure { .. }),
        };
        Arc::new(Route {
            url,
            responses: None,
            ctx,
        })
    }

    /// The request of an upload attempt: the form's content type and length set by reqwest.
    fn upload_request(client: &Client, url: &Url, form: &FormSource) -> Result<reqwest::Request> {
        client
            .post(url.clone())
            .multipart(form()?)
            .build()
            .map_err(|e| Error::transport("could not build the multipart upload", e))
    }

    /// Serializes a body into a buffer as long as the last one, trimmed if it had to grow: a body
    /// lives until its reply's head arrives, and with thousands of requests in flight at once a
    /// buffer doubled past its text is memory held for nothing.
    fn serialize(&self, body: &BodyView<'_>) -> Result<Vec<u8>> {
        let mut out = Vec::with_capacity(self.body_size.load(Ordering::Relaxed));
        serde_json::to_writer(&mut out, body).map_err(|e| {
            Error::Configuration(format!("the request body could not be serialized: {e}"))
        })?;
        self.body_size.store(out.len(), Ordering::Relaxed);
        if out.capacity() - out.len() > out.len() / 8 {
            out.shrink_to_fit();
        }
        Ok(out)
    }

    fn fixed_headers(&self, stream: bool, post: bool) -> &HeaderMap {
        let h = &self.headers;
        match (post, stream) {
            (true, false) => &h.post,
            (true, true) => &h.post_stream,
            (false, false) => &h.get,
            (false, true) => &h.get_stream,
        }
    }

    /// The credential for this request: the fixed key's header, or a cached Entra ID token's
    /// (with the token, to forget exactly that one if the service refuses it).
    async fn credential(&self, route: &Route, deadline: Instant) -> Result<Credential> {
        match &self.auth {
            Auth::Token(cred) => {
                let token = tokio::time::timeout_at(deadline, cred.token())
                    .await
                    .map_err(|_| self.deadline_error(route))??;
                let value = sensitive(format!("Bearer {}", token.expose()))?;
                Ok(Credential {
                    header: Some((AUTHORIZATION, value)),
                    token: Some(token),
                })
            }
            _ => Ok(Credential {
                header: self.key_header.clone(),
                token: None,
            }),
        }
    }

    /// The request of one attempt to `url`: the fixed headers, the body, and the credential when
    /// it goes to the endpoint's origin.
    fn request(
        &self,
        lane: &LaneGuard,
        p: &Prepared,
        method: &Method,
        url: &Url,
        stream: bool,
        credential: Option<&(HeaderName, HeaderValue)>,
    ) -> std::result::Result<reqwest::Request, Failed> {
        let post = method == Method::POST;
        let upload = p.form.as_ref().filter(|_| post);
        let mut req = match upload {
            Some(form) => Self::upload_request(lane.client(), url, form).map_err(Failed::stop)?,
            None => reqwest::Request::new(method.clone(), url.clone()),
        };
        // The fixed headers, built once per client: a copy, no parsing or hashing per request.
        // An upload keeps the multipart content type its form set.
        let fixed = self.fixed_headers(stream, post && upload.is_none());
        if upload.is_some() {
            req.headers_mut().extend(fixed.clone());
        } else {
            *req.headers_mut() = fixed.clone();
        }
        if post && upload.is_none() {
            // `Bytes`: shared, not copied, on a retry or redirect.
            *req.body_mut() = Some(reqwest::Body::from(p.body.clone()));
        }
        if let Some((name, value)) = credential {
            req.headers_mut().insert(name.clone(), value.clone());
        }
        Ok(req)
    }

    /// One attempt: sends, following redirects by hand; credentials go only to the first origin.
    async fn attempt(
        &self,
        lane: &LaneGuard,
        p: &Prepared,
        stream: bool,
        credential: &Credential,
        deadline: Instant,
    ) -> std::result::Result<Response, Failed> {
        let first = p.url();
        let mut url = Cow::Borrowed(first);
        let mut method = p.method.clone();
        let mut last_status = 0;
        for _ in 0..=MAX_REDIRECTS {
            // Credentials only to the endpoint's origin (the first URL, or a redirect back to it).
            let to_origin = matches!(url, Cow::Borrowed(_)) || same_origin(&url, first);
            // Built by a plain function and handed straight to reqwest: a request held in a local
            // here would keep its 264 bytes in this future while the reply is awaited.
            let pending = lane.client().execute(self.request(
                lane,
                p,
                &method,
                &url,
                stream,
                credential.header.as_ref().filter(|_| to_origin),
            )?);
            let (limit, by_deadline) = self.wait_limit(deadline);
            let resp = match tokio::time::timeout(limit, pending).await {
                Err(_) if by_deadline => return Err(Failed::stop(self.deadline_error(&p.route))),
                Err(_) => {
                    return Err(Failed::stop(Error::Timeout {
                        phase: format!("waiting for the reply from {}", origin(&url)),
                        after: self.cfg.read_timeout,
                    }))
                }
                Ok(Err(e)) => return Err(self.send_error(e, &url)),
                Ok(Ok(resp)) => resp,
            };
            if self.user_client && !same_origin(resp.url(), &url) {
                // The user's client followed a redirect by itself, past the checks below.
                return Err(Failed::stop(Error::Configuration(format!(
                    "the reqwest::Client given to .http_client() followed a redirect from {} to \
                     {} by itself; build it with .redirect(reqwest::redirect::Policy::none()) so \
                     that the SDK follows redirects and keeps credentials on the endpoint's origin",
                    origin(&url),
                    origin(resp.url())
                ))));
            }
            let status = resp.status();
            if !status.is_redirection() || status == StatusCode::NOT_MODIFIED {
                return Ok(resp);
            }
            let Some(next) = resp
                .headers()
                .get(LOCATION)
                .and_then(|l| l.to_str().ok())
                .and_then(|l| url.join(l).ok())
            else {
                return Ok(resp);
            };
            if let Err(why) = check_redirect(&url, &next) {
                return Err(Failed::stop(Error::Api {
                    status: status.as_u16(),
                    code: None,
                    message: format!(
                        "{} redirected {why} ({}); refused",
                        origin(&url),
                        origin(&next)
                    ),
                    request_id: None,
                }));
            }
            if matches!(status.as_u16(), 301..=303) {
                method = Method::GET;
            }
            last_status = status.as_u16();
            url = Cow::Owned(next);
        }
        Err(Failed::stop(Error::Api {
            status: last_status,
            code: None,
            message: format!("more than {MAX_REDIRECTS} redirects from {}", origin(first)),
            request_id: None,
        }))
    }

    /// How long to wait for the reply's head: the read timeout, or less when the call's deadline
    /// comes first (then `true`).
    fn wait_limit(&self, deadline: Instant) -> (Duration, bool) {
        let left = deadline.saturating_duration_since(Instant::now());
        if left < self.cfg.read_timeout {
            (left, true)
        } else {
            (self.cfg.read_timeout, false)
        }
    }

    /// The error of a call or stream that ran past its total deadline.
    fn deadline_error(&self, route: &Route) -> Error {
        deadline_error(&route.ctx.endpoint, self.cfg.total_timeout)
    }

    fn send_error(&self, e: reqwest::Error, url: &Url) -> Failed {
        let host = origin(url);
        match wire::send_failure(&e) {
            SendFailure::ConnectTimeout => Failed::retry(Error::Timeout {
                phase: format!("connecting to {host}"),
                after: self.cfg.connect_timeout,
            }),
            SendFailure::Connect => {
                Failed::retry(Error::transport(format!("could not connect to {host}"), e))
            }
            SendFailure::Reset => Failed::retry(Error::transport(
                format!("the connection to {host} closed before the reply"),
                e,
            )),
            SendFailure::Other => {
                Failed::stop(Error::transport(format!("the request to {host} failed"), e))
            }
        }
    }

    /// Sends with retries through `lane`; returns a 2xx reply, or the mapped error of the last
    /// attempt.
    async fn execute(
        &self,
        lane: &LaneGuard,
        p: &Prepared,
        stream: bool,
        deadline: Instant,
    ) -> Result<Response> {
        let mut retries = RetryState::new(&self.cfg.retry);
        let mut reauthenticated = false;
        loop {
            let credential = self.credential(&p.route, deadline).await?;
            let (err, server_wait) =
                match self.attempt(lane, p, stream, &credential, deadline).await {
                    Ok(resp) if resp.status().is_success() => return Ok(resp),
                    // Boxed: reading an error reply is most of what this future would otherwise
                    // hold, and every request in flight would carry that room for the rare reply
                    // that needs it.
                    Ok(resp) => {
                        let again = !reauthenticated;
                        match Box::pin(self.refusal(resp, &p.route, &credential, again, deadline))
                            .await
                        {
                            Refusal::Reauthenticate => {
                                reauthenticated = true;
                                continue;
                            }
                            Refusal::Retry(err, wait) => (err, wait),
                            Refusal::Final(err) => return Err(err),
                        }
                    }
                    Err(Failed { error, retry: true }) => (error, None),
                    Err(Failed { error, .. }) => return Err(error),
                };
            match retries.next_wait(server_wait) {
                // A wait that would end past the deadline is not begun.
                Some(wait) if Instant::now() + wait < deadline => tokio::time::sleep(wait).await,
                _ => return Err(err),
            }
        }
    }

    /// What a non-2xx reply means for the next attempt. A 401 to an Entra ID token may be a token
    /// revoked early: it is forgotten (unless another request already did) and tried once more
    /// with a fresh one, when `reauthenticate` allows.
    async fn refusal(
        &self,
        resp: Response,
        route: &Route,
        credential: &Credential,
        reauthenticate: bool,
        deadline: Instant,
    ) -> Refusal {
        let status = resp.status().as_u16();
        let wait = retry_after(resp.headers());
        let err = self.error_from(resp, route, deadline).await;
        if let (401, Auth::Token(cred), true, Some(token)) =
            (status, &self.auth, reauthenticate, &credential.token)
        {
            cred.invalidate_token(token).await;
            return Refusal::Reauthenticate;
        }
        if retryable_status(status) {
            Refusal::Retry(err, wait)
        } else {
            Refusal::Final(err)
        }
    }

    async fn error_from(&self, resp: Response, route: &Route, deadline: Instant) -> Error {
        let status = resp.status().as_u16();
        let headers = resp.headers().clone();
        let cap = self.cfg.max_response_bytes.min(MAX_ERROR_BODY);
        match self.read_body(resp, route, cap, true, deadline).await {
            Ok(body) => map_error_reply(status, &headers, &body, &route.ctx),
            Err(e) => e,
        }
    }

    /// Reads a body up to `cap` bytes (truncating when `truncate`, failing otherwise), each read
    /// bounded by the read timeout and all of them by the call's deadline.
    async fn read_body(
        &self,
        resp: Response,
        route: &Route,
        cap: usize,
        truncate: bool,
        deadline: Instant,
    ) -> Result<Vec<u8>> {
        let status = resp.status().as_u16();
        wire::read_capped(resp, cap, truncate, self.cfg.read_timeout, deadline)
            .await
            .map_err(|e| read_error(e, &self.cfg, route, status, cap))
    }

    /// Sends a files or batches call and returns its reply body, read piece by piece.
    pub(crate) async fn download(&self, p: Prepared) -> Result<Download> {
        let deadline = Instant::now() + self.cfg.total_timeout;
        // The lane is held until the download is read or dropped.
        let lane = self.http.acquire();
        let resp = self.execute(&lane, &p, false, deadline).await?;
        Ok(Download {
            status: resp.status().as_u16(),
            body: Body::of(resp),
            _lane: lane,
            route: p.route,
            deadline,
            cfg: self.cfg.clone(),
        })
    }

    /// Sends a non-streaming request and returns the reply's JSON text.
    pub(crate) async fn send(&self, p: Prepared) -> Result<String> {
        // Every wait of the call (token, reply head, body reads, retry backoff) ends by this; no
        // timer wraps the whole, so a request that needs no wait arms one timer only.
        let deadline = Instant::now() + self.cfg.total_timeout;
        // The lane is held until the reply is read.
        let lane = self.http.acquire();
        let resp = self.execute(&lane, &p, false, deadline).await?;
        let status = resp.status().as_u16();
        let content_type = resp.headers().get(CONTENT_TYPE).cloned();
        let bytes = self
            .read_body(resp, &p.route, self.cfg.max_response_bytes, false, deadline)
            .await?;
        let not_json = |bytes: &[u8]| Error::Api {
            status,
            code: None,
            message: format!(
                "the reply was not JSON ({}): {}; a proxy or gateway may stand in front of {}",
                content_type
                    .as_ref()
                    .and_then(|v| v.to_str().ok())
                    .unwrap_or("no content-type"),
                excerpt(bytes),
                p.route.ctx.endpoint
            ),
            request_id: None,
        };
        // An HTML error page from a gateway starts with `<`; JSON here is an object. The engine
        // parses the text once, into its own types, and says where it breaks if it does.
        if bytes.iter().find(|b| !b.is_ascii_whitespace()) != Some(&b'{') {
            return Err(not_json(&bytes));
        }
        let text = String::from_utf8(bytes).map_err(|e| not_json(e.as_bytes()))?;
        if text.contains("\"error\"") {
            let json: Value = serde_json::from_str(&text).map_err(|_| not_json(text.as_bytes()))?;
            if json.get("error").is_some_and(|e| !e.is_null()) && json.get("choices").is_none() {
                return Err(map_error_json(status, &json, None, None, &p.route.ctx));
            }
        }
        Ok(text)
    }

    /// Sends a streaming request and returns its events' JSON.
    pub(crate) async fn stream(&self, p: Prepared) -> Result<ChunkStream> {
        let deadline = Instant::now() + self.cfg.total_timeout;
        // The lane is held as long as the stream is.
        let lane = self.http.acquire();
        let resp = self.execute(&lane, &p, true, deadline).await?;
        let content_type = header(resp.headers(), "content-type").unwrap_or_default();
        if content_type.contains("json") {
            // The server ignored `stream` or answered with an error object.
            let status = resp.status().as_u16();
            // Boxed, as `execute` boxes an error reply's reading: rare, and large.
            let cap = self.cfg.max_response_bytes;
            let bytes = Box::pin(self.read_body(resp, &p.route, cap, false, deadline)).await?;
            return Err(match serde_json::from_slice::<Value>(&bytes) {
                Ok(json) if json.get("error").is_some() => {
                    map_error_json(status, &json, None, None, &p.route.ctx)
                }
                _ => Error::Api {
                    status,
                    code: None,
                    message: format!(
                        "asked for a stream, got {content_type}: {}",
                        excerpt(&bytes)
                    ),
                    request_id: None,
                },
            });
        }
        let status = resp.status().as_u16();
        let state = StreamState {
            status,
            body: Body::of(resp),
            _lane: lane,
            // Chat-completion streams end with `data: [DONE]`; Responses API streams end when the
            // server closes them after their last event (the engine checks that event came).
            ends_with_done: p.endpoint == Endpoint::ChatCompletions,
            route: p.route,
            decoder: SseDecoder::new(),
            pending: VecDeque::new(),
            finished: false,
            eof: false,
            unframed: 0,
            read_timeout: self.cfg.read_timeout,
            total_timeout: self.cfg.total_timeout,
            deadline,
            cap: self.cfg.max_response_bytes,
        };
        Ok(Box::pin(futures::stream::unfold(
            state,
            |mut s| async move {
                let item = s.next_item().await?;
                Some((item, s))
            },
        )))
    }
}

/// Why a reply body could not be read, as an [`Error`].
fn read_error(e: ReadError, cfg: &HttpConfig, route: &Route, status: u16, cap: usize) -> Error {
    let host = &route.ctx.endpoint;
    match e {
        ReadError::TimedOut => Error::Timeout {
            phase: format!("reading the reply from {host}"),
            after: cfg.read_timeout,
        },
        ReadError::Deadline => deadline_error(host, cfg.total_timeout),
        ReadError::Broken(e) => Error::transport(format!("reading the reply from {host}"), e),
        ReadError::TooLarge => Error::Api {
            status,
            code: None,
            message: format!(
                "the reply from {host} is larger than the {cap}-byte cap; raise \
                 max_response_bytes if that is expected"
            ),
            request_id: None,
        },
    }
}

/// A reply body read piece by piece (a file's content): each read waits at most the read
/// timeout, and all of them end by the call's total deadline.
pub(crate) struct Download {
    status: u16,
    body: Body,
    /// The download's place in its lane, given back when it is dropped.
    _lane: LaneGuard,
    route: Arc<Route>,
    deadline: Instant,
    cfg: HttpConfig,
}

impl Download {
    /// The next piece of the body, or `None` at its end.
    pub(crate) async fn chunk(&mut self) -> Result<Option<Bytes>> {
        wire::next_chunk(&mut self.body, self.cfg.read_timeout, self.deadline)
            .await
            .map_err(|e| read_error(e, &self.cfg, &self.route, self.status, usize::MAX))
    }

    /// Where it comes from, for error messages.
    pub(crate) fn endpoint(&self) -> &str {
        &self.route.ctx.endpoint
    }
}

/// The credential a request carries.
struct Credential {
    header: Option<(HeaderName, HeaderValue)>,
    /// The Entra ID token in `header`, if that is what it is.
    token: Option<Secret>,
}

/// What [`Core::refusal`] makes of a non-2xx reply.
enum Refusal {
    /// The token was forgotten: try again at once with a fresh one.
    Reauthenticate,
    /// Worth another attempt, after the server's wait if it named one.
    Retry(Error, Option<Duration>),
    /// The reply's error, final.
    Final(Error),
}

/// An attempt that got no usable reply, and whether trying again may help.
struct Failed {
    error: Error,
    retry: bool,
}

impl Failed {
    fn retry(error: Error) -> Self {
        Failed { error, retry: true }
    }
    fn stop(error: Error) -> Self {
        Failed {
            error,
            retry: false,
        }
    }
}

/// The error of a call or stream that ran past its total deadline: names the limit and its knob.
fn deadline_error(endpoint: &str, total: Duration) -> Error {
    Error::Timeout {
        phase: format!(
            "waiting for {endpoint}: the call's total deadline ran out (total_timeout, default \
             10 min; raise it with .total_timeout(..) on the client builder)"
        ),
        after: total,
    }
}

/// The body as sent: the caller's fields with `model` and `stream` set for this endpoint, written
/// straight from the body rather than from an edited copy of it.
struct BodyView<'a> {
    body: &'a RequestBody,
    /// `model` to send; `None` leaves it out.
    model: Option<&'a str>,
    /// `stream: true` to send.
    stream: bool,
}

impl serde::Serialize for BodyView<'_> {
    fn serialize<S: serde::Serializer>(
        &self,
        serializer: S,
    ) -> std::result::Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let mut map = serializer.serialize_map(None)?;
        for (k, v) in self.body.fields() {
            let replaced = k == "model" || (k == "stream" && self.stream);
            if !replaced {
                map.serialize_entry(k, &v)?;
            }
        }
        if let Some(model) = self.model {
            map.serialize_entry("model", model)?;
        }
        if self.stream {
            map.serialize_entry("stream", &true)?;
        }
        map.end()
    }
}

/// [`fixed_headers`] for each kind of request.
struct FixedHeaders {
    post: HeaderMap,
    post_stream: HeaderMap,
    get: HeaderMap,
    get_stream: HeaderMap,
}

/// The headers every request carries: who we are, what we accept and, for a POST, what we send.
fn fixed_headers(stream: bool, post: bool) -> HeaderMap {
    let mut headers = HeaderMap::with_capacity(4);
    headers.insert(USER_AGENT, HeaderValue::from_static(USER_AGENT_VALUE));
    let accept = if stream {
        "text/event-stream"
    } else {
        "application/json"
    };
    headers.insert(ACCEPT, HeaderValue::from_static(accept));
    if post {
        headers.insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
    }
    headers
}

const USER_AGENT_VALUE: &str = concat!("instructor-rs/", env!("CARGO_PKG_VERSION"));

/// A credential header value, marked sensitive so that the HTTP stack never logs it.
fn sensitive(value: String) -> Result<HeaderValue> {
    let mut v = HeaderValue::from_str(&value).map_err(|_| {
        Error::Configuration(
            "the API key or token contains characters not allowed in an HTTP header \
             (a newline or a non-ASCII character?)"
                .into(),
        )
    })?;
    v.set_sensitive(true);
    Ok(v)
}

fn header(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get(name)
        .and_then(|v| v.to_str().ok())
        .map(str::to_string)
}

struct StreamState {
    status: u16,
    body: Body,
    /// The stream's place in its lane, given back when the stream is dropped.
    _lane: LaneGuard,
    /// The stream must end with `data: [DONE]`.
    ends_with_done: bool,
    route: Arc<Route>,
    decoder: SseDecoder,
    pending: VecDeque<SseEvent>,
    finished: bool,
    /// The body ended.
    eof: bool,
    /// Bytes fed since the last complete event.
    unframed: usize,
    read_timeout: Duration,
    total_timeout: Duration,
    /// The stream's total deadline, from the start of the call.
    deadline: Instant,
    cap: usize,
}

impl StreamState {
    /// The next item, or `None` once the stream is over.
    async fn next_item(&mut self) -> Option<Result<String>> {
        loop {
            if self.finished {
                return None;
            }
            if let Some(event) = self.pending.pop_front() {
                match event {
                    SseEvent::Done => {
                        self.finished = true;
                        return None;
                    }
                    SseEvent::Data(text) => return Some(self.data(text)),
                }
            }
            if self.eof && !self.ends_with_done {
                self.finished = true;
                return None;
            }
            if self.eof {
                return self.fail(Error::StreamInterrupted {
                    message: format!(
                        "{} closed the stream before `data: [DONE]`",
                        self.route.ctx.endpoint
                    ),
                });
            }
            let read = wire::next_chunk(&mut self.body, self.read_timeout, self.deadline).await;
            match read {
                Err(ReadError::Deadline) => {
                    return self.fail(deadline_error(&self.route.ctx.endpoint, self.total_timeout))
                }
                Err(ReadError::TimedOut | ReadError::TooLarge) => {
                    return self.fail(Error::Timeout {
                        phase: format!(
                            "waiting for the next stream event from {}",
                            self.route.ctx.endpoint
                        ),
                        after: self.read_timeout,
                    })
                }
                Err(ReadError::Broken(e)) => {
                    return self.fail(Error::StreamInterrupted {
                        message: format!(
                            "the connection to {} broke: {e}",
                            self.route.ctx.endpoint
                        ),
                    })
                }
                Ok(None) => {
                    self.eof = true;
                    self.pending.extend(self.decoder.finish());
                }
                Ok(Some(bytes)) => {
                    let events = self.decoder.feed(&bytes);
                    if events.is_empty() {
                        self.unframed += bytes.len();
                        if self.unframed > self.cap {
                            return self.fail(Error::Api {
                                status: self.status,
                                code: None,
                                message: format!(
                                    "a stream event from {} is larger than the {}-byte cap",
                                    self.route.ctx.endpoint, self.cap
                                ),
                                request_id: None,
                            });
                        }
                    } else {
                        self.unframed = 0;
                        self.pending.extend(events);
                    }
                }
            }
        }
    }

    fn fail(&mut self, e: Error) -> Option<Result<String>> {
        self.finished = true;
        self.pending.clear();
        Some(Err(e))
    }

    /// The event's text, handed on unparsed (the engine reads it straight into its chunk type);
    /// only an event that may be an error object is parsed here, to map it with this endpoint's
    /// context.
    fn data(&mut self, text: String) -> Result<String> {
        if !text.contains("\"error\"") {
            return Ok(text);
        }
        let value: Value = match serde_json::from_str(&text) {
            Ok(v) => v,
            Err(_) => {
                self.finished = true;
                return Err(Error::Api {
                    status: self.status,
                    code: None,
                    message: format!(
                        "a stream event from {} was not JSON: {}",
                        self.route.ctx.endpoint,
                        excerpt(text.as_bytes())
                    ),
                    request_id: None,
                });
            }
        };
        if value.get("error").is_some_and(|e| !e.is_null()) && value.get("choices").is_none() {
            self.finished = true;
            return Err(map_error_json(200, &value, None, None, &self.route.ctx));
        }
        Ok(text)
    }
}
