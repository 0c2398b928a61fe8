//! A job's life, once for both faces (blocking and async): writing and submitting the input,
//! polling, the follow-up rounds of re-asks, cancelling, and reading the results.

use std::collections::{BTreeMap, HashSet};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use instructor_core::batch::{
    input_line_id, read_output_line, write_follow_up_line, write_input_line, BatchCodec, BatchItem,
    BatchReader, BatchService, Read,
};
use instructor_core::{Error, Feature, Result, Support};
use serde_json::Value;
use tokio::sync::mpsc;

use crate::batch::api::Api;
use crate::batch::spool::{Spool, SpoolFile};
use crate::batch::{
    BatchIds, BatchInfo, BatchLimits, BatchProgress, BatchRequest, BatchStatus, Polling,
};
use crate::errors::{map_error_json, ErrorContext};

/// Items read ahead of the caller: the results channel's capacity.
pub(crate) const READ_AHEAD: usize = 64;

/// The longest wait for an uploaded file to be processed.
const FILE_PROCESSING_LIMIT: Duration = Duration::from_secs(600);

/// A job and what it needs to go on.
pub(crate) struct Job<O> {
    pub api: Api,
    pub codec: BatchCodec<O>,
    pub ids: BatchIds,
    pub limits: BatchLimits,
    pub polling: Polling,
    /// The current round's batches, as last seen.
    pub latest: Vec<BatchInfo>,
}

impl<O> Clone for Job<O> {
    fn clone(&self) -> Self {
        Job {
            api: self.api.clone(),
            codec: self.codec.clone(),
            ids: self.ids.clone(),
            limits: self.limits,
            polling: self.polling,
            latest: self.latest.clone(),
        }
    }
}

/// The checks a line gets are the client's: its default deployment and its api-version's
/// features.
struct Deployment<'a>(&'a Api);

impl BatchService for Deployment<'_> {
    fn default_model(&self) -> Option<&str> {
        self.0.core().default_model()
    }
    fn supports(&self, feature: Feature) -> Support {
        crate::client::supports(self.0.core(), feature)
    }
}

/// The input, written to disk and checked, before anything is sent.
pub(crate) struct Spooled {
    files: Vec<SpoolFile>,
    deployment: String,
}

/// Writes every request's line (the body `create` would send, after `create`'s checks and the
/// api-version's) into input files within `limits`. Nothing is sent: a request `create` would
/// refuse fails the whole submission before any upload.
pub(crate) fn spool<O, I>(
    api: &Api,
    codec: &BatchCodec<O>,
    limits: BatchLimits,
    requests: I,
) -> Result<Spooled>
where
    I: IntoIterator,
    I::Item: Into<BatchRequest>,
{
    let mut spool = Spool::new(limits);
    let mut deployment: Option<String> = None;
    let mut line = Vec::new();
    let url = api.chat_endpoint();
    for (index, request) in requests.into_iter().enumerate() {
        let BatchRequest { custom_id, request } = request.into();
        let custom_id = custom_id.unwrap_or_else(|| format!("request-{index}"));
        if custom_id.is_empty() {
            return Err(Error::Configuration(format!(
                "request {index} of the batch has an empty custom_id"
            )));
        }
        let body = codec.body(request, &Deployment(api))?;
        api.version().check_request(&body)?;
        let model = body.model().unwrap_or_default();
        match &deployment {
            None => deployment = Some(model.to_owned()),
            Some(d) if d != model => {
                return Err(Error::Configuration(format!(
                    "request `{custom_id}` names the deployment `{model}`, the batch's first \
                     request `{d}`: every line of a batch goes to one deployment; submit \
                     another batch for `{model}`"
                )))
            }
            Some(_) => {}
        }
        line.clear();
        write_input_line(&mut line, &custom_id, url, &body)?;
        spool.push(&line)?;
    }
    let deployment = deployment.ok_or_else(|| {
        Error::Configuration("the batch has no requests: give submit() at least one".into())
    })?;
    Ok(Spooled {
        files: spool.finish()?,
        deployment,
    })
}

/// A tag no other job has: the time and a random number.
fn job_tag() -> String {
    use std::hash::{BuildHasher, Hasher};
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos());
    let random = std::collections::hash_map::RandomState::new()
        .build_hasher()
        .finish();
    format!("job-{nanos:x}-{:08x}", random & 0xffff_ffff)
}

impl<O> Job<O> {
    /// Uploads the spooled input and creates round 0's batches.
    pub(crate) async fn submit(
        api: Api,
        codec: BatchCodec<O>,
        limits: BatchLimits,
        polling: Polling,
        spooled: Spooled,
    ) -> Result<Self> {
        let settings = codec.settings();
        let mut ids = BatchIds {
            job: job_tag(),
            deployment: spooled.deployment,
            mode: settings.mode.name().to_owned(),
            max_retries: settings.max_retries,
            rounds: Vec::new(),
            cancelled: false,
            settled: false,
        };
        let latest = create_round(&api, &ids.job, 0, spooled.files, polling).await?;
        ids.rounds
            .push(latest.iter().map(|b| b.id.clone()).collect());
        Ok(Job {
            api,
            codec,
            ids,
            limits,
            polling,
            latest,
        })
    }

    /// A saved job, not yet polled.
    pub(crate) fn resume(
        api: Api,
        codec: BatchCodec<O>,
        limits: BatchLimits,
        polling: Polling,
        ids: BatchIds,
    ) -> Self {
        Job {
            api,
            codec,
            ids,
            limits,
            polling,
            latest: Vec::new(),
        }
    }

    fn round(&self) -> u32 {
        self.ids.round()
    }

    fn progress(&self, submitted: Option<BatchIds>) -> BatchProgress {
        BatchProgress::of(self.round(), self.latest.clone(), submitted)
    }

    /// Polls the current round's batches that have not ended.
    pub(crate) async fn poll(&mut self) -> Result<BatchProgress> {
        let ids = self.ids.rounds.last().cloned().unwrap_or_default();
        let mut latest = Vec::with_capacity(ids.len());
        for id in ids {
            let known = self
                .latest
                .iter()
                .find(|b| b.id == id && b.status.is_terminal());
            latest.push(match known {
                Some(b) => b.clone(),
                None => self.api.batch(&id).await?,
            });
        }
        self.latest = latest;
        Ok(self.progress(None))
    }

    /// After a round has ended: re-asks what it carried in a follow-up round (returning its
    /// first progress), or settles the job.
    pub(crate) async fn advance(&mut self) -> Result<Option<BatchProgress>>
    where
        O: Send + 'static,
    {
        let round = self.round();
        if self.ids.settled || self.ids.cancelled || round >= self.ids.max_retries {
            self.ids.settled = true;
            return Ok(None);
        }
        // Which items to re-ask: a pass over the round's output without hooks (the results
        // pass runs them), with fresh attempts that count the rounds before.
        let mut reader = self.codec.without_hooks().reader();
        reader.start_round(round, true);
        let ctx = self.api.error_context(&self.ids.deployment);
        for info in &self.latest {
            for file in [&info.output_file_id, &info.error_file_id]
                .into_iter()
                .flatten()
            {
                let mut lines = self.api.lines(file).await?;
                while let Some(line) = lines.next_line().await? {
                    reader.read_line(&line, &info.id, &|s, b, r| map_line_error(&ctx, s, b, r));
                }
            }
        }
        if reader.carried() == 0 {
            self.ids.settled = true;
            return Ok(None);
        }
        let files = self.follow_up_input(&reader).await?;
        let latest = create_round(&self.api, &self.ids.job, round + 1, files, self.polling).await?;
        self.ids
            .rounds
            .push(latest.iter().map(|b| b.id.clone()).collect());
        self.latest = latest;
        Ok(Some(self.progress(Some(self.ids.clone()))))
    }

    /// The next round's input: the carried items' lines, read back from this round's input
    /// files, with their re-asks appended.
    async fn follow_up_input(&self, reader: &BatchReader<O>) -> Result<Vec<SpoolFile>> {
        let mut spool = Spool::new(self.limits);
        let mut out = Vec::new();
        for info in &self.latest {
            let Some(input) = &info.input_file_id else {
                continue;
            };
            let mut lines = self.api.lines(input).await?;
            while let Some(line) = lines.next_line().await? {
                let id = input_line_id(&line)?;
                if let Some(reask) = reader.reask_for(&id) {
                    out.clear();
                    write_follow_up_line(&mut out, &line, reask)?;
                    spool.push(&out)?;
                }
            }
        }
        spool.finish()
    }

    /// Asks the service to cancel the current round's batches that are still running; no
    /// follow-up round is submitted after it.
    pub(crate) async fn cancel(&mut self) -> Result<()> {
        self.ids.cancelled = true;
        let ids = self.ids.rounds.last().cloned().unwrap_or_default();
        for id in ids {
            let ended = |b: &BatchInfo| b.id == id && b.status.is_terminal();
            if self.latest.iter().any(ended) {
                continue;
            }
            let info = match self.api.cancel(&id).await {
                Ok(info) => info,
                // It may have ended meanwhile: that is not an error.
                Err(e) => match self.api.batch(&id).await {
                    Ok(info) if info.status.is_terminal() => info,
                    _ => return Err(e),
                },
            };
            match self.latest.iter_mut().find(|b| b.id == id) {
                Some(seen) => *seen = info,
                None => self.latest.push(info),
            }
        }
        Ok(())
    }

    /// The results, read by a task that feeds `tx` as the caller takes them.
    pub(crate) fn results(&self) -> Result<Reading<O>> {
        if !self.ids.settled {
            return Err(Error::Configuration(
                "the batch job has not finished: wait() for it first (after cancel(), too); its \
                 follow-up rounds of re-asks are submitted while waiting"
                    .into(),
            ));
        }
        Ok(Reading {
            api: self.api.clone(),
            reader: self.codec.reader(),
            ids: self.ids.clone(),
        })
    }
}

/// Maps a request's failed status and body as an online call's error is mapped.
fn map_line_error(
    ctx: &ErrorContext,
    status: u16,
    body: &Value,
    request_id: Option<String>,
) -> Error {
    map_error_json(status, body, None, request_id, ctx)
}

/// Uploads each file, waits until the service has processed it, and creates its batch; if one
/// fails, the batches already created are cancelled.
async fn create_round(
    api: &Api,
    job: &str,
    round: u32,
    files: Vec<SpoolFile>,
    polling: Polling,
) -> Result<Vec<BatchInfo>> {
    let metadata = BTreeMap::from([
        ("instructor_job".to_owned(), job.to_owned()),
        ("instructor_round".to_owned(), round.to_string()),
    ]);
    let mut created: Vec<BatchInfo> = Vec::with_capacity(files.len());
    for (n, file) in files.iter().enumerate() {
        let name = format!("{job}-round{round}-part{n}.jsonl");
        match create_one(api, file, &name, &metadata, polling).await {
            Ok(info) => created.push(info),
            Err(e) => {
                for b in &created {
                    // Best effort: the error that stopped the submission is what matters.
                    let _ = api.cancel(&b.id).await;
                }
                return Err(e);
            }
        }
    }
    Ok(created)
}

async fn create_one(
    api: &Api,
    file: &SpoolFile,
    name: &str,
    metadata: &BTreeMap<String, String>,
    polling: Polling,
) -> Result<BatchInfo> {
    let uploaded = api.upload(file, name).await?;
    let id = wait_processed(api, uploaded, polling).await?;
    api.create_batch(&id, metadata).await
}

/// Waits while the service processes an uploaded file (`pending`, `running`); an `error` is
/// reported with the service's details.
async fn wait_processed(
    api: &Api,
    mut file: crate::batch::FileInfo,
    polling: Polling,
) -> Result<String> {
    let started = tokio::time::Instant::now();
    let mut wait = Duration::from_millis(250).min(polling.every);
    loop {
        match file.status.as_deref() {
            Some("pending" | "running") => {}
            Some("error" | "deleted" | "deleting") => {
                return Err(Error::Api {
                    status: 200,
                    code: file.status.clone(),
                    message: format!(
                        "the service could not process the batch input file {}: {}",
                        file.id,
                        file.status_details.as_deref().unwrap_or("no details")
                    ),
                    request_id: None,
                })
            }
            _ => return Ok(file.id),
        }
        if started.elapsed() > FILE_PROCESSING_LIMIT {
            return Err(Error::Timeout {
                phase: format!(
                    "waiting for the service to process the input file {}",
                    file.id
                ),
                after: FILE_PROCESSING_LIMIT,
            });
        }
        tokio::time::sleep(wait).await;
        wait = (wait * 2).min(polling.every.max(Duration::from_millis(250)));
        file = api.file(&file.id).await?;
    }
}

/// How long to wait before the next poll: the interval doubles while nothing changes.
pub(crate) struct Backoff {
    polling: Polling,
    next: Duration,
    last: Option<Vec<(BatchStatus, crate::batch::RequestCounts)>>,
}

impl Backoff {
    pub(crate) fn new(polling: Polling) -> Self {
        Backoff {
            polling,
            next: polling.every,
            last: None,
        }
    }

    /// The wait after `progress`.
    pub(crate) fn after(&mut self, progress: &BatchProgress) -> Duration {
        let seen: Vec<_> = progress
            .batches
            .iter()
            .map(|b| (b.status.clone(), b.request_counts))
            .collect();
        if self.last.as_ref() == Some(&seen) {
            self.next = (self.next * 2).min(self.polling.at_most);
        } else {
            self.next = self.polling.every;
        }
        self.last = Some(seen);
        self.next
    }
}

/// Reading a settled job's results, round after round.
pub(crate) struct Reading<O> {
    api: Api,
    reader: BatchReader<O>,
    ids: BatchIds,
}

/// What was read of one batch's output and error files.
#[derive(Default)]
struct Tally {
    /// Lines that named their request.
    answered: u64,
    /// Lines that could not be read at all.
    unreadable: u64,
    first_unreadable: Option<String>,
}

/// The caller stopped reading.
struct Closed;

impl<O: Send + 'static> Reading<O> {
    /// Reads everything into `tx`; stops when the receiver is dropped.
    pub(crate) async fn run(mut self, tx: mpsc::Sender<Result<BatchItem<O>>>) {
        if let Err(e) = self.rounds(&tx).await {
            // The receiver may be gone; then nobody needs the error either.
            let _ = tx.send(Err(e)).await;
        }
    }

    async fn rounds(&mut self, tx: &mpsc::Sender<Result<BatchItem<O>>>) -> Result<()> {
        let ctx = self.api.error_context(&self.ids.deployment);
        let rounds = std::mem::take(&mut self.ids.rounds);
        let last = rounds.len().saturating_sub(1);
        for (round, batches) in rounds.iter().enumerate() {
            let round_no = u32::try_from(round).unwrap_or(u32::MAX);
            self.reader.start_round(round_no, round < last);
            let mut infos = Vec::with_capacity(batches.len());
            for id in batches {
                let info = self.api.batch(id).await?;
                let tally = match self.batch(&info, &ctx, tx).await? {
                    Ok(tally) => tally,
                    Err(Closed) => return Ok(()),
                };
                let short = round == 0
                    && (info.status != BatchStatus::Completed
                        || tally.answered < info.request_counts.total
                        || tally.unreadable > 0);
                if short && self.unrun(&info, &tally, tx).await?.is_err() {
                    return Ok(());
                }
                infos.push(info);
            }
            // Items re-asked in this round that got no line.
            for id in self.reader.unanswered() {
                let error = not_run_in_round(&infos);
                if send(tx, self.reader.not_run(id, error)).await.is_err() {
                    return Ok(());
                }
            }
        }
        Ok(())
    }

    /// Reads one batch's output and error files.
    async fn batch(
        &mut self,
        info: &BatchInfo,
        ctx: &ErrorContext,
        tx: &mpsc::Sender<Result<BatchItem<O>>>,
    ) -> Result<std::result::Result<Tally, Closed>> {
        let mut tally = Tally::default();
        for file in [&info.output_file_id, &info.error_file_id]
            .into_iter()
            .flatten()
        {
            let mut lines = self.api.lines(file).await?;
            while let Some(line) = lines.next_line().await? {
                match self
                    .reader
                    .read_line(&line, &info.id, &|s, b, r| map_line_error(ctx, s, b, r))
                {
                    Read::Item(item) => {
                        tally.answered += 1;
                        if send(tx, item).await.is_err() {
                            return Ok(Err(Closed));
                        }
                    }
                    Read::Carried => tally.answered += 1,
                    Read::Unreadable(e) => {
                        tally.unreadable += 1;
                        tally.first_unreadable.get_or_insert_with(|| e.to_string());
                    }
                }
            }
        }
        Ok(Ok(tally))
    }

    /// Ends every request of a first-round batch that has no line: the `custom_id`s answered
    /// are collected (one batch's worth at most), then the input file is read for the others.
    async fn unrun(
        &mut self,
        info: &BatchInfo,
        tally: &Tally,
        tx: &mpsc::Sender<Result<BatchItem<O>>>,
    ) -> Result<std::result::Result<(), Closed>> {
        let mut answered = HashSet::new();
        for file in [&info.output_file_id, &info.error_file_id]
            .into_iter()
            .flatten()
        {
            let mut lines = self.api.lines(file).await?;
            while let Some(line) = lines.next_line().await? {
                let id = match read_output_line(&line) {
                    Ok(read) => Some(read.custom_id.into_owned()),
                    Err(unreadable) => unreadable.custom_id,
                };
                answered.extend(id);
            }
        }
        let Some(input) = &info.input_file_id else {
            return Ok(Ok(()));
        };
        let mut lines = self.api.lines(input).await?;
        while let Some(line) = lines.next_line().await? {
            let id = input_line_id(&line)?;
            if answered.contains(id.as_ref()) {
                continue;
            }
            let item = self.reader.not_run(id.into_owned(), missing(info, tally));
            if send(tx, item).await.is_err() {
                return Ok(Err(Closed));
            }
        }
        Ok(Ok(()))
    }
}

async fn send<O>(
    tx: &mpsc::Sender<Result<BatchItem<O>>>,
    item: BatchItem<O>,
) -> std::result::Result<(), Closed> {
    tx.send(Ok(item)).await.map_err(|_| Closed)
}

/// The error of a request its batch has no line for.
fn missing(info: &BatchInfo, tally: &Tally) -> Error {
    if info.status == BatchStatus::Completed && tally.unreadable > 0 {
        return Error::Transport {
            message: format!(
                "batch {} completed, but {} of its output lines could not be read and none of \
                 the others answers this request; the first: {}",
                info.id,
                tally.unreadable,
                tally.first_unreadable.as_deref().unwrap_or("-")
            ),
            source: None,
        };
    }
    let message = if info.errors.is_empty() {
        "its output has no line for this request".to_owned()
    } else {
        info.errors
            .iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>()
            .join("; ")
    };
    Error::BatchNotRun {
        batch: info.id.clone(),
        status: info.status.to_string(),
        message: instructor_core::error::excerpt(&message, 1000),
    }
}

/// The error of a re-asked request its round has no line for.
fn not_run_in_round(infos: &[BatchInfo]) -> Error {
    let ended = infos
        .iter()
        .find(|b| b.status != BatchStatus::Completed)
        .or(infos.first());
    match ended {
        Some(info) => missing(info, &Tally::default()),
        None => Error::BatchNotRun {
            batch: String::new(),
            status: "missing".into(),
            message: "the follow-up round has no batch".into(),
        },
    }
}
