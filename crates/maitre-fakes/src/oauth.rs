//! Fake OAuth endpoints of Facebook Login and Business Login for Instagram (PROTOCOLS.md §5). A code is valid
//! when it starts with `code-`; `code-expired` answers like an expired code does.
use serde_json::json;

use super::faults::graph_error;
use super::faults::token_expired;
use super::graph::{IG_ACCOUNT_ID, PAGE_ID};
use super::{FakeState, RecordedRequest, Reply};

pub const PAGE_TOKEN: &str = "PAGE-TOKEN-FROM-LOGIN-FAKE";
pub const IG_LONG_TOKEN: &str = "IG-LONG-TOKEN-FROM-LOGIN-FAKE";
const SIXTY_DAYS: i64 = 5_184_000;

fn code_ok(code: Option<&str>) -> Result<(), Reply> {
    match code {
        Some(c) if c.starts_with("code-") && c != "code-expired" => Ok(()),
        _ => Err(Reply::new(
            400,
            graph_error(
                100,
                "Error validating verification code. Please make sure your redirect_uri is identical to the one you used in the OAuth dialog request",
            ),
        )),
    }
}

/// `GET /oauth/access_token`: code → user token, or `fb_exchange_token` → long-lived user token.
pub(super) fn facebook_token(request: &RecordedRequest) -> Reply {
    let q = &request.query;
    if q.get("client_secret").is_none_or(String::is_empty) {
        return Reply::new(400, graph_error(101, "Missing client_id or client_secret parameter."));
    }
    if q.get("grant_type").map(String::as_str) == Some("fb_exchange_token") {
        return Reply::ok(
            json!({"access_token": "USER-LONG-TOKEN-FAKE", "token_type": "bearer", "expires_in": SIXTY_DAYS}),
        );
    }
    if let Err(reply) = code_ok(q.get("code").map(String::as_str)) {
        return reply;
    }
    Reply::ok(json!({"access_token": "USER-SHORT-TOKEN-FAKE", "token_type": "bearer", "expires_in": 3600}))
}

/// `GET /me/accounts`: the Pages the user granted, each with its Page token and linked Instagram account.
pub(super) fn pages() -> Reply {
    Reply::ok(json!({"data": [{
        "id": PAGE_ID,
        "name": "Test Bistro",
        "access_token": PAGE_TOKEN,
        "instagram_business_account": {"id": IG_ACCOUNT_ID, "username": "test_bistro"}
    }]}))
}

/// `POST api.instagram.com/oauth/access_token` with a form body: code → short-lived Instagram user token.
pub(super) fn instagram_code(request: &RecordedRequest) -> Reply {
    let form = request.body.as_str().unwrap_or_default();
    let field =
        |name: &str| form.split('&').find_map(|kv| kv.strip_prefix(name).and_then(|rest| rest.strip_prefix('=')));
    if field("client_secret").is_none_or(str::is_empty) || field("grant_type") != Some("authorization_code") {
        return Reply::new(
            400,
            json!({"error_type": "OAuthException", "code": 400, "error_message": "Invalid parameters"}),
        );
    }
    if code_ok(field("code")).is_err() {
        return Reply::new(
            400,
            json!({"error_type": "OAuthException", "code": 400, "error_message": "Invalid authorization code"}),
        );
    }
    Reply::ok(
        json!({"access_token": "IG-SHORT-TOKEN-FAKE", "user_id": IG_ACCOUNT_ID.parse::<u64>().unwrap_or(0), "permissions": "instagram_business_basic,instagram_business_manage_messages"}),
    )
}

/// `GET graph.instagram.com/access_token?grant_type=ig_exchange_token`: short → 60-day token.
pub(super) fn instagram_long_lived(request: &RecordedRequest) -> Reply {
    if request.query.get("grant_type").map(String::as_str) != Some("ig_exchange_token") {
        return Reply::new(400, graph_error(100, "Unsupported grant type"));
    }
    Reply::ok(json!({"access_token": IG_LONG_TOKEN, "token_type": "bearer", "expires_in": SIXTY_DAYS}))
}

/// `GET graph.instagram.com/refresh_access_token?grant_type=ig_refresh_token&access_token=<long>` (§11): a new
/// 60-day token that replaces the old one. A revoked token gets the expired-token error; one passed to
/// [`FakePlatforms::refuse_refresh`](super::FakePlatforms::refuse_refresh) a permission error.
pub(super) fn instagram_refresh(state: &mut FakeState, request: &RecordedRequest) -> Reply {
    let q = &request.query;
    if q.get("grant_type").map(String::as_str) != Some("ig_refresh_token") {
        return Reply::new(400, graph_error(100, "Unsupported grant type"));
    }
    let token = q.get("access_token").map(String::as_str).unwrap_or_default();
    if token.is_empty() || state.invalid_tokens.contains(token) {
        return Reply::new(400, token_expired());
    }
    if state.unrefreshable_tokens.contains(token) {
        return Reply::new(400, graph_error(10, "(#10) Application does not have permission for this action"));
    }
    let n = state.next_id();
    Reply::ok(
        json!({"access_token": format!("IG-REFRESHED-TOKEN-FAKE-{n}"), "token_type": "bearer", "expires_in": REFRESHED_EXPIRES_IN}),
    )
}

/// `expires_in` of the token-maintenance fixtures (about 60 days).
pub const REFRESHED_EXPIRES_IN: i64 = 5_183_944;
