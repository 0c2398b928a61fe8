//! The HTTP/1.1 client under every transport: hyper's pooled keep-alive connections, rustls with
//! the webpki roots for https, and https proxies from the environment through CONNECT tunnels.
//!
//! hyper directly rather than reqwest: reqwest parses each request's URL twice and runs a redirect
//! and a retry layer per request, none of which the transport uses (it follows redirects and
//! retries by hand, to keep credentials on the endpoint's origin). Those layers cost a third
//! of the client's CPU per request against a fast local server (`BENCHMARKS.md`).

use std::error::Error as StdError;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use bytes::Bytes;
use http::Uri;
use http_body_util::{BodyExt, Full};
use hyper::body::Incoming;
use hyper_rustls::{HttpsConnector, HttpsConnectorBuilder};
use hyper_util::client::legacy::connect::proxy::Tunnel;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::client::legacy::Client;
use hyper_util::client::proxy::matcher::Matcher;
use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};
use tokio::net::TcpStream;
use tower_service::Service;

/// A request body: the serialized JSON, shared rather than copied on a retry or redirect.
pub(crate) type Body = Full<Bytes>;
/// A reply whose body has not been read yet.
pub(crate) type Response = http::Response<Incoming>;
/// Why a request got no reply.
pub(crate) type WireError = hyper_util::client::legacy::Error;

type BoxError = Box<dyn StdError + Send + Sync>;

/// A pooled HTTP/1.1 client; cloning shares the pool.
#[derive(Clone)]
pub(crate) struct Wire {
    client: Client<HttpsConnector<Connector>, Body>,
}

impl Wire {
    /// A client whose connections time out after `connect_timeout` and idle out after 90 s.
    pub(crate) fn new(connect_timeout: Duration) -> std::result::Result<Self, rustls::Error> {
        let mut http = HttpConnector::new();
        http.enforce_http(false);
        http.set_nodelay(true);
        http.set_connect_timeout(Some(connect_timeout));
        let connector = Connector {
            http,
            proxies: Arc::new(Matcher::from_env()),
        };
        let tls = rustls::ClientConfig::builder_with_provider(Arc::new(
            rustls::crypto::ring::default_provider(),
        ))
        .with_safe_default_protocol_versions()?
        .with_root_certificates(rustls::RootCertStore {
            roots: webpki_roots::TLS_SERVER_ROOTS.to_vec(),
        })
        .with_no_client_auth();
        let https = HttpsConnectorBuilder::new()
            .with_tls_config(tls)
            .https_or_http()
            .enable_http1()
            .wrap_connector(connector);
        let client = Client::builder(TokioExecutor::new())
            .pool_timer(TokioTimer::new())
            .pool_idle_timeout(Duration::from_secs(90))
            .build(https);
        Ok(Wire { client })
    }

    /// Sends `request` and waits for the reply's head.
    pub(crate) async fn send(
        &self,
        request: http::Request<Body>,
    ) -> std::result::Result<Response, WireError> {
        self.client.request(request).await
    }
}

/// The next piece of a reply body, `None` at its end (trailers are skipped).
pub(crate) async fn next_chunk(
    body: &mut Incoming,
) -> std::result::Result<Option<Bytes>, hyper::Error> {
    while let Some(frame) = body.frame().await {
        if let Ok(data) = frame?.into_data() {
            return Ok(Some(data));
        }
    }
    Ok(None)
}

/// The next piece of a reply body, waiting at most `limit` for it. A piece already received is
/// taken without arming a timer: small replies arrive whole with their head.
pub(crate) async fn next_chunk_within(
    body: &mut Incoming,
    limit: Duration,
) -> std::result::Result<
    std::result::Result<Option<Bytes>, hyper::Error>,
    tokio::time::error::Elapsed,
> {
    // Dropping the pending read is harmless: a body frame is consumed only when it is returned.
    if let Some(ready) = futures::FutureExt::now_or_never(next_chunk(body)) {
        return Ok(ready);
    }
    tokio::time::timeout(limit, next_chunk(body)).await
}

/// Why a reply body could not be read whole.
#[derive(Debug)]
pub(crate) enum ReadError {
    /// No bytes came for the read timeout.
    TimedOut,
    /// The connection failed mid-body.
    Broken(hyper::Error),
    /// The body is longer than the cap (and was not to be cut).
    TooLarge,
}

/// Reads a reply body, waiting at most `limit` for each piece, up to `cap` bytes: a longer body
/// is cut at `cap` when `truncate`, else refused with [`ReadError::TooLarge`].
pub(crate) async fn read_capped(
    resp: Response,
    cap: usize,
    truncate: bool,
    limit: Duration,
) -> std::result::Result<Vec<u8>, ReadError> {
    let mut incoming = resp.into_body();
    // Sized once from Content-Length (capped), not grown chunk by chunk.
    let expected = hyper::body::Body::size_hint(&incoming).exact().unwrap_or(0);
    let mut body = Vec::with_capacity(usize::try_from(expected).unwrap_or(0).min(cap));
    loop {
        let chunk = next_chunk_within(&mut incoming, limit)
            .await
            .map_err(|_| ReadError::TimedOut)?
            .map_err(ReadError::Broken)?;
        let Some(chunk) = chunk else {
            return Ok(body);
        };
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
}

/// True when `e` is a timeout while connecting.
pub(crate) fn is_connect_timeout(e: &WireError) -> bool {
    let mut source: Option<&(dyn StdError + 'static)> = e.source();
    while let Some(err) = source {
        if let Some(io) = err.downcast_ref::<std::io::Error>() {
            if io.kind() == std::io::ErrorKind::TimedOut {
                return true;
            }
        }
        source = err.source();
    }
    false
}

/// Opens TCP connections, through a CONNECT tunnel when `HTTPS_PROXY` / `ALL_PROXY` names a proxy
/// for the host (`NO_PROXY` exempts hosts, as curl reads these variables). Plain http goes only to
/// loopback hosts (the transport refuses anything else), so only https is proxied.
#[derive(Clone)]
struct Connector {
    http: HttpConnector,
    proxies: Arc<Matcher>,
}

type Connecting =
    Pin<Box<dyn Future<Output = std::result::Result<TokioIo<TcpStream>, BoxError>> + Send>>;

impl Service<Uri> for Connector {
    type Response = TokioIo<TcpStream>;
    type Error = BoxError;
    type Future = Connecting;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<std::result::Result<(), BoxError>> {
        self.http.poll_ready(cx).map_err(Into::into)
    }

    fn call(&mut self, dst: Uri) -> Connecting {
        let proxy = (dst.scheme_str() == Some("https"))
            .then(|| self.proxies.intercept(&dst))
            .flatten();
        match proxy {
            None => {
                let connecting = self.http.call(dst);
                Box::pin(async move { connecting.await.map_err(Into::into) })
            }
            Some(proxy) => {
                let mut tunnel = Tunnel::new(proxy.uri().clone(), self.http.clone());
                if let Some(auth) = proxy.basic_auth() {
                    tunnel = tunnel.with_auth(auth.clone());
                }
                let connecting = tunnel.call(dst);
                Box::pin(async move { connecting.await.map_err(Into::into) })
            }
        }
    }
}
