//! The HTTP client under every transport: one `reqwest::Client` (the SDK's, built here and only
//! here, or the user's own), and the reads of a reply body under the SDK's timeouts and size caps.

use std::error::Error as StdError;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, RwLock};
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
#[derive(Clone)]
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
    /// Requests and streams one connection of the SDK's client carries at once before another
    /// connection (another lane) is opened; see [`Lanes`].
    pub max_streams_per_connection: usize,
}

/// The streams an HTTP/2 connection is asked to carry at once: RFC 9113 asks servers to allow at
/// least 100.
pub(crate) const DEFAULT_MAX_STREAMS_PER_CONNECTION: usize = 100;

/// Flow-control windows of the SDK's HTTP/2 connections: what a server may send ahead of a
/// reader, per stream and for all the streams of a connection together. A streamed completion
/// arrives at some 5–30 KB/s, so 64 KiB per round trip is ten times what one needs at a 100 ms
/// round trip (a large non-streamed reply moves at 64 KiB per round trip), and 1 MiB lets the
/// hundred streams of a connection (`DEFAULT_MAX_STREAMS_PER_CONNECTION`) run at full speed
/// together. Readers that fall behind (a busy process) thus hold at most 1 MiB of unread replies
/// per connection, where hyper's defaults (2 MiB, 5 MiB) let 5 MiB pile up.
pub(crate) const HTTP2_STREAM_WINDOW: u32 = 64 * 1024;
pub(crate) const HTTP2_CONNECTION_WINDOW: u32 = 1024 * 1024;

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
            .field(
                "max_streams_per_connection",
                &self.max_streams_per_connection,
            )
            .finish()
    }
}

impl Default for ClientSettings {
    fn default() -> Self {
        ClientSettings {
            connect_timeout: None,
            version: HttpVersion::default(),
            proxies: Vec::new(),
            no_proxy: false,
            roots: Vec::new(),
            user: None,
            max_streams_per_connection: DEFAULT_MAX_STREAMS_PER_CONNECTION,
        }
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
            || self.max_streams_per_connection != DEFAULT_MAX_STREAMS_PER_CONNECTION
    }
}

/// The SDK's client: redirects are not followed (the transport follows them itself, to keep
/// credentials on the endpoint's origin and refuse downgrades), rustls with the system's roots
/// plus `roots`, HTTP/2 by ALPN unless told otherwise (with windows sized for many slow streams,
/// [`HTTP2_STREAM_WINDOW`] and [`HTTP2_CONNECTION_WINDOW`]), proxies from the settings or else
/// the environment, idle connections kept 90 s. `tls`: a TLS configuration built once by
/// [`shared_tls`] for every lane; `None` lets reqwest build its own.
pub(crate) fn build_client(
    s: &ClientSettings,
    default_connect_timeout: Duration,
    tls: Option<&rustls::ClientConfig>,
) -> reqwest::Result<Client> {
    let mut b = Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .connect_timeout(s.connect_timeout.unwrap_or(default_connect_timeout))
        .tcp_nodelay(true)
        .pool_idle_timeout(Duration::from_secs(90))
        .http2_initial_stream_window_size(HTTP2_STREAM_WINDOW)
        .http2_initial_connection_window_size(HTTP2_CONNECTION_WINDOW);
    for proxy in &s.proxies {
        b = b.proxy(proxy.clone());
    }
    if s.no_proxy {
        b = b.no_proxy();
    }
    if !s.roots.is_empty() {
        b = b.tls_certs_merge(s.roots.iter().cloned());
    }
    if let Some(tls) = tls {
        b = b.tls_backend_preconfigured(tls.clone());
    }
    b = match s.version {
        HttpVersion::Negotiated => b,
        HttpVersion::Http1Only => b.http1_only(),
        HttpVersion::Http2PriorKnowledge => b.http2_prior_knowledge(),
    };
    b.build()
}

/// The TLS configuration reqwest would build for `s`, built once for all of a client's lanes.
///
/// reqwest builds a TLS configuration per client, and with it a platform verifier that reads and
/// parses every root certificate of the system: some 5 ms and 110 KiB per client, which a new
/// lane would pay on the request path, with the lanes' lock held. The configuration is what
/// reqwest makes by default: the process's default crypto provider (else aws-lc-rs), TLS 1.2 and
/// 1.3, the platform verifier, SNI, and ALPN by the HTTP version setting.
///
/// `None` (reqwest then builds one per client, as before) when the settings add roots:
/// `reqwest::Certificate` does not give its bytes back for a verifier of our own; or when the
/// system's roots cannot be read, so that reqwest reports that error itself.
pub(crate) fn shared_tls(s: &ClientSettings) -> Option<rustls::ClientConfig> {
    if !s.roots.is_empty() {
        return None;
    }
    let provider = rustls::crypto::CryptoProvider::get_default()
        .cloned()
        .unwrap_or_else(|| Arc::new(rustls::crypto::aws_lc_rs::default_provider()));
    let verifier = rustls_platform_verifier::Verifier::new(provider.clone()).ok()?;
    let mut tls = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .ok()?
        .dangerous()
        .with_custom_certificate_verifier(Arc::new(verifier))
        .with_no_client_auth();
    tls.alpn_protocols = match s.version {
        HttpVersion::Negotiated => vec![b"h2".to_vec(), b"http/1.1".to_vec()],
        HttpVersion::Http1Only => vec![b"http/1.1".to_vec()],
        HttpVersion::Http2PriorKnowledge => vec![b"h2".to_vec()],
    };
    Some(tls)
}

/// The HTTP clients requests go through: one per lane, each with its own connection pool.
///
/// reqwest (like hyper under it) keeps one HTTP/2 connection per origin and queues the requests
/// beyond what the server lets a connection carry (SETTINGS_MAX_CONCURRENT_STREAMS, often 100 or
/// 128): a streamed completion lasts seconds to minutes, so the 101st stream would wait for one
/// of the first hundred to end. A request takes the first lane carrying fewer than
/// `max_streams_per_connection` requests, and a lane (a client of the same settings, with a
/// connection of its own) is added when all are full. Over HTTP/1.1, where each request has a
/// connection of its own anyway, lanes only split the pool. A user's client is one lane without
/// limit: its pool is the user's.
pub(crate) struct Lanes {
    first: Arc<Lane>,
    /// Lanes added when the first was full, in order.
    more: RwLock<Vec<Arc<Lane>>>,
    /// How to build another lane; `None` for a user's client.
    settings: Option<LaneSettings>,
    max_per_lane: usize,
}

/// What every lane of the SDK's own client is built from.
struct LaneSettings {
    client: ClientSettings,
    connect_timeout: Duration,
    /// Shared by the lanes, so that the system's roots are read once (see [`shared_tls`]).
    tls: Option<rustls::ClientConfig>,
}

impl LaneSettings {
    fn build(&self) -> reqwest::Result<Client> {
        build_client(&self.client, self.connect_timeout, self.tls.as_ref())
    }
}

/// One client and the requests it carries now.
struct Lane {
    client: Client,
    in_flight: AtomicUsize,
}

/// A request's place in a lane, given back when dropped (when its reply was read, or its
/// stream dropped).
pub(crate) struct LaneGuard(Arc<Lane>);

impl LaneGuard {
    pub(crate) fn client(&self) -> &Client {
        &self.0.client
    }
}

impl Drop for LaneGuard {
    fn drop(&mut self) {
        self.0.in_flight.fetch_sub(1, Ordering::Release);
    }
}

impl Lanes {
    /// The SDK's own client, built from `settings` (and more like it as lanes fill).
    pub(crate) fn build(
        settings: &ClientSettings,
        default_connect_timeout: Duration,
    ) -> reqwest::Result<Self> {
        let mut client = settings.clone();
        client.user = None;
        let lanes = LaneSettings {
            tls: shared_tls(&client),
            client,
            connect_timeout: default_connect_timeout,
        };
        Ok(Lanes {
            first: Lane::new(lanes.build()?),
            more: RwLock::new(Vec::new()),
            max_per_lane: settings.max_streams_per_connection.max(1),
            settings: Some(lanes),
        })
    }

    /// The user's client, as it is.
    pub(crate) fn user(client: Client) -> Self {
        Lanes {
            first: Lane::new(client),
            more: RwLock::new(Vec::new()),
            max_per_lane: usize::MAX,
            settings: None,
        }
    }

    /// A place for one request: in the first lane with room, else in a new lane, else (when a
    /// new client cannot be built) in the least busy one.
    pub(crate) fn acquire(&self) -> LaneGuard {
        if let Some(guard) = self.first.take(self.max_per_lane) {
            return guard;
        }
        if let Ok(more) = self.more.read() {
            if let Some(guard) = more.iter().find_map(|l| l.take(self.max_per_lane)) {
                return guard;
            }
        }
        let Some(settings) = &self.settings else {
            return self.least_busy();
        };
        let Ok(mut more) = self.more.write() else {
            return self.least_busy();
        };
        // Another request may have added a lane meanwhile.
        if let Some(guard) = more.iter().find_map(|l| l.take(self.max_per_lane)) {
            return guard;
        }
        match settings.build() {
            Ok(client) => {
                let lane = Lane::new(client);
                lane.in_flight.fetch_add(1, Ordering::Acquire);
                more.push(lane.clone());
                LaneGuard(lane)
            }
            Err(_) => {
                drop(more);
                self.least_busy()
            }
        }
    }

    /// The least busy lane, full or not.
    fn least_busy(&self) -> LaneGuard {
        let more = self.more.read().ok();
        let lane = more
            .iter()
            .flat_map(|m| m.iter())
            .chain(std::iter::once(&self.first))
            .min_by_key(|lane| lane.in_flight.load(Ordering::Relaxed))
            .unwrap_or(&self.first)
            .clone();
        lane.in_flight.fetch_add(1, Ordering::Acquire);
        LaneGuard(lane)
    }

    /// How many lanes (clients, and so connections to one origin over HTTP/2) there are.
    pub(crate) fn count(&self) -> usize {
        1 + self.more.read().map(|m| m.len()).unwrap_or(0)
    }
}

impl Lane {
    fn new(client: Client) -> Arc<Self> {
        Arc::new(Lane {
            client,
            in_flight: AtomicUsize::new(0),
        })
    }

    /// A place here, if this lane carries fewer than `max` requests.
    fn take(self: &Arc<Self>, max: usize) -> Option<LaneGuard> {
        let before = self.in_flight.fetch_add(1, Ordering::Acquire);
        if before < max {
            Some(LaneGuard(self.clone()))
        } else {
            self.in_flight.fetch_sub(1, Ordering::Release);
            None
        }
    }
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

/// A reply's body without its head: the headers (and the URL) are let go as soon as the body
/// is all that is left to read. A stream lives minutes; over HTTP/1.1 its header values are
/// slices of the connection's first read buffer, which they would keep alive.
pub(crate) struct Body(reqwest::Body);

impl Body {
    pub(crate) fn of(resp: Response) -> Self {
        Body(http::Response::<reqwest::Body>::from(resp).into_body())
    }

    /// The next piece of data (`None` at the end); frames other than data are skipped.
    async fn chunk(&mut self) -> reqwest::Result<Option<Bytes>> {
        use http_body_util::BodyExt;
        loop {
            match self.0.frame().await {
                None => return Ok(None),
                Some(frame) => {
                    if let Ok(data) = frame?.into_data() {
                        return Ok(Some(data));
                    }
                }
            }
        }
    }
}

/// The next piece of a reply body (`None` at its end), waiting at most `limit` for it and never
/// past `deadline`. A piece already received is taken without arming a timer: small replies
/// arrive whole with their head.
pub(crate) async fn next_chunk(
    body: &mut Body,
    limit: Duration,
    deadline: Instant,
) -> Result<Option<Bytes>, ReadError> {
    // Dropping the pending read is harmless: a body frame is consumed only when it is returned.
    if let Some(ready) = futures::FutureExt::now_or_never(body.chunk()) {
        return ready.map_err(ReadError::Broken);
    }
    let now = Instant::now();
    let by_deadline = deadline.saturating_duration_since(now) < limit;
    let until = if by_deadline { deadline } else { now + limit };
    match tokio::time::timeout_at(until, body.chunk()).await {
        Ok(read) => read.map_err(ReadError::Broken),
        Err(_) if by_deadline => Err(ReadError::Deadline),
        Err(_) => Err(ReadError::TimedOut),
    }
}

/// Reads a reply body, waiting at most `limit` for each piece and never past `deadline`, up to
/// `cap` bytes: a longer body is cut at `cap` when `truncate`, else refused with
/// [`ReadError::TooLarge`].
pub(crate) async fn read_capped(
    resp: Response,
    cap: usize,
    truncate: bool,
    limit: Duration,
    deadline: Instant,
) -> Result<Vec<u8>, ReadError> {
    // Sized once from Content-Length (capped), not grown chunk by chunk.
    let expected = resp.content_length().unwrap_or(0);
    let mut body = Vec::with_capacity(usize::try_from(expected).unwrap_or(0).min(cap));
    let mut resp = Body::of(resp);
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_lane_is_added_when_all_are_full_and_reused_when_room_is_given_back() {
        let settings = ClientSettings {
            max_streams_per_connection: 2,
            no_proxy: true,
            ..ClientSettings::default()
        };
        let lanes = Lanes::build(&settings, Duration::from_secs(1)).unwrap();
        let a = lanes.acquire();
        let b = lanes.acquire();
        assert_eq!(lanes.count(), 1);
        let c = lanes.acquire();
        assert_eq!(lanes.count(), 2, "the first lane was full");
        drop(a);
        let d = lanes.acquire();
        assert_eq!(lanes.count(), 2, "room was given back in the first lane");
        assert!(Arc::ptr_eq(&b.0, &d.0));
        assert!(!Arc::ptr_eq(&c.0, &d.0));
        drop((b, c, d));
        assert_eq!(lanes.first.in_flight.load(Ordering::SeqCst), 0);

        // A user's client is one lane however busy.
        let user = Lanes::user(Client::new());
        let held: Vec<_> = (0..300).map(|_| user.acquire()).collect();
        assert_eq!(user.count(), 1);
        drop(held);
    }
}
