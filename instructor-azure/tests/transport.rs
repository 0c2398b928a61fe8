//! The HTTP transport on the wire: TLS with roots made at test time, HTTP/2 by ALPN and by prior
//! knowledge, the user's own `reqwest::Client`, https and socks5 proxies, redirects that would
//! downgrade or turn to this machine, and a pooled connection that closes under a request.
//! Every server is on 127.0.0.1.

mod common;
mod tls_servers;

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use common::*;
use hyper::Version;
use instructor_azure::reqwest;
use instructor_core::{AsyncTransport, Error};
use tls_servers::*;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use wiremock::matchers::path;
use wiremock::{Mock, MockServer, ResponseTemplate};

#[tokio::test]
async fn http2_by_alpn_and_http11_when_not_offered() {
    let pki = pki();
    http2_by_alpn_http11_fallback_and_forced_http11(&pki, |b| {
        b.add_root_certificate(pki.ca.clone())
    })
    .await;
}

#[tokio::test]
async fn http2_prior_knowledge_over_plain_http() {
    let (plain, log) = server(None, Answer::Completion).await;
    let client = azure(&format!("http://127.0.0.1:{}", plain.port()))
        .http2_prior_knowledge()
        .build()
        .unwrap();
    client.send(&body()).await.unwrap();
    let default = azure(&format!("http://127.0.0.1:{}", plain.port()))
        .build()
        .unwrap();
    default.send(&body()).await.unwrap();
    assert_eq!(versions(&log), [Version::HTTP_2, Version::HTTP_11]);
}

#[tokio::test]
async fn streams_over_http2_by_alpn_and_over_http11_when_not_offered() {
    let pki = pki();
    let one = || Answer::Stream(Arc::new(tokio::sync::Barrier::new(1)));
    let (h2, h2_log) = server(Some(server_tls(&pki, &[b"h2", b"http/1.1"])), one()).await;
    let (h1, h1_log) = server(Some(server_tls(&pki, &[b"http/1.1"])), one()).await;
    let to = |addr: SocketAddr| {
        azure(&format!("https://localhost:{}", addr.port())).add_root_certificate(pki.ca.clone())
    };

    assert_eq!(events(&to(h2).build().unwrap()).await, streamed_events());
    assert_eq!(versions(&h2_log), [Version::HTTP_2]);
    assert_eq!(events(&to(h1).build().unwrap()).await, streamed_events());
    assert_eq!(versions(&h1_log), [Version::HTTP_11]);
    // Forced either way.
    assert_eq!(
        events(&to(h2).http1_only().build().unwrap()).await,
        streamed_events()
    );
    let (plain, plain_log) = server(None, one()).await;
    let prior = azure(&format!("http://127.0.0.1:{}", plain.port()))
        .http2_prior_knowledge()
        .build()
        .unwrap();
    assert_eq!(events(&prior).await, streamed_events());
    assert_eq!(versions(&h2_log), [Version::HTTP_2, Version::HTTP_11]);
    assert_eq!(versions(&plain_log), [Version::HTTP_2]);
}

/// A server that lets a connection carry two streams at once, a connection already open to it,
/// and three streams that the server answers only once all three are open: the third needs a
/// second connection (without one it would wait for one of the first two to end, which never
/// come).
#[tokio::test]
async fn streams_beyond_a_connections_limit_open_another_connection() {
    let pki = pki();
    let (addr, log, connections) = two_streams_per_connection(&pki).await;
    let client = azure(&format!("https://localhost:{}", addr.port()))
        .add_root_certificate(pki.ca.clone())
        .max_streams_per_connection(2)
        .build()
        .unwrap();
    client.send(&body()).await.unwrap();
    three_streams_over_two_connections(&client, &log, &connections).await;
}

#[tokio::test]
async fn untrusted_certificate_is_refused_without_the_root() {
    let pki = pki();
    let (addr, log) = server(Some(server_tls(&pki, &[b"http/1.1"])), Answer::Completion).await;
    let client = azure(&format!("https://localhost:{}", addr.port()))
        .build()
        .unwrap();
    let e = client.send(&body()).await.unwrap_err();
    assert!(matches!(e, Error::Transport { .. }), "{e:?}");
    assert!(log.lock().unwrap().is_empty());
}

#[tokio::test]
async fn users_own_client_carries_its_header_and_root_certificate() {
    let pki = pki();
    let (addr, log) = server(
        Some(server_tls(&pki, &[b"h2", b"http/1.1"])),
        Answer::Completion,
    )
    .await;
    let mut headers = http::HeaderMap::new();
    headers.insert("x-corp-trace", http::HeaderValue::from_static("trace-42"));
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .default_headers(headers)
        .tls_certs_only([pki.ca.clone()])
        .build()
        .unwrap();
    let client = azure(&format!("https://localhost:{}", addr.port()))
        .http_client(http)
        .build()
        .unwrap();
    client.send(&body()).await.unwrap();
    let seen = log.lock().unwrap()[0].clone();
    assert_eq!(seen.headers["x-corp-trace"], "trace-42");
    assert_eq!(seen.headers["api-key"], KEY);
    assert_eq!(seen.version, Version::HTTP_2);

    // The SDK's own client settings are refused beside a user's client, not silently dropped.
    for own in [
        azure("https://localhost:1").no_proxy(),
        azure("https://localhost:1").max_streams_per_connection(8),
    ] {
        let e = own.http_client(reqwest::Client::new()).build().unwrap_err();
        assert!(
            matches!(&e, Error::Configuration(m) if m.contains("http_client")),
            "{e:?}"
        );
    }
}

#[tokio::test]
async fn users_client_that_follows_redirects_itself_is_stopped() {
    let second = MockServer::start().await;
    Mock::given(path("/elsewhere"))
        .respond_with(ResponseTemplate::new(200).set_body_json(completion()))
        .mount(&second)
        .await;
    let first = MockServer::start().await;
    Mock::given(path(chat_path(DEPLOYMENT)))
        .respond_with(
            ResponseTemplate::new(307)
                .insert_header("location", format!("{}/elsewhere", second.uri())),
        )
        .mount(&first)
        .await;
    // reqwest's default policy follows redirects (and keeps `api-key`, which it does not know).
    let client = azure(&first.uri())
        .http_client(reqwest::Client::new())
        .build()
        .unwrap();
    let e = client.send(&body()).await.unwrap_err();
    assert!(
        matches!(&e, Error::Configuration(m) if m.contains("Policy::none()")),
        "{e:?}"
    );
}

#[tokio::test]
async fn https_to_plain_http_redirect_is_refused() {
    let pki = pki();
    let local = MockServer::start().await;
    Mock::given(wiremock::matchers::any())
        .respond_with(ResponseTemplate::new(200).set_body_json(completion()))
        .mount(&local)
        .await;
    let target = format!("http://127.0.0.1:{}/admin", local.address().port());
    let (addr, _) = server(
        Some(server_tls(&pki, &[b"http/1.1"])),
        Answer::RedirectTo(target),
    )
    .await;
    let client = azure(&format!("https://localhost:{}", addr.port()))
        .add_root_certificate(pki.ca.clone())
        .build()
        .unwrap();
    let e = client.send(&body()).await.unwrap_err();
    assert!(
        matches!(&e, Error::Api { status: 307, message, .. } if message.contains("plain http")),
        "{e:?}"
    );
    assert!(local.received_requests().await.unwrap().is_empty());
}

#[tokio::test]
async fn remote_endpoint_redirecting_to_this_machine_is_refused() {
    let pki = pki();
    let (local, local_log) =
        server(Some(server_tls(&pki, &[b"http/1.1"])), Answer::Completion).await;
    let target = format!("https://127.0.0.1:{}/internal", local.port());
    let (remote, _) = server(
        Some(server_tls(&pki, &[b"http/1.1"])),
        Answer::RedirectTo(target),
    )
    .await;
    // `my-resource.test` stands for a remote endpoint: the user's client resolves it here.
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .tls_certs_only([pki.ca.clone()])
        .resolve("my-resource.test", remote)
        .build()
        .unwrap();
    let client = azure(&format!("https://my-resource.test:{}", remote.port()))
        .http_client(http)
        .build()
        .unwrap();
    let e = client.send(&body()).await.unwrap_err();
    assert!(
        matches!(&e, Error::Api { message, .. } if message.contains("to this machine")),
        "{e:?}"
    );
    assert!(local_log.lock().unwrap().is_empty());
}

/// Accepts one connection and reports its first bytes (then drops it).
async fn first_bytes() -> (SocketAddr, tokio::sync::oneshot::Receiver<Vec<u8>>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let (tx, rx) = tokio::sync::oneshot::channel();
    tokio::spawn(async move {
        if let Ok((mut conn, _)) = listener.accept().await {
            let mut buf = vec![0; 4096];
            let n = tokio::time::timeout(Duration::from_secs(5), conn.read(&mut buf))
                .await
                .ok()
                .and_then(Result::ok)
                .unwrap_or(0);
            buf.truncate(n);
            let _ = tx.send(buf);
        }
    });
    (addr, rx)
}

#[tokio::test]
async fn https_proxy_gets_a_tls_handshake_and_no_cleartext_credentials() {
    let (proxy, saw) = first_bytes().await;
    let client = azure("https://my-resource.openai.azure.com")
        .proxy(
            reqwest::Proxy::https(format!(
                "https://proxy-user:proxy-s3cret@127.0.0.1:{}",
                proxy.port()
            ))
            .unwrap(),
        )
        .connect_timeout(Duration::from_secs(3))
        .build()
        .unwrap();
    let e = client.send(&body()).await.unwrap_err();
    assert!(
        matches!(e, Error::Transport { .. } | Error::Timeout { .. }),
        "{e:?}"
    );
    let hello = saw.await.unwrap();
    assert_eq!(hello.first(), Some(&0x16), "not a TLS handshake: {hello:?}");
    let text = String::from_utf8_lossy(&hello).to_ascii_lowercase();
    for cleartext in [
        "proxy-authorization",
        "connect ",
        "proxy-s3cret",
        "cHJveHktdXNlcjpwcm94eS1zM2NyZXQ=",
    ] {
        assert!(
            !text.contains(&cleartext.to_ascii_lowercase()),
            "{cleartext} in clear: {text}"
        );
    }
}

#[cfg(feature = "socks")]
/// A socks5 proxy (no authentication, CONNECT only) that records where it was asked to go and
/// pipes the bytes.
async fn socks5() -> (SocketAddr, Arc<Mutex<Vec<SocketAddr>>>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let asked: Arc<Mutex<Vec<SocketAddr>>> = Arc::default();
    let log = asked.clone();
    tokio::spawn(async move {
        while let Ok((mut client, _)) = listener.accept().await {
            let log = log.clone();
            tokio::spawn(async move {
                let mut head = [0u8; 2];
                client.read_exact(&mut head).await.ok()?;
                let mut methods = vec![0u8; usize::from(head[1])];
                client.read_exact(&mut methods).await.ok()?;
                client.write_all(&[5, 0]).await.ok()?;
                let mut req = [0u8; 4];
                client.read_exact(&mut req).await.ok()?;
                // Only an IPv4 address is expected: the endpoint is 127.0.0.1.
                if req[1] != 1 || req[3] != 1 {
                    return None;
                }
                let mut ip = [0u8; 6];
                client.read_exact(&mut ip).await.ok()?;
                let target = SocketAddr::from((
                    [ip[0], ip[1], ip[2], ip[3]],
                    u16::from_be_bytes([ip[4], ip[5]]),
                ));
                log.lock().unwrap().push(target);
                let mut upstream = TcpStream::connect(target).await.ok()?;
                client
                    .write_all(&[5, 0, 0, 1, 0, 0, 0, 0, 0, 0])
                    .await
                    .ok()?;
                tokio::io::copy_bidirectional(&mut client, &mut upstream)
                    .await
                    .ok()?;
                Some(())
            });
        }
    });
    (addr, asked)
}

#[cfg(feature = "socks")]
#[tokio::test]
async fn socks5_proxy_is_used_when_configured() {
    let (proxy, asked) = socks5().await;
    let server = MockServer::start().await;
    Mock::given(path(chat_path(DEPLOYMENT)))
        .respond_with(ResponseTemplate::new(200).set_body_json(completion()))
        .mount(&server)
        .await;
    let client = azure(&server.uri())
        .proxy(reqwest::Proxy::all(format!("socks5://127.0.0.1:{}", proxy.port())).unwrap())
        .build()
        .unwrap();
    client.send(&body()).await.unwrap();
    assert_eq!(asked.lock().unwrap().as_slice(), [*server.address()]);
    assert_eq!(server.received_requests().await.unwrap().len(), 1);
}

/// Answers the first request on a connection, then reads the second and closes the connection
/// without answering, as a server does that drops an idle keep-alive connection just as the
/// client reuses it; later connections are answered.
async fn drops_the_reused_connection() -> (SocketAddr, Arc<Mutex<usize>>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let requests: Arc<Mutex<usize>> = Arc::default();
    let count = requests.clone();
    tokio::spawn(async move {
        let mut first = true;
        while let Ok((mut conn, _)) = listener.accept().await {
            let (count, drop_second) = (count.clone(), std::mem::take(&mut first));
            tokio::spawn(async move {
                for n in 0.. {
                    if !read_request(&mut conn).await {
                        return;
                    }
                    *count.lock().unwrap() += 1;
                    if drop_second && n == 1 {
                        return;
                    }
                    let body = completion().to_string();
                    let reply = format!(
                        "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\n\r\n{body}",
                        body.len()
                    );
                    if conn.write_all(reply.as_bytes()).await.is_err() {
                        return;
                    }
                }
            });
        }
    });
    (addr, requests)
}

/// Reads one request (head and Content-Length body); false when the connection ended.
async fn read_request(conn: &mut TcpStream) -> bool {
    let mut buf = Vec::new();
    let mut byte = [0u8; 4096];
    loop {
        if let Some(end) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            let head = String::from_utf8_lossy(&buf[..end]).to_ascii_lowercase();
            let len: usize = head
                .lines()
                .find_map(|l| l.strip_prefix("content-length:"))
                .and_then(|v| v.trim().parse().ok())
                .unwrap_or(0);
            if buf.len() >= end + 4 + len {
                return true;
            }
        }
        match conn.read(&mut byte).await {
            Ok(0) | Err(_) => return false,
            Ok(n) => buf.extend_from_slice(&byte[..n]),
        }
    }
}

#[tokio::test]
async fn pooled_connection_closed_under_the_request_is_retried() {
    let (addr, requests) = drops_the_reused_connection().await;
    let client = azure_async(&format!("http://127.0.0.1:{}", addr.port()), "2024-10-21")
        .build()
        .unwrap();
    client.send(&body()).await.unwrap();
    // Sent on the pooled connection, which closes without a reply: sent again on a new one.
    client.send(&body()).await.unwrap();
    assert_eq!(*requests.lock().unwrap(), 3);
}
