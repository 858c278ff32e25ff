//! Segments over real HTTP: guests who wrote on WhatsApp in three languages, with tags, a custom field, consents
//! and bookings; each rule narrows the live count as a business would check it, the contacts list (API and page)
//! lists a segment's guests, and refusals name what is wrong without storing anything.
use chrono::TimeDelta;
use maitre_domain::booking::ReservationStatus;
use maitre_domain::{ContactId, Role};
use maitre_store::{Origin, Source, TenantStore};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::analytics::book;
use crate::api::call;
use crate::helpers::{Client, TestApp};

const WA: &str = "200000000000002";

struct Guests {
    app: TestApp,
    owner: Client,
    account: String,
    tenant: TenantStore,
    admin: String,
}

fn wa_message(wamid: &str, from: &str, name: &str, text: &str, at: i64) -> Vec<u8> {
    serde_json::to_vec(&json!({
        "object": "whatsapp_business_account",
        "entry": [{"id": "100000000000001", "changes": [{"field": "messages", "value": {
            "messaging_product": "whatsapp",
            "metadata": {"display_phone_number": "15550001111", "phone_number_id": WA},
            "contacts": [{"profile": {"name": name}, "wa_id": from}],
            "messages": [{"from": from, "id": wamid, "timestamp": at.to_string(), "type": "text", "text": {"body": text}}]
        }}]}]
    }))
    .unwrap()
}

impl Guests {
    async fn writes(&self, n: u32, name: &str, text: &str) {
        let at = self.app.clock.now().timestamp();
        let body = wa_message(&format!("wamid.seg{name}{at}"), &format!("491710000{n:04}"), name, text, at);
        assert_eq!(self.app.post_meta(&body).await.0, StatusCode::OK);
        self.app.drain().await;
    }

    async fn id(&self, name: &str) -> ContactId {
        let (_, page) = self.api(Method::GET, &format!("/api/v1/contacts?q={name}"), None).await;
        page["items"][0]["id"].as_str().unwrap_or_else(|| panic!("{name}: {page}")).parse().unwrap()
    }

    async fn api(&self, method: Method, path: &str, body: Option<Value>) -> (StatusCode, Value) {
        call(&self.app, method, path, Some(&self.admin), body.map(|b| b.to_string()).as_deref()).await
    }

    /// Saves the rules as a new segment and answers its live count.
    async fn count(&self, rules: Value) -> i64 {
        let name = format!("s{}", uuid::Uuid::now_v7());
        let (status, body) =
            self.api(Method::POST, "/api/v1/segments", Some(json!({"name": name, "rules": rules}))).await;
        assert_eq!(status, StatusCode::CREATED, "{rules}: {body}");
        body["contacts"].as_i64().unwrap()
    }

    /// The names the contacts API lists for a segment.
    async fn members(&self, segment: &str) -> Vec<String> {
        let (status, page) = self.api(Method::GET, &format!("/api/v1/contacts?segment={segment}"), None).await;
        assert_eq!(status, StatusCode::OK, "{page}");
        let mut names: Vec<String> =
            page["items"].as_array().unwrap().iter().map(|c| c["name"].as_str().unwrap().to_owned()).collect();
        names.sort();
        names
    }
}

/// Anna (German, vip, terrace, said yes, a booking to come), Ben (English, vip, said yes then no, came on
/// Thursday) and Chloé (French, nothing else), all on WhatsApp in a Berlin business.
async fn guests() -> Guests {
    let app = TestApp::spawn().await;
    let (owner, account) = app.signup("Trattoria Roma", "owner@example.com").await;
    let tenant = app.set_time_zone(&account, "Europe/Berlin").await;
    app.connect(&account, "whatsapp", WA, "WA-TOKEN-FAKE").await;
    let fields = format!("/a/{account}/contacts/fields");
    let defined = owner
        .submit(&fields, &fields, &[("label", "Seating"), ("kind", "choice"), ("choices", "inside, terrace")])
        .await;
    assert_eq!(defined.status, StatusCode::SEE_OTHER);
    let admin = app.token(&account, Role::Admin).await;
    let g = Guests { app, owner, account, tenant, admin };
    g.writes(1, "Anna", "Hallo, habt ihr heute Abend noch einen Tisch frei?").await;
    g.writes(2, "Ben", "Hi, do you have a table for two tonight?").await;
    g.writes(3, "Chloé", "Bonjour, avez-vous une table pour ce soir ?").await;
    let (anna, ben) = (g.id("Anna").await, g.id("Ben").await);
    let patch = json!({"tags": ["VIP"], "fields": {"seating": "terrace"}});
    assert_eq!(g.api(Method::PATCH, &format!("/api/v1/contacts/{anna}"), Some(patch)).await.0, StatusCode::OK);
    let patch = json!({"tags": ["vip", "regular"]});
    assert_eq!(g.api(Method::PATCH, &format!("/api/v1/contacts/{ben}"), Some(patch)).await.0, StatusCode::OK);
    let contacts = g.tenant.contacts();
    contacts.set_contact_consent(anna, true, "owner@example.com").await.unwrap();
    contacts.set_contact_consent(ben, true, "owner@example.com").await.unwrap();
    contacts.set_contact_consent(ben, false, "owner@example.com").await.unwrap();
    let origin = |contact_id| Origin { source: Source::Staff, contact_id: Some(contact_id), ..Origin::staff() };
    book(&g.tenant, "Anna", 2, &origin(anna)).await;
    let visit = book(&g.tenant, "Ben", 2, &origin(ben)).await;
    g.tenant.reservations().set_reservation_status(visit, ReservationStatus::Completed).await.unwrap();
    g
}

#[tokio::test]
async fn each_rule_narrows_the_live_count_as_the_business_expects() {
    let g = guests().await;
    assert_eq!(g.count(json!({})).await, 3, "no rules: everyone");
    assert_eq!(g.count(json!({"tags": ["vip"]})).await, 2);
    assert_eq!(g.count(json!({"tags": ["vip", "regular"]})).await, 1, "all of the tags");
    assert_eq!(g.count(json!({"tags": ["vip"], "consent": "opted_in"})).await, 1, "Ben said no since");
    assert_eq!(g.count(json!({"consent": "opted_in"})).await, 1);
    assert_eq!(g.count(json!({"consent": "not_opted_out"})).await, 2, "Anna and Chloé");
    assert_eq!(g.count(json!({"consent": "opted_out"})).await, 1);
    assert_eq!(g.count(json!({"language": "fr"})).await, 1);
    assert_eq!(g.count(json!({"language": "de", "tags": ["vip"]})).await, 1);
    assert_eq!(g.count(json!({"fields": [{"key": "seating", "equals": "TERRACE"}]})).await, 1);
    assert_eq!(g.count(json!({"fields": [{"key": "seating", "equals": "inside"}]})).await, 0);
    assert_eq!(g.count(json!({"fields": [{"key": "seating"}]})).await, 1, "any value");
    assert_eq!(g.count(json!({"upcoming_booking": true})).await, 1, "Anna's booking is still to come");
    assert_eq!(g.count(json!({"upcoming_booking": false})).await, 2);
    assert_eq!(g.count(json!({"min_bookings": 1})).await, 2);
    assert_eq!(g.count(json!({"min_bookings": 2})).await, 0);
    assert_eq!(g.count(json!({"platforms": ["whatsapp"]})).await, 3);
    assert_eq!(g.count(json!({"platforms": ["instagram", "telegram"]})).await, 0);
    assert_eq!(g.count(json!({"visited_within_days": 7})).await, 1, "Ben came");

    // Five days on, Dora writes: only she wrote lately; the others have been silent since.
    g.app.clock.advance(TimeDelta::days(5));
    g.writes(4, "Dora", "Guten Tag, ich hätte gern einen Tisch").await;
    assert_eq!(g.count(json!({"messaged_within_days": 3})).await, 1);
    assert_eq!(g.count(json!({"silent_for_days": 3})).await, 3);
    assert_eq!(g.count(json!({"messaged_within_days": 30, "silent_for_days": 3})).await, 3, "between");
    assert_eq!(g.count(json!({"language": "de"})).await, 2, "Anna and Dora");
    assert_eq!(g.count(json!({"upcoming_booking": true})).await, 0, "Anna's evening has passed");
    g.app.clock.advance(TimeDelta::days(40));
    assert_eq!(g.count(json!({"away_for_days": 30})).await, 1, "Ben has not come for 40 days");
    assert_eq!(g.count(json!({"visited_within_days": 60, "away_for_days": 30})).await, 1);
}

#[tokio::test]
async fn a_segment_lists_its_guests_and_its_count_follows_the_contacts() {
    let g = guests().await;
    let rules = json!({"tags": ["vip"], "consent": "not_opted_out"});
    let (status, created) =
        g.api(Method::POST, "/api/v1/segments", Some(json!({"name": "  Stammgäste ", "rules": rules}))).await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    assert_eq!(created["name"], "Stammgäste");
    assert_eq!(created["rules"], json!({"tags": ["vip"], "consent": "not_opted_out"}));
    let id = created["id"].as_str().unwrap().to_owned();
    assert_eq!(g.members(&id).await, ["Anna"]);
    // Chloé becomes a VIP: the segment takes her in without being saved again.
    let chloe = g.id("Chlo").await;
    g.tenant.contacts().add_contact_tag(chloe, &maitre_domain::contacts::Tag::parse("vip").unwrap()).await.unwrap();
    assert_eq!(g.members(&id).await, ["Anna", "Chloé"]);
    let (_, listed) = g.api(Method::GET, "/api/v1/segments", None).await;
    assert_eq!(listed["data"][0]["contacts"], 2, "{listed}");
    // Rules replaced by a patch, the name kept.
    let patch = json!({"rules": {"language": "fr"}});
    let (status, changed) = g.api(Method::PATCH, &format!("/api/v1/segments/{id}"), Some(patch)).await;
    assert_eq!((status, &changed["name"], &changed["contacts"]), (StatusCode::OK, &json!("Stammgäste"), &json!(1)));
    assert_eq!(g.members(&id).await, ["Chloé"]);
    // Combined with a search, and gone once deleted (the contacts stay).
    let (_, page) = g.api(Method::GET, &format!("/api/v1/contacts?segment={id}&q=anna"), None).await;
    assert_eq!(page["items"].as_array().unwrap().len(), 0);
    assert_eq!(g.api(Method::DELETE, &format!("/api/v1/segments/{id}"), None).await.0, StatusCode::NO_CONTENT);
    assert_eq!(g.api(Method::GET, &format!("/api/v1/segments/{id}"), None).await.0, StatusCode::NOT_FOUND);
    assert_eq!(g.api(Method::GET, &format!("/api/v1/contacts?segment={id}"), None).await.0, StatusCode::NOT_FOUND);
    assert_eq!(g.count(json!({})).await, 3);
}

#[tokio::test]
async fn refusals_name_the_rule_and_store_nothing() {
    let g = guests().await;
    let post = |body: Value| g.api(Method::POST, "/api/v1/segments", Some(body));
    for (rules, reason) in [
        (json!({"fields": [{"key": "shoe_size"}]}), "no contact field \\\"shoe_size\\\""),
        (json!({"fields": [{"key": "seating", "equals": "bar"}]}), "\\\"bar\\\" is not a value"),
        (json!({"messaged_within_days": 7, "silent_for_days": 30}), "nobody matches"),
        (json!({"tags": ["a/b"]}), "is not a tag"),
        (json!({"channel_id": "not-an-id"}), "channel_id"),
        (json!({"min_bookings": 0}), "from 1 to 1000"),
    ] {
        let (status, body) = post(json!({"name": "Refused", "rules": rules})).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{rules}: {body}");
        assert!(body.to_string().contains(reason), "{rules}: {body}");
    }
    let (status, body) = post(json!({"name": "Refused", "rules": {"colour": "red"}})).await;
    assert!(status.is_client_error() && body["error"]["message"].as_str().unwrap().contains("colour"), "{body}");
    assert_eq!(post(json!({"name": " ", "rules": {}})).await.0, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(post(json!({"name": "VIPs", "rules": {"tags": ["vip"]}})).await.0, StatusCode::CREATED);
    let (status, body) = post(json!({"name": "VIPs", "rules": {}})).await;
    assert_eq!(status, StatusCode::CONFLICT, "{body}");
    let (_, listed) = g.api(Method::GET, "/api/v1/segments", None).await;
    assert_eq!(listed["data"].as_array().unwrap().len(), 1, "only the one saved: {listed}");
    // A viewer reads segments but does not make them; another business sees none of them.
    let viewer = g.app.token(&g.account, Role::Viewer).await;
    let (status, _) = call(&g.app, Method::GET, "/api/v1/segments", Some(&viewer), None).await;
    assert_eq!(status, StatusCode::OK);
    let body = json!({"name": "Mine", "rules": {}}).to_string();
    let (status, _) = call(&g.app, Method::POST, "/api/v1/segments", Some(&viewer), Some(&body)).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let id = listed["data"][0]["id"].as_str().unwrap();
    let (_, other) = g.app.signup("Salon Nord", "nord@example.com").await;
    let stranger = g.app.token(&other, Role::Owner).await;
    for (method, path) in [
        (Method::GET, format!("/api/v1/segments/{id}")),
        (Method::DELETE, format!("/api/v1/segments/{id}")),
        (Method::GET, format!("/api/v1/contacts?segment={id}")),
    ] {
        let (status, _) = call(&g.app, method, &path, Some(&stranger), None).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{path}");
    }
    let (_, theirs) = call(&g.app, Method::GET, "/api/v1/segments", Some(&stranger), None).await;
    assert_eq!(theirs["data"], json!([]));
}

#[tokio::test]
async fn the_pages_count_before_saving_and_list_a_segments_guests() {
    let g = guests().await;
    let (a, owner) = (&g.account, &g.owner);
    let new = format!("/a/{a}/segments/new");
    let page = owner.get(&new).await.body;
    assert!(page.contains("Right now this segment takes in 3 contacts."), "{page}");
    let form = [("name", "Stammgäste"), ("tags", "VIP"), ("consent", "not_opted_out")];
    let counted = owner.submit(&new, &format!("/a/{a}/segments"), &[&form[..], &[("preview", "1")]].concat()).await;
    assert_eq!(counted.status, StatusCode::OK);
    assert!(counted.body.contains("takes in 1 contacts"), "{}", counted.body);
    assert!(g.tenant.segments().list().await.unwrap().is_empty(), "counting saves nothing");
    let refused = owner.submit(&new, &format!("/a/{a}/segments"), &[("name", "X"), ("min_bookings", "zwei")]).await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(refused.body.contains("“zwei” is not a whole number."), "{}", refused.body);
    let saved = owner.submit(&new, &format!("/a/{a}/segments"), &form).await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.body);
    let list = owner.get(&format!("/a/{a}/segments")).await.body;
    assert!(
        list.contains("Stammgäste") && list.contains("<td data-label=\"Contacts\" class=\"count\">1</td>"),
        "{list}"
    );
    let id = g.tenant.segments().list().await.unwrap()[0].id;
    let contacts = owner.get(&format!("/a/{a}/contacts?segment={id}")).await.body;
    assert_eq!(contacts.matches("<tr id=\"contact-").count(), 1, "{contacts}");
    assert!(contacts.contains(&format!("<option value=\"{id}\" selected>Stammgäste</option>")), "{contacts}");
    // The form shows the saved rules in the member's language.
    owner.submit("/me", "/me", &[("name", "Ada"), ("locale", "de")]).await;
    let edit = owner.get(&format!("/a/{a}/segments/{id}")).await.body;
    assert!(edit.contains("Dieses Segment umfasst gerade 1 Kontakte.") && edit.contains("value=\"vip\""), "{edit}");
    let deleted = owner.submit(&format!("/a/{a}/segments"), &format!("/a/{a}/segments/{id}/delete"), &[]).await;
    assert_eq!(deleted.status, StatusCode::SEE_OTHER);
    assert!(g.tenant.segments().list().await.unwrap().is_empty());
    assert_eq!(owner.get(&format!("/a/{a}/contacts?segment={id}")).await.status, StatusCode::NOT_FOUND);
}
