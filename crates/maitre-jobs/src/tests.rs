use std::sync::atomic::{AtomicUsize, Ordering};

use chrono::{TimeZone, Utc};
use maitre_domain::jobs;
use maitre_store::{Clock, NewJob};
use maitre_testkit::TestDb;

use super::*;

async fn store() -> (Store, TestDb) {
    let db = TestDb::new().await;
    (Store::open(&db.url, Clock::system()).await.unwrap(), db)
}

/// A job of `kind` (the worker runs it whatever its payload says).
fn job(kind: JobKind, key: Option<&str>, max: i64) -> NewJob<'_> {
    let id = || "0193a0d0-0000-7000-8000-000000000001".to_owned();
    let job = match kind {
        JobKind::Maintenance => NewJob::new(None, &jobs::MaintenanceJob {}),
        JobKind::Send => NewJob::new(None, &jobs::SendJob { message: id().parse().unwrap() }),
        JobKind::ProcessInbound => NewJob::new(None, &jobs::ProcessInboundJob { event: id() }),
        JobKind::QueuedMail => NewJob::new(None, &jobs::QueuedMailJob { sealed: String::new() }),
        JobKind::FlowStep => NewJob::new(
            None,
            &jobs::FlowStepJob { event: id(), message: Some(id().parse().unwrap()), conversation: None },
        ),
        JobKind::FlowTimer => {
            NewJob::new(None, &jobs::FlowTimerJob { conversation: id().parse().unwrap(), token: id() })
        }
        other => unreachable!("no test queues {other}"),
    };
    let job = job.attempts(max);
    match key {
        Some(key) => job.dedupe(key),
        None => job,
    }
}

fn quick() -> WorkerConfig {
    WorkerConfig { base_backoff: Duration::ZERO, ..WorkerConfig::default() }
}

#[tokio::test]
async fn jobs_run_once_and_dedupe_keys_enqueue_once() {
    let (store, _db) = store().await;
    let runs = Arc::new(AtomicUsize::new(0));
    let counter = runs.clone();
    let registry = Registry::default().on(JobKind::Maintenance, move |_| {
        let c = counter.clone();
        async move {
            c.fetch_add(1, Ordering::SeqCst);
            Ok(())
        }
    });
    assert!(store.enqueue(job(JobKind::Maintenance, Some("k1"), 3)).await.unwrap());
    assert!(!store.enqueue(job(JobKind::Maintenance, Some("k1"), 3)).await.unwrap(), "same key: not added");
    store.enqueue(job(JobKind::Maintenance, None, 3)).await.unwrap();
    let worker = Worker::new(store.clone(), registry, quick());
    assert_eq!(worker.drain().await, 2);
    assert_eq!(runs.load(Ordering::SeqCst), 2);
    assert_eq!(store.job_queue_depth().await.unwrap(), 0);
    assert_eq!(worker.drain().await, 0, "done jobs do not run again");
}

#[tokio::test]
async fn retryable_failures_retry_then_die_with_the_last_reason() {
    let (store, _db) = store().await;
    let registry = Registry::default()
        .on(JobKind::Send, |_| async { Err(JobError::retry("platform answered 503")) })
        .on(JobKind::ProcessInbound, |_| async { Err(JobError::Permanent("invalid parameter".into())) });
    store.enqueue(job(JobKind::Send, None, 3)).await.unwrap();
    store.enqueue(job(JobKind::ProcessInbound, None, 3)).await.unwrap();
    // A kind this worker has no handler for (a job a newer node queued, say).
    store.enqueue(job(JobKind::QueuedMail, None, 3)).await.unwrap();
    let worker = Worker::new(store.clone(), registry, quick());
    assert_eq!(worker.drain().await, 5, "flaky runs 3 times, the others once");
    let dead = store.troubled_jobs(None, 10).await.unwrap();
    assert_eq!(dead.len(), 3);
    assert!(dead.iter().all(|j| j.status == "dead"));
    let flaky = dead.iter().find(|j| j.kind == JobKind::Send.as_str()).unwrap();
    assert_eq!((flaky.attempts, flaky.last_error.as_deref()), (3, Some("platform answered 503")));
    assert!(dead.iter().any(|j| { j.last_error.as_deref().is_some_and(|e| e.contains("no handler")) }));
}

#[tokio::test]
async fn an_expired_lease_is_taken_over_and_the_old_owner_cannot_complete() {
    let (store, _db) = store().await;
    store.enqueue(job(JobKind::Maintenance, None, 5)).await.unwrap();
    let past = Utc.with_ymd_and_hms(2020, 1, 1, 0, 0, 0).unwrap();
    let first = store.claim_jobs("dead-node", past, 10).await.unwrap();
    assert_eq!(first.len(), 1);
    assert!(store.claim_jobs("other", Utc::now(), 10).await.unwrap().is_empty(), "leased jobs are not claimable");
    assert_eq!(store.reap_expired_leases().await.unwrap(), 1);
    let again = store.claim_jobs("live-node", Utc::now() + TimeDelta::minutes(1), 10).await.unwrap();
    assert_eq!((again.len(), again[0].attempts), (1, 2));
    assert_eq!(store.complete_jobs(&[first[0].id], "dead-node").await.unwrap(), 0, "fenced by lease owner");
    assert_eq!(store.complete_jobs(&[again[0].id], "live-node").await.unwrap(), 1);
}

#[tokio::test]
async fn a_job_whose_worker_stopped_says_so_until_a_failure_is_recorded() {
    let (store, _db) = store().await;
    store.enqueue(job(JobKind::Send, None, 5)).await.unwrap();
    let later = Utc::now() + TimeDelta::minutes(1);
    let first = store.claim_jobs("node", later, 10).await.unwrap();
    assert_eq!(first[0].interrupted_at, None, "a first attempt follows nothing");
    let past = Utc.with_ymd_and_hms(2020, 1, 1, 0, 0, 0).unwrap();
    store.defer_job(first[0].id, "node", past).await.unwrap();
    let _ = store.claim_jobs("dead-node", past, 10).await.unwrap();
    let before = Utc::now();
    store.reap_expired_leases().await.unwrap();
    let again = store.claim_jobs("node", later, 10).await.unwrap();
    let at = again[0].interrupted_at.expect("the cut-off attempt is known");
    assert!(at >= before - TimeDelta::seconds(1) && at <= Utc::now(), "{at}");
    // Waiting (a deferral) keeps it: the cut-off attempt's outcome is still unknown.
    store.defer_job(again[0].id, "node", past).await.unwrap();
    let deferred = store.claim_jobs("node", later, 10).await.unwrap();
    assert_eq!(deferred[0].interrupted_at, Some(at));
    // A recorded failure ends an attempt whose outcome is known.
    store.fail_job(deferred[0].id, "node", "platform answered 503", Some(past)).await.unwrap();
    assert_eq!(store.claim_jobs("node", later, 10).await.unwrap()[0].interrupted_at, None);
}

#[tokio::test]
async fn concurrent_claimers_never_share_a_job() {
    let (store, _db) = store().await;
    for _ in 0..60 {
        store.enqueue(job(JobKind::Maintenance, None, 1)).await.unwrap();
    }
    let until = Utc::now() + TimeDelta::minutes(1);
    let claims: Vec<_> = (0..4)
        .map(|n| {
            let store = store.clone();
            tokio::spawn(async move {
                let mut mine = vec![];
                loop {
                    let got = store.claim_jobs(&format!("n{n}"), until, 5).await.unwrap();
                    if got.is_empty() {
                        return mine;
                    }
                    mine.extend(got.into_iter().map(|j| j.id));
                }
            })
        })
        .collect();
    let mut all = vec![];
    for c in claims {
        all.extend(c.await.unwrap());
    }
    let n = all.len();
    all.sort();
    all.dedup();
    assert_eq!((n, all.len()), (60, 60));
}

#[tokio::test]
async fn shutdown_waits_for_jobs_in_flight() {
    let (store, _db) = store().await;
    let finished = Arc::new(AtomicUsize::new(0));
    let f = finished.clone();
    let registry = Registry::default().on(JobKind::FlowStep, move |_| {
        let f = f.clone();
        async move {
            tokio::time::sleep(Duration::from_millis(300)).await;
            f.fetch_add(1, Ordering::SeqCst);
            Ok(())
        }
    });
    store.enqueue(job(JobKind::FlowStep, None, 1)).await.unwrap();
    let worker = Worker::new(store.clone(), registry, quick());
    let (tx, rx) = tokio::sync::oneshot::channel::<()>();
    let running = tokio::spawn(worker.run(async {
        let _ = rx.await;
    }));
    tokio::time::sleep(Duration::from_millis(100)).await;
    tx.send(()).unwrap();
    running.await.unwrap();
    assert_eq!(finished.load(Ordering::SeqCst), 1, "the job in flight finished before run() returned");
    assert_eq!(store.job_queue_depth().await.unwrap(), 0);
}

/// A worker with one slot runs a chain of jobs, each queueing the next, without waiting for its idle poll: the
/// loop is woken once the finished job's slot is free again.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_follow_up_job_runs_at_once_even_with_one_slot() {
    const LINKS: usize = 30;
    let (store, _db) = store().await;
    let runs = Arc::new(AtomicUsize::new(0));
    let (chain_store, counter) = (store.clone(), runs.clone());
    let registry = Registry::default().on(JobKind::FlowTimer, move |_| {
        let (store, counter) = (chain_store.clone(), counter.clone());
        async move {
            if counter.fetch_add(1, Ordering::SeqCst) + 1 < LINKS {
                store.enqueue(job(JobKind::FlowTimer, None, 1)).await.map_err(|e| JobError::retry(e.to_string()))?;
            }
            Ok(())
        }
    });
    store.enqueue(job(JobKind::FlowTimer, None, 1)).await.unwrap();
    let config = WorkerConfig { concurrency: 1, idle_poll: Duration::from_secs(3600), ..quick() };
    let (tx, rx) = tokio::sync::oneshot::channel::<()>();
    let running = tokio::spawn(Worker::new(store.clone(), registry, config).run(async {
        let _ = rx.await;
    }));
    let chain = async {
        while runs.load(Ordering::SeqCst) < LINKS {
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    };
    let finished = tokio::time::timeout(Duration::from_secs(60), chain).await;
    tx.send(()).unwrap();
    running.await.unwrap();
    assert!(finished.is_ok(), "the chain stalled after {} of {LINKS} jobs", runs.load(Ordering::SeqCst));
}

#[test]
fn backoff_grows_and_is_capped() {
    let c = WorkerConfig {
        base_backoff: Duration::from_secs(1),
        max_backoff: Duration::from_secs(10),
        ..Default::default()
    };
    for attempt in 1..40 {
        let cap = Duration::from_secs(1 << (attempt - 1).min(10)).min(Duration::from_secs(10));
        assert!(backoff(&c, attempt) <= cap, "attempt {attempt}");
    }
}

/// A job a request queues starts at once: committing it rings the store's signal, which the idle worker waits on,
/// so nobody has to wake the worker by hand and nothing waits for the (here one-minute) idle poll.
#[tokio::test]
async fn a_queued_job_wakes_the_idle_worker() {
    let (store, _db) = store().await;
    let (ran, mut heard) = tokio::sync::mpsc::unbounded_channel();
    let registry = Registry::default().on(JobKind::QueuedMail, move |_| {
        let ran = ran.clone();
        async move {
            let _ = ran.send(());
            Ok(())
        }
    });
    let config = WorkerConfig { idle_poll: Duration::from_secs(60), ..quick() };
    let worker = Worker::new(store.clone(), registry, config);
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let running = tokio::spawn(worker.run(async {
        let _ = stopped.await;
    }));
    // Let the worker find nothing and go to sleep first.
    tokio::time::sleep(Duration::from_millis(200)).await;
    store.enqueue(job(JobKind::QueuedMail, None, 1)).await.unwrap();
    let woke = tokio::time::timeout(Duration::from_secs(5), heard.recv()).await;
    assert!(woke.is_ok(), "the job ran long before the idle poll");
    stop.send(()).unwrap();
    running.await.unwrap();
}
