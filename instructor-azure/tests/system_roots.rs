//! The SDK's own client trusting the system's roots, as it does against Azure: the TLS
//! configuration is built once per client and shared by its lanes (one more client per HTTP/2
//! connection), so a lane opened under load reads no certificate file. The system's roots are
//! the test's CA, through `SSL_CERT_FILE`, which the platform verifier reads on Linux; this file
//! is a test binary of its own because it sets that variable for its whole process.

mod common;
mod tls_servers;

use common::*;
use instructor_core::AsyncTransport;
use tls_servers::*;

/// The tests of this binary set the process's `SSL_CERT_FILE` in turn.
static ENV: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

/// Takes the binary's turn with the environment, makes a CA and makes it the system's one root.
async fn test_ca_as_system_root() -> (tokio::sync::MutexGuard<'static, ()>, Pki, tempfile::TempDir)
{
    let turn = ENV.lock().await;
    let pki = pki();
    let dir = tempfile::tempdir().unwrap();
    system_roots(&dir, &pki.ca_pem);
    (turn, pki, dir)
}

/// Points the system's roots at `pem` (an empty text: no roots at all).
fn system_roots(dir: &tempfile::TempDir, pem: &str) {
    let file = dir.path().join(format!("roots-{}.pem", pem.len()));
    std::fs::write(&file, pem).unwrap();
    std::env::set_var("SSL_CERT_FILE", &file);
    std::env::set_var("SSL_CERT_DIR", dir.path().join("none"));
}

#[tokio::test]
async fn system_roots_with_http2_by_alpn_http11_fallback_and_forced_http11() {
    let (_env, pki, _dir) = test_ca_as_system_root().await;
    http2_by_alpn_http11_fallback_and_forced_http11(&pki, |b| b).await;

    // A server whose CA is not among the system's roots is refused.
    let other = tls_servers::pki();
    let (stranger, log) = server(Some(server_tls(&other, &[b"h2"])), Answer::Completion).await;
    let client = azure(&format!("https://localhost:{}", stranger.port()))
        .build()
        .unwrap();
    assert!(client.send(&body()).await.is_err());
    assert!(log.lock().unwrap().is_empty());
}

#[tokio::test]
async fn a_new_lane_reads_no_certificates() {
    let (_env, pki, dir) = test_ca_as_system_root().await;
    let (addr, log, connections) = two_streams_per_connection(&pki).await;
    let client = azure(&format!("https://localhost:{}", addr.port()))
        .max_streams_per_connection(2)
        .build()
        .unwrap();
    client.send(&body()).await.unwrap();
    // From here the system has no roots: a lane that read them again could not be built, and
    // the third stream would wait behind the first connection's two for ever.
    system_roots(&dir, "");
    three_streams_over_two_connections(&client, &log, &connections).await;
}
