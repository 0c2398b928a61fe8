//! The HTTP client under every transport: one `reqwest::Client` (the SDK's, built here and only
//! here, or the user's own), and the reads of a reply body under the SDK's timeouts and size caps.

use std::error::Error as StdError;
use std::time::Duration;

use bytes::Bytes;
use tokio::time::Instant;

pub(crate) use reqwest::{Client, Response};

/// How the SDK's own client picks the HTTP version.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) enum HttpVersion {
    /// HTTP/2 when the server offers it in the TLS handshake (ALPN), else HTTP/1.1; plain http
    /// (loopback only) is HTTP/1.1.
    #[default]
    Negotiated,
    /// HTTP/1.1 only.
    Http1Only,
    /// HTTP/2 without negotiation (prior knowledge), also over plain http.
    Http2PriorKnowledge,
}

/// What the SDK's own client is built with. A user's client brings its own.
#[derive(Clone, Default)]
pub(crate) struct ClientSettings {
    /// `None`: the default connect timeout.
    pub connect_timeout: Option<Duration>,
    pub version: HttpVersion,
    /// Proxies set on the builder; the environment's (`HTTPS_PROXY`, `ALL_PROXY`, `NO_PROXY`, …)
    /// apply when there are none.
    pub proxies: Vec<reqwest::Proxy>,
    /// No proxy at all, not even the environment's.
    pub no_proxy: bool,
    /// Roots trusted besides the system's.
    pub roots: Vec<reqwest::Certificate>,
    /// The user's client, used as it is.
    pub user: Option<Client>,
}

impl std::fmt::Debug for ClientSettings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Proxy URLs may carry credentials: only their number is shown.
        f.debug_struct("ClientSettings")
            .field("connect_timeout", &self.connect_timeout)
            .field("version", &self.version)
            .field("proxies", &self.proxies.len())
            .field("no_proxy", &self.no_proxy)
            .field("roots", &self.roots.len())
            .field("user_client", &self.user.is_some())
            .finish()
    }
}

impl ClientSettings {
    /// True when something is set that only the SDK's own client can take.
    pub(crate) fn configures_own_client(&self) -> bool {
        self.connect_timeout.is_some()
            || self.version != HttpVersion::Negotiated
            || !self.proxies.is_empty()
            || self.no_proxy
            || !self.roots.is_empty()
    }
}

/// The SDK's client: redirects are not followed (the transport follows them itself, to keep
/// credentials on the endpoint's origin and refuse downgrades), rustls with the system's roots
/// plus `roots`, HTTP/2 by ALPN unless told otherwise, proxies from the settings or else the
/// environment, idle connections kept 90 s.
pub(crate) fn build_client(
    s: &ClientSettings,
    default_connect_timeout: Duration,
) -> reqwest::Result<Client> {
    let mut b = Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .connect_timeout(s.connect_timeout.unwrap_or(default_connect_timeout))
        .tcp_nodelay(true)
        .pool_idle_timeout(Duration::from_secs(90));
    for proxy in &s.proxies {
        b = b.proxy(proxy.clone());
    }
    if s.no_proxy {
        b = b.no_proxy();
    }
    if !s.roots.is_empty() {
        b = b.tls_certs_merge(s.roots.iter().cloned());
    }
    b = match s.version {
        HttpVersion::Negotiated => b,
        HttpVersion::Http1Only => b.http1_only(),
        HttpVersion::Http2PriorKnowledge => b.http2_prior_knowledge(),
    };
    b.build()
}

/// Why a reply body could not be read.
#[derive(Debug)]
pub(crate) enum ReadError {
    /// No bytes came for the read timeout.
    TimedOut,
    /// The call's total deadline passed.
    Deadline,
    /// The connection failed mid-body.
    Broken(reqwest::Error),
    /// The body is longer than the cap (and was not to be cut).
    TooLarge,
}

/// The next piece of a reply body (`None` at its end), waiting at most `limit` for it and never
/// past `deadline`. A piece already received is taken without arming a timer: small replies
/// arrive whole with their head.
pub(crate) async fn next_chunk(
    resp: &mut Response,
    limit: Duration,
    deadline: Instant,
) -> Result<Option<Bytes>, ReadError> {
    // Dropping the pending read is harmless: a body frame is consumed only when it is returned.
    if let Some(ready) = futures::FutureExt::now_or_never(resp.chunk()) {
        return ready.map_err(ReadError::Broken);
    }
    let now = Instant::now();
    let by_deadline = deadline.saturating_duration_since(now) < limit;
    let until = if by_deadline { deadline } else { now + limit };
    match tokio::time::timeout_at(until, resp.chunk()).await {
        Ok(read) => read.map_err(ReadError::Broken),
        Err(_) if by_deadline => Err(ReadError::Deadline),
        Err(_) => Err(ReadError::TimedOut),
    }
}

/// Reads a reply body, waiting at most `limit` for each piece and never past `deadline`, up to
/// `cap` bytes: a longer body is cut at `cap` when `truncate`, else refused with
/// [`ReadError::TooLarge`].
pub(crate) async fn read_capped(
    mut resp: Response,
    cap: usize,
    truncate: bool,
    limit: Duration,
    deadline: Instant,
) -> Result<Vec<u8>, ReadError> {
    // Sized once from Content-Length (capped), not grown chunk by chunk.
    let expected = resp.content_length().unwrap_or(0);
    let mut body = Vec::with_capacity(usize::try_from(expected).unwrap_or(0).min(cap));
    while let Some(chunk) = next_chunk(&mut resp, limit, deadline).await? {
        if body.len() + chunk.len() > cap {
            if !truncate {
                return Err(ReadError::TooLarge);
            }
            let room = cap.saturating_sub(body.len());
            body.extend_from_slice(chunk.get(..room).unwrap_or(&chunk));
            return Ok(body);
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body)
}

/// How a request that got no reply failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum SendFailure {
    /// Connecting timed out.
    ConnectTimeout,
    /// No connection could be made: the request never left.
    Connect,
    /// The connection closed or was reset after the request went out, before a reply (a pooled
    /// connection the server had just dropped, most often).
    Reset,
    /// Anything else (the client's own timeout, a protocol error, a body error).
    Other,
}

/// Classifies a send error.
pub(crate) fn send_failure(e: &reqwest::Error) -> SendFailure {
    if e.is_connect() {
        return if e.is_timeout() {
            SendFailure::ConnectTimeout
        } else {
            SendFailure::Connect
        };
    }
    let mut source: Option<&(dyn StdError + 'static)> = e.source();
    while let Some(err) = source {
        if let Some(h) = err.downcast_ref::<hyper::Error>() {
            if h.is_incomplete_message() || h.is_canceled() {
                return SendFailure::Reset;
            }
        }
        if let Some(io) = err.downcast_ref::<std::io::Error>() {
            use std::io::ErrorKind::*;
            if matches!(
                io.kind(),
                ConnectionReset | ConnectionAborted | BrokenPipe | UnexpectedEof
            ) {
                return SendFailure::Reset;
            }
        }
        source = err.source();
    }
    SendFailure::Other
}
