//! The worker runtime over the `jobs` table. Handlers are registered per job kind; a worker claims due jobs in
//! batches under a lease, runs them concurrently outside any transaction, and records the outcome fenced by its
//! lease. Failures back off exponentially with full jitter and end in `dead` after `max_attempts`. Successes are
//! recorded in batches: a crash before a batch is written only re-runs those jobs once their lease expires, which
//! every handler already tolerates (their effects are keyed), and it spares one write per job.
#![forbid(unsafe_code)]

use std::collections::HashMap;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;

use chrono::TimeDelta;
use maitre_domain::JobId;
use maitre_store::{Job, JobKind, Store};
use rand::Rng;
use tokio::sync::{Notify, Semaphore, mpsc};
use tokio::time::Instant;

/// Most completions written in one statement.
const COMPLETION_BATCH: usize = 256;

/// How a handler's failure should be treated.
#[derive(Debug, thiserror::Error)]
pub enum JobError {
    /// Worth another try (timeouts, 5xx, rate limits). `after` overrides the backoff when the platform said when.
    #[error("{reason}")]
    Retry { reason: String, after: Option<Duration> },
    /// Will never succeed; the job goes straight to `dead` with this reason.
    #[error("{0}")]
    Permanent(String),
    /// Not attempted (paced by a rate limit): run again after `after` without spending an attempt.
    #[error("deferred for {after:?}")]
    Defer { after: Duration },
}

impl JobError {
    pub fn retry(reason: impl Into<String>) -> Self {
        JobError::Retry { reason: reason.into(), after: None }
    }
}

type BoxFuture = Pin<Box<dyn Future<Output = Result<(), JobError>> + Send>>;
type Handler = Arc<dyn Fn(Job) -> BoxFuture + Send + Sync>;

/// Job kinds and their handlers.
#[derive(Clone, Default)]
pub struct Registry {
    handlers: HashMap<&'static str, Handler>,
}

impl Registry {
    pub fn on<F, Fut>(mut self, kind: JobKind, handler: F) -> Self
    where
        F: Fn(Job) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Result<(), JobError>> + Send + 'static,
    {
        self.handlers.insert(kind.as_str(), Arc::new(move |job| Box::pin(handler(job))));
        self
    }
}

#[derive(Clone, Debug)]
pub struct WorkerConfig {
    /// Jobs run at the same time by one worker.
    pub concurrency: usize,
    /// How long a claimed job is ours before another node may take it over.
    pub lease: Duration,
    /// Longest sleep when idle (a wake-up on enqueue usually comes sooner).
    pub idle_poll: Duration,
    /// First retry delay; doubles per attempt up to `max_backoff`.
    pub base_backoff: Duration,
    pub max_backoff: Duration,
}

impl Default for WorkerConfig {
    fn default() -> Self {
        Self {
            concurrency: 32,
            lease: Duration::from_secs(60),
            idle_poll: Duration::from_millis(500),
            base_backoff: Duration::from_secs(2),
            max_backoff: Duration::from_secs(3600),
        }
    }
}

/// One worker. Cheap to clone. It wakes when the store says a request queued jobs, after each job it ran, and at
/// its idle poll (jobs other nodes queued, timers coming due).
#[derive(Clone)]
pub struct Worker {
    store: Store,
    registry: Registry,
    config: WorkerConfig,
    owner: Arc<str>,
    wake: Arc<Notify>,
}

impl Worker {
    pub fn new(store: Store, registry: Registry, config: WorkerConfig) -> Self {
        let owner: Arc<str> = format!("worker-{}", uuid::Uuid::now_v7()).into();
        // The store rings this when a request queued jobs; the worker rings it itself when a job finished.
        let wake = store.job_signal();
        Self { store, registry, config, owner, wake }
    }

    fn wake(&self) {
        self.wake.notify_one();
    }

    /// Runs until `shutdown` resolves; then stops claiming and waits for the jobs in flight.
    pub async fn run(self, shutdown: impl Future<Output = ()>) {
        let slots = Arc::new(Semaphore::new(self.config.concurrency));
        let (done, finished) = mpsc::unbounded_channel();
        let completer = tokio::spawn(record_completions(self.store.clone(), self.owner.clone(), finished));
        // Expired leases are rare (a node died): look for them a few times per lease, not on every claim.
        let reap_every = self.config.lease / 4;
        let mut reaped_at: Option<Instant> = None;
        tokio::pin!(shutdown);
        loop {
            if reaped_at.is_none_or(|at| at.elapsed() >= reap_every) {
                reaped_at = Some(Instant::now());
                if let Err(e) = self.store.reap_expired_leases().await {
                    tracing::warn!(error = %e, "reaping expired leases failed");
                }
            }
            let free = slots.available_permits();
            let claimed = if free == 0 { Ok(vec![]) } else { self.claim(free).await };
            let got = match claimed {
                Ok(jobs) => {
                    let n = jobs.len();
                    for job in jobs {
                        let permit = slots.clone().acquire_owned().await.expect("semaphore is never closed");
                        let (me, done) = (self.clone(), done.clone());
                        tokio::spawn(async move {
                            let succeeded = me.execute(job).await;
                            // The slot is free before the loop is told: woken with every slot still taken, it
                            // would sleep until its idle poll (the next step of a reply waiting for it).
                            drop(permit);
                            if let Some(id) = succeeded {
                                let _ = done.send(id);
                            }
                            me.wake();
                        });
                    }
                    n
                }
                Err(e) => {
                    tracing::warn!(error = %e, "claiming jobs failed; retrying");
                    0
                }
            };
            if got > 0 && got == free {
                continue; // More may be waiting.
            }
            tokio::select! {
                _ = &mut shutdown => break,
                _ = self.wake.notified() => {}
                _ = tokio::time::sleep(self.config.idle_poll) => {}
            }
        }
        // Wait for in-flight jobs: all permits back means every spawned job finished.
        let _ = slots.acquire_many(self.config.concurrency as u32).await;
        drop(done);
        let _ = completer.await;
        tracing::info!("worker stopped");
    }

    /// Runs every due job to completion, including jobs those jobs enqueue, then returns. For tests and CLIs.
    pub async fn drain(&self) -> usize {
        let mut total = 0;
        loop {
            let jobs = self.claim(self.config.concurrency).await.unwrap_or_default();
            if jobs.is_empty() {
                return total;
            }
            total += jobs.len();
            let runs: Vec<_> = jobs
                .into_iter()
                .map(|j| {
                    tokio::spawn({
                        let me = self.clone();
                        async move { me.execute(j).await }
                    })
                })
                .collect();
            let mut succeeded = Vec::new();
            for r in runs {
                succeeded.extend(r.await.ok().flatten());
            }
            complete(&self.store, &self.owner, &succeeded).await;
        }
    }

    async fn claim(&self, limit: usize) -> Result<Vec<Job>, maitre_store::StoreError> {
        let lease_until =
            self.store.clock().now() + TimeDelta::from_std(self.config.lease).unwrap_or(TimeDelta::minutes(1));
        self.store.claim_jobs(&self.owner, lease_until, limit as i64).await
    }

    /// Runs one job and records a failure or deferral; returns the job's id when it succeeded, for the caller to
    /// record with others.
    async fn execute(&self, job: Job) -> Option<JobId> {
        let Some(handler) = self.registry.handlers.get(job.kind.as_str()).cloned() else {
            let reason = format!("no handler for job kind {:?}", job.kind);
            let _ = self.store.fail_job(job.id, &self.owner, &reason, None).await;
            return None;
        };
        let (id, kind, attempts, max) = (job.id, job.kind.clone(), job.attempts, job.max_attempts);
        let outcome = handler(job).await;
        let recorded = match outcome {
            // Handlers usually queue the next step (a reply's send, a flow step): the caller wakes the loop to
            // look for it now rather than at the next webhook or idle poll.
            Ok(()) => return Some(id),
            Err(JobError::Defer { after }) => {
                let at = self.store.clock().now() + TimeDelta::from_std(after).unwrap_or(TimeDelta::seconds(1));
                self.store.defer_job(id, &self.owner, at).await
            }
            Err(JobError::Retry { reason, after }) if attempts < max => {
                let delay = after.unwrap_or_else(|| backoff(&self.config, attempts));
                tracing::info!(job = %id, %kind, attempts, error = %reason, ?delay, "job will be retried");
                let at = self.store.clock().now() + TimeDelta::from_std(delay).unwrap_or(TimeDelta::hours(1));
                self.store.fail_job(id, &self.owner, &reason, Some(at)).await
            }
            Err(e) => {
                tracing::warn!(job = %id, %kind, attempts, error = %e, "job is dead");
                self.store.fail_job(id, &self.owner, &e.to_string(), None).await
            }
        };
        match recorded {
            Ok(true) => {}
            Ok(false) => tracing::warn!(job = %id, "lease lost before the outcome was recorded"),
            Err(e) => {
                tracing::error!(job = %id, error = %e, "could not record the job outcome; its lease will expire")
            }
        }
        None
    }
}

/// Writes the successes of a running worker as they come in, all that are waiting in one statement.
async fn record_completions(store: Store, owner: Arc<str>, mut finished: mpsc::UnboundedReceiver<JobId>) {
    let mut batch = Vec::with_capacity(COMPLETION_BATCH);
    while finished.recv_many(&mut batch, COMPLETION_BATCH).await > 0 {
        complete(&store, &owner, &batch).await;
        batch.clear();
    }
}

async fn complete(store: &Store, owner: &str, ids: &[JobId]) {
    match store.complete_jobs(ids, owner).await {
        Ok(n) if n < ids.len() as u64 => {
            tracing::warn!(lost = ids.len() as u64 - n, "leases lost before the outcome was recorded")
        }
        Ok(_) => {}
        Err(e) => tracing::error!(error = %e, "could not record finished jobs; their leases will expire"),
    }
}

/// Exponential backoff with full jitter: a random delay in [0, min(max, base·2^(attempt-1))].
pub fn backoff(config: &WorkerConfig, attempt: i64) -> Duration {
    let exp = u32::try_from(attempt.saturating_sub(1).clamp(0, 30)).unwrap_or(30);
    let cap = config.base_backoff.saturating_mul(2u32.saturating_pow(exp)).min(config.max_backoff);
    let millis = u64::try_from(cap.as_millis()).unwrap_or(u64::MAX);
    Duration::from_millis(rand::rng().random_range(0..=millis))
}

#[cfg(test)]
mod tests;
