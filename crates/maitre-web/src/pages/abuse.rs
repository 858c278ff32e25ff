//! Limits on the forms anyone may post without being signed in: sign-up, password-reset requests and invitation
//! sign-ups, per client IP and, where the form names one, per email address. The buckets are shared by every node
//! (PostgreSQL rows; a SQLite node keeps them in memory). Sign-in has its own pacing (`login_throttle`).
use axum::http::request::Parts;
use maitre_store::Rate;

use crate::AppState;
use crate::auth::client_ip;
use crate::error::AppError;

/// A form and how often it may be posted.
#[derive(Clone, Copy)]
pub(super) enum Form {
    SignUp,
    PasswordReset,
    InvitationSignUp,
}

impl Form {
    fn name(self) -> &'static str {
        match self {
            Form::SignUp => "signup",
            Form::PasswordReset => "reset",
            Form::InvitationSignUp => "invite",
        }
    }

    /// (per client IP, per email address): a burst, then one more every so often.
    fn rates(self) -> (Rate, Rate) {
        let per_hour = |n: f64| Rate { per_second: n / 3600.0, burst: n };
        match self {
            Form::SignUp => (per_hour(20.0), per_hour(5.0)),
            Form::PasswordReset => (per_hour(20.0), per_hour(5.0)),
            Form::InvitationSignUp => (per_hour(30.0), per_hour(10.0)),
        }
    }
}

/// Takes one post of `form` from this client (and for `email`, when given); all or none. Too many: 429 with how
/// long to wait, whether or not the address has an account.
pub(super) async fn take(state: &AppState, parts: &Parts, form: Form, email: Option<&str>) -> Result<(), AppError> {
    let (per_ip, per_email) = form.rates();
    let ip = format!("{}:ip:{}", form.name(), client_ip(parts, state));
    let email = email.map(|e| format!("{}:email:{}", form.name(), e.trim().to_lowercase()));
    let mut buckets = vec![(ip.as_str(), per_ip)];
    buckets.extend(email.as_deref().map(|e| (e, per_email)));
    match state.store.take_tokens(&buckets).await? {
        None => Ok(()),
        Some(wait) => Err(AppError::too_many_requests(wait)),
    }
}
