//! The devices a member gets pushes on: `push.js` subscribes this browser with the server's key and posts what the
//! browser's push service handed out; the notifications page lists them with a button each to remove one.
use axum::Router;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum_extra::extract::CookieJar;
use maitre_notify::push::WebPush;
use maitre_store::NewPushSubscription;
use serde::Deserialize;

use super::Times;
use crate::AppState;
use crate::auth::Member;
use crate::auth::cookies::flash;
use crate::auth::csrf::{CsrfForm, NoFields};
use crate::error::{AppError, PageError};
use crate::i18n::Tr;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/a/{account}/notifications/devices", post(add))
        .route("/a/{account}/notifications/devices/{id}/remove", post(remove))
        .route("/static/push.js", get(js))
}

async fn js() -> impl IntoResponse {
    super::script(include_str!("../../static/push.js"))
}

pub struct DeviceView {
    pub id: String,
    /// "Chrome, added 6 Dec 2026, 10:12".
    pub text: String,
}

pub async fn views(m: &Member, tr: &Tr, times: Times) -> Result<Vec<DeviceView>, PageError> {
    let devices = m.tenant.notifications().devices(m.signed.user.id).await?;
    Ok(devices
        .into_iter()
        .map(|d| {
            let named = [("device", label(&d.endpoint)), ("time", times.at(d.created_at))];
            let named: Vec<(&str, &str)> = named.iter().map(|(k, v)| (*k, v.as_str())).collect();
            DeviceView { text: tr.tn("notifications-push-device", &named), id: d.id }
        })
        .collect())
}

/// A device as its owner knows it: the browser family its push service belongs to.
fn label(endpoint: &str) -> String {
    let host = url::Url::parse(endpoint).ok().and_then(|u| u.host_str().map(str::to_owned)).unwrap_or_default();
    let known = [
        ("fcm.googleapis.com", "Chrome"),
        ("updates.push.services.mozilla.com", "Firefox"),
        ("web.push.apple.com", "Safari"),
        ("notify.windows.com", "Edge"),
    ];
    known
        .iter()
        .find(|(service, _)| host == *service || host.ends_with(&format!(".{service}")))
        .map(|(_, browser)| (*browser).to_owned())
        .unwrap_or(host)
}

/// A browser's `PushSubscription` (`endpoint`, `keys.p256dh`, `keys.auth`), flattened into form fields.
#[derive(Deserialize)]
struct DeviceForm {
    endpoint: String,
    p256dh: String,
    auth: String,
}

/// Answers 201 for `push.js`; refusals are 422 with the reason in the member's language.
async fn add(
    State(state): State<AppState>,
    m: Member,
    CsrfForm(form): CsrfForm<DeviceForm>,
) -> Result<Response, PageError> {
    let tr = Tr::new(m.signed.user.locale);
    let refused = || AppError::Validation(tr.t("push-device-invalid"));
    WebPush::check_device(&form.endpoint, &form.p256dh, &form.auth).map_err(|_| refused())?;
    // The server will call this address: never one on its own machine or network.
    state.app.egress.check(&form.endpoint).await.map_err(|_| refused())?;
    let new = NewPushSubscription { endpoint: form.endpoint, p256dh: form.p256dh, auth: form.auth };
    m.tenant.notifications().add_device(m.signed.user.id, &new).await?;
    Ok((StatusCode::CREATED, tr.t("push-device-added")).into_response())
}

async fn remove(
    State(state): State<AppState>,
    m: Member,
    Path((_, id)): Path<(String, String)>,
    CsrfForm(_): CsrfForm<NoFields>,
) -> Result<Response, PageError> {
    m.tenant.notifications().remove_device(m.signed.user.id, &id).await?;
    let tr = Tr::new(m.signed.user.locale);
    let jar = CookieJar::new().add(flash(&state, &tr.t("push-device-removed")));
    Ok((jar, Redirect::to(&format!("/a/{}/notifications#push", m.account.id))).into_response())
}

#[cfg(test)]
mod tests {
    use super::label;

    #[test]
    fn devices_are_named_by_their_browser() {
        assert_eq!(label("https://fcm.googleapis.com/fcm/send/abc"), "Chrome");
        assert_eq!(label("https://updates.push.services.mozilla.com/wpush/v2/x"), "Firefox");
        assert_eq!(label("https://web.push.apple.com/QG"), "Safari");
        assert_eq!(label("https://wns2-par02p.notify.windows.com/w/?token=x"), "Edge");
        assert_eq!(label("https://push.example.net/x"), "push.example.net");
        assert_eq!(label("https://evilnotify.windows.com.example/x"), "evilnotify.windows.com.example");
    }
}
