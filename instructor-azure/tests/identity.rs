//! The `azure-identity` feature: `azure_identity`'s credentials drive real requests, each against a
//! local mock of its identity endpoint on 127.0.0.1, as set up by the environment variables Azure
//! sets in production:
//!
//! - App Service / Functions / Container Apps: `IDENTITY_ENDPOINT` + `IDENTITY_HEADER`;
//! - a VM's IMDS (`http://169.254.169.254/...`, fixed in `azure_identity` 1.0 with no variable to
//!   move it): reached through an HTTP proxy on 127.0.0.1, so the request keeps its real form;
//! - AKS workload identity: `AZURE_FEDERATED_TOKEN_FILE`, `AZURE_TENANT_ID`, `AZURE_CLIENT_ID`
//!   and `AZURE_AUTHORITY_HOST` (which must be https: a TLS server with a CA made for the run);
//! - the Azure CLI: a stand-in `az` first on `PATH`.
//!
//! Each test sets process-wide environment variables, so they take one lock in turn.
#![cfg(feature = "azure-identity")]

mod common;

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

use common::*;
use http_body_util::{BodyExt, Full};
use hyper::body::{Bytes, Incoming};
use hyper::service::service_fn;
use hyper::{Request, Response};
use hyper_util::rt::{TokioExecutor, TokioIo};
use instructor_azure::azure_core::http::{ClientOptions, Transport};
use instructor_azure::azure_identity::{
    AzureCliCredential, ClientAssertionCredentialOptions, ManagedIdentityCredential,
    ManagedIdentityCredentialOptions, WorkloadIdentityCredential,
    WorkloadIdentityCredentialOptions,
};
use instructor_azure::{reqwest, AsyncAzureOpenAI, AzureIdentityCredential};
use instructor_core::{AsyncTransport, Error};
use serde_json::json;
use tokio::net::TcpListener;
use tokio_rustls::rustls;
use wiremock::matchers::{header, method, path, query_param};
use wiremock::{Mock, MockServer, ResponseTemplate};

/// Environment variables are process-wide: one test at a time touches them.
static ENV: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

const IDENTITY_VARS: &[&str] = &[
    "IDENTITY_ENDPOINT",
    "IDENTITY_HEADER",
    "IDENTITY_SERVER_THUMBPRINT",
    "IMDS_ENDPOINT",
    "MSI_ENDPOINT",
    "MSI_SECRET",
    "AZURE_FEDERATED_TOKEN_FILE",
    "AZURE_TENANT_ID",
    "AZURE_CLIENT_ID",
    "AZURE_AUTHORITY_HOST",
];

/// Sets `vars` (clearing every other identity variable) for the guard's lifetime.
struct EnvGuard(#[allow(dead_code)] tokio::sync::MutexGuard<'static, ()>);

impl EnvGuard {
    async fn set(vars: &[(&str, &str)]) -> Self {
        let lock = ENV.lock().await;
        for name in IDENTITY_VARS {
            std::env::remove_var(name);
        }
        for (name, value) in vars {
            std::env::set_var(name, value);
        }
        EnvGuard(lock)
    }
}

impl Drop for EnvGuard {
    fn drop(&mut self) {
        for name in IDENTITY_VARS {
            std::env::remove_var(name);
        }
    }
}

/// A chat endpoint that answers only with `Bearer {token}`.
async fn chat_requiring(token: &str) -> MockServer {
    let server = MockServer::start().await;
    Mock::given(path(chat_path(DEPLOYMENT)))
        .and(header("authorization", format!("Bearer {token}").as_str()))
        .respond_with(ResponseTemplate::new(200).set_body_json(completion()))
        .mount(&server)
        .await;
    server
}

fn client(identity: AzureIdentityCredential, chat: &MockServer) -> AsyncAzureOpenAI {
    AsyncAzureOpenAI::builder()
        .token_credential(Arc::new(identity))
        .api_version("2024-10-21")
        .azure_endpoint(chat.uri())
        .deployment(DEPLOYMENT)
        .build()
        .unwrap()
}

/// The managed-identity token answer (App Service and IMDS alike): `expires_on` in Unix seconds,
/// as a string.
fn msi_token(token: &str) -> serde_json::Value {
    let expires_on = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs()
        + 3600;
    json!({
        "access_token": token, "expires_on": expires_on.to_string(),
        "resource": "https://cognitiveservices.azure.com", "token_type": "Bearer",
    })
}

#[tokio::test]
async fn app_service_managed_identity_from_identity_endpoint_and_header() {
    let identity_endpoint = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/msi/token"))
        .and(query_param("api-version", "2019-08-01"))
        .and(query_param(
            "resource",
            "https://cognitiveservices.azure.com",
        ))
        .and(header("x-identity-header", "header-s3cr3t"))
        .respond_with(ResponseTemplate::new(200).set_body_json(msi_token("tok-from-app-service")))
        .expect(1)
        .mount(&identity_endpoint)
        .await;
    let chat = chat_requiring("tok-from-app-service").await;

    // As on App Service, the variables stay set: the header is read at each token request.
    let _env = EnvGuard::set(&[
        (
            "IDENTITY_ENDPOINT",
            &format!("{}/msi/token", identity_endpoint.uri()),
        ),
        ("IDENTITY_HEADER", "header-s3cr3t"),
    ])
    .await;
    let credential = ManagedIdentityCredential::new(None).unwrap();
    let identity = AzureIdentityCredential::new(credential);
    assert!(!format!("{identity:?}").contains("s3cr3t"));
    let client = client(identity, &chat);

    for _ in 0..3 {
        client.send(&body()).await.unwrap();
    }
    // One token for three requests: the client's cache holds it.
    assert_eq!(chat.received_requests().await.unwrap().len(), 3);
}

#[tokio::test]
async fn imds_managed_identity_through_a_local_proxy() {
    // IMDS lives at a link-local address `azure_identity` 1.0 does not let us move, so the
    // credential's own HTTP client is given a proxy on 127.0.0.1: the request arrives in its real
    // form (absolute URL, `Metadata: true`), and nothing leaves this machine.
    let proxy = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/metadata/identity/oauth2/token"))
        .and(query_param(
            "resource",
            "https://cognitiveservices.azure.com",
        ))
        .and(query_param("client_id", "my-user-assigned-id"))
        .and(header("metadata", "true"))
        .respond_with(ResponseTemplate::new(200).set_body_json(msi_token("tok-from-imds")))
        .expect(1)
        .mount(&proxy)
        .await;
    let chat = chat_requiring("tok-from-imds").await;

    let http = reqwest::Client::builder()
        .proxy(reqwest::Proxy::http(proxy.uri()).unwrap())
        .build()
        .unwrap();
    let _env = EnvGuard::set(&[]).await;
    let credential = ManagedIdentityCredential::new(Some(ManagedIdentityCredentialOptions {
        user_assigned_id: Some(instructor_azure::azure_identity::UserAssignedId::ClientId(
            "my-user-assigned-id".into(),
        )),
        client_options: ClientOptions {
            transport: Some(Transport::new(Arc::new(http))),
            ..Default::default()
        },
    }))
    .unwrap();
    let client = client(AzureIdentityCredential::new(credential), &chat);
    client.send(&body()).await.unwrap();

    let seen = proxy.received_requests().await.unwrap();
    assert_eq!(seen[0].url.host_str(), Some("169.254.169.254"));
}

#[tokio::test]
async fn imds_refusal_is_an_authentication_error_without_secrets() {
    let proxy = MockServer::start().await;
    Mock::given(path("/metadata/identity/oauth2/token"))
        .respond_with(ResponseTemplate::new(400).set_body_json(json!({
            "error": "invalid_request", "error_description": "Identity not found"
        })))
        .mount(&proxy)
        .await;
    let http = reqwest::Client::builder()
        .proxy(reqwest::Proxy::http(proxy.uri()).unwrap())
        .build()
        .unwrap();
    let _env = EnvGuard::set(&[]).await;
    let credential = ManagedIdentityCredential::new(Some(ManagedIdentityCredentialOptions {
        client_options: ClientOptions {
            transport: Some(Transport::new(Arc::new(http))),
            ..Default::default()
        },
        ..Default::default()
    }))
    .unwrap();
    let chat = chat_requiring("never").await;
    let err = client(AzureIdentityCredential::new(credential), &chat)
        .send(&body())
        .await
        .unwrap_err();
    assert!(
        matches!(&err, Error::Authentication { status: 400, message } if message.contains("has not been assigned")),
        "{err:?}"
    );
    assert!(chat.received_requests().await.unwrap().is_empty());
}

/// A CA made for this run, and a certificate it signed for `localhost`.
struct Pki {
    ca: reqwest::Certificate,
    acceptor: tokio_rustls::TlsAcceptor,
}

fn pki() -> Pki {
    let ca_key = rcgen::KeyPair::generate().unwrap();
    let mut ca_params = rcgen::CertificateParams::new(Vec::<String>::new()).unwrap();
    ca_params.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
    let ca = rcgen::CertifiedIssuer::self_signed(ca_params, ca_key).unwrap();
    let key = rcgen::KeyPair::generate().unwrap();
    let leaf = rcgen::CertificateParams::new(vec!["localhost".to_string()])
        .unwrap()
        .signed_by(&key, &ca)
        .unwrap();
    let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
    let config = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_no_client_auth()
        .with_single_cert(
            vec![leaf.der().clone()],
            rustls::pki_types::PrivateKeyDer::try_from(key.serialize_der()).unwrap(),
        )
        .unwrap();
    Pki {
        ca: reqwest::Certificate::from_der(ca.der()).unwrap(),
        acceptor: tokio_rustls::TlsAcceptor::from(Arc::new(config)),
    }
}

type Seen = Arc<Mutex<Vec<(String, String)>>>;

/// An Entra ID token endpoint over TLS on 127.0.0.1: records each request's path and form body.
async fn entra_over_tls(acceptor: tokio_rustls::TlsAcceptor) -> (SocketAddr, Seen) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let seen: Seen = Arc::default();
    let log = seen.clone();
    tokio::spawn(async move {
        while let Ok((tcp, _)) = listener.accept().await {
            let (acceptor, log) = (acceptor.clone(), log.clone());
            tokio::spawn(async move {
                let Ok(tls) = acceptor.accept(tcp).await else {
                    return;
                };
                let service = service_fn(move |req: Request<Incoming>| {
                    let log = log.clone();
                    async move {
                        let path = req.uri().path().to_string();
                        let body = req.into_body().collect().await?.to_bytes();
                        log.lock()
                            .unwrap()
                            .push((path, String::from_utf8_lossy(&body).into_owned()));
                        let token = json!({"token_type": "Bearer", "expires_in": 3600,
                            "ext_expires_in": 3600, "access_token": "tok-from-workload"});
                        Ok::<_, hyper::Error>(Response::new(Full::new(Bytes::from(
                            token.to_string(),
                        ))))
                    }
                });
                let http = hyper_util::server::conn::auto::Builder::new(TokioExecutor::new());
                let _ = http.serve_connection(TokioIo::new(tls), service).await;
            });
        }
    });
    (addr, seen)
}

#[tokio::test]
async fn workload_identity_from_a_federated_token_file() {
    let pki = pki();
    let (addr, seen) = entra_over_tls(pki.acceptor).await;
    let chat = chat_requiring("tok-from-workload").await;
    let dir = std::env::temp_dir().join(format!("instructor-identity-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let token_file = dir.join("azure-identity-token");
    std::fs::write(&token_file, "federated.jwt.from-the-pod").unwrap();

    let http = reqwest::Client::builder()
        .tls_certs_merge([pki.ca])
        .build()
        .unwrap();
    let _env = EnvGuard::set(&[
        ("AZURE_FEDERATED_TOKEN_FILE", token_file.to_str().unwrap()),
        ("AZURE_TENANT_ID", "my-tenant"),
        ("AZURE_CLIENT_ID", "my-workload-client"),
        (
            "AZURE_AUTHORITY_HOST",
            &format!("https://localhost:{}", addr.port()),
        ),
    ])
    .await;
    let credential = {
        WorkloadIdentityCredential::new(Some(WorkloadIdentityCredentialOptions {
            credential_options: ClientAssertionCredentialOptions {
                client_options: ClientOptions {
                    transport: Some(Transport::new(Arc::new(http))),
                    ..Default::default()
                },
            },
            ..Default::default()
        }))
        .unwrap()
    };
    client(AzureIdentityCredential::new(credential), &chat)
        .send(&body())
        .await
        .unwrap();

    let seen = seen.lock().unwrap().clone();
    assert_eq!(seen.len(), 1);
    let (path, form) = &seen[0];
    assert_eq!(path, "/my-tenant/oauth2/v2.0/token");
    let form: Vec<(String, String)> = url::form_urlencoded::parse(form.as_bytes())
        .into_owned()
        .collect();
    let field = |name: &str| {
        form.iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    };
    assert_eq!(
        field("client_assertion"),
        Some("federated.jwt.from-the-pod")
    );
    assert_eq!(field("client_id"), Some("my-workload-client"));
    assert_eq!(
        field("scope"),
        Some("https://cognitiveservices.azure.com/.default")
    );
    std::fs::remove_dir_all(&dir).ok();
}

/// A stand-in `az` first on `PATH` for the guard's lifetime: a shell script printing `stdout`
/// and exiting with `code`, as the Azure CLI does.
struct FakeAz {
    dir: std::path::PathBuf,
    path: Option<std::ffi::OsString>,
}

impl FakeAz {
    fn install(name: &str, stdout: &str, stderr: &str, code: i32) -> Self {
        use std::os::unix::fs::PermissionsExt;
        let dir = std::env::temp_dir().join(format!("instructor-{name}-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let az = dir.join("az");
        std::fs::write(
            &az,
            format!("#!/bin/sh\ncat <<'EOF'\n{stdout}\nEOF\necho '{stderr}' >&2\nexit {code}\n"),
        )
        .unwrap();
        std::fs::set_permissions(&az, std::fs::Permissions::from_mode(0o755)).unwrap();
        let path = std::env::var_os("PATH");
        let mut dirs = vec![dir.clone()];
        dirs.extend(std::env::split_paths(path.as_deref().unwrap_or_default()));
        std::env::set_var("PATH", std::env::join_paths(dirs).unwrap());
        FakeAz { dir, path }
    }
}

impl Drop for FakeAz {
    fn drop(&mut self) {
        match self.path.take() {
            Some(path) => std::env::set_var("PATH", path),
            None => std::env::remove_var("PATH"),
        }
        std::fs::remove_dir_all(&self.dir).ok();
    }
}

#[tokio::test]
async fn azure_cli_credential_runs_az_for_the_cognitive_services_scope() {
    let chat = chat_requiring("tok-from-az").await;
    let expires_on = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs()
        + 3600;
    let _env = EnvGuard::set(&[]).await;
    let _az = FakeAz::install(
        "az-ok",
        &format!(
            r#"{{"accessToken": "tok-from-az", "expires_on": {expires_on}, "tokenType": "Bearer"}}"#
        ),
        "",
        0,
    );
    let credential = AzureCliCredential::new(None).unwrap();
    client(AzureIdentityCredential::new(credential), &chat)
        .send(&body())
        .await
        .unwrap();
}

#[tokio::test]
async fn no_identity_here_is_a_configuration_error_saying_what_to_check() {
    let chat = chat_requiring("never").await;
    let _env = EnvGuard::set(&[]).await;
    let _az = FakeAz::install(
        "az-logged-out",
        "",
        "ERROR: Please run 'az login' to setup account.",
        1,
    );
    let credential = AzureCliCredential::new(None).unwrap();
    let err = client(AzureIdentityCredential::new(credential), &chat)
        .send(&body())
        .await
        .unwrap_err();
    let Error::Configuration(message) = &err else {
        panic!("{err:?}")
    };
    assert!(message.contains("az login"), "{message}");
    assert!(chat.received_requests().await.unwrap().is_empty());
}
