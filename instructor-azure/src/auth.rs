//! Entra ID (Azure AD) tokens: the [`TokenCredential`] trait, a static token, the client-credentials
//! flow, and the cache that shares one token between concurrent requests.

use std::sync::Arc;
use std::time::{Duration, SystemTime};

use instructor_core::transport::BoxFuture;
use instructor_core::{Error, Result};
use serde_json::Value;

use crate::secret::Secret;
use crate::wire::{self, Wire};

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
    /// A token valid for `lifetime` from now.
    pub fn new(token: impl Into<Secret>, lifetime: Duration) -> Self {
        AccessToken {
            token: token.into(),
            expires_at: SystemTime::now() + lifetime,
        }
    }
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
                    .unwrap_or_else(|| SystemTime::now() + Duration::from_secs(24 * 3600)),
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
    /// `None` only if TLS could not be set up; `fetch` says so.
    http: Option<Wire>,
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
            http: Wire::new(Duration::from_secs(10)).ok(),
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
        let request = http::Request::post(parsed.as_str())
            .header(
                http::header::CONTENT_TYPE,
                "application/x-www-form-urlencoded",
            )
            .header(http::header::ACCEPT, "application/json")
            .body(wire::Body::from(form))
            .map_err(|e| {
                Error::Configuration(format!("the authority URL `{url}` is not valid: {e}"))
            })?;
        let started = SystemTime::now();
        let resp = tokio::time::timeout(TOKEN_TIMEOUT, http.send(request))
            .await
            .map_err(|_| Error::Timeout {
                phase: format!("waiting for the identity endpoint {url}"),
                after: TOKEN_TIMEOUT,
            })?
            .map_err(|e| {
                Error::transport(format!("could not reach the identity endpoint {url}"), e)
            })?;
        let status = resp.status().as_u16();
        let reading = format!("reading the identity endpoint's answer ({url})");
        // One bound for the whole answer, as for the request; a longer answer is cut (and then
        // fails to parse).
        let read = wire::read_capped(resp, MAX_TOKEN_RESPONSE, true, TOKEN_TIMEOUT);
        let bytes = match tokio::time::timeout(TOKEN_TIMEOUT, read).await {
            Ok(Ok(bytes)) => bytes,
            Ok(Err(wire::ReadError::Broken(e))) => return Err(Error::transport(reading, e)),
            // Cut at the cap, never refused: `truncate` is set.
            Ok(Err(wire::ReadError::TooLarge)) => Vec::new(),
            Ok(Err(wire::ReadError::TimedOut)) | Err(_) => {
                return Err(Error::Timeout {
                    phase: reading,
                    after: TOKEN_TIMEOUT,
                })
            }
        };
        let json: Value = serde_json::from_slice(&bytes).map_err(|_| Error::Authentication {
            status,
            message: format!(
                "the identity endpoint {url} did not answer JSON: {}",
                crate::errors::excerpt(&bytes)
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
            expires_at: started + Duration::from_secs(expires_in),
        })
    }
}

/// A token response is a few kilobytes; more is not read.
const MAX_TOKEN_RESPONSE: usize = 1024 * 1024;

/// How long a token request may take, connecting included.
const TOKEN_TIMEOUT: Duration = Duration::from_secs(60);

impl TokenCredential for ClientSecretCredential {
    fn get_token<'a>(&'a self, scopes: &'a [&'a str]) -> BoxFuture<'a, Result<AccessToken>> {
        Box::pin(self.fetch(scopes))
    }
}

/// Caches a [`TokenCredential`]'s token and refreshes it shortly before it expires; concurrent
/// requests share one token and at most one fetch is in flight.
///
/// The clients wrap every credential given to them in one; use it directly to share a cache
/// between clients.
pub struct CachedCredential {
    inner: Arc<dyn TokenCredential>,
    scopes: Vec<String>,
    refresh_before: Duration,
    cache: tokio::sync::Mutex<Option<AccessToken>>,
}

impl std::fmt::Debug for CachedCredential {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CachedCredential")
            .field("scopes", &self.scopes)
            .field("refresh_before", &self.refresh_before)
            .finish_non_exhaustive()
    }
}

impl CachedCredential {
    /// Caches `inner`'s tokens for the Azure OpenAI scope, refreshing 5 minutes before expiry.
    pub fn new(inner: Arc<dyn TokenCredential>) -> Self {
        CachedCredential {
            inner,
            scopes: vec![COGNITIVE_SERVICES_SCOPE.to_string()],
            refresh_before: Duration::from_secs(300),
            cache: tokio::sync::Mutex::new(None),
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

    /// A token valid for at least the refresh margin, fetched only when the cached one is not.
    pub async fn token(&self) -> Result<Secret> {
        let mut cached = self.cache.lock().await;
        let now = SystemTime::now();
        if let Some(t) = cached.as_ref() {
            if t.expires_at > now + self.refresh_before {
                return Ok(t.token.clone());
            }
        }
        let scopes: Vec<&str> = self.scopes.iter().map(String::as_str).collect();
        match self.inner.get_token(&scopes).await {
            Ok(fresh) => {
                let token = fresh.token.clone();
                *cached = Some(fresh);
                Ok(token)
            }
            // A refresh failed but the old token still works: use it, try again next time.
            Err(e) => match cached.as_ref() {
                Some(old) if old.expires_at > now + Duration::from_secs(5) => Ok(old.token.clone()),
                _ => Err(e),
            },
        }
    }

    /// Forgets the cached token (after the service refused it).
    pub async fn invalidate(&self) {
        *self.cache.lock().await = None;
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
