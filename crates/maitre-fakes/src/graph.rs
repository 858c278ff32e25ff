//! The fake Graph API: sends (Messenger, Instagram, WhatsApp), `debug_token`, `/me`, user
//! profiles and phone-number nodes (PROTOCOLS.md §3, §5); WhatsApp templates live in `templates`.
//! Ids follow the fixtures' conventions.

use serde_json::{Map, Value, json};

use super::faults::{graph_error, token_expired};
use super::{FakeState, RecordedRequest, Reply, templates};

pub(super) const PAGE_ID: &str = "110000000000001";
pub(super) const IG_ACCOUNT_ID: &str = "17840000000000001";
const APP_ID: &str = "100000000000777";

pub(super) fn handle(state: &mut FakeState, request: &RecordedRequest, instagram_host: bool, path: &[&str]) -> Reply {
    let Some(token) = bearer_or_query_token(request) else {
        let error = graph_error(104, "An access token is required to request this resource.");
        return Reply::new(400, error);
    };
    if state.invalid_tokens.contains(token) {
        return Reply::new(400, token_expired());
    }
    match (request.method.as_str(), path) {
        ("GET", ["debug_token"]) => debug_token(state, request),
        ("GET", ["me", "accounts"]) => super::oauth::pages(),
        ("POST", [_node, "subscribed_apps"]) => Reply::ok(json!({"success": true})),
        ("POST", [node, "messages"]) => send(state, request, node),
        (_, [waba, "message_templates"]) => templates::handle(state, request, waba),
        ("GET", [node]) if templates::exists(&state.templates, node) => templates::get(&state.templates, node, request),
        ("GET", [node]) if is_phone_number_read(request) => phone_number(state, node, token, request),
        ("GET", [node]) => Reply::ok(node_fields(state, node, instagram_host, request)),
        _ => Reply::new(400, graph_error(100, "(#100) Unsupported request: no such fake endpoint")),
    }
}

/// Graph accepts `Authorization: Bearer` or an `access_token` parameter; maitre sends the header.
fn bearer_or_query_token(request: &RecordedRequest) -> Option<&str> {
    let header = request.headers.get("authorization").and_then(|h| h.strip_prefix("Bearer "));
    header.or(request.query.get("access_token").map(String::as_str)).filter(|t| !t.is_empty())
}

fn send(state: &mut FakeState, request: &RecordedRequest, node: &str) -> Reply {
    let body = &request.body;
    if body["messaging_product"] == "whatsapp" {
        let Some(to) = body["to"].as_str() else {
            return invalid_param("(#100) The parameter to is required.");
        };
        let template = match templates::check_send(&state.templates, body, to) {
            Ok(template) => template,
            Err(reply) => return reply,
        };
        let action = &body["interactive"]["action"];
        let buttons = action["buttons"].as_array();
        if buttons.is_some_and(|b| b.len() > 3) {
            return whatsapp_invalid_param("Param interactive['action']['buttons'] must contain at most 3 elements.");
        }
        // A list allows 10 rows in total across its sections (PROTOCOLS.md §3.1).
        let sections = action["sections"].as_array().map(Vec::as_slice).unwrap_or_default();
        let rows: usize = sections.iter().filter_map(|s| s["rows"].as_array()).map(Vec::len).sum();
        if rows > 10 {
            return whatsapp_invalid_param("Total row count exceed max allowed count: 10");
        }
        let wamid = format!("wamid.FAKE_{}", state.next_id());
        let mut reply = Reply::ok(json!({
            "messaging_product": "whatsapp",
            "contacts": [{"input": to, "wa_id": to.trim_start_matches('+')}],
            "messages": [{"id": wamid}]
        }));
        let callback = body["biz_opaque_callback_data"].as_str();
        let send = templates::Accepted { phone_number_id: node, to, wamid: &wamid, callback };
        reply.template_text = templates::accepted(&mut state.templates, template, &send);
        return reply;
    }
    let recipient = body["recipient"]["id"].as_str().or(body["recipient"]["comment_id"].as_str());
    let Some(recipient) = recipient else {
        return invalid_param("(#100) The parameter recipient is required");
    };
    if !body["message"].is_object() && body["sender_action"].is_null() {
        return invalid_param("(#100) The parameter message is required");
    }
    let n = state.next_id();
    Reply::ok(json!({"recipient_id": recipient, "message_id": format!("m_FAKE_{n}")}))
}

/// WhatsApp's form of error 100: the detail is in `error_data.details`.
pub(super) fn whatsapp_invalid_param(details: &str) -> Reply {
    Reply::new(
        400,
        json!({"error": {
            "message": "(#100) Invalid parameter",
            "type": "OAuthException",
            "code": 100,
            "error_data": {"messaging_product": "whatsapp", "details": details},
            "fbtrace_id": "AFakeTrace100param0001"
        }}),
    )
}

fn invalid_param(message: &str) -> Reply {
    Reply::new(400, graph_error(100, message))
}

/// `GET /debug_token?input_token=…`: the bearer is the app token, the inspected token is the
/// parameter (§5).
fn debug_token(state: &FakeState, request: &RecordedRequest) -> Reply {
    let Some(input) = request.query.get("input_token") else {
        return invalid_param("(#100) The parameter input_token is required");
    };
    if state.invalid_tokens.contains(input) {
        return Reply::ok(json!({"data": {
            "app_id": APP_ID,
            "type": "PAGE",
            "application": "Test Bistro App",
            "is_valid": false,
            "error": {
                "code": 190,
                "message": "Error validating access token: Session has expired.",
                "subcode": 463
            },
            "scopes": []
        }}));
    }
    let info = state.token_info.get(input).cloned().unwrap_or_default();
    Reply::ok(json!({"data": {
        "app_id": APP_ID,
        "type": "PAGE",
        "application": "Test Bistro App",
        "data_access_expires_at": info.data_access_expires_at,
        "expires_at": info.expires_at,
        "is_valid": true,
        "profile_id": PAGE_ID,
        "scopes": info.scopes,
        "user_id": "10000000000000042"
    }}))
}

/// Reading a WhatsApp phone number node: it asks for the number's own fields.
fn is_phone_number_read(request: &RecordedRequest) -> bool {
    let fields = request.query.get("fields").map_or("", String::as_str);
    fields.split(',').any(|f| matches!(f.trim(), "display_phone_number" | "verified_name"))
}

/// `GET /{phone_number_id}`: the number's fields for a token of the business that owns it
/// ([`FakePlatforms::own_phone_number`](super::FakePlatforms::own_phone_number)); any other token gets
/// Graph's answer for an object it cannot load.
fn phone_number(state: &FakeState, node: &str, token: &str, request: &RecordedRequest) -> Reply {
    if state.phone_numbers.get(node).is_none_or(|owner| owner != token) {
        return Reply::new(
            400,
            json!({"error": {
                "message": format!("Unsupported get request. Object with ID '{node}' does not exist, cannot be loaded due to missing permissions, or does not support this operation. Please read the Graph API documentation at https://developers.facebook.com/docs/graph-api"),
                "type": "OAuthException",
                "code": 100,
                "error_subcode": 33,
                "fbtrace_id": "AFakeTrace100get000033"
            }}),
        );
    }
    Reply::ok(node_fields(state, node, false, request))
}

/// A node with the requested `fields`: `me` is the business (Page or Instagram account), any
/// other id a guest's profile or a WhatsApp phone number. Unknown fields are left out.
fn node_fields(state: &FakeState, node: &str, instagram_host: bool, request: &RecordedRequest) -> Value {
    let me = node == "me";
    let (first, last) = state.profiles.get(node).cloned().unwrap_or_else(|| ("Test".into(), "Guest".into()));
    let fields = request.query.get("fields").map_or("id,name", String::as_str);
    let mut out = Map::new();
    for field in fields.split(',').map(str::trim) {
        let value = match field {
            "id" if me && instagram_host => json!(IG_ACCOUNT_ID),
            "id" if me => json!(PAGE_ID),
            "id" => json!(node),
            "user_id" if me => json!(IG_ACCOUNT_ID),
            "name" | "verified_name" if me || field == "verified_name" => json!("Test Bistro"),
            "username" if me => json!("test_bistro"),
            "name" => json!(format!("{first} {last}")),
            "username" => json!(format!("{first}_{last}").to_lowercase()),
            "first_name" => json!(first),
            "last_name" => json!(last),
            "display_phone_number" => json!("+1 555-000-1111"),
            _ => continue,
        };
        out.insert(field.to_owned(), value);
    }
    Value::Object(out)
}
