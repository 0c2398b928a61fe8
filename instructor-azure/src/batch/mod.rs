//! Extraction at scale with Azure's Batch API: many typed extractions as one job, at the batch
//! price, on the service's own fleet and quota, every result read and validated as `create` does.
//!
//! ```no_run
//! use instructor_azure::{AzureOpenAI, BatchIds};
//! use instructor_core::{Instructor, Request};
//! # #[derive(serde::Deserialize, Debug)] struct User { name: String, age: u32 }
//! # impl Instructor for User {
//! #     type Partial = serde_json::Value;
//! #     fn schema_name() -> String { "User".into() }
//! #     fn json_schema() -> serde_json::Value { serde_json::json!({"type": "object"}) }
//! #     fn json_schema_strict() -> serde_json::Value { Self::json_schema() }
//! # }
//! let azure = AzureOpenAI::from_env()?; // AZURE_OPENAI_DEPLOYMENT: a Global Batch deployment
//! let texts = ["Jason is 25 years old", "Sarah is 30 years old"];
//! let mut job = azure
//!     .batch::<User>()
//!     .max_retries(2)
//!     .submit(texts.iter().map(|t| Request::for_default_deployment().user(*t)))?;
//! std::fs::write("job.json", job.ids().to_json())?; // resume later with BatchIds::from_json
//! job.wait(|p| eprintln!("{}: {}/{}", p.status, p.counts.completed, p.counts.total))?;
//! for item in job.results()? {
//!     let item = item?;
//!     println!("{}: {:?}", item.custom_id, item.result);
//! }
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! How it runs:
//!
//! - **Input.** Each request becomes the body `create` would send in the client's mode (the
//!   deployment as `model`), after the same checks, as one JSONL line with its `custom_id`. The
//!   lines are written to temporary files, a new file whenever [`BatchLimits`] would be passed
//!   (100,000 requests or 200 MB by default), each uploaded with purpose `batch` and run as one
//!   batch with `completion_window: 24h`.
//! - **Waiting.** [`BatchJob::wait`] polls every batch of the job, the interval doubling while
//!   nothing changes (from 60 s, at most 10 minutes, by default), and reports each poll. When a
//!   round has ended, the replies that failed as `create` would re-ask are re-asked in a
//!   follow-up batch (their input lines with the reply and the errors appended), up to
//!   `max_retries` rounds.
//! - **Results.** [`BatchJob::results`] reads the output and error files as streams, line by
//!   line, through the same code as `create`'s replies: each item ends with its value or the
//!   error `create` would have returned (a 429 or 5xx line as [`Error::RateLimited`] or
//!   [`Error::Api`], a filtered one as [`Error::ContentFilter`], …) and the tokens of all its
//!   attempts. A request a `failed`, `expired` or `cancelled` batch never ran ends as
//!   [`Error::BatchNotRun`]: nothing is lost.
//! - **Resuming.** [`BatchJob::ids`] are plain data (serde, or [`BatchIds::to_json`]); a new
//!   process picks the job up with [`BatchBuilder::resume`] or [`BatchJob::resume`].
//!
//! What is held in memory: one line at a time while reading, and only for the items being
//! re-asked, their errors and re-ask messages. The bodies stay in the files: a follow-up is
//! built by reading the previous round's input file back from the service. Finding which
//! requests a `failed`, `expired` or `cancelled` batch did not run holds the `custom_id`s of one
//! batch's answered requests (at most 100,000).
//!
//! [`Error::RateLimited`]: instructor_core::Error::RateLimited
//! [`Error::Api`]: instructor_core::Error::Api
//! [`Error::ContentFilter`]: instructor_core::Error::ContentFilter
//! [`Error::BatchNotRun`]: instructor_core::Error::BatchNotRun

mod api;
mod faces;
mod job;
mod lines;
mod spool;

use std::collections::BTreeMap;
use std::time::Duration;

use instructor_core::batch::BatchCodec;
use instructor_core::settings::Settings;
use instructor_core::{AsyncClient, Client, Error, Instructor, Mode, Request, Result};
use serde::{Deserialize, Deserializer, Serialize};
use serde_json::Value;

use crate::batch::api::Api;
use crate::client::{AsyncAzureOpenAI, AzureOpenAI};

pub use faces::{AsyncBatchJob, AsyncBatchResults, BatchJob, BatchResults};
pub use instructor_core::batch::BatchItem;

/// One request of a batch and its `custom_id`: from a [`Request`] (the id is generated:
/// `request-0`, `request-1`, … in input order) or a `(custom_id, Request)` pair. Ids must be
/// unique within a job.
#[derive(Debug, Clone, PartialEq)]
pub struct BatchRequest {
    /// The id results are matched by; `None` generates one from the request's position.
    pub custom_id: Option<String>,
    /// The request, as for `create`.
    pub request: Request,
}

impl From<Request> for BatchRequest {
    fn from(request: Request) -> Self {
        BatchRequest {
            custom_id: None,
            request,
        }
    }
}

impl<S: Into<String>> From<(S, Request)> for BatchRequest {
    fn from((custom_id, request): (S, Request)) -> Self {
        BatchRequest {
            custom_id: Some(custom_id.into()),
            request,
        }
    }
}

/// The most one input file (one batch) may hold; a larger input is split into several.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BatchLimits {
    /// Requests per file (Azure: 100,000).
    pub max_requests_per_file: u64,
    /// Bytes per file (Azure: 200 MB).
    pub max_bytes_per_file: u64,
}

impl Default for BatchLimits {
    fn default() -> Self {
        BatchLimits {
            max_requests_per_file: 100_000,
            max_bytes_per_file: 200_000_000,
        }
    }
}

/// How often a job's batches are polled.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Polling {
    /// The first wait, and the wait after a poll that saw a change.
    pub every: Duration,
    /// The longest wait, reached by doubling while nothing changes.
    pub at_most: Duration,
}

impl Default for Polling {
    fn default() -> Self {
        Polling {
            every: Duration::from_secs(60),
            at_most: Duration::from_secs(600),
        }
    }
}

/// A batch's status, as the service reports it (case aside: some examples write `Validating`).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum BatchStatus {
    /// The input file is being validated.
    Validating,
    /// The input file failed validation: nothing ran.
    Failed,
    /// Running.
    InProgress,
    /// Done; the output files are being written.
    Finalizing,
    /// Done; the output files are ready.
    Completed,
    /// The 24-hour window passed; what ran is in the output.
    Expired,
    /// Being cancelled (up to 10 minutes).
    Cancelling,
    /// Cancelled; what ran is in the output.
    Cancelled,
    /// A status this SDK does not know; treated as not finished.
    Other(String),
}

impl BatchStatus {
    fn parse(raw: &str) -> Self {
        match raw.to_ascii_lowercase().as_str() {
            "validating" => BatchStatus::Validating,
            "failed" => BatchStatus::Failed,
            "in_progress" => BatchStatus::InProgress,
            "finalizing" => BatchStatus::Finalizing,
            "completed" => BatchStatus::Completed,
            "expired" => BatchStatus::Expired,
            "cancelling" => BatchStatus::Cancelling,
            "cancelled" => BatchStatus::Cancelled,
            _ => BatchStatus::Other(raw.to_owned()),
        }
    }

    /// The status as the API writes it.
    pub fn as_str(&self) -> &str {
        match self {
            BatchStatus::Validating => "validating",
            BatchStatus::Failed => "failed",
            BatchStatus::InProgress => "in_progress",
            BatchStatus::Finalizing => "finalizing",
            BatchStatus::Completed => "completed",
            BatchStatus::Expired => "expired",
            BatchStatus::Cancelling => "cancelling",
            BatchStatus::Cancelled => "cancelled",
            BatchStatus::Other(s) => s,
        }
    }

    /// True once the batch will not change any more: `completed`, `failed`, `expired`,
    /// `cancelled`.
    pub fn is_terminal(&self) -> bool {
        matches!(
            self,
            BatchStatus::Completed
                | BatchStatus::Failed
                | BatchStatus::Expired
                | BatchStatus::Cancelled
        )
    }

    /// How far along a running batch is, to report the least advanced of several.
    fn stage(&self) -> u8 {
        match self {
            BatchStatus::Other(_) => 0,
            BatchStatus::Validating => 1,
            BatchStatus::InProgress => 2,
            BatchStatus::Finalizing => 3,
            BatchStatus::Cancelling => 4,
            _ => 5,
        }
    }
}

impl std::fmt::Display for BatchStatus {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.pad(self.as_str())
    }
}

impl<'de> Deserialize<'de> for BatchStatus {
    fn deserialize<D: Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        let raw = Option::<String>::deserialize(d)?;
        Ok(raw.map_or_else(|| BatchStatus::Other(String::new()), |s| Self::parse(&s)))
    }
}

/// How many of a batch's requests have run.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(default)]
pub struct RequestCounts {
    /// Requests in the batch.
    pub total: u64,
    /// Requests that got a reply.
    pub completed: u64,
    /// Requests that failed.
    pub failed: u64,
}

impl std::ops::AddAssign for RequestCounts {
    fn add_assign(&mut self, rhs: Self) {
        self.total = self.total.saturating_add(rhs.total);
        self.completed = self.completed.saturating_add(rhs.completed);
        self.failed = self.failed.saturating_add(rhs.failed);
    }
}

/// An error the service reports for a whole batch (`errors.data`), e.g. an input line it refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BatchError {
    /// The code (`invalid_json_line`, `too_many_tasks`, `model_not_found`, …).
    pub code: Option<String>,
    /// What the service said.
    pub message: Option<String>,
    /// The input line it is about, if any.
    pub line: Option<String>,
}

impl std::fmt::Display for BatchError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let code = self.code.as_deref().unwrap_or("error");
        write!(f, "{code}: {}", self.message.as_deref().unwrap_or("-"))?;
        if let Some(line) = &self.line {
            write!(f, " (line {line})")?;
        }
        Ok(())
    }
}

/// A batch as the service last reported it.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct BatchInfo {
    /// The batch's id.
    pub id: String,
    /// Its status.
    #[serde(default = "no_status")]
    pub status: BatchStatus,
    /// The uploaded input.
    #[serde(default, deserialize_with = "file_id")]
    pub input_file_id: Option<String>,
    /// The replies to the requests that succeeded, once there are some.
    #[serde(default, deserialize_with = "file_id")]
    pub output_file_id: Option<String>,
    /// The replies to the requests that failed.
    #[serde(default, deserialize_with = "file_id")]
    pub error_file_id: Option<String>,
    /// Progress.
    #[serde(default, deserialize_with = "or_default")]
    pub request_counts: RequestCounts,
    /// Why a batch `failed`.
    #[serde(default, deserialize_with = "batch_errors")]
    pub errors: Vec<BatchError>,
    /// The tags it was created with (this SDK sets `instructor_job` and `instructor_round`).
    #[serde(default, deserialize_with = "metadata")]
    pub metadata: BTreeMap<String, String>,
}

fn no_status() -> BatchStatus {
    BatchStatus::Other(String::new())
}

fn or_default<'de, D: Deserializer<'de>, T: Deserialize<'de> + Default>(
    d: D,
) -> std::result::Result<T, D::Error> {
    Ok(Option::<T>::deserialize(d)?.unwrap_or_default())
}

fn file_id<'de, D: Deserializer<'de>>(d: D) -> std::result::Result<Option<String>, D::Error> {
    Ok(Option::<String>::deserialize(d)?.filter(|id| !id.is_empty()))
}

fn text(v: &Value) -> Option<String> {
    match v {
        Value::Null => None,
        Value::String(s) => Some(s.clone()),
        other => Some(other.to_string()),
    }
}

/// `errors.data` is one object in the 2024-10-21 spec and a list in the service's replies and
/// OpenAI's: both are read, and `line` as text or number.
fn batch_errors<'de, D: Deserializer<'de>>(d: D) -> std::result::Result<Vec<BatchError>, D::Error> {
    let value = Option::<Value>::deserialize(d)?.unwrap_or(Value::Null);
    let data = value.get("data").cloned().unwrap_or(Value::Null);
    let items = match data {
        Value::Array(items) => items,
        Value::Object(_) => vec![data],
        _ => Vec::new(),
    };
    Ok(items
        .iter()
        .map(|e| BatchError {
            code: e.get("code").and_then(text),
            message: e.get("message").and_then(text),
            line: e.get("line").and_then(text),
        })
        .collect())
}

fn metadata<'de, D: Deserializer<'de>>(
    d: D,
) -> std::result::Result<BTreeMap<String, String>, D::Error> {
    let map = Option::<BTreeMap<String, Value>>::deserialize(d)?.unwrap_or_default();
    Ok(map
        .into_iter()
        .filter_map(|(k, v)| text(&v).map(|v| (k, v)))
        .collect())
}

/// An uploaded file's state.
#[derive(Debug, Clone, Deserialize)]
pub(crate) struct FileInfo {
    pub id: String,
    #[serde(default)]
    pub status: Option<String>,
    #[serde(default)]
    pub status_details: Option<String>,
}

/// One page of a resource's batches, from [`AzureOpenAI::list_batches`].
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct BatchPage {
    /// The batches, newest first.
    #[serde(rename = "data", default)]
    pub batches: Vec<BatchInfo>,
    /// Whether more follow: ask again with `after` = [`last_id`](Self::last_id).
    #[serde(default)]
    pub has_more: bool,
    /// The last batch's id.
    #[serde(default)]
    pub last_id: Option<String>,
}

/// Where a job stands after a poll of its current round.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BatchProgress {
    /// 0 for the first submission, then one per follow-up round of re-asks.
    pub round: u32,
    /// The round's status: the least advanced of its batches while any runs, else `completed`
    /// when all completed, else how the first that did not complete ended.
    pub status: BatchStatus,
    /// The round's request counts, summed over its batches.
    pub counts: RequestCounts,
    /// The round's batches.
    pub batches: Vec<BatchInfo>,
    /// Set when a follow-up round has just been submitted: the job's ids now, to save in place
    /// of the earlier ones.
    pub submitted: Option<BatchIds>,
}

impl BatchProgress {
    fn of(round: u32, batches: Vec<BatchInfo>, submitted: Option<BatchIds>) -> Self {
        let mut counts = RequestCounts::default();
        for b in &batches {
            counts += b.request_counts;
        }
        let running = batches
            .iter()
            .filter(|b| !b.status.is_terminal())
            .min_by_key(|b| b.status.stage());
        let status = match running {
            Some(b) => b.status.clone(),
            None => batches
                .iter()
                .map(|b| &b.status)
                .find(|s| **s != BatchStatus::Completed)
                .cloned()
                .unwrap_or(BatchStatus::Completed),
        };
        BatchProgress {
            round,
            status,
            counts,
            batches,
            submitted,
        }
    }

    /// True when every batch of the round has ended.
    pub fn is_finished(&self) -> bool {
        self.batches.iter().all(|b| b.status.is_terminal())
    }
}

/// What identifies a job: enough to resume it in another process. Plain data: save it with
/// serde or [`to_json`](Self::to_json).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BatchIds {
    /// The job's tag, in each batch's `metadata.instructor_job`.
    pub job: String,
    /// The deployment every line names.
    pub deployment: String,
    /// The mode the lines were written in (`Mode::Tools`, …): the replies are read in it.
    pub mode: String,
    /// The re-ask rounds allowed after the first.
    pub max_retries: u32,
    /// The batch ids of each round: the first submission, then each follow-up.
    pub rounds: Vec<Vec<String>>,
    /// The job was cancelled: no follow-up is submitted.
    #[serde(default)]
    pub cancelled: bool,
    /// Every round has ended and no follow-up is due: the results are final.
    #[serde(default)]
    pub settled: bool,
}

impl BatchIds {
    /// The ids as JSON.
    pub fn to_json(&self) -> String {
        // Strings, numbers and booleans always serialize.
        serde_json::to_string(self).unwrap_or_default()
    }

    /// Ids saved with [`to_json`](Self::to_json).
    pub fn from_json(text: &str) -> Result<Self> {
        serde_json::from_str(text)
            .map_err(|e| Error::Configuration(format!("these are not saved batch job ids: {e}")))
    }

    /// The mode the job's lines were written in.
    pub fn parsed_mode(&self) -> Result<Mode> {
        Mode::ALL
            .into_iter()
            .find(|m| m.name() == self.mode || m.name().trim_start_matches("Mode::") == self.mode)
            .ok_or_else(|| {
                Error::Configuration(format!(
                    "the saved job names an unknown mode `{}`",
                    self.mode
                ))
            })
    }

    fn check(&self) -> Result<()> {
        self.parsed_mode()?;
        if self.rounds.is_empty() || self.rounds.iter().any(Vec::is_empty) {
            return Err(Error::Configuration(
                "the saved job ids name no batch in some round".into(),
            ));
        }
        Ok(())
    }

    fn round(&self) -> u32 {
        u32::try_from(self.rounds.len().saturating_sub(1)).unwrap_or(u32::MAX)
    }
}

/// Sets up a batch job: the settings `create` would use (mode, re-asks, system prompt, hooks),
/// the file limits and the polling; then [`submit`](BatchBuilder::submit) the requests or
/// [`resume`](BatchBuilder::resume) a saved job. From [`AzureOpenAI::batch`],
/// [`AsyncAzureOpenAI::batch`] or [`BatchClient::batch`] on an instructor client.
#[must_use]
pub struct BatchBuilder<C, O> {
    client: C,
    settings: Settings,
    make: fn(Settings) -> Result<BatchCodec<O>>,
    limits: BatchLimits,
    polling: Polling,
}

impl<C: std::fmt::Debug, O> std::fmt::Debug for BatchBuilder<C, O> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("BatchBuilder")
            .field("client", &self.client)
            .field("mode", &self.settings.mode)
            .field("max_retries", &self.settings.max_retries)
            .field("limits", &self.limits)
            .field("polling", &self.polling)
            .finish()
    }
}

fn single<T: Instructor>(settings: Settings) -> Result<BatchCodec<T>> {
    Ok(BatchCodec::single(settings))
}

fn many<T: Instructor>(settings: Settings) -> Result<BatchCodec<Vec<T>>> {
    BatchCodec::list(settings)
}

impl<C, O> BatchBuilder<C, O> {
    fn new(client: C, settings: Settings, make: fn(Settings) -> Result<BatchCodec<O>>) -> Self {
        BatchBuilder {
            client,
            settings,
            make,
            limits: BatchLimits::default(),
            polling: Polling::default(),
        }
    }

    /// All of an instructor client's settings at once (`client.settings().clone()`).
    pub fn settings(mut self, settings: Settings) -> Self {
        self.settings = settings;
        self
    }

    /// The mode the lines are written and read in (default [`Mode::Tools`]); streaming is not a
    /// mode but a call, and a batch has none.
    pub fn with_mode(mut self, mode: Mode) -> Self {
        self.settings.mode = mode;
        self
    }

    /// Re-ask rounds after the first: an item whose reply fails as `create` would re-ask is sent
    /// again, with the errors, in a follow-up batch, up to `n` times.
    pub fn max_retries(mut self, n: u32) -> Self {
        self.settings.max_retries = n;
        self
    }

    /// A system message put first in every request that has none.
    pub fn system_prompt(mut self, text: impl Into<String>) -> Self {
        self.settings.system_prompt = Some(text.into());
        self
    }

    /// The deployment for requests that name none (a Global Batch deployment), over the
    /// client's.
    pub fn default_model(mut self, deployment: impl Into<String>) -> Self {
        self.settings.default_model = Some(deployment.into());
        self
    }

    /// The most one input file may hold (default: Azure's limits).
    pub fn limits(mut self, limits: BatchLimits) -> Self {
        self.limits = limits;
        self
    }

    /// The wait between polls (default 60 s, as Azure suggests); it doubles while nothing
    /// changes, up to [`max_poll_interval`](Self::max_poll_interval).
    pub fn poll_interval(mut self, every: Duration) -> Self {
        self.polling.every = every;
        self.polling.at_most = self.polling.at_most.max(every);
        self
    }

    /// The longest wait between polls (default 10 minutes).
    pub fn max_poll_interval(mut self, at_most: Duration) -> Self {
        self.polling.at_most = at_most.max(self.polling.every);
        self
    }

    fn codec(&self, settings: Settings) -> Result<BatchCodec<O>> {
        (self.make)(settings)
    }

    /// The settings a saved job is read with: its own mode and re-ask rounds.
    fn resumed_settings(&self, ids: &BatchIds) -> Result<Settings> {
        ids.check()?;
        let mut settings = self.settings.clone();
        settings.mode = ids.parsed_mode()?;
        settings.max_retries = ids.max_retries;
        Ok(settings)
    }
}

macro_rules! entry_points {
    ($client:ident) => {
        impl $client {
            /// A batch job of one `T` per request, as [`create`](instructor_core::Client::create)
            /// gives; see the [`batch`](crate::batch) module.
            pub fn batch<T: Instructor>(&self) -> BatchBuilder<$client, T> {
                BatchBuilder::new(self.clone(), Settings::default(), single::<T>)
            }

            /// A batch job of every `T` in each request, as
            /// [`create_many`](instructor_core::Client::create_many) gives (one per tool call in
            /// [`Mode::ParallelTools`]).
            pub fn batch_many<T: Instructor>(&self) -> BatchBuilder<$client, Vec<T>> {
                BatchBuilder::new(self.clone(), Settings::default(), many::<T>)
            }
        }
    };
}

entry_points!(AzureOpenAI);
entry_points!(AsyncAzureOpenAI);

impl AzureOpenAI {
    /// One page of the resource's batches (`limit` per page, after the batch `after`), newest
    /// first; each names its job in `metadata.instructor_job` when this SDK made it.
    pub fn list_batches(&self, limit: u32, after: Option<&str>) -> Result<BatchPage> {
        let api = Api::new(&self.core)?;
        let after = after.map(str::to_owned);
        self.rt
            .run(async move { api.list(limit, after.as_deref()).await })
    }
}

impl AsyncAzureOpenAI {
    /// One page of the resource's batches (`limit` per page, after the batch `after`), newest
    /// first; each names its job in `metadata.instructor_job` when this SDK made it.
    pub async fn list_batches(&self, limit: u32, after: Option<&str>) -> Result<BatchPage> {
        Api::new(&self.core)?.list(limit, after).await
    }
}

/// Batch entry points on an instructor client, with its settings (mode, `max_retries`, system
/// prompt, hooks):
///
/// ```no_run
/// use instructor_azure::{AzureOpenAI, BatchClient};
/// # #[derive(serde::Deserialize, Debug)] struct User { name: String }
/// # impl instructor_core::Instructor for User {
/// #     type Partial = serde_json::Value;
/// #     fn schema_name() -> String { "User".into() }
/// #     fn json_schema() -> serde_json::Value { serde_json::json!({"type": "object"}) }
/// #     fn json_schema_strict() -> serde_json::Value { Self::json_schema() }
/// # }
/// let client = instructor_core::from_openai(AzureOpenAI::from_env()?).max_retries(2);
/// let batch = client.batch::<User>(); // re-asks up to twice, as client.create would
/// # Ok::<(), instructor_core::Error>(())
/// ```
pub trait BatchClient {
    /// The Azure client underneath.
    type Azure;
    /// [`AzureOpenAI::batch`] with this client's settings.
    fn batch<T: Instructor>(&self) -> BatchBuilder<Self::Azure, T>;
    /// [`AzureOpenAI::batch_many`] with this client's settings.
    fn batch_many<T: Instructor>(&self) -> BatchBuilder<Self::Azure, Vec<T>>;
}

macro_rules! batch_client {
    ($instructor:ident<$azure:ident>) => {
        impl BatchClient for $instructor<$azure> {
            type Azure = $azure;
            fn batch<T: Instructor>(&self) -> BatchBuilder<$azure, T> {
                self.transport()
                    .batch::<T>()
                    .settings(self.settings().clone())
            }
            fn batch_many<T: Instructor>(&self) -> BatchBuilder<$azure, Vec<T>> {
                self.transport()
                    .batch_many::<T>()
                    .settings(self.settings().clone())
            }
        }
    };
}

batch_client!(Client<AzureOpenAI>);
batch_client!(AsyncClient<AsyncAzureOpenAI>);

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn batch_objects_as_the_spec_and_the_service_write_them() {
        let spec = json!({"id": "b", "status": "Validating", "errors": {"object": "list",
            "data": {"code": "invalid_json_line", "message": "bad", "line": "3"}},
            "output_file_id": null, "error_file_id": "", "request_counts": null, "metadata": null});
        let info: BatchInfo = serde_json::from_value(spec).unwrap();
        assert_eq!(info.status, BatchStatus::Validating);
        assert_eq!(info.errors[0].line.as_deref(), Some("3"));
        assert_eq!(info.error_file_id, None);
        let listed = json!({"id": "b", "status": "failed", "errors": {"data": [
            {"code": "model_not_found", "message": "no", "line": 1}, {"code": "empty_file"}]}});
        let info: BatchInfo = serde_json::from_value(listed).unwrap();
        assert!(info.status.is_terminal());
        assert_eq!(info.errors.len(), 2);
        assert_eq!(info.errors[0].to_string(), "model_not_found: no (line 1)");
    }

    #[test]
    fn ids_round_trip_and_are_checked() {
        let ids = BatchIds {
            job: "j".into(),
            deployment: "d".into(),
            mode: Mode::JsonSchema.name().into(),
            max_retries: 2,
            rounds: vec![vec!["b1".into()]],
            cancelled: false,
            settled: false,
        };
        let back = BatchIds::from_json(&ids.to_json()).unwrap();
        assert_eq!(back, ids);
        assert_eq!(back.parsed_mode().unwrap(), Mode::JsonSchema);
        assert!(BatchIds {
            rounds: vec![],
            ..ids.clone()
        }
        .check()
        .is_err());
        assert!(BatchIds {
            mode: "Mode::Nope".into(),
            ..ids
        }
        .check()
        .is_err());
        assert!(BatchIds::from_json("{}").is_err());
    }

    #[test]
    fn a_round_reports_its_least_advanced_batch() {
        let info = |status: &str, total: u64| -> BatchInfo {
            serde_json::from_value(json!({"id": status, "status": status,
                "request_counts": {"total": total, "completed": 1, "failed": 0}}))
            .unwrap()
        };
        let p = BatchProgress::of(0, vec![info("completed", 2), info("in_progress", 3)], None);
        assert_eq!(p.status, BatchStatus::InProgress);
        assert_eq!(p.counts.total, 5);
        assert!(!p.is_finished());
        let p = BatchProgress::of(0, vec![info("completed", 2), info("expired", 3)], None);
        assert_eq!(p.status, BatchStatus::Expired);
        assert!(p.is_finished());
    }
}
