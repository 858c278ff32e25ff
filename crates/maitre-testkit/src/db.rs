use std::path::PathBuf;

/// `MAITRE_TEST_DATABASE_URL=postgres://user@host/any_db` runs the suite on PostgreSQL (each test gets a new
/// database created there and dropped after); unset, each test gets its own SQLite file.
const ENV: &str = "MAITRE_TEST_DATABASE_URL";

pub fn backend_name() -> &'static str {
    match std::env::var(ENV) {
        Ok(url) if url.starts_with("postgres") => "postgres",
        _ => "sqlite",
    }
}

/// A database for one test. Dropping it removes it.
pub struct TestDb {
    pub url: String,
    cleanup: Cleanup,
}

enum Cleanup {
    Sqlite(#[allow(dead_code)] tempfile::TempDir),
    Postgres { admin_url: String, name: String },
}

impl TestDb {
    pub async fn new() -> Self {
        Self::create(std::env::var(ENV).ok().as_deref()).await
    }

    /// A fresh database on the PostgreSQL server of `base` (any database URL there whose user may create
    /// databases), or a SQLite file in a temporary directory when `base` is not a PostgreSQL URL.
    pub async fn create(base: Option<&str>) -> Self {
        match base {
            Some(base) if base.starts_with("postgres") => Self::postgres(base.to_owned()).await,
            _ => Self::sqlite(),
        }
    }

    fn sqlite() -> Self {
        let dir = tempfile::tempdir().expect("temp dir");
        let path: PathBuf = dir.path().join("maitre.db");
        Self { url: format!("sqlite://{}?mode=rwc", path.display()), cleanup: Cleanup::Sqlite(dir) }
    }

    async fn postgres(admin_url: String) -> Self {
        use sqlx::Connection;
        let name = format!("maitre_test_{}", uuid::Uuid::new_v4().simple());
        let mut conn = sqlx::PgConnection::connect(&admin_url).await.expect("connect to MAITRE_TEST_DATABASE_URL");
        sqlx::Executor::execute(&mut conn, sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
            .await
            .expect("create db");
        let url = match admin_url.rfind('/') {
            Some(slash) if slash > "postgres://".len() => {
                let (base, rest) = admin_url.split_at(slash);
                let query = rest.find('?').map(|q| &rest[q..]).unwrap_or("");
                format!("{base}/{name}{query}")
            }
            _ => format!("{}/{name}", admin_url.trim_end_matches('/')),
        };
        Self { url, cleanup: Cleanup::Postgres { admin_url, name } }
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        if let Cleanup::Postgres { admin_url, name } = &self.cleanup {
            let (admin_url, name) = (admin_url.clone(), name.clone());
            // Drop runs inside a test's runtime, which cannot block on itself: use a thread with its own runtime.
            let _ = std::thread::spawn(move || {
                let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().ok()?;
                rt.block_on(async {
                    use sqlx::Connection;
                    let mut conn = sqlx::PgConnection::connect(&admin_url).await.ok()?;
                    let sql = format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)");
                    sqlx::Executor::execute(&mut conn, sqlx::AssertSqlSafe(sql)).await.ok()
                })
            })
            .join();
        }
    }
}
