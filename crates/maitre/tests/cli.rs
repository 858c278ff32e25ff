//! The binary as an operator uses it: admin commands, then `serve` as a real process answering over HTTP.
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use maitre_testkit::TestDb;

const BIN: &str = env!("CARGO_BIN_EXE_maitre");

struct Env {
    db: TestDb,
    dir: tempfile::TempDir,
}

impl Env {
    async fn new() -> Self {
        Env { db: TestDb::new().await, dir: tempfile::tempdir().unwrap() }
    }

    fn cmd(&self, args: &[&str]) -> Command {
        let mut c = Command::new(BIN);
        c.args(args)
            .current_dir(self.dir.path())
            .env_remove("DATABASE_URL")
            .env("MAITRE_DATABASE_URL", &self.db.url)
            .env("MAITRE_DATA_DIR", self.dir.path().join("data"))
            .env("MAITRE_LOG__LEVEL", "warn");
        c
    }

    fn run(&self, args: &[&str]) -> Output {
        let out = self.cmd(args).output().unwrap();
        if !out.status.success() {
            panic!("{args:?} failed: {}", String::from_utf8_lossy(&out.stderr));
        }
        out
    }
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).trim().to_owned()
}

#[test]
fn help_lists_every_command() {
    let out = Command::new(BIN).arg("--help").output().unwrap();
    let text = stdout(&out);
    for cmd in ["serve", "migrate", "admin"] {
        assert!(text.contains(cmd), "{text}");
    }
    let admin = stdout(&Command::new(BIN).args(["admin", "--help"]).output().unwrap());
    for cmd in ["create-account", "add-member", "create-token", "revoke-token", "reset-password"] {
        assert!(admin.contains(cmd), "{admin}");
    }
}

#[tokio::test]
async fn admin_commands_then_serve_answers_the_api_and_stops_gracefully() {
    let env = Env::new().await;
    let migrated = env.run(&["migrate"]);
    assert_eq!(stdout(&migrated), "migrations are current");
    let account = stdout(&env.run(&[
        "admin",
        "create-account",
        "--name",
        "Trattoria Roma",
        "--owner-email",
        "ada@example.com",
        "--owner-name",
        "Ada",
        "--password",
        "correct horse battery",
        "--locale",
        "de",
    ]));
    assert_eq!(account.len(), 36, "prints the account id: {account}");
    let member = env
        .cmd(&["admin", "add-member", "--account", &account, "--email", "bea@example.com", "--role", "agent"])
        .output()
        .unwrap();
    assert!(!member.status.success(), "an unknown user without a password is refused");
    assert!(String::from_utf8_lossy(&member.stderr).contains("need to sign up first"));
    env.run(&[
        "admin",
        "add-member",
        "--account",
        &account,
        "--email",
        "bea@example.com",
        "--role",
        "agent",
        "--name",
        "Bea",
        "--password",
        "another good password",
    ]);
    let token = stdout(&env.run(&["admin", "create-token", "--account", &account, "--name", "ci", "--role", "admin"]));
    assert!(token.starts_with("mt_"));

    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let started = Instant::now();
    let mut server = env
        .cmd(&["serve"])
        .env("MAITRE_LISTEN", format!("127.0.0.1:{port}"))
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let http = reqwest::Client::new();
    let base = format!("http://127.0.0.1:{port}");
    let mut ready = false;
    for _ in 0..200 {
        if http.get(format!("{base}/readyz")).send().await.is_ok_and(|r| r.status().is_success()) {
            ready = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    assert!(ready, "serve became ready");
    eprintln!("cold start to ready: {:?}", started.elapsed());

    let body: serde_json::Value =
        http.get(format!("{base}/api/v1/account")).bearer_auth(&token).send().await.unwrap().json().await.unwrap();
    assert_eq!((body["name"].as_str(), body["time_zone"].as_str()), (Some("Trattoria Roma"), Some("Europe/Berlin")));
    let members: serde_json::Value =
        http.get(format!("{base}/api/v1/members")).bearer_auth(&token).send().await.unwrap().json().await.unwrap();
    assert_eq!(members.as_array().unwrap().len(), 2);

    // Sign in as the new agent through the pages; then an operator resets the password: the session ends.
    let c = reqwest::Client::builder().cookie_store(true).redirect(reqwest::redirect::Policy::none()).build().unwrap();
    let page = c.get(format!("{base}/signin")).send().await.unwrap().text().await.unwrap();
    let csrf = page.split("name=\"_csrf\" value=\"").nth(1).unwrap().split('"').next().unwrap().to_owned();
    let res = c
        .post(format!("{base}/signin"))
        .form(&[("_csrf", csrf.as_str()), ("email", "bea@example.com"), ("password", "another good password")])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 303);
    assert_eq!(c.get(format!("{base}/me")).send().await.unwrap().status(), 200);
    env.run(&["admin", "reset-password", "--email", "bea@example.com", "--password", "reset by operator"]);
    assert_eq!(c.get(format!("{base}/me")).send().await.unwrap().status(), 303, "session ended");

    env.run(&["admin", "revoke-token", "--account", &account, "--token", &{
        let list: serde_json::Value =
            http.get(format!("{base}/api/v1/tokens")).bearer_auth(&token).send().await.unwrap().json().await.unwrap();
        list[0]["id"].as_str().unwrap().to_owned()
    }]);
    assert_eq!(http.get(format!("{base}/api/v1/account")).bearer_auth(&token).send().await.unwrap().status(), 401);

    // SIGTERM: the server finishes and exits cleanly.
    Command::new("kill").args(["-TERM", &server.id().to_string()]).status().unwrap();
    let deadline = Instant::now() + Duration::from_secs(10);
    let status = loop {
        if let Some(s) = server.try_wait().unwrap() {
            break s;
        }
        assert!(Instant::now() < deadline, "serve did not stop on SIGTERM");
        std::thread::sleep(Duration::from_millis(20));
    };
    assert!(status.success(), "{status:?}");
    let mut log = String::new();
    std::io::Read::read_to_string(server.stderr.as_mut().unwrap(), &mut log).unwrap();
    assert!(log.contains("maitre is running at"), "{log}");
    assert!(!log.contains("correct horse battery") && !log.contains(&token), "no secrets in logs");
}

#[tokio::test]
async fn first_start_generates_a_private_secret_key_and_says_so() {
    let dir = tempfile::tempdir().unwrap();
    let out = Command::new(BIN)
        .arg("migrate")
        .current_dir(dir.path())
        .env_remove("DATABASE_URL")
        .env_remove("MAITRE_DATABASE_URL")
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(dir.path().join("data/maitre.db").exists(), "SQLite in ./data by default");
    // The key is made by `serve`; start it briefly on a free port.
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let mut server = Command::new(BIN)
        .arg("serve")
        .current_dir(dir.path())
        .env_remove("DATABASE_URL")
        .env_remove("MAITRE_DATABASE_URL")
        .env("MAITRE_LISTEN", format!("127.0.0.1:{port}"))
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let key = dir.path().join("data/secret.key");
    for _ in 0..200 {
        if key.exists() && reqwest::get(format!("http://127.0.0.1:{port}/healthz")).await.is_ok() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    Command::new("kill").args(["-TERM", &server.id().to_string()]).status().unwrap();
    server.wait().unwrap();
    let mut log = String::new();
    std::io::Read::read_to_string(server.stderr.as_mut().unwrap(), &mut log).unwrap();
    assert!(log.contains("generated a new secret key"), "{log}");
    let hex = std::fs::read_to_string(&key).unwrap();
    assert_eq!(hex.trim().len(), 64);
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(std::fs::metadata(&key).unwrap().permissions().mode() & 0o777, 0o600);
    }
    assert!(!log.contains(hex.trim()), "the key itself is never logged");
}

#[test]
fn bad_configuration_is_refused_with_a_helpful_message() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("maitre.toml"), "lisen = \"0.0.0.0:1\"\n").unwrap();
    let out = Command::new(BIN).arg("migrate").current_dir(dir.path()).output().unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("lisen"));

    let out = Command::new(BIN)
        .arg("migrate")
        .env("MAITRE_DATABASE_URL", "mysql://root:hunter2@db/maitre")
        .env("MAITRE_DATA_DIR", dir.path().join("d"))
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success());
    assert!(err.contains("unsupported database URL") && err.contains("postgres://"), "{err}");
    assert!(!err.contains("hunter2"), "password redacted: {err}");
}
