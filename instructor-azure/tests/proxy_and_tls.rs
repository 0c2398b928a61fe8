//! https goes through the proxy the environment names (a CONNECT tunnel), except to hosts in
//! `NO_PROXY`; and https is TLS on the wire. One test in its own binary: it sets process-wide
//! environment variables before building the clients that read them.

mod common;

use std::io::{Read, Write};
use std::net::TcpListener;
use std::sync::mpsc;
use std::time::Duration;

use common::*;
use instructor_azure::AzureOpenAI;
use instructor_core::{Error, Transport};

/// Accepts one connection and sends back what arrived first: the CONNECT request head (for the
/// proxy) or the first bytes of the TLS handshake (for the direct server); then answers `reply`.
fn one_shot(reply: &'static [u8]) -> (u16, mpsc::Receiver<Vec<u8>>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let Ok((mut conn, _)) = listener.accept() else {
            return;
        };
        conn.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
        let mut buf = vec![0; 4096];
        let n = conn.read(&mut buf).unwrap_or(0);
        buf.truncate(n);
        let _ = tx.send(buf);
        let _ = conn.write_all(reply);
    });
    (port, rx)
}

fn client(endpoint: &str) -> AzureOpenAI {
    AzureOpenAI::builder()
        .api_key(KEY)
        .api_version("2024-10-21")
        .azure_endpoint(endpoint)
        .deployment(DEPLOYMENT)
        .retry_policy(instructor_azure::RetryPolicy::none())
        .connect_timeout(Duration::from_secs(5))
        .build()
        .unwrap()
}

#[test]
fn https_is_tunnelled_through_https_proxy_except_no_proxy_hosts_and_speaks_tls() {
    let (proxy_port, proxy_saw) = one_shot(b"HTTP/1.1 403 Forbidden\r\ncontent-length: 0\r\n\r\n");
    let (tls_port, tls_saw) = one_shot(b"");
    // Edition 2021: setting the environment is safe; this binary runs this one test only.
    std::env::set_var("HTTPS_PROXY", format!("http://127.0.0.1:{proxy_port}"));
    std::env::set_var("NO_PROXY", "localhost");

    // Through the proxy: a CONNECT for the Azure host, which the proxy refuses.
    let err = client("https://my-resource.openai.azure.com")
        .send(&body())
        .unwrap_err();
    assert!(matches!(err, Error::Transport { .. }), "{err:?}");
    let head = String::from_utf8(proxy_saw.recv_timeout(Duration::from_secs(5)).unwrap()).unwrap();
    assert!(
        head.starts_with("CONNECT my-resource.openai.azure.com:443 HTTP/1.1\r\n"),
        "{head}"
    );
    assert!(!head.contains(KEY), "the key went to the proxy: {head}");

    // NO_PROXY: straight to the host, and what arrives is a TLS handshake, not plain HTTP.
    let err = client(&format!("https://localhost:{tls_port}"))
        .send(&body())
        .unwrap_err();
    assert!(matches!(err, Error::Transport { .. }), "{err:?}");
    let hello = tls_saw.recv_timeout(Duration::from_secs(5)).unwrap();
    assert_eq!(
        hello.first(),
        Some(&0x16),
        "not a TLS handshake record: {hello:?}"
    );
    assert!(
        !hello.windows(KEY.len()).any(|w| w == KEY.as_bytes()),
        "the key was sent in clear"
    );
    assert!(
        proxy_saw.recv_timeout(Duration::from_millis(200)).is_err(),
        "the proxy saw a second connection"
    );
}
