//! Error answers. Graph bodies repeat `shared/fixtures/graph_errors/` (served with HTTP 400, as
//! the fixtures README says); codes without a fixture follow the same envelope (PROTOCOLS.md §3.4).

use serde_json::{Value, json};

use super::{Fault, RecordedRequest, Reply};

pub(super) fn render(fault: &Fault, request: &RecordedRequest) -> Reply {
    if request.path.starts_with("/telegram/") { telegram(fault) } else { graph(fault, request) }
}

fn graph(fault: &Fault, request: &RecordedRequest) -> Reply {
    match fault {
        Fault::ServerError500 | Fault::Timeout(_) => Reply::new(
            500,
            json!({"error": {
                "message": "(#2) Service temporarily unavailable",
                "type": "OAuthException",
                "is_transient": true,
                "code": 2,
                "fbtrace_id": "AFakeTrace2unavail0001"
            }}),
        ),
        Fault::RateLimit(code) => Reply::new(400, rate_limit(*code)),
        Fault::TelegramTooManyRequests { .. } => Reply::new(400, rate_limit(613)),
        Fault::TokenExpired190 => Reply::new(400, token_expired()),
        Fault::OutsideWindow131047 if request.body["messaging_product"] == "whatsapp" => Reply::new(
            400,
            json!({"error": {
                "message": "(#131047) Re-engagement message",
                "type": "OAuthException",
                "code": 131047,
                "error_data": {
                    "messaging_product": "whatsapp",
                    "details": "More than 24 hours have passed since the recipient last replied to the sender number."
                },
                "fbtrace_id": "AFakeTrace131047win001"
            }}),
        ),
        Fault::OutsideWindow131047 => Reply::new(
            400,
            json!({"error": {
                "message": "(#10) This message is sent outside of allowed window.",
                "type": "OAuthException",
                "code": 10,
                "error_subcode": 2534022,
                "fbtrace_id": "AFakeTrace10window0001"
            }}),
        ),
    }
}

fn telegram(fault: &Fault) -> Reply {
    let error = |status: u16, description: &str| {
        Reply::new(status, json!({"ok": false, "error_code": status, "description": description}))
    };
    let too_many = |retry_after: u64| {
        Reply::new(
            429,
            json!({
                "ok": false,
                "error_code": 429,
                "description": format!("Too Many Requests: retry after {retry_after}"),
                "parameters": {"retry_after": retry_after}
            }),
        )
    };
    match fault {
        Fault::ServerError500 | Fault::Timeout(_) => error(500, "Internal Server Error"),
        Fault::RateLimit(_) => too_many(1),
        Fault::TelegramTooManyRequests { retry_after } => too_many(*retry_after),
        Fault::TokenExpired190 => telegram_unauthorized(),
        Fault::OutsideWindow131047 => error(403, "Forbidden: bot can't initiate conversation with a user"),
    }
}

pub(super) fn telegram_unauthorized() -> Reply {
    Reply::new(401, json!({"ok": false, "error_code": 401, "description": "Unauthorized"}))
}

pub(super) fn token_expired() -> Value {
    json!({"error": {
        "message": "Error validating access token: Session has expired on Monday, 21-Sep-26 10:00:00 PDT. The current time is Monday, 21-Sep-26 11:30:00 PDT.",
        "type": "OAuthException",
        "code": 190,
        "error_subcode": 463,
        "fbtrace_id": "AFakeTrace190expired01"
    }})
}

/// A Graph error envelope for codes that have no fixture.
pub(super) fn graph_error(code: i64, message: &str) -> Value {
    json!({"error": {
        "message": message,
        "type": "OAuthException",
        "code": code,
        "fbtrace_id": format!("AFakeTrace{code}")
    }})
}

fn rate_limit(code: i64) -> Value {
    let whatsapp = |message: &str, details: &str, trace: &str| {
        json!({"error": {
            "message": message,
            "type": "OAuthException",
            "code": code,
            "error_data": {"messaging_product": "whatsapp", "details": details},
            "fbtrace_id": trace
        }})
    };
    let transient = |message: &str, trace: &str| {
        json!({"error": {
            "message": message,
            "type": "OAuthException",
            "is_transient": true,
            "code": code,
            "fbtrace_id": trace
        }})
    };
    match code {
        4 => transient("(#4) Application request limit reached", "AFakeTrace4applimit001"),
        17 => transient("(#17) User request limit reached", "AFakeTrace17userlim001"),
        32 => transient("(#32) Page request limit reached", "AFakeTrace32pagelim001"),
        613 => json!({"error": {
            "message": "(#613) Calls to this api have exceeded the rate limit.",
            "type": "OAuthException",
            "code": 613,
            "error_subcode": 2534040,
            "fbtrace_id": "AFakeTrace613ratelim01"
        }}),
        80007 => whatsapp(
            "(#80007) Rate limit issues",
            "The WhatsApp Business Account has reached its rate limit.",
            "AFakeTrace80007waba01",
        ),
        130429 => whatsapp(
            "(#130429) Rate limit hit",
            "Cloud API message throughput has been reached.",
            "AFakeTrace130429thru01",
        ),
        131056 => whatsapp(
            "(#131056) (Business Account, Consumer Account) pair rate limit hit",
            "Too many messages sent from the sender phone number to the same recipient phone number in a short period of time.",
            "AFakeTrace131056pair01",
        ),
        other => graph_error(other, &format!("(#{other}) Rate limit hit")),
    }
}
