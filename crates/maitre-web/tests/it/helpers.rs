use std::net::SocketAddr;
use std::sync::LazyLock;

use chrono::{TimeZone, Utc};
use maitre_app::App;
use maitre_config::{Secret, Settings};
use maitre_jobs::{Registry, Worker, WorkerConfig};
use maitre_notify::Mailer;
use maitre_store::{Clock, Store, TokenCreator};
use maitre_testkit::{FakePlatforms, SmtpSink, TestDb};
use maitre_web::{AppState, SecretKey, Services};
use reqwest::StatusCode;
use tokio::sync::oneshot;

pub const PASSWORD: &str = "correct horse battery";
/// The fixtures' app secret: their signatures were made with it.
pub const META_APP_SECRET: &str = "test_app_secret_FAKE_do_not_use";
pub const META_VERIFY_TOKEN: &str = "verify-token-FAKE";
const SECRET: &[u8] = b"test-secret-key-0123456789abcdef!";

/// One maitre server on port 0 with its own database, a manual clock, and a real SMTP sink for mail.
pub struct TestApp {
    pub addr: SocketAddr,
    pub store: Store,
    pub clock: Clock,
    pub smtp: SmtpSink,
    pub fakes: FakePlatforms,
    pub worker: Worker,
    pub core: std::sync::Arc<App>,
    /// The database this app owns (dropped with it); None for a second node sharing another app's database.
    db: Option<TestDb>,
    _stop: oneshot::Sender<()>,
}

/// A browser-like client: keeps cookies, does not follow redirects.
pub struct Client {
    pub http: reqwest::Client,
    base: String,
}

pub struct Page {
    pub status: StatusCode,
    pub location: Option<String>,
    pub body: String,
}

impl Page {
    pub fn csrf(&self) -> String {
        field_value(&self.body, "_csrf").unwrap_or_else(|| panic!("no CSRF field in page:\n{}", self.body))
    }
}

/// The sign-up confirmation link in a mail's text.
pub fn signup_link(mail: &str) -> &str {
    mail.split_whitespace().find(|w| w.contains("/signup/confirm?token=")).expect("a confirmation link")
}

/// The `value` of the first input named `name` in a page.
pub fn field_value(body: &str, name: &str) -> Option<String> {
    let marker = format!("name=\"{name}\" value=\"");
    let start = body.find(&marker)? + marker.len();
    let end = body[start..].find('"')? + start;
    Some(body[start..end].to_owned())
}

/// The value of `attribute` on the element with `id` (attributes in the order the template writes them).
pub fn field_attribute(body: &str, id: &str, attribute: &str) -> Option<String> {
    let tag = &body[body.find(&format!("id=\"{id}\""))?..];
    let tag = &tag[..tag.find('>')?];
    let marker = format!("{attribute}=\"");
    let start = tag.find(&marker)? + marker.len();
    Some(tag[start..start + tag[start..].find('"')?].to_owned())
}

static SETTINGS: LazyLock<Settings> = LazyLock::new(Settings::default);

impl TestApp {
    pub async fn spawn() -> Self {
        Self::spawn_with(|_| {}).await
    }

    pub async fn spawn_with(tweak: impl FnOnce(&mut Settings)) -> Self {
        let db = TestDb::new().await;
        // Two minutes after the fixtures' events, so their messaging windows are open.
        let clock = Clock::manual(Utc.with_ymd_and_hms(2026, 9, 21, 14, 15, 0).unwrap());
        let url = db.url.clone();
        Self::spawn_on(Some(db), &url, clock, tweak).await
    }

    /// Another node on this app's database (several nodes share one PostgreSQL database).
    pub async fn second_node(&self) -> Self {
        let url = self.db.as_ref().expect("a first node owns the database").url.clone();
        Self::spawn_on(None, &url, self.clock.clone(), |_| {}).await
    }

    async fn spawn_on(db: Option<TestDb>, url: &str, clock: Clock, tweak: impl FnOnce(&mut Settings)) -> Self {
        let store = Store::open(url, clock.clone()).await.expect("open store");
        let smtp = SmtpSink::start().await;
        let fakes = FakePlatforms::start().await;
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let mut settings = SETTINGS.clone();
        settings.public_url = Some(format!("http://{addr}"));
        settings.mail.smtp_url = Some(Secret::new(smtp.url()));
        settings.http.body_limit_bytes = 64 * 1024;
        settings.platforms.graph_url = fakes.graph_url();
        settings.platforms.instagram_graph_url = fakes.instagram_graph_url();
        settings.platforms.instagram_api_url = fakes.instagram_api_url();
        settings.platforms.telegram_url = fakes.telegram_url();
        settings.platforms.timeout_secs = 2;
        // The fake AI provider is on loopback: allowed as an operator allows a local Ollama.
        settings.ai.allowed_hosts = vec![fakes.base_url().trim_start_matches("http://").to_owned()];
        settings.meta.app_secret = Some(Secret::new(META_APP_SECRET));
        settings.meta.verify_token = Some(Secret::new(META_VERIFY_TOKEN));
        // Tests drive the clock by hand: flows read each message at once unless a test asks for a pause.
        settings.automation.read_together_ms = 0;
        tweak(&mut settings);
        let mailer = Mailer::new(Some(&smtp.url()), false, &settings.mail.from, settings.outbox_dir()).unwrap();
        let core = std::sync::Arc::new(App::new(&store, &settings, SECRET).unwrap().with_mailer(mailer));
        let config = WorkerConfig { base_backoff: std::time::Duration::ZERO, ..WorkerConfig::default() };
        let worker = Worker::new(store.clone(), core.register(Registry::default()), config);
        let state = AppState::new(Services {
            store: store.clone(),
            settings,
            secret: SecretKey::new(SECRET.to_vec()),
            app: core.clone(),
        });
        let (stop, stopped) = oneshot::channel::<()>();
        tokio::spawn(maitre_web::serve(listener, state, async {
            let _ = stopped.await;
        }));
        TestApp { addr, store, clock, smtp, fakes, worker, core, db, _stop: stop }
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }

    /// The path of one of this app's absolute URLs (links in mails).
    pub fn path_of<'a>(&self, url: &'a str) -> &'a str {
        url.strip_prefix(&self.url("")).expect("a link to this app")
    }

    pub fn client(&self) -> Client {
        let http =
            reqwest::Client::builder().cookie_store(true).redirect(reqwest::redirect::Policy::none()).build().unwrap();
        Client { http, base: format!("http://{}", self.addr) }
    }

    /// Signs up a new business through the pages; returns the signed-in client and the account id.
    pub async fn signup(&self, business: &str, email: &str) -> (Client, String) {
        let c = self.client();
        let page = c.get("/signup").await;
        let res = c
            .post_form(
                "/signup",
                &[
                    ("_csrf", &page.csrf()),
                    ("business_name", business),
                    ("name", "Owner"),
                    ("email", email),
                    ("password", PASSWORD),
                ],
            )
            .await;
        assert_eq!(res.status, StatusCode::OK, "{}", res.body);
        assert!(res.body.contains("Check your inbox"), "{}", res.body);
        let account = self.confirm_signup(&c, email).await;
        (c, account)
    }

    /// Opens the link of the sign-up mail to `email` in `c` and creates the business; returns its id. The mail is
    /// taken out of the sink, so tests count only the mail they are about.
    pub async fn confirm_signup(&self, c: &Client, email: &str) -> String {
        let mail = self.mail_to(email).await.body_text();
        self.confirm_signup_path(c, self.path_of(signup_link(&mail))).await
    }

    /// Opens a sign-up confirmation `path` in `c` and confirms it; returns the new business's id.
    pub async fn confirm_signup_path(&self, c: &Client, path: &str) -> String {
        let page = c.get(path).await;
        assert_eq!(page.status, StatusCode::OK, "{}", page.body);
        let token = field_value(&page.body, "token").unwrap();
        let res = c.post_form("/signup/confirm", &[("_csrf", &page.csrf()), ("token", &token)]).await;
        assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
        res.location.unwrap().trim_start_matches("/a/").to_owned()
    }

    /// Adds a user with `role` to `account` (as an operator would) and returns a client signed in as them.
    pub async fn member(&self, account: &str, email: &str, role: maitre_domain::Role) -> Client {
        let tenant = self.store.tenant_for_operator(account.parse().unwrap()).await.unwrap();
        maitre_app::accounts::add_member(&self.store, &tenant, email, role, Some(("Member", PASSWORD))).await.unwrap();
        let c = self.client();
        c.signin(email, PASSWORD).await;
        c
    }

    /// Creates an API token for `account` with `role`.
    pub async fn token(&self, account: &str, role: maitre_domain::Role) -> String {
        let tenant = self.store.tenant_for_operator(account.parse().unwrap()).await.unwrap();
        tenant.team().create_api_token("test", role, TokenCreator::Operator).await.unwrap().1
    }
}

impl TestApp {
    /// Moves `account` to the time zone `zone` and returns its store.
    pub async fn set_time_zone(&self, account: &str, zone: &str) -> maitre_store::TenantStore {
        let tenant = self.store.tenant_for_operator(account.parse().unwrap()).await.unwrap();
        let mut settings = tenant.account().await.unwrap().settings;
        settings.time_zone = zone.into();
        tenant.update_settings(&settings).await.unwrap();
        tenant
    }

    /// Connects a channel to `account` as the Channels page would, with a sealed token.
    pub async fn connect(
        &self,
        account: &str,
        platform: &str,
        external_id: &str,
        token: &str,
    ) -> maitre_store::Channel {
        self.connect_with_secret(account, platform, external_id, token, None).await
    }

    pub async fn connect_with_secret(
        &self,
        account: &str,
        platform: &str,
        external_id: &str,
        token: &str,
        webhook_secret: Option<&str>,
    ) -> maitre_store::Channel {
        let tenant = self.store.tenant_for_operator(account.parse().unwrap()).await.unwrap();
        let grant = maitre_app::Grant {
            platform: platform.parse().unwrap(),
            external_id,
            name: external_id,
            access_token: token,
            instagram_login: Default::default(),
            expires_at: None,
        };
        self.core.add_channel(&tenant, &grant, webhook_secret).await.unwrap()
    }

    /// Posts a Meta webhook body signed with the app secret.
    pub async fn post_meta(&self, body: &[u8]) -> (StatusCode, String) {
        let sig = maitre_testkit::sign_meta(META_APP_SECRET, body);
        let res = reqwest::Client::new()
            .post(self.url("/webhooks/meta"))
            .header("x-hub-signature-256", sig)
            .header("content-type", "application/json")
            .body(body.to_vec())
            .send()
            .await
            .unwrap();
        (res.status(), res.text().await.unwrap())
    }

    /// Runs the queued jobs (mail is sent by one), then takes the first mail to `to` out of the SMTP sink.
    pub async fn mail_to(&self, to: &str) -> maitre_testkit::Received {
        self.drain().await;
        self.smtp.take(to).await
    }

    /// Runs the queued jobs, then waits for the SMTP sink to hold at least `n` mails.
    pub async fn mails(&self, n: usize) -> Vec<maitre_testkit::Received> {
        self.drain().await;
        self.smtp.wait_for(n).await
    }

    /// Runs every queued job (and the jobs they queue) to completion.
    pub async fn drain(&self) -> usize {
        self.worker.drain().await
    }
}

/// A fixture from the channels crate's copy of the shared fixtures (bytes exactly as signed).
pub fn fixture(path: &str) -> Vec<u8> {
    let full = format!("{}/../maitre-channels/tests/fixtures/{path}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read(&full).unwrap_or_else(|e| panic!("{full}: {e}"))
}

impl Client {
    pub async fn get(&self, path: &str) -> Page {
        page(self.http.get(format!("{}{path}", self.base)).send().await.unwrap()).await
    }

    pub async fn post_form(&self, path: &str, fields: &[(&str, &str)]) -> Page {
        page(self.http.post(format!("{}{path}", self.base)).form(fields).send().await.unwrap()).await
    }

    /// Posts a form with the CSRF token taken from `from` (a page of ours).
    pub async fn submit(&self, from: &str, action: &str, fields: &[(&str, &str)]) -> Page {
        let csrf = self.get(from).await.csrf();
        let mut all = vec![("_csrf", csrf.as_str())];
        all.extend_from_slice(fields);
        self.post_form(action, &all).await
    }

    pub async fn signin(&self, email: &str, password: &str) -> Page {
        self.submit("/signin", "/signin", &[("email", email), ("password", password)]).await
    }
}

async fn page(res: reqwest::Response) -> Page {
    let status = res.status();
    let location = res.headers().get("location").map(|v| v.to_str().unwrap().to_owned());
    Page { status, location, body: res.text().await.unwrap() }
}
