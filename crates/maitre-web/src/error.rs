//! The one place where failures become HTTP answers: `ApiError` (JSON) for `/api`, `PageError` (HTML) for pages.
use axum::Json;
use axum::extract::rejection::JsonRejection;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use maitre_store::StoreError;

/// What went wrong, independent of how it is shown.
#[derive(Debug, thiserror::Error)]
pub enum AppError {
    #[error("{0}")]
    BadRequest(String),
    #[error("sign-in required")]
    Unauthorized,
    #[error("{0}")]
    Forbidden(String),
    #[error("not found")]
    NotFound,
    /// Something the request names (not its path) does not exist in the account, e.g. a body's channel id.
    #[error("{0}")]
    Unknown(String),
    #[error("{0}")]
    Conflict(String),
    #[error("{0}")]
    Validation(String),
    /// The business's plan is used up for what the request would add.
    #[error("{0}")]
    PlanLimit(String),
    /// A platform (Meta, Telegram) refused what the request asked of it.
    #[error("{0}")]
    Platform(String),
    #[error("the request body is too large")]
    PayloadTooLarge,
    #[error("{0}")]
    UnsupportedMediaType(String),
    #[error("Too many requests: try again in {retry_after_secs} s.")]
    TooManyRequests { retry_after_secs: u64 },
    #[error("service unavailable")]
    Unavailable,
    #[error(transparent)]
    Internal(#[from] anyhow::Error),
}

impl AppError {
    pub fn status(&self) -> StatusCode {
        match self {
            AppError::BadRequest(_) => StatusCode::BAD_REQUEST,
            AppError::Unauthorized => StatusCode::UNAUTHORIZED,
            AppError::Forbidden(_) => StatusCode::FORBIDDEN,
            AppError::NotFound | AppError::Unknown(_) => StatusCode::NOT_FOUND,
            AppError::Conflict(_) => StatusCode::CONFLICT,
            AppError::Validation(_) => StatusCode::UNPROCESSABLE_ENTITY,
            AppError::PlanLimit(_) => StatusCode::PAYMENT_REQUIRED,
            AppError::Platform(_) => StatusCode::BAD_GATEWAY,
            AppError::PayloadTooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            AppError::UnsupportedMediaType(_) => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            AppError::TooManyRequests { .. } => StatusCode::TOO_MANY_REQUESTS,
            AppError::Unavailable => StatusCode::SERVICE_UNAVAILABLE,
            AppError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn code(&self) -> &'static str {
        match self {
            AppError::BadRequest(_) => "bad_request",
            AppError::Unauthorized => "unauthorized",
            AppError::Forbidden(_) => "forbidden",
            AppError::NotFound | AppError::Unknown(_) => "not_found",
            AppError::Conflict(_) => "conflict",
            AppError::Validation(_) => "validation",
            AppError::PlanLimit(_) => "plan_limit",
            AppError::Platform(_) => "platform_refused",
            AppError::PayloadTooLarge => "payload_too_large",
            AppError::UnsupportedMediaType(_) => "unsupported_media_type",
            AppError::TooManyRequests { .. } => "rate_limited",
            AppError::Unavailable => "unavailable",
            AppError::Internal(_) => "internal",
        }
    }

    /// The text shown to the client. Internal errors are logged in full and shown anonymised.
    fn public_message(&self) -> String {
        match self {
            AppError::Internal(e) => {
                tracing::error!(error = ?e, "internal error");
                "Something went wrong on our side. It has been logged; please try again.".to_owned()
            }
            other => other.to_string(),
        }
    }

    /// Too many requests; come back after `wait`.
    pub fn too_many_requests(wait: std::time::Duration) -> Self {
        AppError::TooManyRequests { retry_after_secs: whole_seconds(wait) }
    }

    pub fn forbidden() -> Self {
        AppError::Forbidden("Your role in this account does not allow this.".into())
    }
}

/// The id a path names. Text that is no id names nothing the caller may see, so it is NotFound, like an id of
/// another account.
pub fn found<K>(s: &str) -> Result<maitre_domain::Id<K>, AppError> {
    s.parse().map_err(|_| AppError::NotFound)
}

impl From<StoreError> for AppError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::NotFound => AppError::NotFound,
            StoreError::Conflict { constraint } => AppError::Conflict(conflict_message(&constraint)),
            StoreError::Unavailable(_) => {
                tracing::error!(error = %e, "database unavailable");
                AppError::Unavailable
            }
            other => AppError::Internal(anyhow::Error::new(other)),
        }
    }
}

impl From<maitre_app::ConnectError> for AppError {
    fn from(e: maitre_app::ConnectError) -> Self {
        use maitre_app::ConnectError;
        match e {
            ConnectError::Rejected(msg) => AppError::Validation(msg),
            e @ ConnectError::InvalidPhoneNumberId => AppError::Validation(e.to_string()),
            e @ (ConnectError::AlreadyConnected(_) | ConnectError::ClaimedElsewhere(_)) => {
                AppError::Conflict(e.to_string())
            }
            ConnectError::Store(e) => e.into(),
            ConnectError::OverPlan(o) => o.into(),
        }
    }
}

impl From<maitre_app::entitlements::OverPlan> for AppError {
    fn from(o: maitre_app::entitlements::OverPlan) -> Self {
        AppError::PlanLimit(o.to_string())
    }
}

impl From<maitre_app::entitlements::EntitleError> for AppError {
    fn from(e: maitre_app::entitlements::EntitleError) -> Self {
        match e {
            maitre_app::entitlements::EntitleError::OverPlan(o) => o.into(),
            maitre_app::entitlements::EntitleError::Store(e) => e.into(),
        }
    }
}

impl From<maitre_app::password::PasswordError> for AppError {
    fn from(e: maitre_app::password::PasswordError) -> Self {
        match e {
            maitre_app::password::PasswordError::Hashing(msg) => AppError::Internal(anyhow::anyhow!(msg)),
            e => AppError::Validation(e.to_string()),
        }
    }
}

impl From<maitre_app::accounts::AccountError> for AppError {
    fn from(e: maitre_app::accounts::AccountError) -> Self {
        use maitre_app::accounts::AccountError;
        match e {
            AccountError::Store(e) => e.into(),
            AccountError::Password(e) => e.into(),
            e => AppError::Validation(e.to_string()),
        }
    }
}

impl From<maitre_store::BookingError> for AppError {
    fn from(e: maitre_store::BookingError) -> Self {
        use maitre_store::BookingError;
        match e {
            BookingError::Store(e) => e.into(),
            e @ BookingError::Transition { .. } => AppError::Conflict(e.to_string()),
            e @ BookingError::UnknownService(_) => AppError::Unknown(e.to_string()),
            e => AppError::Validation(e.to_string()),
        }
    }
}

impl From<maitre_app::flows::FlowError> for AppError {
    fn from(e: maitre_app::flows::FlowError) -> Self {
        use maitre_app::flows::FlowError;
        match e {
            FlowError::Store(e) => e.into(),
            // The flow's own tests run against the business's hours and capacity: those, not the request, fail.
            e @ FlowError::TestsFailed(_) => AppError::Conflict(e.to_string()),
            e => AppError::Validation(e.to_string()),
        }
    }
}

impl From<maitre_app::templates::TemplateFailure> for AppError {
    fn from(e: maitre_app::templates::TemplateFailure) -> Self {
        use maitre_app::templates::TemplateFailure;
        match e {
            TemplateFailure::Store(e) => e.into(),
            e @ TemplateFailure::Platform { .. } => AppError::Platform(e.to_string()),
            // Fixed by reconnecting the channel, not by changing the request.
            e @ TemplateFailure::Credentials => AppError::Conflict(e.to_string()),
            e => AppError::Validation(e.to_string()),
        }
    }
}

impl From<maitre_app::broadcasts::BroadcastFailure> for AppError {
    fn from(e: maitre_app::broadcasts::BroadcastFailure) -> Self {
        use maitre_app::broadcasts::BroadcastFailure;
        use maitre_domain::broadcasts::BroadcastError;
        match e {
            BroadcastFailure::Store(e) => e.into(),
            e @ BroadcastFailure::Settled => AppError::Conflict(e.to_string()),
            BroadcastFailure::Invalid(e @ BroadcastError::Name) => AppError::Validation(format!("name: {e}")),
            BroadcastFailure::Invalid(e @ BroadcastError::Text) => AppError::Validation(format!("text: {e}")),
            BroadcastFailure::Time(e) => AppError::Validation(format!("send_at: {e}")),
            e @ BroadcastFailure::Rate => AppError::Validation(format!("rate: {e}")),
            e @ BroadcastFailure::UnknownTemplate => AppError::Validation(format!("template_id: {e}")),
            BroadcastFailure::OverPlan(o) => o.into(),
        }
    }
}

impl From<maitre_app::segments::SegmentFailure> for AppError {
    fn from(e: maitre_app::segments::SegmentFailure) -> Self {
        use maitre_app::segments::SegmentFailure;
        match e {
            SegmentFailure::Store(e) => e.into(),
            e @ SegmentFailure::NameTaken => AppError::Conflict(e.to_string()),
            SegmentFailure::Invalid(e @ maitre_domain::segments::SegmentError::Name) => {
                AppError::Validation(format!("name: {e}"))
            }
            SegmentFailure::Invalid(e) => AppError::Validation(format!("rules: {e}")),
        }
    }
}

impl From<maitre_app::scheduled::ScheduleError> for AppError {
    fn from(e: maitre_app::scheduled::ScheduleError) -> Self {
        use maitre_app::scheduled::ScheduleError;
        use maitre_domain::scheduled::Refusal;
        match e {
            ScheduleError::Store(e) => e.into(),
            e @ ScheduleError::Settled => AppError::Conflict(e.to_string()),
            ScheduleError::Refused(r @ Refusal::TextLength) => AppError::Validation(format!("text: {r}")),
            ScheduleError::Refused(r) => AppError::Validation(format!("send_at: {r}")),
        }
    }
}

/// Named constraints become messages a person understands.
fn conflict_message(constraint: &str) -> String {
    match constraint {
        c if c.contains("users") && c.contains("email") => "An account with this email already exists.".into(),
        c if c.contains("memberships") => "This person is already a member of the account.".into(),
        "last_owner" => "An account needs at least one owner.".into(),
        "contact_fields" => "A custom field with this name exists already.".into(),
        "import_started" => "This import has already been started.".into(),
        "invite_email" => {
            "This invitation was sent to another email address than the one you are signed in with.".into()
        }
        c if c.contains("booking_resources") || c.contains("booking_services") => {
            "This name is already used; choose another.".into()
        }
        _ => "This conflicts with existing data.".into(),
    }
}

/// JSON error for `/api`: `{"error":{"code":"…","message":"…"}}`.
#[derive(Debug)]
pub struct ApiError(pub AppError);

impl<E: Into<AppError>> From<E> for ApiError {
    fn from(e: E) -> Self {
        ApiError(e.into())
    }
}

impl From<JsonRejection> for AppError {
    fn from(r: JsonRejection) -> Self {
        match r {
            JsonRejection::JsonDataError(e) => AppError::Validation(e.body_text()),
            JsonRejection::JsonSyntaxError(e) => AppError::BadRequest(e.body_text()),
            JsonRejection::MissingJsonContentType(_) => {
                AppError::UnsupportedMediaType("Expected Content-Type: application/json".into())
            }
            JsonRejection::BytesRejection(e) if e.status() == StatusCode::PAYLOAD_TOO_LARGE => {
                AppError::PayloadTooLarge
            }
            other => AppError::BadRequest(other.body_text()),
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let status = self.0.status();
        let body = serde_json::json!({"error": {"code": self.0.code(), "message": self.0.public_message()}});
        let mut res = (status, Json(body)).into_response();
        if status == StatusCode::UNAUTHORIZED {
            res.headers_mut().insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
        }
        retry_after(&mut res, &self.0);
        res
    }
}

/// A wait rounded up to whole seconds, as `Retry-After` counts.
pub(crate) fn whole_seconds(wait: std::time::Duration) -> u64 {
    wait.as_millis().div_ceil(1000) as u64
}

/// Tells a rate-limited caller when to come back.
pub(crate) fn retry_after(res: &mut Response, err: &AppError) {
    if let AppError::TooManyRequests { retry_after_secs } = err {
        res.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from(*retry_after_secs));
    }
}

/// HTML error for pages: a redirect to sign-in, or a small friendly page.
#[derive(Debug)]
pub struct PageError(pub AppError);

impl<E: Into<AppError>> From<E> for PageError {
    fn from(e: E) -> Self {
        PageError(e.into())
    }
}

impl IntoResponse for PageError {
    fn into_response(self) -> Response {
        if let AppError::Unauthorized = self.0 {
            return Redirect::to("/signin").into_response();
        }
        let status = self.0.status();
        let message = match &self.0 {
            AppError::NotFound => "This page does not exist, or you do not have access to it.".to_owned(),
            other => other.public_message(),
        };
        let mut res = (status, crate::pages::error_page(status, &message)).into_response();
        retry_after(&mut res, &self.0);
        res
    }
}
