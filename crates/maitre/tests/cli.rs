//! The binary as an operator uses it: admin commands, then `serve` as a real process answering over HTTP.
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use maitre_store::{Clock, Store};
use maitre_testkit::{FakePlatforms, TestDb};

const BIN: &str = env!("CARGO_BIN_EXE_maitre");

struct Env {
    db: TestDb,
    dir: tempfile::TempDir,
    /// The platforms `connect-channel` checks tokens with.
    fakes: FakePlatforms,
}

impl Env {
    async fn new() -> Self {
        Env { db: TestDb::new().await, dir: tempfile::tempdir().unwrap(), fakes: FakePlatforms::start().await }
    }

    fn cmd(&self, args: &[&str]) -> Command {
        let mut c = Command::new(BIN);
        c.args(args)
            .current_dir(self.dir.path())
            .env_remove("DATABASE_URL")
            .env_remove("MAITRE_ADMIN_PASSWORD")
            .env("MAITRE_DATABASE_URL", &self.db.url)
            .env("MAITRE_DATA_DIR", self.dir.path().join("data"))
            .env("MAITRE_PLATFORMS__GRAPH_URL", self.fakes.graph_url())
            .env("MAITRE_PLATFORMS__INSTAGRAM_GRAPH_URL", self.fakes.instagram_graph_url())
            .env("MAITRE_PLATFORMS__TELEGRAM_URL", self.fakes.telegram_url())
            .env("MAITRE_LOG__LEVEL", "warn");
        c
    }

    /// Creates "Trattoria Roma" owned by ada@example.com; `extra` adds flags such as `--locale de`.
    fn create_account(&self, extra: &[&str]) -> String {
        let mut args = vec![
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
        ];
        args.extend_from_slice(extra);
        stdout(&self.run(&args))
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
    for cmd in ["serve", "migrate", "admin", "dev", "simulate", "flows", "contacts"] {
        assert!(text.contains(cmd), "{text}");
    }
    let admin = stdout(&Command::new(BIN).args(["admin", "--help"]).output().unwrap());
    for cmd in [
        "create-account",
        "add-member",
        "create-token",
        "revoke-token",
        "reset-password",
        "connect-channel",
        "install-template",
    ] {
        assert!(admin.contains(cmd), "{admin}");
    }
    let dev = stdout(&Command::new(BIN).args(["dev", "--help"]).output().unwrap());
    for cmd in ["fake-platforms", "send-webhook"] {
        assert!(dev.contains(cmd), "{dev}");
    }
}

#[tokio::test]
async fn admin_commands_then_serve_answers_the_api_and_stops_gracefully() {
    let env = Env::new().await;
    let migrated = env.run(&["migrate"]);
    assert_eq!(stdout(&migrated), "migrations are current");
    let account = env.create_account(&["--locale", "de"]);
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

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

async fn wait_until_ok(url: &str) {
    for _ in 0..400 {
        if reqwest::get(url).await.is_ok_and(|r| r.status().is_success()) {
            return;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    panic!("{url} did not answer");
}

fn terminate(mut child: std::process::Child) {
    Command::new("kill").args(["-TERM", &child.id().to_string()]).status().unwrap();
    let status = child.wait().unwrap();
    assert!(status.success(), "{status:?}");
}

/// README's `create-account` example, run exactly as README writes it: with no password given, it prints one,
/// and the owner signs in with it.
#[tokio::test]
async fn readme_create_account_example_runs_as_written_and_its_password_signs_in() {
    let readme = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../../README.md")).unwrap();
    let commands = readme.split("\n## Commands").nth(1).expect("README has a Commands section");
    let line = commands.lines().find(|l| l.starts_with("maitre admin create-account ")).expect("the example");
    let words = shell_words(line);
    let env = Env::new().await;
    let out = env.run(&words.iter().skip(1).map(String::as_str).collect::<Vec<_>>());
    let account = stdout(&out);
    assert_eq!(account.len(), 36, "stdout is the account id alone: {account}");
    let told = String::from_utf8_lossy(&out.stderr);
    let password = told
        .lines()
        .find_map(|l| l.strip_prefix("password for ada@example.com (shown only now): "))
        .unwrap_or_else(|| panic!("no password printed: {told}"));
    assert!(password.len() >= 20 && told.contains("/signin") && told.contains("Profile"), "{told}");

    let port = free_port();
    let base = format!("http://127.0.0.1:{port}");
    let mut serve = env.cmd(&["serve"]);
    serve.env("MAITRE_LISTEN", format!("127.0.0.1:{port}")).stdout(Stdio::null()).stderr(Stdio::null());
    let server = serve.spawn().unwrap();
    wait_until_ok(&format!("{base}/readyz")).await;
    let c = reqwest::Client::builder().cookie_store(true).redirect(reqwest::redirect::Policy::none()).build().unwrap();
    let page = c.get(format!("{base}/signin")).send().await.unwrap().text().await.unwrap();
    let csrf = page.split("name=\"_csrf\" value=\"").nth(1).unwrap().split('"').next().unwrap().to_owned();
    let form = [("_csrf", csrf.as_str()), ("email", "ada@example.com"), ("password", password)];
    let res = c.post(format!("{base}/signin")).form(&form).send().await.unwrap();
    assert_eq!(res.status(), 303, "signed in with the printed password");
    let home = c.get(format!("{base}/")).send().await.unwrap();
    assert_eq!(home.headers()["location"], format!("/a/{account}").as_str(), "Ada lands on her business");
    let dashboard = c.get(format!("{base}/a/{account}")).send().await.unwrap();
    assert_eq!(dashboard.status(), 200);
    assert!(dashboard.text().await.unwrap().contains("Trattoria Roma"));
    terminate(server);
}

/// Splits a command line the way a shell does for README's examples: on spaces, with double quotes grouping.
fn shell_words(line: &str) -> Vec<String> {
    let (mut words, mut word, mut quoted) = (Vec::new(), None::<String>, false);
    for c in line.chars() {
        match c {
            '"' => {
                quoted = !quoted;
                word.get_or_insert_default();
            }
            c if c.is_whitespace() && !quoted => words.extend(word.take()),
            c => word.get_or_insert_default().push(c),
        }
    }
    words.extend(word);
    words
}

// The fake platforms answer the child process while this thread waits for it.
#[tokio::test(flavor = "multi_thread")]
async fn connect_channel_seals_the_token_and_refuses_a_second_connection() {
    let env = Env::new().await;
    let account = env.create_account(&[]);
    let wa = ["admin", "connect-channel", "--account", &account, "--platform", "whatsapp"];
    // A token that cannot read the number is refused before anything is stored.
    let foreign = env
        .cmd(&[&wa[..], &["--external-id", "200000000000002", "--token", "EAAG-secret-token"]].concat())
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&foreign.stderr);
    assert!(!foreign.status.success());
    assert!(err.contains("did not let this token read the phone number 200000000000002"), "{err}");
    env.fakes.own_phone_number("200000000000002", "EAAG-secret-token");
    let out = env.run(
        &[&wa[..], &["--external-id", "200000000000002", "--token", "EAAG-secret-token", "--auto-reply", "Hello!"]]
            .concat(),
    );
    let channel = stdout(&out);
    assert_eq!(channel.len(), 36, "prints the channel id: {channel}");

    let store = Store::open(&env.db.url, Clock::system()).await.unwrap();
    let tenant = store.tenant_for_operator(account.parse().unwrap()).await.unwrap();
    let ch = tenant.channels().channel(channel.parse().unwrap()).await.unwrap();
    assert_eq!((ch.platform.as_str(), ch.external_id.as_str()), ("whatsapp", "200000000000002"));
    assert_eq!((ch.auto_reply.as_str(), ch.status.as_str()), ("Hello!", "connected"));
    assert!(!ch.credentials.contains("EAAG"), "stored encrypted");
    // The gateway opens it with the secret key of the data directory, bound to the account.
    let key = std::fs::read_to_string(env.dir.path().join("data/secret.key")).unwrap();
    let vault = maitre_app::Vault::new(&hex::decode(key.trim()).unwrap(), &[]);
    assert_eq!(vault.open(tenant.account_id(), &ch.credentials).unwrap().access_token, "EAAG-secret-token");

    assert!(ch.verified, "WhatsApp let the token read the number");
    let again = env
        .cmd(&[&wa[..], &["--external-id", "200000000000002", "--token", "EAAG-secret-token"]].concat())
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&again.stderr);
    assert!(!again.status.success());
    assert!(err.contains("already connected") && err.contains(&channel), "{err}");

    let tg = ["admin", "connect-channel", "--account", &account, "--platform", "telegram", "--external-id", "123456"];
    let refused = env.cmd(&[&tg[..], &["--token", "123456:AAH-bot-token"]].concat()).output().unwrap();
    assert!(!refused.status.success(), "telegram needs its webhook secret");
    assert!(String::from_utf8_lossy(&refused.stderr).contains("--webhook-secret"));
    let bot = env.run(&[&tg[..], &["--token", "123456:AAH-bot-token", "--webhook-secret", "s3cret-token"]].concat());
    let ch = tenant.channels().channel(stdout(&bot).parse().unwrap()).await.unwrap();
    assert_eq!(ch.webhook_secret_hash, maitre_store::hash_token("s3cret-token"));
    let log = String::from_utf8_lossy(&bot.stderr);
    assert!(log.contains(&format!("/webhooks/telegram/{}", ch.id)), "{log}");
    assert!(!log.contains("AAH-bot-token") && !log.contains("s3cret"), "no secrets printed: {log}");
}

/// Secrets for admin commands can stay out of shell history; they are arguments, not settings.
// The fake platforms answer the child process while this thread waits for it.
#[tokio::test(flavor = "multi_thread")]
async fn admin_secrets_can_come_from_the_environment() {
    let env = Env::new().await;
    let created = env
        .cmd(&["admin", "create-account", "--name", "Roma", "--owner-email", "ada@example.com", "--owner-name", "Ada"])
        .env("MAITRE_ADMIN_PASSWORD", "correct horse battery")
        .output()
        .unwrap();
    assert!(created.status.success(), "{}", String::from_utf8_lossy(&created.stderr));
    let connect = ["connect-channel", "--platform", "messenger", "--external-id", "110000000000001"];
    let out = env
        .cmd(&[&["admin"], &connect[..], &["--account", &stdout(&created)]].concat())
        .env("MAITRE_ADMIN_TOKEN", "PAGE-secret-token")
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let help = stdout(
        &env.cmd(&["admin", "connect-channel", "--help"])
            .env("MAITRE_ADMIN_TOKEN", "PAGE-secret-token")
            .output()
            .unwrap(),
    );
    assert!(help.contains("MAITRE_ADMIN_TOKEN") && !help.contains("PAGE-secret-token"), "{help}");
}

/// A newcomer's loop without a Meta app: fake platforms, maitre pointed at them with the printed settings, a
/// fixture posted with `dev send-webhook`, and the automatic reply arriving at the fake.
#[tokio::test]
async fn dev_fake_platforms_and_send_webhook_close_the_loop() {
    use std::io::BufRead;
    let env = Env::new().await;
    let account = env.create_account(&[]);
    let fake = format!("127.0.0.1:{}", free_port());
    let mut fakes = env.cmd(&["dev", "fake-platforms", "--listen", &fake]).stdout(Stdio::piped()).spawn().unwrap();
    let mut lines = std::io::BufReader::new(fakes.stdout.take().unwrap()).lines();
    let settings: Vec<(String, String)> = loop {
        let line = lines.next().expect("fake-platforms printed its settings").unwrap();
        if line.contains("MAITRE_PLATFORMS__GRAPH_URL=") {
            break line
                .split_whitespace()
                .filter_map(|w| w.split_once('='))
                .filter(|(k, _)| k.starts_with("MAITRE_"))
                .map(|(k, v)| (k.to_owned(), v.to_owned()))
                .collect();
        }
    };
    assert_eq!(settings.len(), 4, "{settings:?}");
    let connected = env
        .cmd(&[
            "admin",
            "connect-channel",
            "--account",
            &account,
            "--platform",
            "whatsapp",
            "--external-id",
            "200000000000002",
            "--token",
            "fake-token",
            "--auto-reply",
            "Thanks, we will answer soon!",
        ])
        .envs(settings.clone())
        .output()
        .unwrap();
    assert!(connected.status.success(), "{}", String::from_utf8_lossy(&connected.stderr));
    let listen = format!("127.0.0.1:{}", free_port());
    let server = env
        .cmd(&["serve"])
        .envs(settings.clone())
        .env("MAITRE_LISTEN", &listen)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    wait_until_ok(&format!("http://{listen}/readyz")).await;

    let fixture = concat!(env!("CARGO_MANIFEST_DIR"), "/../maitre-channels/tests/fixtures/whatsapp/text_message.json");
    let sent = env
        .cmd(&["dev", "send-webhook", "--now", fixture])
        .envs(settings)
        .env("MAITRE_LISTEN", &listen)
        .output()
        .unwrap();
    assert!(sent.status.success(), "{}", String::from_utf8_lossy(&sent.stderr));
    assert!(stdout(&sent).starts_with("200"), "{}", stdout(&sent));

    let mut replies = serde_json::Value::Null;
    for _ in 0..400 {
        replies = reqwest::get(format!("http://{fake}/_fake/sent")).await.unwrap().json().await.unwrap();
        if replies.as_array().is_some_and(|a| !a.is_empty()) {
            break;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    assert_eq!(replies[0]["text"], "Thanks, we will answer soon!", "{replies}");
    assert_eq!(replies[0]["recipient"].as_str().map(|r| r.trim_start_matches('+')), Some("15550002222"));
    terminate(server);
    terminate(fakes);
}

/// `/metrics` closed as the README says: on its own address, behind a token; the main listener no longer has it.
#[tokio::test]
async fn metrics_on_their_own_listener_behind_a_token() {
    let env = Env::new().await;
    let (listen, metrics) = (format!("127.0.0.1:{}", free_port()), format!("127.0.0.1:{}", free_port()));
    let server = env
        .cmd(&["serve"])
        .env("MAITRE_LISTEN", &listen)
        .env("MAITRE_METRICS__LISTEN", &metrics)
        .env("MAITRE_METRICS__TOKEN", "scrape-token-0123")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    wait_until_ok(&format!("http://{listen}/readyz")).await;
    let http = reqwest::Client::new();
    let status = |url: String, token: Option<&'static str>| {
        let req = http.get(url);
        let req = match token {
            Some(t) => req.bearer_auth(t),
            None => req,
        };
        async move { req.send().await.unwrap().status().as_u16() }
    };
    assert_eq!(status(format!("http://{listen}/metrics"), Some("scrape-token-0123")).await, 404);
    assert_eq!(status(format!("http://{metrics}/metrics"), None).await, 401);
    assert_eq!(status(format!("http://{metrics}/metrics"), Some("scrape-token-0124")).await, 401);
    let scraped = http.get(format!("http://{metrics}/metrics")).bearer_auth("scrape-token-0123").send().await.unwrap();
    assert_eq!(scraped.status(), 200);
    assert!(scraped.text().await.unwrap().contains("maitre_job_queue_depth"));
    assert_eq!(status(format!("http://{metrics}/readyz"), None).await, 404, "only /metrics there");
    terminate(server);
}

#[test]
fn extract_reads_date_time_and_party_size_from_a_message() {
    let out = Command::new(BIN)
        .args(["extract", "--locale", "de", "--tz", "Europe/Berlin", "--now", "2026-03-10T12:00", "morgen um 8 für 4"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!((json["date"].as_str(), json["time"].as_str()), (Some("2026-03-11"), Some("20:00")));
    assert_eq!(json["party_size"], 4);
    let bad = Command::new(BIN).args(["extract", "--locale", "es", "hola"]).output().unwrap();
    assert!(!bad.status.success());
}

#[tokio::test]
async fn operators_list_ignored_webhook_items() {
    let env = Env::new().await;
    env.run(&["migrate"]);
    let empty = env.cmd(&["admin", "ignored-events"]).output().unwrap();
    assert!(String::from_utf8_lossy(&empty.stderr).contains("no ignored webhook items"));
    let store = maitre_store::Store::open(&env.db.url, maitre_store::Clock::system()).await.unwrap();
    let item = maitre_store::IgnoredItem {
        platform: "instagram",
        reason: "ignored: unknown recipient 1784",
        location: "entry[0]",
    };
    store.accept_webhook(&[], &[item]).await.unwrap();
    let out = stdout(&env.run(&["admin", "ignored-events", "--limit", "5"]));
    assert!(out.contains("instagram\tignored: unknown recipient 1784\tentry[0]"), "{out}");
}

/// A small flow with one test case; `want` is the reply its test expects after "3 people".
fn flow_file(dir: &std::path::Path, name: &str, want: &str) -> std::path::PathBuf {
    let flow = serde_json::json!({
        "triggers": [{ "type": "keyword", "words": ["table"] }],
        "start": "ask",
        "nodes": [
            { "id": "ask", "type": "ask", "kind": "party_size", "var": "party_size", "text": "How many?", "next": "done" },
            { "id": "done", "type": "message", "text": "Table for {{vars.party_size}}." }
        ],
        "tests": [{ "name": "counts guests", "inputs": ["a table please", "3 people"],
            "expect_replies": ["How many?", want], "expect_vars": { "party_size": "3" } }]
    });
    let path = dir.join(format!("{name}.json"));
    std::fs::write(&path, flow.to_string()).unwrap();
    path
}

#[test]
fn flows_test_runs_the_files_own_tests_and_fails_for_ci() {
    let dir = tempfile::tempdir().unwrap();
    let good = flow_file(dir.path(), "good", "Table for 3.");
    let template = format!("{}/../maitre-domain/src/flow/templates/restaurant_de.json", env!("CARGO_MANIFEST_DIR"));
    let ok = Command::new(BIN).args(["flows", "test", "--locale", "de"]).arg(&good).arg(&template).output().unwrap();
    let text = stdout(&ok);
    assert!(ok.status.success(), "{text}");
    assert!(text.contains("ok   good: counts guests") && text.contains("ok   restaurant_de: stornieren"), "{text}");
    assert!(text.ends_with("5 passed, 0 failed, 0 file(s) with errors"), "{text}");

    let bad = flow_file(dir.path(), "bad", "Table for 4.");
    let failed = Command::new(BIN).args(["flows", "test"]).arg(&good).arg(&bad).output().unwrap();
    let text = stdout(&failed);
    assert!(!failed.status.success());
    assert!(text.contains("FAIL bad: counts guests") && text.contains("\"Table for 4.\""), "{text}");

    let broken = dir.path().join("broken.json");
    std::fs::write(&broken, r#"{"start": "a", "nodes": [{"id": "a", "type": "message", "text": "hi", "next": "b"}]}"#)
        .unwrap();
    let invalid = Command::new(BIN).args(["flows", "test"]).arg(&broken).output().unwrap();
    assert!(!invalid.status.success());
    assert!(
        stdout(&invalid).contains("error broken: node a: leads to `b`, which does not exist"),
        "{}",
        stdout(&invalid)
    );
}

#[tokio::test]
async fn simulate_runs_a_script_against_an_installed_template() {
    let env = Env::new().await;
    let account = env.create_account(&["--locale", "de"]);
    // Open every day, so "morgen um 20 Uhr" is free whatever day the test runs on.
    let store = Store::open(&env.db.url, Clock::system()).await.unwrap();
    let tenant = store.tenant_for_operator(account.parse().unwrap()).await.unwrap();
    let mut booking = tenant.reservations().booking_settings().await.unwrap();
    let evening = booking.rules.hours.tue.clone();
    booking.rules.hours.mon = evening.clone();
    booking.rules.hours.sun = evening;
    tenant.reservations().put_booking_settings(&booking).await.unwrap();
    store.close().await;

    let unknown = env.cmd(&["admin", "install-template", "--account", &account, "pizza"]).output().unwrap();
    assert!(!unknown.status.success());
    assert!(String::from_utf8_lossy(&unknown.stderr).contains("restaurant_de, restaurant_en"));
    let flow = stdout(&env.run(&["admin", "install-template", "--account", &account, "restaurant_de"]));
    assert_eq!(flow.len(), 36, "prints the flow id: {flow}");

    let script = env.dir.path().join("booking.txt");
    std::fs::write(
        &script,
        "# A guest books in one message, then gives a name.\nTisch für 4 morgen um 20 Uhr\n# expect: Auf welchen Namen\n\n\
         Anna Schmidt\n# expect: Perfekt, Anna Schmidt\n",
    )
    .unwrap();
    let script = script.to_str().unwrap();
    let run = env.run(&["simulate", "--account", &account, "--flow", &flow, "--script", script]);
    let text = stdout(&run);
    assert!(text.starts_with("guest> Tisch für 4 morgen um 20 Uhr\nmaitre> Auf welchen Namen"), "{text}");
    assert!(text.contains("✓ expect: Perfekt, Anna Schmidt") && text.contains("(booked "), "{text}");

    let wrong = env.dir.path().join("wrong.txt");
    std::fs::write(&wrong, "Tisch für 4 morgen um 20 Uhr\n# expect: Wie ist deine Telefonnummer\n").unwrap();
    let out = env
        .cmd(&["simulate", "--account", &account, "--flow", "restaurant_de", "--script", wrong.to_str().unwrap()])
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(stdout(&out).contains("✗ expect: Wie ist deine Telefonnummer"));
    assert!(String::from_utf8_lossy(&out.stderr).contains("wrong.txt:2: no reply contains"));
}

/// `maitre contacts import` on a WhatsApp channel: every hundredth row has no usable phone number. Bad rows are
/// listed with their line, the rest imported; a second run recognises everyone. Size it with
/// MAITRE_TEST_IMPORT_ROWS (the 50,000-row figure in the README comes from this test).
// The fake platforms answer the child process while this thread waits for it.
#[tokio::test(flavor = "multi_thread")]
async fn contacts_import_reports_bad_rows_and_imports_the_rest() {
    let env = Env::new().await;
    let account = env.create_account(&[]);
    let wa = ["--platform", "whatsapp", "--external-id", "200000000000002", "--token", "EAAG-secret-token"];
    env.fakes.own_phone_number("200000000000002", "EAAG-secret-token");
    env.run(&[&["admin", "connect-channel", "--account", &account][..], &wa[..]].concat());
    let rows: usize = std::env::var("MAITRE_TEST_IMPORT_ROWS").ok().and_then(|v| v.parse().ok()).unwrap_or(2000);
    let mut csv = String::from("Name,Mobil,email,tags\n");
    for i in 0..rows {
        if i % 100 == 42 {
            csv += &format!("Guest {i},call me,g{i}@example.com,\n");
        } else {
            csv += &format!("Guest {i},+49 151 {i:08},g{i}@example.com,newsletter\n");
        }
    }
    let file = env.dir.path().join("guests.csv");
    std::fs::write(&file, csv).unwrap();
    let file = file.to_str().unwrap();
    let import = ["contacts", "import", "--account", &account, "--map", "Mobil=phone", file];
    let out = env.run(&import);
    let bad = rows / 100 + usize::from(rows % 100 > 42);
    let good = rows - bad;
    let summary = stdout(&out);
    eprintln!("{rows} rows: {summary}");
    assert!(summary.starts_with(&format!("imported {good} (0 already known), rejected {bad}, in ")), "{summary}");
    let report = String::from_utf8_lossy(&out.stderr);
    assert!(report.contains("line 44: \"call me\" is not a phone number"), "{report}");
    assert_eq!(report.lines().filter(|l| l.starts_with("line ")).count(), bad);

    let store = Store::open(&env.db.url, Clock::system()).await.unwrap();
    let tenant = store.tenant_for_operator(account.parse().unwrap()).await.unwrap();
    let query = maitre_store::ContactQuery { tag: Some("newsletter"), limit: rows as i64, ..Default::default() };
    let contacts = tenant.contacts().list(&query).await.unwrap().items;
    assert_eq!(contacts.len(), good);
    let guest = contacts.iter().find(|c| c.name == "Guest 7").unwrap();
    assert_eq!((guest.phone.as_str(), guest.external_id.as_str()), ("+4915100000007", "4915100000007"));

    let again = stdout(&env.run(&import));
    assert!(again.starts_with(&format!("imported {good} ({good} already known)")), "{again}");
    let wrong = env.cmd(&["contacts", "import", "--account", &account, "--map", "Phone=phone", file]).output().unwrap();
    assert!(!wrong.status.success());
    assert!(String::from_utf8_lossy(&wrong.stderr).contains("no column \"Phone\""));
    let unmapped = env.cmd(&["contacts", "import", "--account", &account, file]).output().unwrap();
    assert!(String::from_utf8_lossy(&unmapped.stderr).contains("phone number"), "Mobil is not recognised");
}

#[tokio::test]
async fn set_plan_puts_an_account_on_a_configured_plan_and_names_the_plans_otherwise() {
    let env = Env::new().await;
    let account = env.create_account(&[]);
    let unknown = env.cmd(&["admin", "set-plan", "--account", &account, "gold"]).output().unwrap();
    assert!(!unknown.status.success());
    assert!(String::from_utf8_lossy(&unknown.stderr).contains("the plans are: free, pro, business"));
    let set = env.run(&["admin", "set-plan", "--account", &account, "pro"]);
    assert!(String::from_utf8_lossy(&set.stderr).contains("billing is off"), "the default says so");
    let store = Store::open(&env.db.url, Clock::system()).await.unwrap();
    let tenant = store.tenant_for_operator(account.parse().unwrap()).await.unwrap();
    assert_eq!(tenant.billing().plan_key().await.unwrap(), "pro");
    store.close().await;
}
