//! The blocking and the async face of a job: [`BatchJob`] runs [`Job`]'s steps on the blocking
//! client's runtime, [`AsyncBatchJob`] awaits them.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use futures::Stream;
use instructor_core::batch::BatchItem;
use instructor_core::{Error, Result, Usage};
use tokio::sync::mpsc;

use crate::batch::api::Api;
use crate::batch::job::{self, Backoff, Job, READ_AHEAD};
use crate::batch::{BatchBuilder, BatchIds, BatchInfo, BatchProgress, BatchRequest};
use crate::client::{AsyncAzureOpenAI, AzureOpenAI, Rt};

/// A batch job on the blocking client: its ids, progress, follow-up rounds, cancel, results.
/// See the [`batch`](crate::batch) module.
pub struct BatchJob<O> {
    job: Job<O>,
    rt: Arc<Rt>,
}

/// A batch job on the async client; see [`BatchJob`].
pub struct AsyncBatchJob<O> {
    job: Job<O>,
}

impl<O> std::fmt::Debug for BatchJob<O> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("BatchJob")
            .field("ids", &self.job.ids)
            .finish_non_exhaustive()
    }
}

impl<O> std::fmt::Debug for AsyncBatchJob<O> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AsyncBatchJob")
            .field("ids", &self.job.ids)
            .finish_non_exhaustive()
    }
}

impl<O: Send + 'static> BatchBuilder<AzureOpenAI, O> {
    /// Writes every request's line (the body `create` would send, after `create`'s checks) into
    /// input files on disk, then uploads them and creates their batches. A request `create`
    /// would refuse fails the submission before anything is sent; if an upload or a creation
    /// fails, the batches already created are cancelled.
    pub fn submit<I>(self, requests: I) -> Result<BatchJob<O>>
    where
        I: IntoIterator,
        I::Item: Into<BatchRequest>,
    {
        let api = Api::new(&self.client.core)?;
        let codec = self.codec(self.settings.clone())?;
        let spooled = job::spool(&api, &codec, self.limits, requests)?;
        let (limits, polling) = (self.limits, self.polling);
        let job = self
            .client
            .rt
            .run(async move { Job::submit(api, codec, limits, polling, spooled).await })?;
        Ok(BatchJob {
            job,
            rt: Arc::clone(&self.client.rt),
        })
    }

    /// Picks up a saved job (its ids from [`BatchJob::ids`]). The job's own mode and re-ask
    /// rounds are used; the builder gives the rest of the settings (hooks) and the polling.
    pub fn resume(self, ids: BatchIds) -> Result<BatchJob<O>> {
        let api = Api::new(&self.client.core)?;
        let codec = self.codec(self.resumed_settings(&ids)?)?;
        Ok(BatchJob {
            job: Job::resume(api, codec, self.limits, self.polling, ids),
            rt: Arc::clone(&self.client.rt),
        })
    }
}

impl<O: Send + 'static> BatchBuilder<AsyncAzureOpenAI, O> {
    /// As [`BatchBuilder::submit`] on the blocking client. The input files are written when this
    /// is called (the iterator need not be `Send`); they are uploaded when it is awaited.
    pub fn submit<I>(self, requests: I) -> impl Future<Output = Result<AsyncBatchJob<O>>> + Send
    where
        I: IntoIterator,
        I::Item: Into<BatchRequest>,
    {
        let prepared = Api::new(&self.client.core).and_then(|api| {
            let codec = self.codec(self.settings.clone())?;
            let spooled = job::spool(&api, &codec, self.limits, requests)?;
            Ok((api, codec, spooled))
        });
        let (limits, polling) = (self.limits, self.polling);
        async move {
            let (api, codec, spooled) = prepared?;
            let job = Job::submit(api, codec, limits, polling, spooled).await?;
            Ok(AsyncBatchJob { job })
        }
    }

    /// As [`BatchBuilder::resume`] on the blocking client.
    pub fn resume(self, ids: BatchIds) -> Result<AsyncBatchJob<O>> {
        let api = Api::new(&self.client.core)?;
        let codec = self.codec(self.resumed_settings(&ids)?)?;
        Ok(AsyncBatchJob {
            job: Job::resume(api, codec, self.limits, self.polling, ids),
        })
    }
}

impl<T: instructor_core::Instructor> BatchJob<T> {
    /// Picks up a saved job of one `T` per request with the default settings:
    /// `client.batch::<T>().resume(ids)`.
    pub fn resume(client: &AzureOpenAI, ids: BatchIds) -> Result<Self> {
        client.batch::<T>().resume(ids)
    }
}

impl<T: instructor_core::Instructor> AsyncBatchJob<T> {
    /// Picks up a saved job of one `T` per request with the default settings:
    /// `client.batch::<T>().resume(ids)`.
    pub fn resume(client: &AsyncAzureOpenAI, ids: BatchIds) -> Result<Self> {
        client.batch::<T>().resume(ids)
    }
}

impl<O: Send + 'static> BatchJob<O> {
    /// The job's ids: save them to resume the job elsewhere. They change when a follow-up round
    /// is submitted ([`BatchProgress::submitted`]).
    pub fn ids(&self) -> &BatchIds {
        &self.job.ids
    }

    /// The current round's batches, as last seen.
    pub fn batches(&self) -> &[BatchInfo] {
        &self.job.latest
    }

    /// Runs one step of the job on the client's runtime.
    fn step<T, F>(&mut self, step: impl FnOnce(Job<O>) -> F) -> Result<T>
    where
        T: Send + 'static,
        F: Future<Output = (Job<O>, Result<T>)> + Send + 'static,
    {
        let fut = step(self.job.clone());
        let (job, out) = self.rt.run(async move { Ok(fut.await) })?;
        self.job = job;
        out
    }

    /// Polls the current round once.
    pub fn status(&mut self) -> Result<BatchProgress> {
        self.step(|mut job| async move {
            let out = job.poll().await;
            (job, out)
        })
    }

    /// Waits until the job has settled: polls (the interval doubling while nothing changes),
    /// calls `on_progress` after each poll, and when a round has ended submits the follow-up
    /// of its re-asks (a progress with [`submitted`](BatchProgress::submitted) ids). Returns the
    /// last round's progress.
    pub fn wait(&mut self, mut on_progress: impl FnMut(&BatchProgress)) -> Result<BatchProgress> {
        let mut backoff = Backoff::new(self.job.polling);
        loop {
            let progress = self.status()?;
            on_progress(&progress);
            if progress.is_finished() {
                let next = self.step(|mut job| async move {
                    let out = job.advance().await;
                    (job, out)
                })?;
                match next {
                    Some(started) => {
                        on_progress(&started);
                        backoff = Backoff::new(self.job.polling);
                        std::thread::sleep(backoff.after(&started));
                        continue;
                    }
                    None => return Ok(progress),
                }
            }
            std::thread::sleep(backoff.after(&progress));
        }
    }

    /// Asks the service to cancel the running batches. Wait for the job afterwards: what ran
    /// is in the results, what did not ends as [`Error::BatchNotRun`].
    pub fn cancel(&mut self) -> Result<()> {
        self.step(|mut job| async move {
            let out = job.cancel().await;
            (job, out)
        })
    }

    /// The results of a settled job, item by item, read from the output files as the iterator
    /// is advanced. An `Err` item is a failure to read the files (the iteration ends there);
    /// each item's own error is in [`BatchItem::result`].
    pub fn results(&self) -> Result<BatchResults<O>> {
        let reading = self.job.results()?;
        let (tx, rx) = mpsc::channel(READ_AHEAD);
        self.rt.spawn(reading.run(tx));
        Ok(BatchResults {
            rx,
            usage: Usage::default(),
            _rt: Arc::clone(&self.rt),
        })
    }
}

impl<O: Send + 'static> AsyncBatchJob<O> {
    /// See [`BatchJob::ids`].
    pub fn ids(&self) -> &BatchIds {
        &self.job.ids
    }

    /// See [`BatchJob::batches`].
    pub fn batches(&self) -> &[BatchInfo] {
        &self.job.latest
    }

    /// See [`BatchJob::status`].
    pub async fn status(&mut self) -> Result<BatchProgress> {
        self.job.poll().await
    }

    /// See [`BatchJob::wait`].
    pub async fn wait(
        &mut self,
        mut on_progress: impl FnMut(&BatchProgress),
    ) -> Result<BatchProgress> {
        let mut backoff = Backoff::new(self.job.polling);
        loop {
            let progress = self.job.poll().await?;
            on_progress(&progress);
            if progress.is_finished() {
                match self.job.advance().await? {
                    Some(started) => {
                        on_progress(&started);
                        backoff = Backoff::new(self.job.polling);
                        tokio::time::sleep(backoff.after(&started)).await;
                        continue;
                    }
                    None => return Ok(progress),
                }
            }
            tokio::time::sleep(backoff.after(&progress)).await;
        }
    }

    /// See [`BatchJob::cancel`].
    pub async fn cancel(&mut self) -> Result<()> {
        self.job.cancel().await
    }

    /// See [`BatchJob::results`]; a stream, read by a task on the current tokio runtime.
    pub fn results(&self) -> Result<AsyncBatchResults<O>> {
        let reading = self.job.results()?;
        let handle = tokio::runtime::Handle::try_current().map_err(|_| {
            Error::Configuration("AsyncBatchJob::results needs a tokio runtime".into())
        })?;
        let (tx, rx) = mpsc::channel(READ_AHEAD);
        handle.spawn(reading.run(tx));
        Ok(AsyncBatchResults {
            rx,
            usage: Usage::default(),
        })
    }
}

/// A settled job's results on the blocking client: an iterator of items.
pub struct BatchResults<O> {
    rx: mpsc::Receiver<Result<BatchItem<O>>>,
    usage: Usage,
    _rt: Arc<Rt>,
}

impl<O> BatchResults<O> {
    /// Tokens spent by the items read so far, summed (after the last item: the job's).
    pub fn usage(&self) -> Usage {
        self.usage
    }
}

impl<O> std::fmt::Debug for BatchResults<O> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("BatchResults")
            .field("usage", &self.usage)
            .finish_non_exhaustive()
    }
}

impl<O> Iterator for BatchResults<O> {
    type Item = Result<BatchItem<O>>;
    fn next(&mut self) -> Option<Self::Item> {
        // `futures`' executor only parks this thread; the reading task runs on the client's.
        let item = futures::executor::block_on(self.rx.recv())?;
        if let Ok(item) = &item {
            self.usage += item.usage;
        }
        Some(item)
    }
}

/// A settled job's results on the async client: a stream of items.
pub struct AsyncBatchResults<O> {
    rx: mpsc::Receiver<Result<BatchItem<O>>>,
    usage: Usage,
}

impl<O> AsyncBatchResults<O> {
    /// See [`BatchResults::usage`].
    pub fn usage(&self) -> Usage {
        self.usage
    }
}

impl<O> std::fmt::Debug for AsyncBatchResults<O> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AsyncBatchResults")
            .field("usage", &self.usage)
            .finish_non_exhaustive()
    }
}

impl<O> Stream for AsyncBatchResults<O> {
    type Item = Result<BatchItem<O>>;
    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let polled = self.rx.poll_recv(cx);
        if let Poll::Ready(Some(Ok(item))) = &polled {
            let usage = item.usage;
            self.usage += usage;
        }
        polled
    }
}
