//! Entra ID tokens: client-credentials flow against a mock authority, caching under concurrency,
//! refresh before expiry, and secrets kept out of sight.

mod common;

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use common::*;
use instructor_azure::{
    AccessToken, AsyncAzureOpenAI, AzureOpenAI, CachedCredential, ClientSecretCredential,
    TokenCredential,
};
use instructor_core::transport::BoxFuture;
use instructor_core::{AsyncTransport, Error, Transport};
use serde_json::json;
use wiremock::matchers::{body_string_contains, header, method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

const SECRET: &str = "client-secret-value-xyz";

async fn authority(expires_in: u64, delay: Duration) -> MockServer {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/my-tenant/oauth2/v2.0/token"))
        .and(body_string_contains("grant_type=client_credentials"))
        .and(body_string_contains("client_id=my-client"))
        .and(body_string_contains(
            "scope=https%3A%2F%2Fcognitiveservices.azure.com%2F.default",
        ))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(json!({"token_type": "Bearer", "expires_in": expires_in, "access_token": "tok-from-entra"}))
                .set_delay(delay),
        )
        .mount(&server)
        .await;
    server
}

async fn chat_requiring(token: &str) -> MockServer {
    let server = MockServer::start().await;
    Mock::given(path(chat_path(DEPLOYMENT)))
        .and(header("authorization", format!("Bearer {token}").as_str()))
        .respond_with(ResponseTemplate::new(200).set_body_json(completion()))
        .mount(&server)
        .await;
    server
}

fn entra(authority: &MockServer) -> Arc<ClientSecretCredential> {
    Arc::new(
        ClientSecretCredential::new("my-tenant", "my-client", SECRET)
            .authority_host(authority.uri()),
    )
}

#[tokio::test]
async fn fifty_concurrent_requests_fetch_the_token_once() {
    let authority = authority(3600, Duration::from_millis(300)).await;
    let chat = chat_requiring("tok-from-entra").await;
    let client = AsyncAzureOpenAI::builder()
        .token_credential(entra(&authority))
        .api_version("2024-10-21")
        .azure_endpoint(chat.uri())
        .deployment(DEPLOYMENT)
        .build()
        .unwrap();
    let b = body();
    let results = futures::future::join_all((0..50).map(|_| client.send(&b))).await;
    assert!(
        results.iter().all(|r| r.is_ok()),
        "{:?}",
        results.iter().find(|r| r.is_err())
    );
    assert_eq!(authority.received_requests().await.unwrap().len(), 1);
    let at_chat = chat.received_requests().await.unwrap();
    assert_eq!(at_chat.len(), 50);
    assert!(at_chat.iter().all(|r| r.headers.get("api-key").is_none()));
    assert!(!format!("{client:?}").contains("tok-from-entra"));
}

#[tokio::test]
async fn token_is_refreshed_before_expiry() {
    // Expires in 302 s: inside the 5-minute margin after 2 s, so the next call fetches anew.
    let authority = authority(302, Duration::ZERO).await;
    let chat = chat_requiring("tok-from-entra").await;
    let client = AsyncAzureOpenAI::builder()
        .token_credential(entra(&authority))
        .api_version("2024-10-21")
        .azure_endpoint(chat.uri())
        .deployment(DEPLOYMENT)
        .build()
        .unwrap();
    client.send(&body()).await.unwrap();
    client.send(&body()).await.unwrap();
    assert_eq!(authority.received_requests().await.unwrap().len(), 1);
    tokio::time::sleep(Duration::from_millis(2100)).await;
    // 50 concurrent requests find the token due for refresh (and still valid): they use it
    // while one refresh runs in the background.
    let b = body();
    let results = futures::future::join_all((0..50).map(|_| client.send(&b))).await;
    assert!(results.iter().all(|r| r.is_ok()));
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(authority.received_requests().await.unwrap().len(), 2);
}

/// Counts fetches and hands out `tok-1`, `tok-2`, ... each valid for `lifetime`.
struct Counting {
    fetches: AtomicUsize,
    lifetime: Duration,
}

impl TokenCredential for Counting {
    fn get_token<'a>(
        &'a self,
        scopes: &'a [&'a str],
    ) -> BoxFuture<'a, instructor_core::Result<AccessToken>> {
        Box::pin(async move {
            assert_eq!(scopes, ["https://cognitiveservices.azure.com/.default"]);
            let n = self.fetches.fetch_add(1, Ordering::SeqCst) + 1;
            tokio::time::sleep(Duration::from_millis(50)).await;
            Ok(AccessToken::new(format!("tok-{n}"), self.lifetime))
        })
    }
}

#[tokio::test]
async fn custom_credential_refreshed_token_is_sent() {
    let counting = Arc::new(Counting {
        fetches: AtomicUsize::new(0),
        lifetime: Duration::from_secs(10),
    });
    let cache = Arc::new(
        CachedCredential::new(counting.clone()).refresh_before(Duration::from_millis(9500)),
    );
    let chat = MockServer::start().await;
    for tok in ["tok-1", "tok-2"] {
        Mock::given(header("authorization", format!("Bearer {tok}").as_str()))
            .respond_with(ResponseTemplate::new(200).set_body_json(completion()))
            .expect(1)
            .mount(&chat)
            .await;
    }
    let client = AsyncAzureOpenAI::builder()
        .cached_credential(cache)
        .api_version("2024-10-21")
        .azure_endpoint(chat.uri())
        .deployment(DEPLOYMENT)
        .build()
        .unwrap();
    client.send(&body()).await.unwrap();
    tokio::time::sleep(Duration::from_millis(700)).await;
    client.send(&body()).await.unwrap();
    assert_eq!(counting.fetches.load(Ordering::SeqCst), 2);
}

#[tokio::test]
async fn refused_client_credentials_are_an_authentication_error() {
    let authority = MockServer::start().await;
    Mock::given(path("/my-tenant/oauth2/v2.0/token"))
        .respond_with(ResponseTemplate::new(401).set_body_json(json!({
            "error": "invalid_client",
            "error_description": "AADSTS7000215: Invalid client secret provided."})))
        .mount(&authority)
        .await;
    let chat = chat_requiring("never").await;
    let client = AsyncAzureOpenAI::builder()
        .token_credential(entra(&authority))
        .api_version("2024-10-21")
        .azure_endpoint(chat.uri())
        .deployment(DEPLOYMENT)
        .build()
        .unwrap();
    let e = client.send(&body()).await.unwrap_err();
    assert!(
        matches!(&e, Error::Authentication { status: 401, message } if message.contains("AADSTS7000215")),
        "{e:?}"
    );
    assert!(!format!("{e} {e:?}").contains(SECRET));
    assert!(chat.received_requests().await.unwrap().is_empty());
}

#[test]
fn blocking_client_with_entra_tokens_from_plain_main() {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let (authority, chat) = rt.block_on(async {
        (
            authority(3600, Duration::from_millis(100)).await,
            chat_requiring("tok-from-entra").await,
        )
    });
    let client = AzureOpenAI::builder()
        .token_credential(entra(&authority))
        .api_version("2024-10-21")
        .azure_endpoint(chat.uri())
        .deployment(DEPLOYMENT)
        .build()
        .unwrap();
    let threads: Vec<_> = (0..8)
        .map(|_| {
            let c = client.clone();
            std::thread::spawn(move || c.send(&body()).map(|_| ()))
        })
        .collect();
    for t in threads {
        t.join().unwrap().unwrap();
    }
    assert_eq!(rt.block_on(authority.received_requests()).unwrap().len(), 1);
}

#[test]
fn secrets_never_show() {
    let cred = ClientSecretCredential::new("t", "c", SECRET);
    assert!(!format!("{cred:?}").contains(SECRET));
    let client = AzureOpenAI::builder()
        .api_key(KEY)
        .api_version("2024-10-21")
        .azure_endpoint("https://x.openai.azure.com")
        .build()
        .unwrap();
    assert!(!format!("{client:?}").contains(KEY));
    let builder = AsyncAzureOpenAI::builder().api_key(KEY);
    assert!(!format!("{builder:?}").contains(KEY));
    // A key that cannot be a header value is refused when the client is built, not sent.
    let e = AsyncAzureOpenAI::builder()
        .api_key(format!("{KEY}\n"))
        .api_version("2024-10-21")
        .azure_endpoint("https://x.openai.azure.com")
        .deployment("d")
        .build()
        .unwrap_err();
    assert!(matches!(e, Error::Configuration(_)));
    assert!(!format!("{e} {e:?}").contains(KEY));
}

#[tokio::test]
async fn a_refused_token_is_fetched_anew_once() {
    let counting = Arc::new(Counting {
        fetches: AtomicUsize::new(0),
        lifetime: Duration::from_secs(3600),
    });
    let chat = MockServer::start().await;
    Mock::given(header("authorization", "Bearer tok-1"))
        .respond_with(ResponseTemplate::new(401).set_body_json(json!({"statusCode": 401, "message": "Unauthorized. Access token is missing, invalid, audience is incorrect (https://cognitiveservices.azure.com), or have expired."})))
        .mount(&chat)
        .await;
    Mock::given(header("authorization", "Bearer tok-2"))
        .respond_with(ResponseTemplate::new(200).set_body_json(completion()))
        .mount(&chat)
        .await;
    let client = AsyncAzureOpenAI::builder()
        .token_credential(counting.clone())
        .api_version("2024-10-21")
        .azure_endpoint(chat.uri())
        .deployment(DEPLOYMENT)
        .build()
        .unwrap();
    client.send(&body()).await.unwrap();
    assert_eq!(counting.fetches.load(Ordering::SeqCst), 2);
}

/// A token source for the liveness tests: counts fetches; each waits `delay`, then answers
/// `tok-N` valid for `lifetime` (or fails, when `failing`); `hang` never answers.
struct Source {
    fetches: AtomicUsize,
    delay: Duration,
    lifetime: Duration,
    failing: bool,
    hang: bool,
}

impl Source {
    fn new(delay: Duration, lifetime: Duration) -> Arc<Self> {
        Arc::new(Source {
            fetches: AtomicUsize::new(0),
            delay,
            lifetime,
            failing: false,
            hang: false,
        })
    }
    fn fetches(&self) -> usize {
        self.fetches.load(Ordering::SeqCst)
    }
}

impl TokenCredential for Source {
    fn get_token<'a>(
        &'a self,
        _scopes: &'a [&'a str],
    ) -> BoxFuture<'a, instructor_core::Result<AccessToken>> {
        Box::pin(async move {
            let n = self.fetches.fetch_add(1, Ordering::SeqCst) + 1;
            if self.hang {
                futures::future::pending::<()>().await;
            }
            tokio::time::sleep(self.delay).await;
            if self.failing {
                return Err(Error::Authentication {
                    status: 503,
                    message: "the identity service is down".into(),
                });
            }
            Ok(AccessToken::new(format!("tok-{n}"), self.lifetime))
        })
    }
}

async fn chat_accepting_any_token() -> MockServer {
    let server = MockServer::start().await;
    Mock::given(path(chat_path(DEPLOYMENT)))
        .respond_with(ResponseTemplate::new(200).set_body_json(completion()))
        .mount(&server)
        .await;
    server
}

fn token_client(
    chat: &MockServer,
    cache: CachedCredential,
    total: Duration,
) -> instructor_azure::AsyncAzureOpenAI {
    AsyncAzureOpenAI::builder()
        .cached_credential(Arc::new(cache))
        .api_version("2024-10-21")
        .azure_endpoint(chat.uri())
        .deployment(DEPLOYMENT)
        .total_timeout(total)
        .build()
        .unwrap()
}

/// Runs `n` requests at once; returns their results and the slowest one's time.
async fn burst(
    client: &instructor_azure::AsyncAzureOpenAI,
    n: usize,
) -> (Vec<instructor_core::Result<String>>, Duration) {
    let b = body();
    let timed = || async {
        let started = std::time::Instant::now();
        (client.send(&b).await, started.elapsed())
    };
    let out = futures::future::join_all((0..n).map(|_| timed())).await;
    let slowest = out.iter().map(|(_, t)| *t).max().unwrap_or_default();
    (out.into_iter().map(|(r, _)| r).collect(), slowest)
}

#[tokio::test]
async fn a_hanging_credential_times_out_once_for_all_waiters() {
    let chat = chat_accepting_any_token().await;
    let source = Arc::new(Source {
        hang: true,
        ..Arc::into_inner(Source::new(Duration::ZERO, Duration::from_secs(3600))).unwrap()
    });
    let cache = CachedCredential::new(source.clone()).fetch_timeout(Duration::from_millis(300));
    let client = token_client(&chat, cache, Duration::from_secs(5));
    let (results, slowest) = burst(&client, 50).await;
    assert!(slowest < Duration::from_secs(1), "{slowest:?}");
    for r in &results {
        assert!(
            matches!(r, Err(Error::Timeout { after, phase }) if *after == Duration::from_millis(300) && phase.contains("fetch_timeout")),
            "{r:?}"
        );
    }
    assert_eq!(source.fetches(), 1);
    assert!(chat.received_requests().await.unwrap().is_empty());
}

#[tokio::test]
async fn a_hanging_credential_does_not_stall_a_request_past_its_deadline() {
    let chat = chat_accepting_any_token().await;
    let source = Arc::new(Source {
        hang: true,
        ..Arc::into_inner(Source::new(Duration::ZERO, Duration::from_secs(3600))).unwrap()
    });
    // The fetch may take 30 s (the default), the request only 400 ms.
    let client = token_client(
        &chat,
        CachedCredential::new(source.clone()),
        Duration::from_millis(400),
    );
    let (results, slowest) = burst(&client, 20).await;
    assert!(slowest < Duration::from_millis(1200), "{slowest:?}");
    assert!(results.iter().all(
        |r| matches!(r, Err(Error::Timeout { phase, .. }) if phase.contains("total_timeout"))
    ));
    assert_eq!(source.fetches(), 1);
}

#[tokio::test]
async fn an_outage_costs_one_fetch_per_backoff_not_one_per_waiter() {
    let chat = chat_accepting_any_token().await;
    let source = Arc::new(Source {
        failing: true,
        ..Arc::into_inner(Source::new(
            Duration::from_millis(100),
            Duration::from_secs(3600),
        ))
        .unwrap()
    });
    let cache = CachedCredential::new(source.clone()).failure_backoff(Duration::from_millis(600));
    let client = token_client(&chat, cache, Duration::from_secs(5));
    let (results, slowest) = burst(&client, 50).await;
    assert!(slowest < Duration::from_secs(1), "{slowest:?}");
    for r in &results {
        assert!(
            matches!(r, Err(Error::Authentication { status: 503, message }) if message.contains("down")),
            "{r:?}"
        );
    }
    assert_eq!(source.fetches(), 1);
    // Within the backoff: the same error at once, no new fetch.
    let (results, slowest) = burst(&client, 50).await;
    assert!(results.iter().all(Result::is_err));
    assert!(slowest < Duration::from_millis(100), "{slowest:?}");
    assert_eq!(source.fetches(), 1);
    // After it: one new fetch.
    tokio::time::sleep(Duration::from_millis(700)).await;
    let (results, _) = burst(&client, 50).await;
    assert!(results.iter().all(Result::is_err));
    assert_eq!(source.fetches(), 2);
}

#[tokio::test]
async fn a_storm_of_401s_fetches_one_new_token() {
    let source = Source::new(Duration::from_millis(50), Duration::from_secs(3600));
    let chat = MockServer::start().await;
    Mock::given(header("authorization", "Bearer tok-1"))
        .respond_with(
            ResponseTemplate::new(401)
                .set_body_json(json!({"statusCode": 401, "message": "revoked"})),
        )
        .mount(&chat)
        .await;
    Mock::given(header("authorization", "Bearer tok-2"))
        .respond_with(ResponseTemplate::new(200).set_body_json(completion()))
        .mount(&chat)
        .await;
    let client = token_client(
        &chat,
        CachedCredential::new(source.clone()),
        Duration::from_secs(5),
    );
    let (results, slowest) = burst(&client, 50).await;
    assert!(
        results.iter().all(Result::is_ok),
        "{:?}",
        results.iter().find(|r| r.is_err())
    );
    assert!(slowest < Duration::from_secs(2), "{slowest:?}");
    // tok-1 for everyone, fifty 401s, one new token for everyone.
    assert_eq!(source.fetches(), 2);
    assert_eq!(chat.received_requests().await.unwrap().len(), 100);
}

#[tokio::test]
async fn a_due_refresh_does_not_hold_up_requests_while_the_token_is_valid() {
    let chat = chat_accepting_any_token().await;
    // Each fetch takes 300 ms, the refresh too.
    let source = Source::new(Duration::from_millis(300), Duration::from_secs(60));
    let cache = CachedCredential::new(source.clone()).refresh_before(Duration::from_millis(59_700));
    let client = token_client(&chat, cache, Duration::from_secs(5));
    client.send(&body()).await.unwrap();
    tokio::time::sleep(Duration::from_millis(400)).await;
    // Due for refresh (59.6 s left, margin 59.7 s), still valid: served at once, one refresh.
    let (results, slowest) = burst(&client, 50).await;
    assert!(results.iter().all(Result::is_ok));
    assert!(slowest < Duration::from_millis(250), "{slowest:?}");
    let sent: Vec<String> = chat
        .received_requests()
        .await
        .unwrap()
        .iter()
        .map(|r| r.headers["authorization"].to_str().unwrap().to_string())
        .collect();
    assert!(sent.iter().all(|t| t == "Bearer tok-1"), "{sent:?}");
    tokio::time::sleep(Duration::from_millis(400)).await;
    assert_eq!(source.fetches(), 2);
    client.send(&body()).await.unwrap();
    let last = chat.received_requests().await.unwrap().pop().unwrap();
    assert_eq!(last.headers["authorization"], "Bearer tok-2");
}
