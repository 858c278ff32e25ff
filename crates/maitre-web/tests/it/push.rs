//! Web push over real HTTP: a member signs a device up on the notifications page (the browser's subscription, as
//! `push.js` posts it), an assignment reaches the fake push service signed with the page's VAPID key and encrypted
//! so that only the device's keys open it; the member's choice turns a kind off; a device its push service calls
//! gone is forgotten; and bad subscriptions, private addresses, missing CSRF tokens and other accounts are refused.
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use fantoccini::Locator;
use maitre_testkit::Browser;
use reqwest::StatusCode;
use web_push_native::jwt_simple::prelude::{
    ECDSAP256PublicKeyLike, ES256PublicKey, NoCustomClaims, VerificationOptions,
};
use web_push_native::p256::SecretKey;
use web_push_native::p256::elliptic_curve::sec1::ToEncodedPoint;
use web_push_native::{Auth, decrypt};

use crate::browser::screenshots;
use crate::helpers::{Client, field_attribute};
use crate::inbox_browser::wait_for;
use crate::notifications::{Team, team};

/// A browser's side of one subscription: its private key and auth secret, and the fields `push.js` posts.
struct Device {
    secret: SecretKey,
    auth: [u8; 16],
    endpoint: String,
}

impl Device {
    fn new(team: &Team, name: &str, seed: u8) -> Self {
        let secret = SecretKey::from_slice(&[seed; 32]).expect("a valid scalar");
        Device { secret, auth: [seed.wrapping_add(1); 16], endpoint: team.app.fakes.push_url(name) }
    }

    fn fields(&self) -> [(&'static str, String); 3] {
        let public = self.secret.public_key().to_encoded_point(false);
        [
            ("endpoint", self.endpoint.clone()),
            ("p256dh", URL_SAFE_NO_PAD.encode(public.as_bytes())),
            ("auth", URL_SAFE_NO_PAD.encode(self.auth)),
        ]
    }

    /// The push's message as the device reads it.
    fn open(&self, hex_body: &str) -> serde_json::Value {
        let plain = decrypt(hex::decode(hex_body).unwrap(), &self.secret, &Auth::clone_from_slice(&self.auth));
        serde_json::from_slice(&plain.expect("the device's keys open it")).unwrap()
    }
}

async fn add(team: &Team, client: &Client, fields: &[(&str, String)]) -> crate::helpers::Page {
    let fields: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let list = team.path("/notifications");
    client.submit(&list, &team.path("/notifications/devices"), &fields).await
}

#[tokio::test]
async fn an_assignment_is_pushed_to_the_members_device_signed_and_encrypted_for_it_alone() {
    let t = team().await;
    let list = t.path("/notifications");
    let page = t.agent.get(&list).await.body;
    assert!(page.contains("No device gets push notifications yet."), "{page}");
    let key = field_attribute(&page, "push-enable", "data-key").expect("the page hands push.js the server's key");
    let phone = Device::new(&t, "bea-phone", 7);
    let added = add(&t, &t.agent, &phone.fields()).await;
    assert_eq!((added.status, added.body.as_str()), (StatusCode::CREATED, "This device now gets push notifications."));
    let page = t.agent.get(&list).await.body;
    assert!(page.contains("127.0.0.1, added "), "the device is listed: {page}");

    t.assign(&t.agent_id).await;
    t.app.drain().await;
    let pushes = t.app.fakes.pushes();
    assert_eq!(pushes.len(), 1, "{pushes:?}");
    let push = &pushes[0];
    assert_eq!(push.path, "/push/bea-phone");
    assert_eq!((push.headers["ttl"].as_str(), push.headers["urgency"].as_str()), ("86400", "high"));
    // Signed with the key the page showed, for this push service's origin (RFC 8292).
    let vapid = push.headers["authorization"].strip_prefix("vapid t=").unwrap();
    let (token, k) = vapid.split_once(", k=").unwrap();
    assert_eq!(k, key);
    let public = ES256PublicKey::from_bytes(&URL_SAFE_NO_PAD.decode(k).unwrap()).unwrap();
    // The origin without its port: real push services listen on 443, which an origin leaves out.
    let audience = "http://127.0.0.1".to_owned();
    let options = VerificationOptions {
        allowed_audiences: Some([audience].into_iter().collect()),
        ..VerificationOptions::default()
    };
    let claims = public.verify_token::<NoCustomClaims>(token, Some(options)).expect("a valid VAPID token");
    assert!(claims.subject.unwrap().starts_with("mailto:"));
    let message = phone.open(push.body.as_str().unwrap());
    assert_eq!(message["title"], "Salon Bella");
    assert_eq!(message["body"], "The conversation with Guest was assigned to you");
    assert_eq!(message["url"], t.path(&format!("/inbox/{}", t.conversation)));
    let other = Device::new(&t, "someone-else", 9);
    let foreign =
        decrypt(hex::decode(push.body.as_str().unwrap()).unwrap(), &other.secret, &Auth::clone_from_slice(&other.auth));
    assert!(foreign.is_err(), "no other device's keys open it");

    // Bea wants no pushes for assignments: the next one reaches her bell only.
    let saved =
        t.agent.submit(&list, &t.path("/notifications/push"), &[("handoff", "on"), ("reservation", "on")]).await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER);
    assert!(t.agent.get(&list).await.body.contains("name=\"assigned\">"), "the choice shows unticked");
    t.assign("").await;
    t.assign(&t.agent_id).await;
    t.app.drain().await;
    assert_eq!(t.app.fakes.pushes().len(), 1, "no second push");

    // She unsubscribed in the browser: the push service says 410 and the device is forgotten.
    assert_eq!(
        t.agent.submit(&list, &t.path("/notifications/push"), &[("assigned", "on")]).await.status,
        StatusCode::SEE_OTHER
    );
    t.app.fakes.unsubscribe_push("bea-phone");
    t.assign("").await;
    t.assign(&t.agent_id).await;
    t.app.drain().await;
    assert!(t.agent.get(&list).await.body.contains("No device gets push notifications yet."));
}

#[tokio::test]
async fn bad_subscriptions_private_addresses_other_accounts_and_forms_without_csrf_are_refused() {
    let t = team().await;
    let list = t.path("/notifications");
    let device = Device::new(&t, "bea-laptop", 5);
    let good = device.fields();
    let with = |name: &str, value: &str| -> Vec<(&'static str, String)> {
        good.iter().map(|(k, v)| (*k, if *k == name { value.to_owned() } else { v.clone() })).collect()
    };
    for (fields, why) in [
        (with("p256dh", "not-a-key"), "a key that is no P-256 point"),
        (with("auth", "c2hvcnQ"), "an auth secret that is not 16 bytes"),
        (with("endpoint", "javascript:alert(1)"), "an endpoint that is no web address"),
        (with("endpoint", "https://10.1.2.3/push/x"), "an endpoint on a private network"),
        (with("endpoint", "https://[::1]:9/push/x"), "an endpoint on this machine"),
    ] {
        let refused = add(&t, &t.agent, &fields).await;
        assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY, "{why}");
        assert!(refused.body.contains("push subscription cannot be used"), "{why}: {}", refused.body);
    }
    let fields: Vec<(&str, &str)> = good.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let devices = t.path("/notifications/devices");
    assert_eq!(t.agent.post_form(&devices, &fields).await.status, StatusCode::FORBIDDEN, "no CSRF token");
    let (stranger, elsewhere) = t.app.signup("Other Place", "eve@example.com").await;
    assert_eq!(
        stranger.submit(&format!("/a/{elsewhere}/notifications"), &devices, &fields).await.status,
        StatusCode::NOT_FOUND
    );
    assert!(t.agent.get(&list).await.body.contains("No device gets push notifications yet."), "nothing was stored");

    // Added, then removed by its owner: nobody else can remove it.
    assert_eq!(add(&t, &t.agent, &good).await.status, StatusCode::CREATED);
    let page = t.agent.get(&list).await.body;
    let end = page.find("/remove\"").expect("a remove button");
    let id = &page[page[..end].rfind('/').unwrap() + 1..end];
    let remove = t.path(&format!("/notifications/devices/{id}/remove"));
    assert_eq!(t.owner.submit(&list, &remove, &[]).await.status, StatusCode::NOT_FOUND, "not the owner's device");
    let theirs = format!("/a/{elsewhere}/notifications");
    let across = stranger.submit(&theirs, &format!("/a/{elsewhere}/notifications/devices/{id}/remove"), &[]).await;
    assert_eq!(across.status, StatusCode::NOT_FOUND);
    let removed = t.agent.submit(&list, &remove, &[]).await;
    assert_eq!(removed.status, StatusCode::SEE_OTHER);
    let page = t.agent.get(&list).await.body;
    assert!(
        page.contains("The device no longer gets push notifications.") && page.contains("No device gets push"),
        "{page}"
    );
}

/// In Chromium the push card offers the button (the browser can take pushes) and, when the browser does not allow
/// notifications, says so in the member's language instead of failing silently.
#[tokio::test]
async fn the_push_button_shows_where_the_browser_can_push_and_explains_a_refusal() {
    let Some(b) = Browser::start().await else { return };
    let t = team().await;
    crate::browser::sign_in(&b, &t.app, "bea@example.com").await;
    b.client.goto(&t.app.url(&t.path("/notifications#push"))).await.unwrap();
    let button = b.client.find(Locator::Id("push-enable-button")).await.unwrap();
    assert!(button.is_displayed().await.unwrap(), "the browser can push: the button shows");
    button.click().await.unwrap();
    let said = wait_for(&b, "#push-status", |s| !s.is_empty() && !s.contains("Asking")).await;
    // Headless Chromium neither grants notifications nor reaches a push service: either refusal is explained.
    assert!(said.contains("blocked for maitre") || said.contains("could not be signed up"), "{said}");
    b.screenshot(&screenshots(), "push_card_refused").await;
    assert!(b.accessibility_problems().await.unwrap_or_default().is_empty());
    b.close().await;
}
