//! Fake Graph API (Messenger, Instagram, WhatsApp Cloud API) and Telegram Bot API on one local
//! port, speaking the wire formats of `shared/PROTOCOLS.md` §3, §5 and §7. They record every
//! request, answer like the real platforms, and inject faults on demand.
//!
//! URL layout (the clients' base URLs point here):
//! - `{base}/graph/v25.0/…`: graph.facebook.com; `{base}/instagram/v25.0/…`: graph.instagram.com.
//!   Any version segment is accepted.
//! - `{base}/telegram/bot<token>/<method>`: api.telegram.org.
//! - `{base}/openai/v1/chat/completions`: an OpenAI-compatible AI provider.
//! - `{base}/push/<subscription>`: a browser's web push service.
//! - `GET {base}/_fake/requests` and `GET {base}/_fake/sent`: what was recorded, as JSON, for a
//!   person trying maitre locally.
//!
//! A crate of its own, apart from `maitre-testkit`, because the release binary serves them
//! (`maitre dev fake-platforms`) and must not link what only tests need (a browser driver, databases).
#![forbid(unsafe_code)]

mod ai;
mod faults;
mod graph;
mod oauth;
mod push;
mod signing;
mod telegram;
mod templates;

pub use signing::{sign_meta, sign_stripe};

pub use ai::AI_KEY;
pub use oauth::{IG_LONG_TOKEN, PAGE_TOKEN, REFRESHED_EXPIRES_IN};

use std::collections::{BTreeMap, HashMap, HashSet, VecDeque};
use std::net::SocketAddr;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Query, State as AxumState};
use axum::http::{HeaderMap, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use serde_json::{Value, json};
use tokio::net::TcpListener;
use tokio::sync::mpsc;
use tokio::task::JoinHandle;

/// The Graph version in the URLs handed out; the fakes accept any.
pub const GRAPH_VERSION: &str = "v25.0";

/// A failure to inject. Each is answered in the shape of the platform that was called.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub enum Fault {
    /// Graph: HTTP 500 with code 2 ("temporarily unavailable", transient). Telegram: HTTP 500.
    ServerError500,
    /// Graph: HTTP 400 with this rate-limit code (4, 17, 32, 613, 80007, 130429, 131056; bodies
    /// as in `fixtures/graph_errors/`). Telegram: 429 with `retry_after: 1`.
    RateLimit(i64),
    /// Telegram: 429 with `parameters.retry_after`. Graph: the 613 rate limit.
    TelegramTooManyRequests { retry_after: u64 },
    /// Graph: code 190/463, token expired. Telegram: 401 Unauthorized.
    TokenExpired190,
    /// WhatsApp: 131047. Messenger/Instagram: 10/2534022, their "outside of allowed window".
    /// Telegram has no window; it gets the 403 a bot gets when the user never started it.
    OutsideWindow131047,
    /// Waits this long, then answers like [`Fault::ServerError500`]. The message is never
    /// delivered, so "delivered exactly once" stays checkable; real platforms sometimes deliver a
    /// message whose answer timed out.
    Timeout(Duration),
}

/// What `debug_token` reports for one token (PROTOCOLS.md §5).
#[derive(Debug, Clone, PartialEq)]
pub struct TokenInfo {
    /// Unix seconds; 0 means never.
    pub expires_at: i64,
    pub data_access_expires_at: i64,
    pub scopes: Vec<String>,
}

impl Default for TokenInfo {
    /// A Page-like token that never expires and carries every messaging permission.
    fn default() -> Self {
        let scopes = [
            "pages_messaging",
            "pages_show_list",
            "instagram_basic",
            "instagram_manage_messages",
            "whatsapp_business_messaging",
            "whatsapp_business_management",
        ];
        Self {
            expires_at: 0,
            data_access_expires_at: unix_now() + 90 * 24 * 3600,
            scopes: scopes.map(String::from).to_vec(),
        }
    }
}

/// One request as the fake saw it, with the answer it got.
#[derive(Debug, Clone, Serialize)]
pub struct RecordedRequest {
    pub method: String,
    pub path: String,
    pub query: BTreeMap<String, String>,
    /// Lowercase names; repeated headers joined with ", ".
    pub headers: BTreeMap<String, String>,
    /// The JSON body; `Null` when empty, a string when not JSON.
    pub body: Value,
    pub status: u16,
    /// Not a 2xx answer, whether injected or not.
    pub failed: bool,
    pub fault: Option<Fault>,
    pub response: Value,
    /// For an accepted template send, what the guest read: the body with the parameters filled in.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub template_text: Option<String>,
}

impl RecordedRequest {
    /// The accepted send this request was, if it was one.
    pub fn sent_message(&self) -> Option<SentMessage> {
        sent_message(self)
    }

    /// A message send: Graph `POST …/messages` or Telegram `sendMessage`.
    pub fn is_send(&self) -> bool {
        self.method == "POST"
            && (self.path.ends_with("/sendMessage")
                || (!self.path.starts_with("/telegram/") && self.path.ends_with("/messages")))
    }
}

/// A send the fake accepted.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SentMessage {
    /// IGSID / PSID / comment id, WhatsApp `to` (with `+`), or Telegram `chat_id`.
    pub recipient: String,
    /// The text, the button template's text, the interactive body, or a WhatsApp template's filled body.
    pub text: String,
    pub message_id: String,
}

/// A request as the fake recorded it, with the moment it arrived (for latency measurements).
#[derive(Debug, Clone)]
pub struct Observed {
    pub at: Instant,
    pub request: RecordedRequest,
}

#[derive(Clone)]
pub struct FakePlatforms {
    addr: SocketAddr,
    state: Arc<Mutex<FakeState>>,
    _server: Arc<ServerTask>,
}

struct ServerTask(JoinHandle<()>);

impl Drop for ServerTask {
    fn drop(&mut self) {
        self.0.abort();
    }
}

impl FakePlatforms {
    /// Starts the fakes on 127.0.0.1 and a free port. They stop when the last clone is dropped.
    pub async fn start() -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind fake platforms");
        Self::start_on(listener)
    }

    /// Serves on a listener the caller bound, e.g. for `maitre dev fake-platforms`.
    pub fn start_on(listener: TcpListener) -> Self {
        let addr = listener.local_addr().expect("listener address");
        let state = Arc::new(Mutex::new(FakeState::default()));
        let app = Router::new().fallback(handle).with_state(state.clone());
        let task = tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        Self { addr, state, _server: Arc::new(ServerTask(task)) }
    }

    pub fn base_url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Stands for `https://graph.facebook.com/v25.0`.
    pub fn graph_url(&self) -> String {
        format!("{}/graph/{GRAPH_VERSION}", self.base_url())
    }

    /// Stands for `https://graph.instagram.com/v25.0`.
    pub fn instagram_graph_url(&self) -> String {
        format!("{}/instagram/{GRAPH_VERSION}", self.base_url())
    }

    /// Stands for `https://api.instagram.com` (Business Login's code exchange).
    pub fn instagram_api_url(&self) -> String {
        format!("{}/instagram-api", self.base_url())
    }

    /// Stands for `https://api.telegram.org`.
    pub fn telegram_url(&self) -> String {
        format!("{}/telegram", self.base_url())
    }

    /// Stands for an OpenAI-compatible API base (`https://api.openai.com/v1`, OpenRouter, Ollama …).
    pub fn ai_url(&self) -> String {
        format!("{}/openai/v1", self.base_url())
    }

    pub fn requests(&self) -> Vec<RecordedRequest> {
        self.lock().requests.clone()
    }

    /// Accepted sends only, in arrival order.
    pub fn sent_messages(&self) -> Vec<SentMessage> {
        self.lock().requests.iter().filter_map(sent_message).collect()
    }

    /// From now on every request is also streamed here as it is recorded, with its arrival time: a load
    /// generator matches replies as they come, and can [`clear`](Self::clear) the log to bound its memory.
    pub fn observe(&self) -> mpsc::UnboundedReceiver<Observed> {
        let (tx, rx) = mpsc::unbounded_channel();
        self.lock().observers.push(tx);
        rx
    }

    /// Forgets recorded requests; faults, tokens and profiles stay as set.
    pub fn clear(&self) {
        self.lock().requests.clear();
    }

    /// From now on each send fails with probability `rate`, with the faults taken in turn. The
    /// generator restarts from a fixed seed, so the same sequence of sends meets the same faults.
    pub fn set_fault_rate(&self, rate: f64, faults: Vec<Fault>) {
        let mut state = self.lock();
        state.fault_rate = rate;
        state.rate_faults = faults;
        state.next_rate_fault = 0;
        state.rng = SplitMix64(SEED);
    }

    /// The next `n` calls of any kind (sends, `getMe`, `debug_token`, …) fail with `fault`.
    pub fn fail_next(&self, n: usize, fault: Fault) {
        self.lock().fail_next.extend(std::iter::repeat_n(fault, n));
    }

    /// Every later request with this token gets the expired-token error (Graph 190, Telegram 401);
    /// `debug_token` reports it as not valid.
    pub fn invalidate_token(&self, token: &str) {
        self.lock().invalid_tokens.insert(token.to_owned());
    }

    pub fn set_token_info(&self, token: &str, info: TokenInfo) {
        self.lock().token_info.insert(token.to_owned(), info);
    }

    /// The name the profile APIs give for `user_id` (default: "Test Guest").
    pub fn set_profile(&self, user_id: &str, first_name: &str, last_name: &str) {
        let names = (first_name.to_owned(), last_name.to_owned());
        self.lock().profiles.insert(user_id.to_owned(), names);
    }

    /// Only `token` may read the WhatsApp number `phone_number_id` (`GET /{phone_number_id}`); every other token
    /// gets the error for an object it cannot load, as does any token for a number nobody owns.
    pub fn own_phone_number(&self, phone_number_id: &str, token: &str) {
        self.lock().phone_numbers.insert(phone_number_id.to_owned(), token.to_owned());
    }

    /// Refreshing this Instagram token is refused with a permission error; the token itself keeps working.
    pub fn refuse_refresh(&self, token: &str) {
        self.lock().unrefreshable_tokens.insert(token.to_owned());
    }

    fn lock(&self) -> MutexGuard<'_, FakeState> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }
}

const SEED: u64 = 0x6d61_6974_7265;

#[derive(Default)]
struct FakeState {
    requests: Vec<RecordedRequest>,
    next_id: u64,
    fail_next: VecDeque<Fault>,
    fault_rate: f64,
    rate_faults: Vec<Fault>,
    next_rate_fault: usize,
    rng: SplitMix64,
    invalid_tokens: HashSet<String>,
    token_info: HashMap<String, TokenInfo>,
    profiles: HashMap<String, (String, String)>,
    /// WhatsApp phone number id → the token of the business that owns it.
    phone_numbers: HashMap<String, String>,
    /// Instagram tokens whose refresh is refused (they still work until they expire).
    unrefreshable_tokens: HashSet<String>,
    /// Push subscriptions whose browser unsubscribed.
    gone_subscriptions: HashSet<String>,
    templates: templates::Templates,
    observers: Vec<mpsc::UnboundedSender<Observed>>,
}

impl FakeState {
    fn next_id(&mut self) -> u64 {
        self.next_id += 1;
        self.next_id
    }

    fn pick_fault(&mut self, is_send: bool) -> Option<Fault> {
        if let Some(fault) = self.fail_next.pop_front() {
            return Some(fault);
        }
        if !is_send || self.rate_faults.is_empty() || self.rng.next_f64() >= self.fault_rate {
            return None;
        }
        let fault = self.rate_faults[self.next_rate_fault % self.rate_faults.len()].clone();
        self.next_rate_fault += 1;
        Some(fault)
    }
}

/// SplitMix64: tiny, and its sequence never changes with a dependency's version.
struct SplitMix64(u64);

impl Default for SplitMix64 {
    fn default() -> Self {
        Self(SEED)
    }
}

impl SplitMix64 {
    fn next_f64(&mut self) -> f64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^= z >> 31;
        (z >> 11) as f64 / (1u64 << 53) as f64
    }
}

/// An answer before it is recorded.
struct Reply {
    status: StatusCode,
    body: Value,
    template_text: Option<String>,
}

impl Reply {
    fn ok(body: Value) -> Self {
        Self { status: StatusCode::OK, body, template_text: None }
    }

    fn new(status: u16, body: Value) -> Self {
        Self { status: StatusCode::from_u16(status).unwrap_or(StatusCode::BAD_GATEWAY), body, template_text: None }
    }
}

async fn handle(
    AxumState(state): AxumState<Arc<Mutex<FakeState>>>,
    method: Method,
    uri: Uri,
    Query(query): Query<Vec<(String, String)>>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let arrived = Instant::now();
    let mut request = RecordedRequest {
        method: method.to_string(),
        path: uri.path().to_owned(),
        query: query.into_iter().collect(),
        headers: header_map(&headers),
        // A push is ciphertext.
        body: if uri.path().starts_with("/push/") { Value::String(hex::encode(&body)) } else { parse_body(&body) },
        status: 0,
        failed: false,
        fault: None,
        response: Value::Null,
        template_text: None,
    };
    let (reply, fault) = {
        let mut state = state.lock().unwrap_or_else(|e| e.into_inner());
        match (request.method.as_str(), request.path.as_str()) {
            ("GET", "/_fake/requests") => {
                return axum::Json(state.requests.clone()).into_response();
            }
            ("GET", "/_fake/sent") => {
                let sent: Vec<_> = state.requests.iter().filter_map(sent_message).collect();
                return axum::Json(sent).into_response();
            }
            _ => {}
        }
        let fault = state.pick_fault(request.is_send());
        let reply = match &fault {
            Some(fault) => faults::render(fault, &request),
            None => route(&mut state, &request),
        };
        request.status = reply.status.as_u16();
        request.failed = !reply.status.is_success();
        request.fault = fault.clone();
        request.response = reply.body.clone();
        request.template_text = reply.template_text.clone();
        state.observers.retain(|o| o.send(Observed { at: arrived, request: request.clone() }).is_ok());
        state.requests.push(request);
        (reply, fault)
    };
    // Recorded first: a client that gives up mid-wait drops this future.
    if let Some(Fault::Timeout(delay)) = fault {
        tokio::time::sleep(delay).await;
    }
    (reply.status, axum::Json(reply.body)).into_response()
}

fn route(state: &mut FakeState, request: &RecordedRequest) -> Reply {
    let segments: Vec<&str> = request.path.trim_start_matches('/').split('/').collect();
    match segments.as_slice() {
        ["graph", _version, "oauth", "access_token"] => oauth::facebook_token(request),
        ["instagram-api", "oauth", "access_token"] => oauth::instagram_code(request),
        ["instagram", _version, "access_token"] => oauth::instagram_long_lived(request),
        ["instagram", _version, "refresh_access_token"] => oauth::instagram_refresh(state, request),
        ["graph", _version, rest @ ..] => graph::handle(state, request, false, rest),
        ["instagram", _version, rest @ ..] => graph::handle(state, request, true, rest),
        ["openai", "v1", "chat", "completions"] if request.method == "POST" => ai::complete(state, request),
        ["push", subscription] if request.method == "POST" => push::receive(state, request, subscription),
        ["telegram", bot, method] => telegram::handle(state, request, bot.strip_prefix("bot"), method),
        _ => Reply::new(404, json!({"error": "no such fake endpoint"})),
    }
}

fn sent_message(request: &RecordedRequest) -> Option<SentMessage> {
    if !request.is_send() || request.failed {
        return None;
    }
    let (body, response) = (&request.body, &request.response);
    let string = |v: &Value| match v {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    };
    let template_text = request.template_text.clone().map(Value::String).unwrap_or_default();
    let (recipient, text, message_id) = if request.path.starts_with("/telegram/") {
        (&body["chat_id"], &body["text"], &response["result"]["message_id"])
    } else if body["messaging_product"] == "whatsapp" {
        let text = match body["type"].as_str() {
            Some("interactive") => &body["interactive"]["body"]["text"],
            Some("template") => &template_text,
            _ => &body["text"]["body"],
        };
        (&body["to"], text, &response["messages"][0]["id"])
    } else {
        let recipient = match &body["recipient"]["id"] {
            Value::Null => &body["recipient"]["comment_id"],
            id => id,
        };
        let text = match &body["message"]["text"] {
            Value::Null => &body["message"]["attachment"]["payload"]["text"],
            text => text,
        };
        (recipient, text, &response["message_id"])
    };
    Some(SentMessage {
        recipient: string(recipient)?,
        text: string(text).unwrap_or_default(),
        message_id: string(message_id)?,
    })
}

fn header_map(headers: &HeaderMap) -> BTreeMap<String, String> {
    let mut map = BTreeMap::<String, String>::new();
    for (name, value) in headers {
        let value = String::from_utf8_lossy(value.as_bytes()).into_owned();
        map.entry(name.as_str().to_owned())
            .and_modify(|v| {
                v.push_str(", ");
                v.push_str(&value);
            })
            .or_insert(value);
    }
    map
}

fn parse_body(body: &[u8]) -> Value {
    if body.is_empty() {
        return Value::Null;
    }
    serde_json::from_slice(body).unwrap_or_else(|_| Value::String(String::from_utf8_lossy(body).into_owned()))
}

fn unix_now() -> i64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_secs() as i64)
}
