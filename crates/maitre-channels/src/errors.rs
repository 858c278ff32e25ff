//! Classification of failed sends (PROTOCOLS.md §3.4 for Graph, §7 for Telegram).
//!
//! The decision keys on the platform's error `code` (and a few subcodes), as Meta advises, and
//! falls back on the HTTP status only when the body carries no usable code. Which Graph codes are
//! retryable is maitre's reading of Meta's "What to do" texts; Meta publishes no retry matrix.
//! Transport failures (timeouts, refused connections) never reach these functions: the send
//! client ([`crate::outbound`]) treats them as [`SendErrorClass::Retryable`] without a hint.

use std::time::Duration;

use serde::{Deserialize, Serialize};
use serde_json::Value;

/// Platform messages are for logs; cap them so a hostile or broken upstream cannot flood them.
const MAX_MESSAGE_CHARS: usize = 500;

/// What the send client should do with a failed send.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "class", rename_all = "snake_case")]
pub enum SendErrorClass {
    /// Try again later. `retry_after` is set only when the platform named a delay (Telegram
    /// `parameters.retry_after`); otherwise use the client's capped backoff. For Graph code 131056
    /// (WhatsApp pair rate limit) only sends to that same recipient should wait (PROTOCOLS.md §6).
    Retryable { retry_after: Option<Duration>, error: PlatformError },
    /// Will fail again unchanged; `reason` says what to do about it.
    Permanent { reason: PermanentReason, error: PlatformError },
    /// The access token is expired, revoked or invalid: mark the channel "needs reconnect".
    TokenInvalid { error: PlatformError },
    /// The messaging window is closed: WhatsApp needs a template, Instagram/Messenger a human
    /// reply with the HUMAN_AGENT tag or the user's next message (PROTOCOLS.md §4).
    OutsideWindow { error: PlatformError },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum PermanentReason {
    /// The user cannot be reached (blocked the bot, not on WhatsApp, no matching user): mark the
    /// contact unreachable.
    RecipientUnavailable,
    /// The app or token lacks a permission: reconnect or App Review.
    PermissionDenied,
    /// Blocked for policy, spam quality or message-tag abuse: stop and alert, never auto-retry.
    PolicyRestricted,
    /// WhatsApp marketing limits or opt-out: no marketing to this user for now.
    MarketingLimited,
    /// Bad parameter: a bug or bad input, log it.
    InvalidRequest,
    /// 132001: no approved template of that name in that language; sync the templates, check the language.
    TemplateMissing,
    /// 132000, 132005, 132012: the values do not fit the approved template (count, length, format).
    TemplateMismatch,
    /// 132015: paused for low quality until an `APPROVED`/`REINSTATED` webhook.
    TemplatePaused,
    /// 132016: disabled for good; a new template is needed.
    TemplateDisabled,
    /// 132007: the content breaks a WhatsApp policy.
    TemplatePolicy,
    Other,
}

/// The platform's own description of the failure, for logs and the operator UI.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PlatformError {
    /// `None` when no HTTP answer arrived (timeout, refused connection) or the send was refused
    /// before any request (a message over the platform's limits).
    pub http_status: Option<u16>,
    pub code: Option<i64>,
    pub subcode: Option<i64>,
    pub message: String,
}

#[derive(Deserialize)]
struct GraphEnvelope {
    error: GraphError,
}

#[derive(Deserialize)]
struct GraphError {
    #[serde(default)]
    message: String,
    code: Option<i64>,
    error_subcode: Option<i64>,
    #[serde(default)]
    is_transient: bool,
    /// An object with `details` on WhatsApp; left untyped because older APIs send other shapes.
    error_data: Option<Value>,
}

#[derive(Deserialize)]
struct TelegramError {
    error_code: Option<i64>,
    #[serde(default)]
    description: String,
    parameters: Option<TelegramParameters>,
}

#[derive(Deserialize)]
struct TelegramParameters {
    retry_after: Option<u64>,
}

/// Classifies a failed Graph API send (WhatsApp, Instagram, Messenger) from its HTTP status and
/// body.
pub fn classify_graph(http_status: u16, body: &[u8]) -> SendErrorClass {
    let parsed = serde_json::from_slice::<GraphEnvelope>(body).ok().map(|e| e.error);
    let Some(graph) = parsed else {
        return by_status(http_status, None, unparsed(http_status, body));
    };
    let details = graph.error_data.as_ref().and_then(|d| d.get("details")).and_then(Value::as_str);
    let message = match details {
        Some(details) => format!("{}: {details}", graph.message),
        None => graph.message,
    };
    let error = PlatformError {
        http_status: Some(http_status),
        code: graph.code,
        subcode: graph.error_subcode,
        message: cap(&message),
    };
    use PermanentReason::*;
    let permanent = |reason, error| SendErrorClass::Permanent { reason, error };
    match (graph.code, graph.error_subcode) {
        (Some(190 | 102), _) => SendErrorClass::TokenInvalid { error },
        (Some(131047), _) | (Some(10), Some(2534022 | 2018278)) => SendErrorClass::OutsideWindow { error },
        // 613/2018338 warns of message-tag abuse: waiting does not help.
        (Some(613), Some(2018338)) => permanent(PolicyRestricted, error),
        (Some(4 | 17 | 32 | 613 | 80007 | 130429 | 131056), _) | (Some(1 | 2 | 131000 | 131016 | 131057), _) => {
            retry(None, error)
        }
        (Some(551 | 131026), _)
        | (Some(200), Some(1545041))
        | (Some(10), Some(2018108))
        | (Some(100), Some(2018001)) => permanent(RecipientUnavailable, error),
        (Some(131048 | 368 | 131031), _) => permanent(PolicyRestricted, error),
        (Some(131049 | 131050), _) => permanent(MarketingLimited, error),
        (Some(3 | 10 | 200..=299), _) => permanent(PermissionDenied, error),
        (Some(132001), _) => permanent(TemplateMissing, error),
        (Some(132000 | 132005 | 132012), _) => permanent(TemplateMismatch, error),
        (Some(132015), _) => permanent(TemplatePaused, error),
        (Some(132016), _) => permanent(TemplateDisabled, error),
        (Some(132007), _) => permanent(TemplatePolicy, error),
        (Some(100), _) => permanent(InvalidRequest, error),
        _ if graph.is_transient => retry(None, error),
        _ => by_status(http_status, None, error),
    }
}

/// Classifies a failed Telegram Bot API call from its HTTP status and body
/// (`{"ok":false,"error_code","description","parameters"?}`).
pub fn classify_telegram(http_status: u16, body: &[u8]) -> SendErrorClass {
    let Ok(parsed) = serde_json::from_slice::<TelegramError>(body) else {
        return by_status(http_status, None, unparsed(http_status, body));
    };
    // Telegram says `error_code` contents "are subject to change"; the HTTP status matches it today.
    let code = parsed.error_code.unwrap_or(i64::from(http_status));
    let retry_after = parsed.parameters.and_then(|p| p.retry_after).map(Duration::from_secs);
    let error = PlatformError {
        http_status: Some(http_status),
        code: Some(code),
        subcode: None,
        message: cap(&parsed.description),
    };
    match code {
        // 404 is what Telegram answers for a bot token it does not know.
        401 | 404 => SendErrorClass::TokenInvalid { error },
        // Blocked by the user, user deactivated, bot kicked.
        403 => SendErrorClass::Permanent { reason: PermanentReason::RecipientUnavailable, error },
        400 => SendErrorClass::Permanent { reason: PermanentReason::InvalidRequest, error },
        _ => by_status(u16::try_from(code).unwrap_or(http_status), retry_after, error),
    }
}

fn retry(retry_after: Option<Duration>, error: PlatformError) -> SendErrorClass {
    SendErrorClass::Retryable { retry_after, error }
}

/// Fallback when no known code decides: throttling, timeouts and server errors are retryable.
fn by_status(status: u16, retry_after: Option<Duration>, error: PlatformError) -> SendErrorClass {
    match status {
        408 | 429 | 500..=599 => retry(retry_after, error),
        401 => SendErrorClass::TokenInvalid { error },
        _ => SendErrorClass::Permanent { reason: PermanentReason::Other, error },
    }
}

/// A body without the platform's error shape (an HTML page from a proxy, an empty body).
fn unparsed(http_status: u16, body: &[u8]) -> PlatformError {
    PlatformError {
        http_status: Some(http_status),
        code: None,
        subcode: None,
        message: cap(&String::from_utf8_lossy(body)),
    }
}

pub(crate) fn cap(message: &str) -> String {
    match message.char_indices().nth(MAX_MESSAGE_CHARS) {
        Some((cut, _)) => format!("{}…", &message[..cut]),
        None => message.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn graph(code: i64, subcode: Option<i64>) -> SendErrorClass {
        let body = serde_json::json!({"error": {"message": "m", "code": code, "error_subcode": subcode}});
        classify_graph(400, body.to_string().as_bytes())
    }

    #[test]
    fn graph_codes_without_fixtures() {
        assert!(matches!(graph(102, None), SendErrorClass::TokenInvalid { .. }));
        assert!(matches!(graph(10, Some(2018278)), SendErrorClass::OutsideWindow { .. }));
        for code in [17, 32, 80007, 1, 2, 131000, 131016, 131057] {
            assert!(matches!(graph(code, None), SendErrorClass::Retryable { .. }), "{code}");
        }
        let reason = |c: SendErrorClass| match c {
            SendErrorClass::Permanent { reason, .. } => Some(reason),
            _ => None,
        };
        assert_eq!(reason(graph(613, Some(2018338))), Some(PermanentReason::PolicyRestricted));
        assert_eq!(reason(graph(200, Some(1545041))), Some(PermanentReason::RecipientUnavailable));
        assert_eq!(reason(graph(200, None)), Some(PermanentReason::PermissionDenied));
        assert_eq!(reason(graph(131026, None)), Some(PermanentReason::RecipientUnavailable));
        assert_eq!(reason(graph(131050, None)), Some(PermanentReason::MarketingLimited));
        assert_eq!(reason(graph(132001, None)), Some(PermanentReason::TemplateMissing));
        for code in [132000, 132005, 132012] {
            assert_eq!(reason(graph(code, None)), Some(PermanentReason::TemplateMismatch), "{code}");
        }
        assert_eq!(reason(graph(132015, None)), Some(PermanentReason::TemplatePaused));
        assert_eq!(reason(graph(132016, None)), Some(PermanentReason::TemplateDisabled));
        assert_eq!(reason(graph(132007, None)), Some(PermanentReason::TemplatePolicy));
        assert_eq!(reason(graph(368, None)), Some(PermanentReason::PolicyRestricted));
        assert_eq!(reason(graph(999_999, None)), Some(PermanentReason::Other));
    }

    #[test]
    fn status_decides_when_the_body_does_not() {
        for status in [408, 429, 500, 502, 503, 504] {
            assert!(
                matches!(classify_graph(status, b"<html>bad gateway</html>"), SendErrorClass::Retryable { .. }),
                "{status}"
            );
        }
        assert!(matches!(classify_graph(401, b""), SendErrorClass::TokenInvalid { .. }));
        assert!(matches!(classify_graph(400, b"{}"), SendErrorClass::Permanent { .. }));
        let unknown_transient = br#"{"error":{"message":"x","code":987654,"is_transient":true}}"#;
        assert!(matches!(classify_graph(400, unknown_transient), SendErrorClass::Retryable { .. }));
    }

    #[test]
    fn telegram_fallbacks() {
        assert!(matches!(
            classify_telegram(401, br#"{"ok":false,"error_code":401,"description":"Unauthorized"}"#),
            SendErrorClass::TokenInvalid { .. }
        ));
        assert!(matches!(classify_telegram(502, b"Bad App"), SendErrorClass::Retryable { retry_after: None, .. }));
        assert!(matches!(
            classify_telegram(
                400,
                br#"{"ok":false,"error_code":400,"description":"Bad Request: message text is empty"}"#
            ),
            SendErrorClass::Permanent { reason: PermanentReason::InvalidRequest, .. }
        ));
    }

    #[test]
    fn messages_are_capped() {
        let long = "x".repeat(10_000);
        let SendErrorClass::Permanent { error, .. } = classify_graph(418, long.as_bytes()) else {
            panic!("expected permanent");
        };
        assert_eq!(error.message.chars().count(), MAX_MESSAGE_CHARS + 1);
    }
}
