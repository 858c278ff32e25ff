//! PostgreSQL over TLS: the pool and the `LISTEN` connection both honour `sslmode=verify-full`. The test makes its
//! own certificate authority, points the local server at a certificate it signed (`ALTER SYSTEM`, reloaded, and
//! put back afterwards), and needs to hand the key to the server's user, so it runs as root on PostgreSQL only.
use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::time::Duration;

use chrono::Utc;
use maitre_domain::AccountId;
use maitre_store::{Clock, LiveEvent, Store};
use maitre_testkit::TestDb;
use rcgen::{BasicConstraints, CertificateParams, DnType, IsCa, KeyPair};
use sqlx::{Connection, PgConnection};

const ENV: &str = "MAITRE_TEST_DATABASE_URL";

/// PEM texts of a certificate authority and of a server certificate it signed for `localhost` and 127.0.0.1.
struct Pki {
    ca: String,
    cert: String,
    key: String,
}

fn pki(name: &str) -> Pki {
    let ca_key = KeyPair::generate().unwrap();
    let mut ca_params = CertificateParams::new(Vec::<String>::new()).unwrap();
    ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    ca_params.distinguished_name.push(DnType::CommonName, name);
    let ca = ca_params.self_signed(&ca_key).unwrap();
    let key = KeyPair::generate().unwrap();
    let sans = vec!["localhost".to_owned(), "127.0.0.1".to_owned(), "::1".to_owned()];
    let cert = CertificateParams::new(sans).unwrap().signed_by(&key, &ca, &ca_key).unwrap();
    Pki { ca: ca.pem(), cert: cert.pem(), key: key.serialize_pem() }
}

/// The server's certificate settings while the test runs; dropping it puts the server's own back, even after a
/// failed assertion (a server left pointing at deleted files would not start again).
struct ServerTls {
    admin_url: String,
    _dir: tempfile::TempDir,
}

impl ServerTls {
    /// Writes `pki`'s certificate and key where the server's user can read them and reloads the server with them.
    /// `None` when this process may not give the key to that user (not root) or the server is on another machine.
    async fn install(admin_url: &str, pki: &Pki) -> Option<Self> {
        let mut admin = PgConnection::connect(admin_url).await.unwrap();
        let data_dir: String = sqlx::query_scalar("SHOW data_directory").fetch_one(&mut admin).await.unwrap();
        let owner = std::fs::metadata(&data_dir).ok()?;
        let dir = tempfile::tempdir().unwrap();
        std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o755)).unwrap();
        let cert = write_for(dir.path(), "server.crt", &pki.cert, &owner)?;
        let key = write_for(dir.path(), "server.key", &pki.key, &owner)?;
        let guard = Self { admin_url: admin_url.to_owned(), _dir: dir };
        // One statement at a time: ALTER SYSTEM refuses to run in the implicit transaction of a multi-statement query.
        let settings = [format!("ssl_cert_file = '{}'", cert.display()), format!("ssl_key_file = '{}'", key.display())];
        for setting in settings.iter().map(String::as_str).chain(["ssl = on"]) {
            let sql = format!("ALTER SYSTEM SET {setting}");
            sqlx::raw_sql(sqlx::AssertSqlSafe(sql)).execute(&mut admin).await.unwrap();
        }
        sqlx::raw_sql("SELECT pg_reload_conf()").execute(&mut admin).await.unwrap();
        Some(guard)
    }
}

/// Writes `text` to `dir/name`, owned by `owner`'s user and readable by it alone (the server refuses a key that
/// others may read). `None` when the file cannot be given to that user.
fn write_for(dir: &Path, name: &str, text: &str, owner: &std::fs::Metadata) -> Option<PathBuf> {
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap();
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600)).unwrap();
    std::os::unix::fs::chown(&path, Some(owner.uid()), Some(owner.gid())).ok()?;
    Some(path)
}

impl Drop for ServerTls {
    fn drop(&mut self) {
        let admin_url = self.admin_url.clone();
        // Drop runs inside the test's runtime, which cannot block on itself: use a thread with its own runtime.
        let _ = std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
            rt.block_on(async {
                let mut admin = PgConnection::connect(&admin_url).await.unwrap();
                for sql in ["ssl_cert_file", "ssl_key_file", "ssl"].map(|s| format!("ALTER SYSTEM RESET {s}")) {
                    sqlx::raw_sql(sqlx::AssertSqlSafe(sql)).execute(&mut admin).await.unwrap();
                }
                sqlx::raw_sql("SELECT pg_reload_conf()").execute(&mut admin).await.unwrap();
            })
        })
        .join();
    }
}

/// `url` with `params` added to its query string.
fn with_params(url: &str, params: &str) -> String {
    let joiner = if url.contains('?') { '&' } else { '?' };
    format!("{url}{joiner}{params}")
}

fn clock() -> Clock {
    Clock::manual(Utc::now())
}

/// Opens a store on `url`, retrying while the server reloads its configuration (a reload is asynchronous).
async fn open_when_reloaded(url: &str) -> Store {
    let mut last = None;
    for _ in 0..50 {
        match Store::open(url, clock()).await {
            Ok(store) => return store,
            Err(e) => last = Some(e),
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("no verified TLS connection after the reload: {}", last.unwrap());
}

#[tokio::test]
async fn postgres_over_verified_tls() {
    let Some(admin_url) = std::env::var(ENV).ok().filter(|u| u.starts_with("postgres")) else {
        eprintln!("skipping: TLS to PostgreSQL needs MAITRE_TEST_DATABASE_URL");
        return;
    };
    let trusted = pki("maitre test CA");
    let Some(_server) = ServerTls::install(&admin_url, &trusted).await else {
        eprintln!("skipping: cannot hand a key to the PostgreSQL server's user (run as root beside the server)");
        return;
    };
    let roots = tempfile::tempdir().unwrap();
    let ca_file = roots.path().join("ca.pem");
    std::fs::write(&ca_file, &trusted.ca).unwrap();
    let stranger_file = roots.path().join("stranger.pem");
    std::fs::write(&stranger_file, pki("someone else's CA").ca).unwrap();

    let db = TestDb::new().await;
    let verified = with_params(&db.url, &format!("sslmode=verify-full&sslrootcert={}", ca_file.display()));
    let node1 = open_when_reloaded(&verified).await;
    let node2 = Store::open(&verified, clock()).await.unwrap();

    // Live events cross nodes through each node's LISTEN connection, itself on TLS.
    let mut on_node2 = node2.subscribe().await.unwrap();
    let account = AccountId::new();
    node1.publish(account, LiveEvent::Resync).await;
    let got = tokio::time::timeout(Duration::from_secs(5), on_node2.recv()).await.expect("event over TLS").unwrap();
    assert_eq!((got.account, got.event), (Some(account), LiveEvent::Resync));

    // Every connection the two nodes hold to the test database is encrypted, the LISTEN ones included.
    let mut admin = PgConnection::connect(&admin_url).await.unwrap();
    let name = db.url.rsplit('/').next().unwrap().split('?').next().unwrap().to_owned();
    let t = tally(&mut admin, &name).await;
    assert!(t.pools.0 + t.listeners.0 >= 3, "pools and listeners connected: {t:?}");
    assert_eq!(t.pools.1, t.pools.0, "every pool connection on TLS");
    assert!(t.listeners.0 >= 1 && t.listeners.1 == t.listeners.0, "the LISTEN connections on TLS: {t:?}");

    // A certificate the configured authority did not sign is refused, with the reason and without the password.
    let wrong = with_params(&db.url, &format!("sslmode=verify-full&sslrootcert={}", stranger_file.display()));
    let refused = Store::open(&wrong, clock()).await.err().expect("unknown authority refused");
    assert!(refused.to_string().to_lowercase().contains("certificate"), "{refused}");
    // `require` encrypts without checking the certificate (what a provider without a published CA allows).
    let required = Store::open(&with_params(&db.url, "sslmode=require"), clock()).await.unwrap();
    required.close().await;
    node1.close().await;
    node2.close().await;

    // Without `sslmode`, a server on this machine is reached without TLS although it offers it (see Store::connect).
    // (The closed nodes' LISTEN connections live on with their relay tasks: only pools count here.)
    let local = Store::open(&db.url, clock()).await.unwrap();
    let (total, encrypted) = tally(&mut admin, &name).await.pools;
    assert!(total >= 1 && encrypted == 0, "{encrypted} of {total} connections on TLS over loopback");
    local.close().await;
}

/// The test database's connections as (all, on TLS): the pools', and the LISTEN ones of live-event relays.
#[derive(Debug)]
struct Tally {
    pools: (i64, i64),
    listeners: (i64, i64),
}

async fn tally(admin: &mut PgConnection, database: &str) -> Tally {
    let (pools, pools_tls, listeners, listeners_tls): (i64, i64, i64, i64) = sqlx::query_as(
        "SELECT COUNT(*) FILTER (WHERE NOT l), COUNT(*) FILTER (WHERE NOT l AND ssl), COUNT(*) FILTER (WHERE l), \
         COUNT(*) FILTER (WHERE l AND ssl) FROM (SELECT s.ssl, a.query LIKE 'LISTEN%' AS l \
         FROM pg_stat_activity a JOIN pg_stat_ssl s USING (pid) WHERE a.datname = $1) c",
    )
    .bind(database)
    .fetch_one(admin)
    .await
    .unwrap();
    Tally { pools: (pools, pools_tls), listeners: (listeners, listeners_tls) }
}
