//! Start-up: logging, secret key, database, mailer, server, and graceful shutdown.
use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::Context;
use maitre_config::{LogFormat, Settings};

use crate::jobs;
use maitre_app::App;
use maitre_notify::Mailer;
use maitre_store::{Clock, Store, redact_url};
use maitre_web::{AppState, SecretKey, Services};
use tracing_subscriber::EnvFilter;

pub fn init_logging(settings: &Settings) {
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new(&settings.log.level));
    let builder = tracing_subscriber::fmt().with_env_filter(filter).with_writer(std::io::stderr);
    match settings.log.format {
        LogFormat::Json => builder.json().flatten_event(true).init(),
        LogFormat::Text => builder.init(),
    }
}

/// Opens the database without migrating, creating the data directory for a SQLite file.
pub async fn connect(settings: &Settings) -> anyhow::Result<Store> {
    std::fs::create_dir_all(&settings.data_dir)
        .with_context(|| format!("creating the data directory {}", settings.data_dir.display()))?;
    let url = settings.database_url();
    Store::connect(&url, Clock::system()).await.with_context(|| format!("opening the database {}", redact_url(&url)))
}

/// The configured secret key, or the one saved in the data directory, generated on first start.
pub fn secret_key(settings: &Settings) -> anyhow::Result<Vec<u8>> {
    if let Some(key) = &settings.secret_key {
        anyhow::ensure!(key.expose().len() >= 32, "secret_key must be at least 32 characters");
        return Ok(key.expose().as_bytes().to_vec());
    }
    let path = settings.data_dir.join("secret.key");
    match std::fs::read_to_string(&path) {
        Ok(hex) => Ok(hex::decode(hex.trim()).with_context(|| format!("{} is not valid hex", path.display()))?),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            let key = generate_key_file(&path)?;
            tracing::warn!(path = %path.display(), "generated a new secret key; keep this file with your backups");
            Ok(key)
        }
        Err(e) => Err(e).with_context(|| format!("reading {}", path.display())),
    }
}

fn generate_key_file(path: &Path) -> anyhow::Result<Vec<u8>> {
    use rand::RngCore;
    use std::io::Write;
    let mut bytes = vec![0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let mut file = options.open(path).with_context(|| format!("creating {}", path.display()))?;
    writeln!(file, "{}", hex::encode(&bytes))?;
    Ok(bytes)
}

pub fn mailer(settings: &Settings) -> anyhow::Result<Mailer> {
    let smtp_url = settings.mail.smtp_url.as_ref().map(|s| s.expose());
    Mailer::new(smtp_url, settings.mail.allow_plaintext, &settings.mail.from, settings.outbox_dir())
        .context("configuring mail")
}

pub async fn serve(settings: Settings) -> anyhow::Result<()> {
    let started = Instant::now();
    let store = connect(&settings).await?;
    store.migrate().await.context("applying migrations")?;
    let secret = secret_key(&settings)?;
    let mailer = mailer(&settings)?;
    tracing::info!(backend = ?store.backend(), mail = %mailer.describe(), "storage and mail ready");
    let listener =
        tokio::net::TcpListener::bind(settings.listen).await.with_context(|| format!("binding {}", settings.listen))?;
    let metrics_listener = match settings.metrics.listen {
        Some(addr) => Some(tokio::net::TcpListener::bind(addr).await.with_context(|| format!("binding {addr}"))?),
        None => None,
    };
    let grace = Duration::from_secs(settings.http.shutdown_grace_secs);
    let url = settings.public_url();
    let app = App::new(&store, &settings, &secret).context("building the platform client")?;
    let app = Arc::new(app.with_mailer(mailer));
    let worker = jobs::worker(&store, &settings, &app);
    jobs::schedule_maintenance(&store).await?;
    maitre_app::upkeep::schedule_sweep(&store).await?;
    let state = AppState::new(Services { store: store.clone(), settings, secret: SecretKey::new(secret), app });
    tracing::info!(url = %url, startup_ms = started.elapsed().as_millis() as u64, "maitre is listening");
    eprintln!("maitre is running at {url}");
    // One signal, seen by the server, the worker and the grace timer.
    let (stop, stopping) = tokio::sync::watch::channel(false);
    tokio::spawn(async move {
        shutdown_signal().await;
        tracing::info!("shutdown signal received; finishing in-flight requests and jobs");
        let _ = stop.send(true);
    });
    let stopped = move || {
        let mut rx = stopping.clone();
        async move {
            let _ = rx.wait_for(|s| *s).await;
        }
    };
    let metrics = {
        let (state, stopped) = (state.clone(), stopped());
        async move {
            match metrics_listener {
                Some(listener) => maitre_web::serve_metrics(listener, state, stopped).await,
                None => Ok(()),
            }
        }
    };
    let server = maitre_web::serve(listener, state, stopped());
    let work = worker.run(stopped());
    // After the signal, in-flight requests and jobs get `grace` to finish before the process exits anyway.
    let result = tokio::select! {
        (served, metrics, ()) = async { tokio::join!(server, metrics, work) } => {
            served.and(metrics).context("serving HTTP")
        }
        _ = async { stopped().await; tokio::time::sleep(grace).await } => {
            tracing::warn!("in-flight requests or jobs did not finish within the grace period");
            Ok(())
        }
    };
    store.close().await;
    tracing::info!("stopped");
    result
}

/// Ctrl-C or SIGTERM.
pub async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! { _ = ctrl_c => {}, _ = term => {} }
}
