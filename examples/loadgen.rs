//! Load tool: runs extractions through the public async API and prints what the SDK costs.
//!
//! ```sh
//! scripts/canned-server.sh start          # nginx on 127.0.0.1:18080 with canned Azure replies
//! cargo run --release --example loadgen -- --deployment user-tools --mode tools \
//!     --requests 20000 --concurrency 64
//! cargo run --release --example loadgen -- --deployment team-80k-tools --stream --partial \
//!     --requests 20 --concurrency 2 --events-per-stream 20492
//! ```
//!
//! Prints requests per second, p50/p99/max latency, client CPU seconds (user + system, from
//! `getrusage(RUSAGE_SELF)`, so the whole process: HTTP, TLS-free loopback I/O and the SDK) per
//! request, and peak RSS (`VmHWM`); with `--stream --partial`, partial objects per second, and
//! with `--events-per-stream N` CPU per stream event. Works against any Azure deployment
//! (`--endpoint https://…`, `--api-key`) or OpenAI-compatible server (`--openai --endpoint URL/v1`).
//!
//! Options (defaults in brackets):
//!   --endpoint URL [http://127.0.0.1:18080]  --deployment NAME [user-tools]
//!   --api-version V [2024-10-21]             --api-key KEY [$AZURE_OPENAI_API_KEY or "canned"]
//!   --openai            use AsyncOpenAI with --endpoint as the base URL (model = --deployment)
//!   --mode tools|tools-strict|functions|json|json-schema|md-json [tools]
//!   --type user|team    [user; team with --stream]
//!   --requests N [2000]  --concurrency N [64]  --warmup N [min(concurrency, 200)]
//!   --threads N         tokio worker threads [all cores]
//!   --stream            create_partial streams, run to the validated value
//!   --partial           with --stream: count every partial object yielded
//!   --events-per-stream N  SSE events per stream (the canned server prints them), for CPU/event
//!   --http1             HTTP/1.1 only (the SDK's `http1_only()`)
//!   --http2             HTTP/2 with prior knowledge, also over plain http (`http2_prior_knowledge()`);
//!                       without either, https negotiates h2 or HTTP/1.1 by ALPN, http is HTTP/1.1
//!   --streams-per-connection N  SDK: requests one HTTP/2 connection carries before another
//!                       opens (`max_streams_per_connection`) [the SDK's default, 100]
//!   --trace-rss MS      print the resident set size every MS milliseconds to stderr
//!   --ca PATH           trust this PEM root too (the canned server's target/canned/tls/ca.pem)
//!   --raw               no SDK: the same POST with reqwest alone (the SDK's HTTP client, built
//!                       as the SDK builds it), the reply read to its end but not parsed
//!   --raw-hyper         the same with hyper alone (what reqwest runs on): the Rust HTTP floor
//!                       beside wrk's and h2load's (plain http only)

use std::future::Future;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use futures::StreamExt;
use instructor::azure::{AsyncAzureOpenAI, AsyncOpenAI};
use instructor::{AsyncClient, AsyncTransport, Instructor, Mode, Request};
use serde::Deserialize;

/// A person mentioned in the text.
// Fields are read by serde and validate(), not by the load tool.
#[allow(dead_code)]
#[derive(Instructor, Deserialize, Debug)]
struct User {
    /// First name only.
    name: String,
    #[instructor(min = 0, max = 150)]
    age: u32,
}

/// A team and its members.
// Fields are read by serde and validate(), not by the load tool.
#[allow(dead_code)]
#[derive(Instructor, Deserialize, Debug)]
struct Team {
    /// The team's name.
    team: String,
    /// Everyone on the team, in the order mentioned.
    members: Vec<Member>,
}

/// One member of a team.
// Fields are read by serde and validate(), not by the load tool.
#[allow(dead_code)]
#[derive(Instructor, Deserialize, Debug)]
struct Member {
    name: String,
    #[instructor(min = 0, max = 150)]
    age: u32,
    /// One sentence about the person.
    bio: String,
}

#[derive(Debug, Clone)]
struct Args {
    endpoint: String,
    deployment: String,
    api_version: String,
    api_key: String,
    openai: bool,
    mode: Mode,
    team: bool,
    requests: usize,
    concurrency: usize,
    warmup: Option<usize>,
    threads: Option<usize>,
    stream: bool,
    partial: bool,
    events_per_stream: Option<u64>,
    streams_per_connection: Option<usize>,
    trace_rss: Option<u64>,
    raw: Option<Raw>,
    version: Version,
    ca: Option<String>,
}

/// Which HTTP version the client is told to use.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Version {
    /// The SDK's default: ALPN over https, HTTP/1.1 over http.
    Negotiated,
    Http1,
    Http2,
}

/// Which HTTP client alone `--raw` measures.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Raw {
    Reqwest,
    Hyper,
}

fn usage(problem: &str) -> ! {
    eprintln!("loadgen: {problem}\nsee the options at the top of examples/loadgen.rs");
    std::process::exit(2)
}

fn parse_args() -> Args {
    let mut a = Args {
        endpoint: "http://127.0.0.1:18080".into(),
        deployment: "user-tools".into(),
        api_version: "2024-10-21".into(),
        api_key: std::env::var("AZURE_OPENAI_API_KEY").unwrap_or_else(|_| "canned".into()),
        openai: false,
        mode: Mode::Tools,
        team: false,
        requests: 2000,
        concurrency: 64,
        warmup: None,
        threads: None,
        stream: false,
        partial: false,
        events_per_stream: None,
        streams_per_connection: None,
        trace_rss: None,
        raw: None,
        version: Version::Negotiated,
        ca: None,
    };
    let mut ty = None;
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        let mut value = || {
            it.next()
                .unwrap_or_else(|| usage(&format!("{flag} needs a value")))
        };
        let number = |v: String| -> usize {
            v.parse()
                .unwrap_or_else(|_| usage(&format!("not a number: {v}")))
        };
        match flag.as_str() {
            "--endpoint" => a.endpoint = value(),
            "--deployment" => a.deployment = value(),
            "--api-version" => a.api_version = value(),
            "--api-key" => a.api_key = value(),
            "--openai" => a.openai = true,
            "--mode" => {
                a.mode = match value().as_str() {
                    "tools" => Mode::Tools,
                    "tools-strict" => Mode::ToolsStrict,
                    "functions" => Mode::Functions,
                    "json" => Mode::Json,
                    "json-schema" => Mode::JsonSchema,
                    "md-json" => Mode::MdJson,
                    other => usage(&format!("unknown mode {other}")),
                }
            }
            "--type" => ty = Some(value()),
            "--requests" => a.requests = number(value()),
            "--concurrency" => a.concurrency = number(value()).max(1),
            "--warmup" => a.warmup = Some(number(value())),
            "--threads" => a.threads = Some(number(value()).max(1)),
            "--stream" => a.stream = true,
            "--partial" => a.partial = true,
            "--raw" => a.raw = Some(Raw::Reqwest),
            "--raw-hyper" => a.raw = Some(Raw::Hyper),
            "--http1" => a.version = Version::Http1,
            "--http2" => a.version = Version::Http2,
            "--ca" => a.ca = Some(value()),
            "--events-per-stream" => a.events_per_stream = Some(number(value()) as u64),
            "--streams-per-connection" => a.streams_per_connection = Some(number(value())),
            "--trace-rss" => a.trace_rss = Some(number(value()).max(1) as u64),
            "-h" | "--help" => usage("help"),
            other => usage(&format!("unknown option {other}")),
        }
    }
    a.team = match ty.as_deref() {
        None => a.stream,
        Some("user") => false,
        Some("team") => true,
        Some(other) => usage(&format!("unknown type {other} (user or team)")),
    };
    if a.partial && !a.stream {
        usage("--partial goes with --stream");
    }
    a
}

/// Process CPU (user + system) so far.
fn cpu_time() -> Duration {
    // SAFETY: getrusage only writes the struct it is given.
    let mut ru: libc::rusage = unsafe { std::mem::zeroed() };
    // SAFETY: a valid pointer to a rusage for the calling process.
    let rc = unsafe { libc::getrusage(libc::RUSAGE_SELF, &mut ru) };
    if rc != 0 {
        return Duration::ZERO;
    }
    let tv = |t: libc::timeval| Duration::new(t.tv_sec as u64, (t.tv_usec as u32) * 1000);
    tv(ru.ru_utime) + tv(ru.ru_stime)
}

/// Peak resident set size in KiB (VmHWM), and the current one (VmRSS).
fn memory_kib() -> (u64, u64) {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let field = |name: &str| {
        status
            .lines()
            .find(|l| l.starts_with(name))
            .and_then(|l| l.split_whitespace().nth(1))
            .and_then(|v| v.parse().ok())
            .unwrap_or(0)
    };
    (field("VmHWM:"), field("VmRSS:"))
}

/// Prints the resident set size every `every` from a thread of its own, to stderr: when in the
/// run the peak happens (the burst of requests going out, or the streams while they run).
fn trace_rss(every: Duration) {
    let start = Instant::now();
    std::thread::spawn(move || loop {
        let (_, rss) = memory_kib();
        eprintln!(
            "rss at {:.1} s: {:.1} MiB",
            start.elapsed().as_secs_f64(),
            rss as f64 / 1024.0
        );
        std::thread::sleep(every);
    });
}

/// One connection per in-flight request: lift the soft descriptor limit to the hard one.
fn raise_nofile() -> u64 {
    // SAFETY: getrlimit/setrlimit read and write the struct given.
    unsafe {
        let mut lim: libc::rlimit = std::mem::zeroed();
        if libc::getrlimit(libc::RLIMIT_NOFILE, &mut lim) != 0 {
            return 0;
        }
        lim.rlim_cur = lim.rlim_max;
        libc::setrlimit(libc::RLIMIT_NOFILE, &lim);
        libc::getrlimit(libc::RLIMIT_NOFILE, &mut lim);
        lim.rlim_cur
    }
}

#[derive(Default)]
struct Outcome {
    latencies: Vec<Duration>,
    errors: usize,
    first_error: Option<String>,
    partials: u64,
    peak_in_flight: usize,
}

impl Outcome {
    fn record(&mut self, result: Result<u64, instructor::Error>, elapsed: Duration) {
        match result {
            Ok(partials) => {
                self.partials += partials;
                self.latencies.push(elapsed);
            }
            Err(e) => {
                self.errors += 1;
                self.first_error.get_or_insert_with(|| e.to_string());
            }
        }
    }

    fn merge(&mut self, other: Outcome) {
        self.latencies.extend(other.latencies);
        self.errors += other.errors;
        self.partials += other.partials;
        if self.first_error.is_none() {
            self.first_error = other.first_error;
        }
    }
}

/// One extraction: a value, or a stream run to its validated value; returns partials seen.
async fn one<T: AsyncTransport + 'static>(
    client: &AsyncClient<T>,
    a: &Args,
) -> Result<u64, instructor::Error> {
    let request = Request::new(a.deployment.as_str()).user(if a.team {
        "The platform team: Member 00000, 20, lorem ipsum; Member 00001, 21, ipsum dolor; …"
    } else {
        "Jason is 25 years old"
    });
    match (a.stream, a.team) {
        (false, false) => client.create::<User>(request).await.map(|_| 0),
        (false, true) => client.create::<Team>(request).await.map(|_| 0),
        (true, false) => drain(client.create_partial::<User>(request)?, a.partial).await,
        (true, true) => drain(client.create_partial::<Team>(request)?, a.partial).await,
    }
}

async fn drain<T: Instructor>(
    mut stream: instructor::PartialStream<T>,
    count: bool,
) -> Result<u64, instructor::Error> {
    if !count {
        return stream.into_final().await.map(|_| 0);
    }
    let mut n = 0;
    while let Some(partial) = stream.next().await {
        partial?;
        n += 1;
    }
    match stream.take_final() {
        Some(_) => Ok(n),
        None => Err(instructor::Error::StreamInterrupted {
            message: "the stream ended without a value".into(),
        }),
    }
}

/// Runs `n` extractions on `concurrency` worker tasks, each taking the next request number and
/// awaiting its extraction in turn, as wrk's connections do. Workers run on the runtime's threads
/// and only report once, when they run out of requests, so the measuring harness adds no
/// cross-thread wake-up per request (spawning a task per request from the main thread costs a
/// futex wake-up and a context switch each, more than the SDK itself on a loaded 2-core machine).
async fn batch<F, Fut>(n: usize, concurrency: usize, task: Arc<F>) -> Outcome
where
    F: Fn() -> Fut + Send + Sync + 'static,
    Fut: Future<Output = Result<u64, instructor::Error>> + Send + 'static,
{
    let next = Arc::new(AtomicUsize::new(0));
    let in_flight = Arc::new(AtomicUsize::new(0));
    let peak = Arc::new(AtomicUsize::new(0));
    let workers: Vec<_> = (0..concurrency.min(n))
        .map(|_| {
            let (task, next, in_flight, peak) =
                (task.clone(), next.clone(), in_flight.clone(), peak.clone());
            tokio::spawn(async move {
                let mut out = Outcome::default();
                while next.fetch_add(1, Ordering::Relaxed) < n {
                    let now = in_flight.fetch_add(1, Ordering::Relaxed) + 1;
                    peak.fetch_max(now, Ordering::Relaxed);
                    let start = Instant::now();
                    let result = task().await;
                    let elapsed = start.elapsed();
                    in_flight.fetch_sub(1, Ordering::Relaxed);
                    out.record(result, elapsed);
                }
                out
            })
        })
        .collect();
    let mut out = Outcome {
        latencies: Vec::with_capacity(n),
        ..Outcome::default()
    };
    for worker in workers {
        match worker.await {
            Ok(part) => out.merge(part),
            Err(e) => {
                out.first_error.get_or_insert_with(|| e.to_string());
            }
        }
    }
    // A worker that panicked took its uncounted requests with it.
    out.errors += n.saturating_sub(out.latencies.len() + out.errors);
    out.peak_in_flight = peak.load(Ordering::Relaxed);
    out
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i.min(sorted.len() - 1)]
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1e3
}

async fn run<T: AsyncTransport + 'static>(client: AsyncClient<T>, a: Args) {
    let client = Arc::new(client.with_mode(a.mode));
    let a = Arc::new(a);
    let task = {
        let a = a.clone();
        move || {
            let (client, a) = (client.clone(), a.clone());
            async move { one(&client, &a).await }
        }
    };
    let label = format!(
        "mode {:?} type {} {}",
        a.mode,
        if a.team { "Team" } else { "User" },
        if a.stream {
            "streamed (create_partial)"
        } else {
            "create"
        }
    );
    measure(&a, label, task).await;
}

/// The URL and body bytes of a User extraction, as the SDK would send them.
fn raw_request(a: &Args) -> (String, bytes::Bytes, &'static str) {
    let url = if a.openai {
        format!("{}/chat/completions", a.endpoint.trim_end_matches('/'))
    } else {
        format!(
            "{}/openai/deployments/{}/chat/completions?api-version={}",
            a.endpoint.trim_end_matches('/'),
            a.deployment,
            a.api_version
        )
    };
    let body = serde_json::json!({
        "messages": [{"role": "user", "content": "Jason is 25 years old"}],
        "tools": [{"type": "function", "function": {"name": "User",
            "description": "A person mentioned in the text.",
            "parameters": User::json_schema()}}],
        "tool_choice": {"type": "function", "function": {"name": "User"}},
        "stream": a.stream,
    })
    .to_string();
    let accept = if a.stream {
        "text/event-stream"
    } else {
        "application/json"
    };
    (url, bytes::Bytes::from(body), accept)
}

/// The `--ca` root, if one was given.
fn root_certificate(a: &Args) -> Option<reqwest::Certificate> {
    let path = a.ca.as_ref()?;
    let pem = std::fs::read(path).unwrap_or_else(|e| usage(&format!("--ca {path}: {e}")));
    Some(
        reqwest::Certificate::from_pem(&pem)
            .unwrap_or_else(|e| usage(&format!("--ca {path}: not a PEM certificate: {e}"))),
    )
}

/// The same POST without the SDK: reqwest's client built as the SDK builds its own (redirects
/// not followed, nodelay, 90 s idle pool, the same HTTP/2 windows and version settings; one
/// client, so one HTTP/2 connection: no lanes), the URL parsed and the headers built once, the
/// reply read to its end (not parsed).
async fn run_raw_reqwest(a: Args) {
    let (url, body, accept) = raw_request(&a);
    let url = match reqwest::Url::parse(&url) {
        Ok(u) => u,
        Err(e) => usage(&format!("not a URL: {url}: {e}")),
    };
    // The SDK's HTTP/2 windows (instructor-azure/src/wire.rs).
    let mut builder = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .tcp_nodelay(true)
        .pool_idle_timeout(Duration::from_secs(90))
        .http2_initial_stream_window_size(64 * 1024)
        .http2_initial_connection_window_size(1024 * 1024);
    builder = match a.version {
        Version::Negotiated => builder,
        Version::Http1 => builder.http1_only(),
        Version::Http2 => builder.http2_prior_knowledge(),
    };
    if let Some(ca) = root_certificate(&a) {
        builder = builder.tls_certs_merge([ca]);
    }
    let http = builder
        .build()
        .unwrap_or_else(|e| usage(&format!("could not build reqwest's client: {e}")));
    let mut headers = http::HeaderMap::new();
    let value = |v: &str| {
        http::HeaderValue::from_str(v).unwrap_or_else(|e| usage(&format!("bad header {v}: {e}")))
    };
    headers.insert("api-key", value(&a.api_key));
    headers.insert("content-type", value("application/json"));
    headers.insert("accept", value(accept));
    let task = move || {
        let fail = |e: &dyn std::fmt::Display| instructor::Error::Configuration(e.to_string());
        let mut request = reqwest::Request::new(http::Method::POST, url.clone());
        *request.headers_mut() = headers.clone();
        *request.body_mut() = Some(reqwest::Body::from(body.clone()));
        let http = http.clone();
        async move {
            let mut resp = http.execute(request).await.map_err(|e| fail(&e))?;
            if !resp.status().is_success() {
                return Err(fail(&format!("HTTP {}", resp.status())));
            }
            let mut bytes = 0;
            while let Some(data) = resp.chunk().await.map_err(|e| fail(&e))? {
                bytes += data.len();
            }
            Ok(u64::from(bytes == 0))
        }
    };
    measure(&a, "raw reqwest POST, reply read, not parsed".into(), task).await;
}

/// The same POST with hyper's pooled client alone (what reqwest runs on): HTTP/1.1, or HTTP/2
/// with prior knowledge with `--http2`.
async fn run_raw_hyper(a: Args) {
    use http_body_util::{BodyExt, Full};
    use hyper_util::client::legacy::{connect::HttpConnector, Client};
    use hyper_util::rt::{TokioExecutor, TokioTimer};

    let (url, body, accept) = raw_request(&a);
    let uri: http::Uri = match url.parse() {
        Ok(u) => u,
        Err(e) => usage(&format!("not a URL: {url}: {e}")),
    };
    let mut connector = HttpConnector::new();
    connector.set_nodelay(true);
    let http: Client<_, Full<bytes::Bytes>> = Client::builder(TokioExecutor::new())
        .pool_timer(TokioTimer::new())
        .http2_only(a.version == Version::Http2)
        .build(connector);
    let key = a.api_key.clone();
    let task = move || {
        let fail = |e: &dyn std::fmt::Display| instructor::Error::Configuration(e.to_string());
        let request = http::Request::post(uri.clone())
            .header("api-key", key.as_str())
            .header("content-type", "application/json")
            .header("accept", accept)
            .body(Full::new(body.clone()));
        let http = http.clone();
        async move {
            let resp = http
                .request(request.map_err(|e| fail(&e))?)
                .await
                .map_err(|e| fail(&e))?;
            if !resp.status().is_success() {
                return Err(fail(&format!("HTTP {}", resp.status())));
            }
            let mut body = resp.into_body();
            let mut bytes = 0;
            while let Some(frame) = body.frame().await {
                if let Ok(data) = frame.map_err(|e| fail(&e))?.into_data() {
                    bytes += data.len();
                }
            }
            Ok(u64::from(bytes == 0))
        }
    };
    measure(&a, "raw hyper POST, reply read, not parsed".into(), task).await;
}

async fn measure<F, Fut>(a: &Args, label: String, task: F)
where
    F: Fn() -> Fut + Send + Sync + 'static,
    Fut: Future<Output = Result<u64, instructor::Error>> + Send + 'static,
{
    let future_bytes = std::mem::size_of_val(&task());
    let task = Arc::new(task);
    let warmup = a.warmup.unwrap_or(a.concurrency.min(200));
    if warmup > 0 {
        let w = batch(warmup, a.concurrency, task.clone()).await;
        if w.errors > 0 {
            eprintln!(
                "warmup: {} of {warmup} failed; first error: {}",
                w.errors,
                w.first_error.unwrap_or_default()
            );
            std::process::exit(1);
        }
    }
    let cpu0 = cpu_time();
    let t0 = Instant::now();
    let mut out = batch(a.requests, a.concurrency, task.clone()).await;
    let wall = t0.elapsed();
    let cpu = cpu_time().saturating_sub(cpu0);
    let (hwm, rss) = memory_kib();

    out.latencies.sort_unstable();
    let ok = out.latencies.len();
    let secs = wall.as_secs_f64();
    println!(
        "target: {} deployment {}: {label} (task future {future_bytes} bytes)",
        a.endpoint, a.deployment
    );
    println!(
        "requests: {ok} ok, {} failed, concurrency {} (peak in flight {}), wall {secs:.3} s",
        out.errors, a.concurrency, out.peak_in_flight
    );
    if let Some(e) = &out.first_error {
        println!("first error: {e}");
    }
    println!("requests/s: {:.0}", ok as f64 / secs);
    println!(
        "latency ms: p50 {:.3}  p99 {:.3}  max {:.3}",
        ms(percentile(&out.latencies, 0.50)),
        ms(percentile(&out.latencies, 0.99)),
        ms(percentile(&out.latencies, 1.0)),
    );
    let per = |n: u64| cpu.as_secs_f64() * 1e6 / n.max(1) as f64;
    println!(
        "client CPU: {:.3} s ({:.0}% of one core), {:.1} us per request",
        cpu.as_secs_f64(),
        cpu.as_secs_f64() / secs * 100.0,
        per(ok as u64)
    );
    if a.partial {
        println!(
            "partials: {} ({:.0}/s, {:.1} per stream)",
            out.partials,
            out.partials as f64 / secs,
            out.partials as f64 / ok.max(1) as f64
        );
    }
    if let Some(events) = a.events_per_stream {
        println!(
            "client CPU per stream event: {:.3} us ({events} events per stream)",
            per(events * ok as u64)
        );
    }
    println!(
        "memory: peak RSS {:.1} MiB, RSS at end {:.1} MiB",
        hwm as f64 / 1024.0,
        rss as f64 / 1024.0
    );
}

fn main() {
    let a = parse_args();
    let nofile = raise_nofile();
    if (nofile as usize) < a.concurrency + 64 {
        eprintln!(
            "loadgen: warning: {nofile} file descriptors allowed, fewer than concurrency {} needs",
            a.concurrency
        );
    }
    if let Some(every) = a.trace_rss {
        trace_rss(Duration::from_millis(every));
    }
    let mut rt = tokio::runtime::Builder::new_multi_thread();
    if let Some(n) = a.threads {
        rt.worker_threads(n);
    }
    let rt = match rt.enable_all().build() {
        Ok(rt) => rt,
        Err(e) => usage(&format!("could not start tokio: {e}")),
    };
    match a.raw {
        Some(Raw::Reqwest) => return rt.block_on(run_raw_reqwest(a)),
        Some(Raw::Hyper) => return rt.block_on(run_raw_hyper(a)),
        None => {}
    }
    // The same HTTP settings on either builder.
    macro_rules! http_settings {
        ($builder:expr) => {{
            let mut b = $builder;
            b = match a.version {
                Version::Negotiated => b,
                Version::Http1 => b.http1_only(),
                Version::Http2 => b.http2_prior_knowledge(),
            };
            if let Some(ca) = root_certificate(&a) {
                b = b.add_root_certificate(ca);
            }
            if let Some(streams) = a.streams_per_connection {
                b = b.max_streams_per_connection(streams);
            }
            b
        }};
    }
    let built = if a.openai {
        http_settings!(AsyncOpenAI::builder()
            .base_url(a.endpoint.as_str())
            .api_key(a.api_key.as_str())
            .model(a.deployment.as_str()))
        .build()
        .map(|t| rt.block_on(run(instructor::from_openai(t), a.clone())))
    } else {
        http_settings!(AsyncAzureOpenAI::builder()
            .azure_endpoint(a.endpoint.as_str())
            .api_key(a.api_key.as_str())
            .api_version(a.api_version.as_str())
            .deployment(a.deployment.as_str()))
        .build()
        .map(|t| rt.block_on(run(instructor::from_openai(t), a.clone())))
    };
    if let Err(e) = built {
        usage(&format!("could not build the client: {e}"));
    }
}
