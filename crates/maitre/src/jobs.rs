//! The composition of background work: which job kinds exist and what runs them.
use chrono::{DurationRound, TimeDelta, Utc};
use std::sync::Arc;

use maitre_app::App;
use maitre_config::Settings;
use maitre_domain::jobs::MaintenanceJob;
use maitre_jobs::{JobError, Registry, Worker, WorkerConfig};
use maitre_store::{JobKind, NewJob, Store};

pub fn worker(store: &Store, settings: &Settings, app: &Arc<App>) -> Worker {
    let session_idle = TimeDelta::days(settings.auth.session_idle_days.into());
    let prune_store = store.clone();
    let registry = Registry::default().on(JobKind::Maintenance, move |_job| {
        let store = prune_store.clone();
        async move {
            let removed = store.prune(session_idle).await.map_err(|e| JobError::retry(e.to_string()))?;
            tracing::info!(removed, "maintenance pruned old rows");
            schedule_maintenance(&store).await.map_err(|e| JobError::retry(e.to_string()))
        }
    });
    let config = WorkerConfig { concurrency: settings.jobs.concurrency.max(1), ..WorkerConfig::default() };
    Worker::new(store.clone(), app.register(registry), config)
}

/// Enqueues the next hourly maintenance run. The dedupe key names the hour, so every node may call this and
/// exactly one job per hour exists.
pub async fn schedule_maintenance(store: &Store) -> anyhow::Result<()> {
    let next = Utc::now().duration_trunc(TimeDelta::hours(1))? + TimeDelta::hours(1);
    let key = format!("{}:{}", JobKind::Maintenance, next.format("%Y-%m-%dT%H"));
    store.enqueue(NewJob::new(None, &MaintenanceJob {}).dedupe(&key).at(next).attempts(3)).await?;
    Ok(())
}
