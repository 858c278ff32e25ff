//! The fake Telegram Bot API: `getMe`, `sendMessage`, `answerCallbackQuery`, `setWebhook`
//! (PROTOCOLS.md §7), answering `{"ok":true,"result":…}` as in `fixtures/telegram/`.

use serde_json::{Value, json};

use super::faults::telegram_unauthorized;
use super::{FakeState, RecordedRequest, Reply, unix_now};

/// The fixtures' bot, used when the token does not start with a numeric bot id.
const BOT_ID: i64 = 7000000001;

pub(super) fn handle(state: &mut FakeState, request: &RecordedRequest, token: Option<&str>, method: &str) -> Reply {
    let Some(token) = token.filter(|t| !t.is_empty()) else {
        return error(404, "Not Found");
    };
    if state.invalid_tokens.contains(token) {
        return telegram_unauthorized();
    }
    let body = &request.body;
    match method {
        "getMe" => ok(bot(token)),
        "sendMessage" => send_message(state, body, token),
        "answerCallbackQuery" if body["callback_query_id"].is_string() => ok(json!(true)),
        "answerCallbackQuery" => {
            error(400, "Bad Request: query is too old and response timeout expired or query ID is invalid")
        }
        "setWebhook" if body["url"].is_string() => Reply::ok(json!({
            "ok": true, "result": true, "description": "Webhook was set"
        })),
        "setWebhook" => error(400, "Bad Request: bad webhook: URL must be provided"),
        _ => error(404, "Not Found"),
    }
}

fn send_message(state: &mut FakeState, body: &Value, token: &str) -> Reply {
    let chat_id = &body["chat_id"];
    if !(chat_id.is_i64() || chat_id.is_string()) {
        return error(400, "Bad Request: chat_id is empty");
    }
    let text = body["text"].as_str().unwrap_or_default();
    if text.is_empty() {
        return error(400, "Bad Request: message text is empty");
    }
    let mut message = json!({
        "message_id": state.next_id(),
        "from": bot(token),
        "chat": {"id": chat_id, "first_name": "Test", "type": "private"},
        "date": unix_now(),
        "text": text
    });
    // Telegram echoes inline keyboards in the sent message.
    if body["reply_markup"]["inline_keyboard"].is_array() {
        message["reply_markup"] = body["reply_markup"].clone();
    }
    ok(message)
}

fn bot(token: &str) -> Value {
    let id = token.split_once(':').and_then(|(id, _)| id.parse::<i64>().ok()).unwrap_or(BOT_ID);
    json!({
        "id": id,
        "is_bot": true,
        "first_name": "Test Bistro Bot",
        "username": "test_bistro_bot",
        "can_join_groups": false,
        "can_read_all_group_messages": false,
        "supports_inline_queries": false
    })
}

fn ok(result: Value) -> Reply {
    Reply::ok(json!({"ok": true, "result": result}))
}

fn error(status: u16, description: &str) -> Reply {
    Reply::new(status, json!({"ok": false, "error_code": status, "description": description}))
}
