//! A fake OpenAI-compatible chat-completions endpoint (`POST {base}/openai/v1/chat/completions`), answering in the
//! shape of `fixtures/openai/`: the answer repeats the guest's question, so tests can tell it came from here.

use serde_json::{Value, json};

use super::{FakeState, RecordedRequest, Reply, unix_now};

/// The only key the fake accepts.
pub const AI_KEY: &str = "sk-test-maitre";

pub(super) fn complete(state: &mut FakeState, request: &RecordedRequest) -> Reply {
    if request.headers.get("authorization").map(String::as_str) != Some(&format!("Bearer {AI_KEY}")) {
        return Reply::new(
            401,
            json!({"error": {"message": "Incorrect API key provided.", "type": "invalid_request_error",
                "param": null, "code": "invalid_api_key"}}),
        );
    }
    let body = &request.body;
    let question = body["messages"]
        .as_array()
        .and_then(|m| m.iter().rev().find(|m| m["role"] == "user"))
        .and_then(|m| m["content"].as_str());
    let (Some(model), Some(question)) = (body["model"].as_str(), question) else {
        return Reply::new(
            400,
            json!({"error": {"message": "model and a user message are required",
            "type": "invalid_request_error", "param": null, "code": null}}),
        );
    };
    let id = state.next_id();
    Reply::ok(json!({
        "id": format!("chatcmpl-FAKE{id:016}"),
        "object": "chat.completion",
        "created": unix_now(),
        "model": model,
        "choices": [{"index": 0, "message": {"role": "assistant", "content": format!("AI answer to: {question}"),
            "refusal": Value::Null}, "logprobs": Value::Null, "finish_reason": "stop"}],
        "usage": {"prompt_tokens": 10, "completion_tokens": 10, "total_tokens": 20}
    }))
}
