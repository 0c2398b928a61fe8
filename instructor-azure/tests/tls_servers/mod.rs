//! Local HTTP servers for the transport tests: HTTP/1.1 and HTTP/2 (hyper's auto builder), plain
//! or over TLS with a CA made at test run time, each on 127.0.0.1, logging what they saw.
#![allow(dead_code)]

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

use http_body_util::Full;
use hyper::body::{Bytes, Incoming};
use hyper::service::service_fn;
use hyper::{Request, Response, Version};
use hyper_util::rt::{TokioExecutor, TokioIo};
use instructor_azure::reqwest;
use instructor_azure::{AsyncAzureOpenAI, AzureOpenAIBuilder};
use instructor_core::AsyncTransport;
use tokio::net::TcpListener;
use tokio_rustls::rustls;

use crate::common::*;

/// A CA made for this test run and a server certificate it signed for `localhost`, `127.0.0.1`
/// and `my-resource.test`.
pub struct Pki {
    pub ca: reqwest::Certificate,
    /// The CA in PEM, for a file the system's roots can be read from (`SSL_CERT_FILE`).
    pub ca_pem: String,
    pub leaf: rustls::pki_types::CertificateDer<'static>,
    pub key: rustls::pki_types::PrivateKeyDer<'static>,
}

pub fn pki() -> Pki {
    let ca_key = rcgen::KeyPair::generate().unwrap();
    let mut ca_params = rcgen::CertificateParams::new(Vec::<String>::new()).unwrap();
    ca_params.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
    ca_params
        .distinguished_name
        .push(rcgen::DnType::CommonName, "instructor test CA");
    let ca = rcgen::CertifiedIssuer::self_signed(ca_params, ca_key).unwrap();
    let key = rcgen::KeyPair::generate().unwrap();
    let names = vec![
        "localhost".to_string(),
        "127.0.0.1".to_string(),
        "my-resource.test".to_string(),
    ];
    let leaf = rcgen::CertificateParams::new(names)
        .unwrap()
        .signed_by(&key, &ca)
        .unwrap();
    Pki {
        ca: reqwest::Certificate::from_der(ca.der()).unwrap(),
        ca_pem: ca.pem(),
        leaf: leaf.der().clone(),
        key: rustls::pki_types::PrivateKeyDer::try_from(key.serialize_der()).unwrap(),
    }
}

pub fn server_tls(pki: &Pki, alpn: &[&[u8]]) -> tokio_rustls::TlsAcceptor {
    let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
    let mut config = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_no_client_auth()
        .with_single_cert(vec![pki.leaf.clone()], pki.key.clone_key())
        .unwrap();
    config.alpn_protocols = alpn.iter().map(|p| p.to_vec()).collect();
    tokio_rustls::TlsAcceptor::from(Arc::new(config))
}

/// What a test server saw of each request.
#[derive(Debug, Clone)]
pub struct Seen {
    pub version: Version,
    pub headers: http::HeaderMap,
}

pub type Log = Arc<Mutex<Vec<Seen>>>;

/// How the test server answers.
#[derive(Clone)]
pub enum Answer {
    Completion,
    RedirectTo(String),
    /// To a request for a stream, an SSE stream of `azure_chunks()`, sent once `Barrier` has been
    /// reached by as many requests as it was made for: only requests open at the server at the
    /// same time get past it. Other requests get a completion.
    Stream(Arc<tokio::sync::Barrier>),
}

pub async fn handle(
    req: Request<Incoming>,
    log: Log,
    answer: Answer,
) -> http::Result<Response<Full<Bytes>>> {
    log.lock().unwrap().push(Seen {
        version: req.version(),
        headers: req.headers().clone(),
    });
    let accepts_stream = req
        .headers()
        .get("accept")
        .is_some_and(|a| a.as_bytes().starts_with(b"text/event-stream"));
    match answer {
        Answer::Completion => Response::builder()
            .header("content-type", "application/json")
            .body(Full::new(Bytes::from(completion().to_string()))),
        Answer::RedirectTo(location) => Response::builder()
            .status(307)
            .header("location", location)
            .body(Full::new(Bytes::new())),
        Answer::Stream(_) if !accepts_stream => Response::builder()
            .header("content-type", "application/json")
            .body(Full::new(Bytes::from(completion().to_string()))),
        Answer::Stream(together) => {
            together.wait().await;
            Response::builder()
                .header("content-type", "text/event-stream")
                .body(Full::new(Bytes::from(sse(&azure_chunks(), true))))
        }
    }
}

/// An HTTP/1.1 + HTTP/2 server (hyper's auto builder), over TLS with `alpn` offered when `tls`
/// is given, else plain (HTTP/2 then only by prior knowledge).
pub async fn server(tls: Option<tokio_rustls::TlsAcceptor>, answer: Answer) -> (SocketAddr, Log) {
    let (addr, log, _) = server_with_streams(tls, answer, None).await;
    (addr, log)
}

/// [`server`], letting one HTTP/2 connection carry at most `max_streams` streams at once
/// (SETTINGS_MAX_CONCURRENT_STREAMS); also counts the connections accepted.
pub async fn server_with_streams(
    tls: Option<tokio_rustls::TlsAcceptor>,
    answer: Answer,
    max_streams: Option<u32>,
) -> (SocketAddr, Log, Arc<Mutex<usize>>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let log: Log = Arc::default();
    let seen = log.clone();
    let connections = Arc::new(Mutex::new(0));
    let accepted = connections.clone();
    tokio::spawn(async move {
        while let Ok((tcp, _)) = listener.accept().await {
            *accepted.lock().unwrap() += 1;
            let (tls, log, answer) = (tls.clone(), seen.clone(), answer.clone());
            tokio::spawn(async move {
                let service = service_fn(move |req| handle(req, log.clone(), answer.clone()));
                let mut http = hyper_util::server::conn::auto::Builder::new(TokioExecutor::new());
                http.http2().max_concurrent_streams(max_streams);
                match tls {
                    Some(acceptor) => {
                        if let Ok(stream) = acceptor.accept(tcp).await {
                            let _ = http.serve_connection(TokioIo::new(stream), service).await;
                        }
                    }
                    None => {
                        let _ = http.serve_connection(TokioIo::new(tcp), service).await;
                    }
                }
            });
        }
    });
    (addr, log, connections)
}

pub fn azure(endpoint: &str) -> AzureOpenAIBuilder<AsyncAzureOpenAI> {
    azure_async(endpoint, "2024-10-21").max_retries(0)
}

pub fn versions(log: &Log) -> Vec<Version> {
    log.lock().unwrap().iter().map(|s| s.version).collect()
}

/// Reads a stream to its end: its events' JSON, in order.
pub async fn events(client: &AsyncAzureOpenAI) -> Vec<String> {
    use futures::StreamExt;
    let stream = client.stream(&body()).await.unwrap();
    stream.map(|event| event.unwrap()).collect().await
}

pub fn streamed_events() -> Vec<String> {
    azure_chunks().iter().map(|c| c.to_string()).collect()
}

/// A server over TLS (h2 only) that lets a connection carry two streams at once and answers
/// streams only once three are open at the same time.
pub async fn two_streams_per_connection(pki: &Pki) -> (SocketAddr, Log, Arc<Mutex<usize>>) {
    let together = Arc::new(tokio::sync::Barrier::new(3));
    server_with_streams(
        Some(server_tls(pki, &[b"h2"])),
        Answer::Stream(together),
        Some(2),
    )
    .await
}

/// Opens three streams at once through `client` (which already has one connection open to a
/// [`two_streams_per_connection`] server) and checks that all three came whole, the third over a
/// second connection: without one it would wait for one of the first two to end, which never
/// comes.
pub async fn three_streams_over_two_connections(
    client: &AsyncAzureOpenAI,
    log: &Log,
    connections: &Mutex<usize>,
) {
    let all = futures::future::join_all((0..3).map(|_| events(client)));
    let streams = tokio::time::timeout(std::time::Duration::from_secs(20), all)
        .await
        .expect("three streams open at once over two connections");
    for events in streams {
        assert_eq!(events, streamed_events());
    }
    assert_eq!(versions(log), [Version::HTTP_2; 4]);
    assert_eq!(*connections.lock().unwrap(), 2);
}

/// Against two TLS servers, one offering h2 and HTTP/1.1 and one HTTP/1.1 only, clients made by
/// `client` (from the builder for an endpoint) speak HTTP/2 to the first, HTTP/1.1 to the second,
/// and HTTP/1.1 to the first when told to.
pub async fn http2_by_alpn_http11_fallback_and_forced_http11(
    pki: &Pki,
    client: impl Fn(AzureOpenAIBuilder<AsyncAzureOpenAI>) -> AzureOpenAIBuilder<AsyncAzureOpenAI>,
) {
    let (h2, h2_log) = server(
        Some(server_tls(pki, &[b"h2", b"http/1.1"])),
        Answer::Completion,
    )
    .await;
    let (h1, h1_log) = server(Some(server_tls(pki, &[b"http/1.1"])), Answer::Completion).await;

    let to_h2 = client(azure(&format!("https://localhost:{}", h2.port())))
        .build()
        .unwrap();
    to_h2.send(&body()).await.unwrap();
    assert_eq!(versions(&h2_log), [Version::HTTP_2]);

    let to_h1 = client(azure(&format!("https://localhost:{}", h1.port())))
        .build()
        .unwrap();
    to_h1.send(&body()).await.unwrap();
    assert_eq!(versions(&h1_log), [Version::HTTP_11]);

    // Forced HTTP/1.1 against the server that offers h2.
    let forced = client(azure(&format!("https://localhost:{}", h2.port())))
        .http1_only()
        .build()
        .unwrap();
    forced.send(&body()).await.unwrap();
    assert_eq!(versions(&h2_log), [Version::HTTP_2, Version::HTTP_11]);
}
