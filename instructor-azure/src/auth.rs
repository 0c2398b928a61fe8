//! Entra ID (Azure AD) tokens: the [`TokenCredential`] trait, a static token, the client-credentials
//! flow, and the cache that shares one token between concurrent requests.

use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant, SystemTime};

use instructor_core::transport::BoxFuture;
use instructor_core::{Error, Result};
use serde_json::Value;

use crate::secret::Secret;
use crate::wire::{self, Client, ReadError};

/// The scope of Azure OpenAI (Cognitive Services) tokens.
pub const COGNITIVE_SERVICES_SCOPE: &str = "https://cognitiveservices.azure.com/.default";

/// The default Entra ID authority host.
pub const DEFAULT_AUTHORITY_HOST: &str = "https://login.microsoftonline.com";

/// A bearer token and when it expires.
#[derive(Debug, Clone)]
pub struct AccessToken {
    /// The token; prints as `***`.
    pub token: Secret,
    /// When the service stops accepting it.
    pub expires_at: SystemTime,
}

impl AccessToken {
    /// A token valid for `lifetime` from now (a lifetime past what the clock can hold is read as
    /// [`MAX_TOKEN_LIFETIME`]).
    pub fn new(token: impl Into<Secret>, lifetime: Duration) -> Self {
        AccessToken {
            token: token.into(),
            expires_at: expiry(SystemTime::now(), lifetime),
        }
    }

    /// How long the token stays valid after `now` (zero once expired).
    fn left(&self, now: SystemTime) -> Duration {
        self.expires_at
            .duration_since(now)
            .unwrap_or(Duration::ZERO)
    }
}

/// The longest lifetime a token is taken to have: Entra ID tokens live about an hour, and a
/// reply claiming more (up to `u64::MAX` seconds) is read as this.
pub const MAX_TOKEN_LIFETIME: Duration = Duration::from_secs(24 * 3600);

/// `start + lifetime`, with the lifetime capped at [`MAX_TOKEN_LIFETIME`]: never overflows.
fn expiry(start: SystemTime, lifetime: Duration) -> SystemTime {
    let lifetime = lifetime.min(MAX_TOKEN_LIFETIME);
    start.checked_add(lifetime).unwrap_or(start)
}

/// Gets bearer tokens for scopes. Implement it to plug in any token source (e.g. `azure_identity`,
/// see the crate README).
pub trait TokenCredential: Send + Sync {
    /// A token for `scopes` (Azure OpenAI asks for [`COGNITIVE_SERVICES_SCOPE`]).
    fn get_token<'a>(&'a self, scopes: &'a [&'a str]) -> BoxFuture<'a, Result<AccessToken>>;
}

impl<T: TokenCredential + ?Sized> TokenCredential for Arc<T> {
    fn get_token<'a>(&'a self, scopes: &'a [&'a str]) -> BoxFuture<'a, Result<AccessToken>> {
        (**self).get_token(scopes)
    }
}

/// A token you already have (e.g. from `az account get-access-token`), used as is.
///
/// ```
/// use instructor_azure::StaticToken;
/// let cred = StaticToken::new("eyJ0eXAi...");
/// assert_eq!(format!("{cred:?}"), "StaticToken { token: ***, expires_at: None }");
/// ```
#[derive(Debug, Clone)]
pub struct StaticToken {
    token: Secret,
    expires_at: Option<SystemTime>,
}

impl StaticToken {
    /// A token with no known expiry.
    pub fn new(token: impl Into<Secret>) -> Self {
        StaticToken {
            token: token.into(),
            expires_at: None,
        }
    }

    /// A token that expires at `expires_at`.
    pub fn with_expiry(token: impl Into<Secret>, expires_at: SystemTime) -> Self {
        StaticToken {
            token: token.into(),
            expires_at: Some(expires_at),
        }
    }
}

impl TokenCredential for StaticToken {
    fn get_token<'a>(&'a self, _scopes: &'a [&'a str]) -> BoxFuture<'a, Result<AccessToken>> {
        Box::pin(async move {
            Ok(AccessToken {
                token: self.token.clone(),
                // No expiry known: treat as valid for a day; the cache will simply ask again then.
                expires_at: self
                    .expires_at
                    .unwrap_or_else(|| expiry(SystemTime::now(), MAX_TOKEN_LIFETIME)),
            })
        })
    }
}

/// The OAuth 2.0 client-credentials flow of a service principal: tenant, client id and secret,
/// against `{authority_host}/{tenant}/oauth2/v2.0/token`.
///
/// ```
/// use instructor_azure::ClientSecretCredential;
/// let cred = ClientSecretCredential::new("my-tenant", "my-client-id", "my-secret")
///     .authority_host("https://login.microsoftonline.us");
/// assert!(!format!("{cred:?}").contains("my-secret"));
/// ```
#[derive(Clone)]
pub struct ClientSecretCredential {
    tenant_id: String,
    client_id: String,
    client_secret: Secret,
    authority_host: String,
    /// `None` only if the SDK's HTTP client could not be set up; `fetch` says so.
    http: Option<Client>,
}

impl std::fmt::Debug for ClientSecretCredential {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ClientSecretCredential")
            .field("tenant_id", &self.tenant_id)
            .field("client_id", &self.client_id)
            .field("client_secret", &self.client_secret)
            .field("authority_host", &self.authority_host)
            .finish()
    }
}

impl ClientSecretCredential {
    /// A credential for the service principal `client_id` of `tenant_id`, at the public-cloud
    /// authority (or `AZURE_AUTHORITY_HOST` when set).
    pub fn new(
        tenant_id: impl Into<String>,
        client_id: impl Into<String>,
        client_secret: impl Into<Secret>,
    ) -> Self {
        let authority_host = std::env::var("AZURE_AUTHORITY_HOST")
            .ok()
            .filter(|s| !s.trim().is_empty())
            .unwrap_or_else(|| DEFAULT_AUTHORITY_HOST.to_string());
        ClientSecretCredential {
            tenant_id: tenant_id.into(),
            client_id: client_id.into(),
            client_secret: client_secret.into(),
            authority_host,
            http: wire::build_client(
                &wire::ClientSettings::default(),
                TOKEN_CONNECT_TIMEOUT,
                None,
            )
            .ok(),
        }
    }

    /// From `AZURE_TENANT_ID`, `AZURE_CLIENT_ID` and `AZURE_CLIENT_SECRET` (and `AZURE_AUTHORITY_HOST`).
    pub fn from_env() -> Result<Self> {
        let get = |name: &str| {
            std::env::var(name)
                .ok()
                .filter(|s| !s.trim().is_empty())
                .ok_or_else(|| Error::Configuration(format!("{name} is not set")))
        };
        Ok(Self::new(
            get("AZURE_TENANT_ID")?,
            get("AZURE_CLIENT_ID")?,
            get("AZURE_CLIENT_SECRET")?,
        ))
    }

    /// Another authority, e.g. `https://login.microsoftonline.us` or a local mock
    /// (`http://` only for loopback hosts).
    pub fn authority_host(mut self, host: impl Into<String>) -> Self {
        self.authority_host = host.into();
        self
    }

    /// Your own `reqwest::Client` for the identity endpoint (proxy, roots, mTLS); build it with
    /// `.redirect(reqwest::redirect::Policy::none())`, as the secret is in the request body.
    pub fn http_client(mut self, client: Client) -> Self {
        self.http = Some(client);
        self
    }

    async fn fetch(&self, scopes: &[&str]) -> Result<AccessToken> {
        let url = format!(
            "{}/{}/oauth2/v2.0/token",
            self.authority_host.trim_end_matches('/'),
            self.tenant_id
        );
        let parsed = url::Url::parse(&url).map_err(|e| {
            Error::Configuration(format!("the authority URL `{url}` is not valid: {e}"))
        })?;
        crate::url::check_scheme(&parsed)?;
        let http = self.http.as_ref().ok_or_else(|| {
            Error::Configuration("TLS could not be set up for the identity endpoint".into())
        })?;
        let form = url::form_urlencoded::Serializer::new(String::new())
            .append_pair("grant_type", "client_credentials")
            .append_pair("client_id", &self.client_id)
            .append_pair("client_secret", self.client_secret.expose())
            .append_pair("scope", &scopes.join(" "))
            .finish();
        let request = http
            .post(parsed)
            .header(
                http::header::CONTENT_TYPE,
                "application/x-www-form-urlencoded",
            )
            .header(http::header::ACCEPT, "application/json")
            .body(form);
        let started = SystemTime::now();
        // One bound for the request and its whole answer.
        let deadline = tokio::time::Instant::now() + TOKEN_TIMEOUT;
        let timed_out = || Error::Timeout {
            phase: format!("waiting for the identity endpoint {url}"),
            after: TOKEN_TIMEOUT,
        };
        let resp = tokio::time::timeout_at(deadline, request.send())
            .await
            .map_err(|_| timed_out())?
            .map_err(|e| {
                Error::transport(format!("could not reach the identity endpoint {url}"), e)
            })?;
        let status = resp.status().as_u16();
        // A longer answer is cut (and then fails to parse).
        let bytes = match wire::read_capped(resp, MAX_TOKEN_RESPONSE, true, TOKEN_TIMEOUT, deadline)
            .await
        {
            Ok(bytes) => bytes,
            Err(ReadError::Broken(e)) => {
                return Err(Error::transport(
                    format!("reading the identity endpoint's answer ({url})"),
                    e,
                ))
            }
            // Cut at the cap, never refused: `truncate` is set.
            Err(ReadError::TooLarge) => Vec::new(),
            Err(ReadError::TimedOut | ReadError::Deadline) => return Err(timed_out()),
        };
        token_from_reply(&url, status, &bytes, started)
    }
}

/// The token in an identity endpoint's answer, valid from `started` for its `expires_in`
/// (seconds, as a number or a string; 3600 when absent, capped at [`MAX_TOKEN_LIFETIME`]).
fn token_from_reply(
    url: &str,
    status: u16,
    bytes: &[u8],
    started: SystemTime,
) -> Result<AccessToken> {
    let json: Value = serde_json::from_slice(bytes).map_err(|_| Error::Authentication {
        status,
        message: format!(
            "the identity endpoint {url} did not answer JSON: {}",
            crate::errors::excerpt(bytes)
        ),
    })?;
    if !(200..300).contains(&status) {
        let message = json
            .get("error_description")
            .or_else(|| json.get("error"))
            .and_then(Value::as_str)
            .unwrap_or("no error description")
            .to_string();
        return Err(Error::Authentication {
            status,
            message: format!(
                "the identity endpoint {url} refused the client credentials: {message}"
            ),
        });
    }
    let token = json
        .get("access_token")
        .and_then(Value::as_str)
        .ok_or_else(|| Error::Authentication {
            status,
            message: format!("the identity endpoint {url} sent no access_token"),
        })?;
    let expires_in = match json.get("expires_in") {
        Some(Value::Number(n)) => n.as_u64(),
        Some(Value::String(s)) => s.trim().parse().ok(),
        _ => None,
    }
    .unwrap_or(3600);
    Ok(AccessToken {
        token: Secret::new(token),
        expires_at: expiry(started, Duration::from_secs(expires_in)),
    })
}

/// A token response is a few kilobytes; more is not read.
const MAX_TOKEN_RESPONSE: usize = 1024 * 1024;

/// How long a token request may take, connecting included.
const TOKEN_TIMEOUT: Duration = Duration::from_secs(60);
const TOKEN_CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

impl TokenCredential for ClientSecretCredential {
    fn get_token<'a>(&'a self, scopes: &'a [&'a str]) -> BoxFuture<'a, Result<AccessToken>> {
        Box::pin(self.fetch(scopes))
    }
}

/// Default limit on one token fetch through a [`CachedCredential`].
pub const DEFAULT_TOKEN_FETCH_TIMEOUT: Duration = Duration::from_secs(30);
/// Default first wait after a failed token fetch (it doubles with each failure in a row, up to
/// [`MAX_TOKEN_FETCH_BACKOFF`]).
pub const DEFAULT_TOKEN_FETCH_BACKOFF: Duration = Duration::from_secs(1);
/// The longest wait between token fetches that keep failing.
pub const MAX_TOKEN_FETCH_BACKOFF: Duration = Duration::from_secs(30);
/// A cached token is used, while a refresh runs, until this long (or the refresh margin, if
/// shorter) before it expires.
const MIN_TOKEN_VALIDITY: Duration = Duration::from_secs(10);

/// Caches a [`TokenCredential`]'s token and refreshes it shortly before it expires, so that
/// concurrent requests share one token and one fetch:
///
/// - at most one fetch is in flight, bounded by a timeout ([`fetch_timeout`](Self::fetch_timeout),
///   default 30 s); requests without a usable token wait for it;
/// - within the refresh margin the still-valid token is served at once while one refresh runs in
///   the background;
/// - after a failed fetch, callers without a usable token get its error at once until a backoff
///   (1 s, doubling to 30 s) has passed, so an outage costs one fetch per backoff, not one per
///   request;
/// - a token the service refused is forgotten once ([`invalidate_token`](Self::invalidate_token)):
///   fifty requests refused with the same token cause one new fetch.
///
/// The clients wrap every credential given to them in one; use it directly to share a cache
/// between clients.
pub struct CachedCredential {
    inner: Arc<dyn TokenCredential>,
    scopes: Vec<String>,
    refresh_before: Duration,
    fetch_timeout: Duration,
    backoff: Duration,
    shared: Arc<Shared>,
}

/// The cache's state, shared with the fetch running in the background.
struct Shared {
    state: Mutex<State>,
    /// Bumped when a fetch ends, to wake the requests waiting for it.
    fetched: tokio::sync::watch::Sender<u64>,
}

#[derive(Default)]
struct State {
    token: Option<AccessToken>,
    fetching: bool,
    /// Fetches failed in a row.
    failures: u32,
    /// No new fetch before this, after a failure.
    retry_at: Option<Instant>,
    /// The last fetch's error, handed to callers during the backoff.
    last_error: Option<Failure>,
}

/// A fetch's error, kept to be handed out again.
#[derive(Clone)]
enum Failure {
    Timeout {
        phase: String,
        after: Duration,
    },
    Authentication {
        status: u16,
        message: String,
    },
    /// No credential is available here (e.g. no managed identity): the caller's setup to fix.
    Configuration(String),
    Other(String),
}

impl Failure {
    fn of(e: &Error) -> Self {
        match e {
            Error::Timeout { phase, after } => Failure::Timeout {
                phase: phase.clone(),
                after: *after,
            },
            Error::Authentication { status, message } => Failure::Authentication {
                status: *status,
                message: message.clone(),
            },
            Error::Configuration(message) => Failure::Configuration(message.clone()),
            other => Failure::Other(other.to_string()),
        }
    }

    fn error(&self) -> Error {
        match self.clone() {
            Failure::Timeout { phase, after } => Error::Timeout { phase, after },
            Failure::Authentication { status, message } => {
                Error::Authentication { status, message }
            }
            Failure::Configuration(message) => Error::Configuration(message),
            Failure::Other(message) => Error::Transport {
                message: format!("could not get a token: {message}"),
                source: None,
            },
        }
    }
}

impl std::fmt::Debug for CachedCredential {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CachedCredential")
            .field("scopes", &self.scopes)
            .field("refresh_before", &self.refresh_before)
            .field("fetch_timeout", &self.fetch_timeout)
            .finish_non_exhaustive()
    }
}

/// What a caller does after looking at the cache.
enum Next {
    Ready(Secret),
    Failed(Error),
    Wait(tokio::sync::watch::Receiver<u64>),
}

impl CachedCredential {
    /// Caches `inner`'s tokens for the Azure OpenAI scope, refreshing 5 minutes before expiry.
    pub fn new(inner: Arc<dyn TokenCredential>) -> Self {
        CachedCredential {
            inner,
            scopes: vec![COGNITIVE_SERVICES_SCOPE.to_string()],
            refresh_before: Duration::from_secs(300),
            fetch_timeout: DEFAULT_TOKEN_FETCH_TIMEOUT,
            backoff: DEFAULT_TOKEN_FETCH_BACKOFF,
            shared: Arc::new(Shared {
                state: Mutex::new(State::default()),
                fetched: tokio::sync::watch::Sender::new(0),
            }),
        }
    }

    /// Asks for other scopes.
    pub fn scopes(mut self, scopes: &[&str]) -> Self {
        self.scopes = scopes.iter().map(|s| s.to_string()).collect();
        self
    }

    /// Refreshes this long before expiry (default 5 minutes).
    pub fn refresh_before(mut self, margin: Duration) -> Self {
        self.refresh_before = margin;
        self
    }

    /// The longest one token fetch may take (default 30 s); a fetch that takes longer fails with
    /// [`Error::Timeout`], and the requests waiting for it with it.
    pub fn fetch_timeout(mut self, timeout: Duration) -> Self {
        self.fetch_timeout = timeout;
        self
    }

    /// The wait after a failed fetch before the next one (default 1 s, doubling with each failure
    /// in a row up to 30 s); in between, requests without a usable token fail at once.
    pub fn failure_backoff(mut self, backoff: Duration) -> Self {
        self.backoff = backoff;
        self
    }

    /// A token valid for at least the refresh margin; within the margin, the cached token while
    /// one refresh runs; else the result of the one fetch in flight.
    pub async fn token(&self) -> Result<Secret> {
        loop {
            let mut waiting = match self.look() {
                Next::Ready(token) => return Ok(token),
                Next::Failed(e) => return Err(e),
                Next::Wait(rx) => rx,
            };
            // The fetch ends by its timeout, or drops its guard if cancelled: either wakes us.
            if waiting.changed().await.is_err() {
                return Err(Error::Configuration("the token cache is gone".into()));
            }
        }
    }

    /// Looks at the cache under its lock and decides; starts a fetch when one is due.
    fn look(&self) -> Next {
        let mut st = lock(&self.shared.state);
        let now = SystemTime::now();
        let left = st.token.as_ref().map(|t| t.left(now));
        let cached = || st.token.as_ref().map(|t| t.token.clone());
        if let (Some(left), Some(token)) = (left, cached()) {
            if left > self.refresh_before {
                return Next::Ready(token);
            }
            if left > self.refresh_before.min(MIN_TOKEN_VALIDITY) {
                if !st.fetching && !in_backoff(&st) {
                    // Without a runtime there is no background: the next caller tries again.
                    let _ = self.start_fetch(&mut st);
                }
                return Next::Ready(token);
            }
        }
        if !st.fetching {
            if in_backoff(&st) {
                if let Some(failure) = &st.last_error {
                    return Next::Failed(failure.error());
                }
            }
            if let Err(e) = self.start_fetch(&mut st) {
                return Next::Failed(e);
            }
        }
        Next::Wait(self.shared.fetched.subscribe())
    }

    /// Starts the one fetch as a task on the current tokio runtime, so that it goes on whoever
    /// waits for it and whoever gives up.
    fn start_fetch(&self, st: &mut MutexGuard<'_, State>) -> Result<()> {
        let rt = tokio::runtime::Handle::try_current().map_err(|_| {
            Error::Configuration(
                "CachedCredential::token needs a tokio runtime (the clients always have one)"
                    .into(),
            )
        })?;
        st.fetching = true;
        let guard = FetchGuard {
            shared: self.shared.clone(),
            backoff: self.backoff,
            done: false,
        };
        let inner = self.inner.clone();
        let scopes = self.scopes.clone();
        let timeout = self.fetch_timeout;
        let fetch = async move {
            let scopes: Vec<&str> = scopes.iter().map(String::as_str).collect();
            let result = match tokio::time::timeout(timeout, inner.get_token(&scopes)).await {
                Ok(result) => result,
                Err(_) => Err(Error::Timeout {
                    phase: "fetching an Entra ID token (the credential did not answer; raise \
                            CachedCredential::fetch_timeout if it is slow)"
                        .into(),
                    after: timeout,
                }),
            };
            guard.finish(result);
        };
        rt.spawn(fetch);
        Ok(())
    }

    /// Forgets the cached token, whatever it is.
    pub async fn invalidate(&self) {
        lock(&self.shared.state).token = None;
    }

    /// Forgets the cached token if it is `refused` (the service answered 401 to it), so that the
    /// next request fetches a new one; a token already replaced is left alone.
    pub async fn invalidate_token(&self, refused: &Secret) {
        let mut st = lock(&self.shared.state);
        if st.token.as_ref().is_some_and(|t| &t.token == refused) {
            st.token = None;
        }
    }
}

fn lock(state: &Mutex<State>) -> MutexGuard<'_, State> {
    // The state is valid after any panic (plain fields, set whole): take it back.
    state
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

fn in_backoff(st: &State) -> bool {
    st.retry_at.is_some_and(|at| Instant::now() < at)
}

/// Ends a fetch: stores its outcome and wakes the waiters, also when the fetch is dropped unfinished.
struct FetchGuard {
    shared: Arc<Shared>,
    backoff: Duration,
    done: bool,
}

impl FetchGuard {
    fn finish(mut self, result: Result<AccessToken>) {
        self.done = true;
        self.store(result);
    }

    fn store(&self, result: Result<AccessToken>) {
        {
            let mut st = lock(&self.shared.state);
            st.fetching = false;
            match result {
                Ok(token) => {
                    st.token = Some(token);
                    st.failures = 0;
                    st.retry_at = None;
                    st.last_error = None;
                }
                Err(e) => {
                    st.failures = st.failures.saturating_add(1);
                    let doublings = st.failures.saturating_sub(1).min(16);
                    let wait = self
                        .backoff
                        .saturating_mul(1 << doublings)
                        .min(MAX_TOKEN_FETCH_BACKOFF);
                    st.retry_at = Instant::now().checked_add(wait);
                    st.last_error = Some(Failure::of(&e));
                }
            }
        }
        self.shared.fetched.send_modify(|n| *n = n.wrapping_add(1));
    }
}

impl Drop for FetchGuard {
    fn drop(&mut self) {
        if !self.done {
            self.store(Err(Error::Transport {
                message: "the token fetch was cancelled (its runtime shut down)".into(),
                source: None,
            }));
        }
    }
}

/// How requests authenticate.
#[derive(Clone, Debug)]
pub(crate) enum Auth {
    /// No credentials (local OpenAI-compatible servers).
    None,
    /// Azure's `api-key` header.
    ApiKey(Secret),
    /// `Authorization: Bearer <key>` (OpenAI-compatible servers).
    BearerKey(Secret),
    /// `Authorization: Bearer <token>` from Entra ID.
    Token(Arc<CachedCredential>),
}

impl Auth {
    pub(crate) fn describe(&self) -> &'static str {
        match self {
            Auth::None => "none",
            Auth::ApiKey(_) => "api-key ***",
            Auth::BearerKey(_) => "bearer key ***",
            Auth::Token(_) => "Entra ID token ***",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// `expires_in` as identity endpoints (and broken ones) send it.
    fn expires_in() -> impl Strategy<Value = Value> {
        prop_oneof![
            any::<u64>().prop_map(Value::from),
            (u64::MAX - 1000..=u64::MAX).prop_map(Value::from),
            any::<i64>().prop_map(Value::from),
            any::<f64>()
                .prop_map(|f| serde_json::Number::from_f64(f).map_or(Value::Null, Value::Number)),
            any::<u64>().prop_map(|n| Value::from(n.to_string())),
            "[ 0-9a-z.-]{0,24}".prop_map(Value::from),
            Just(Value::Null),
        ]
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(1024))]
        /// Any token reply: no panic; a token, when there is one, expires after the request
        /// started and at most a day later.
        #[test]
        fn any_token_reply_is_read_without_panic(
            status in 100u16..600,
            token in proptest::option::of("[A-Za-z0-9._-]{0,40}"),
            expires in proptest::option::of(expires_in()),
            garbage in proptest::option::of(proptest::collection::vec(any::<u8>(), 0..64)),
        ) {
            let mut reply = serde_json::Map::new();
            if let Some(t) = token {
                reply.insert("access_token".into(), Value::from(t));
            }
            if let Some(e) = expires {
                reply.insert("expires_in".into(), e);
            }
            let bytes = garbage.unwrap_or_else(|| Value::Object(reply).to_string().into_bytes());
            let started = SystemTime::now();
            if let Ok(t) = token_from_reply("https://login.test/t/oauth2/v2.0/token", status, &bytes, started) {
                prop_assert!(t.expires_at >= started);
                prop_assert!(t.expires_at <= started + MAX_TOKEN_LIFETIME);
            }
        }

        /// Lifetimes and margins of any size: no overflow in the cache's arithmetic.
        #[test]
        fn any_lifetime_is_held(secs in any::<u64>(), nanos in 0u32..1_000_000_000) {
            let t = AccessToken::new("t", Duration::new(secs, nanos));
            prop_assert!(t.left(SystemTime::now()) <= MAX_TOKEN_LIFETIME);
            prop_assert_eq!(t.left(SystemTime::UNIX_EPOCH + Duration::from_secs(1)) > Duration::ZERO, true);
            let _ = StaticToken::with_expiry("t", t.expires_at);
        }
    }

    #[test]
    fn a_lifetime_near_u64_max_is_a_day() {
        let started = SystemTime::now();
        let reply = format!(r#"{{"access_token": "t", "expires_in": {}}}"#, u64::MAX);
        let t = token_from_reply("u", 200, reply.as_bytes(), started).unwrap();
        assert_eq!(t.expires_at, started + MAX_TOKEN_LIFETIME);
    }
}
