//! The JSON body of an API request. A body is one JSON object: anything else (an array, whose items serde would
//! take as the fields in order, a string, a number) is refused. A number with no fraction counts as an integer
//! (`3.0` is `3`), as JSON Schema says. Messages name the field that is wrong, never a Rust type.
use axum::Json;
use axum::body::Bytes;
use axum::extract::{FromRequest, Request};
use axum::http::{HeaderMap, StatusCode, header};
use serde::de::DeserializeOwned;
use serde_json::{Number, Value};

use crate::error::{ApiError, AppError};

pub struct ApiJson<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for ApiJson<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, ApiError> {
        if !declares_json(req.headers()) {
            return Err(AppError::UnsupportedMediaType("Expected Content-Type: application/json".into()).into());
        }
        let bytes = Bytes::from_request(req, state).await.map_err(|e| match e.status() {
            StatusCode::PAYLOAD_TOO_LARGE => AppError::PayloadTooLarge,
            _ => AppError::BadRequest(e.body_text()),
        })?;
        // Checked before parsing: a deeply nested array is refused without being read.
        if let Some(b'[' | b'"' | b'-' | b'0'..=b'9' | b't' | b'f' | b'n') =
            bytes.iter().find(|b| !b.is_ascii_whitespace())
        {
            return Err(AppError::Validation("The body must be a JSON object.".into()).into());
        }
        let Json(value) = Json::<Value>::from_bytes(&bytes)?;
        serde_path_to_error::deserialize(integral(value))
            .map(ApiJson)
            .map_err(|e| AppError::Validation(readable(&e.path().to_string(), &e.inner().to_string())).into())
    }
}

/// For a field whose type is a struct: only a JSON object reads as one (serde would take an array's items as the
/// fields in order, and an empty array as all defaults).
pub(super) fn object<'de, D: serde::Deserializer<'de>, T: DeserializeOwned>(d: D) -> Result<T, D::Error> {
    let map = <serde_json::Map<String, Value> as serde::Deserialize>::deserialize(d)?;
    T::deserialize(Value::Object(map)).map_err(serde::de::Error::custom)
}

/// `application/json` or a `+json` type, with or without parameters.
fn declares_json(headers: &HeaderMap) -> bool {
    let Some(value) = headers.get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()) else { return false };
    let mime = value.split(';').next().unwrap_or_default().trim().to_ascii_lowercase();
    mime == "application/json" || (mime.starts_with("application/") && mime.ends_with("+json"))
}

/// `value` with every number that has no fraction (and fits) as an integer, so `2.0` reads as an integer field.
fn integral(value: Value) -> Value {
    match value {
        Value::Number(n) => match n.as_f64() {
            Some(f) if n.is_f64() && f.fract() == 0.0 && f.abs() < 9.0e15 => Value::Number(Number::from(f as i64)),
            _ => Value::Number(n),
        },
        Value::Array(items) => Value::Array(items.into_iter().map(integral).collect()),
        Value::Object(map) => Value::Object(map.into_iter().map(|(k, v)| (k, integral(v))).collect()),
        other => other,
    }
}

/// A deserialization error for people: where it is, and what was expected in JSON's words.
fn readable(path: &str, error: &str) -> String {
    let mut message = error.replace("expected a borrowed string", "expected a string");
    for int in ["u8", "u16", "u32", "u64", "usize", "i8", "i16", "i32", "i64"] {
        message = message.replace(&format!("expected {int}"), "expected a whole number");
    }
    for float in ["f32", "f64"] {
        message = message.replace(&format!("expected {float}"), "expected a number");
    }
    // `expected struct FlowInput` / `expected enum Role`: the name is ours, not the client's.
    for kind in ["struct ", "enum "] {
        while let Some(at) = message.find(&format!("expected {kind}")) {
            let name_end = message[at + 9 + kind.len()..]
                .find(|c: char| !c.is_alphanumeric() && c != '_')
                .map_or(message.len(), |i| at + 9 + kind.len() + i);
            let word = if kind == "struct " { "expected an object" } else { "expected one of the allowed values" };
            message.replace_range(at..name_end, word);
        }
    }
    match path {
        "" | "." => message,
        path => format!("{path}: {message}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_speak_json_not_rust() {
        assert_eq!(
            readable("party_size", "invalid type: string \"4\", expected u32"),
            "party_size: invalid type: string \"4\", expected a whole number"
        );
        assert_eq!(
            readable(".", "invalid type: sequence, expected struct FlowInput"),
            "invalid type: sequence, expected an object"
        );
        assert_eq!(
            readable("role", "unknown variant `boss`, expected enum Role"),
            "role: unknown variant `boss`, expected one of the allowed values"
        );
    }

    #[test]
    fn whole_numbers_are_integers() {
        let v = integral(serde_json::json!({"a": 2.0, "b": [1.5, -3.0], "c": "2.0"}));
        assert_eq!(v, serde_json::json!({"a": 2, "b": [1.5, -3], "c": "2.0"}));
        assert!(integral(serde_json::json!(1e300)).is_f64(), "too large to be an integer field anyway");
    }
}
