//! Contacts over the JSON API: keyset pages that neither repeat nor skip, search, create and patch with values
//! checked against their types (422 naming the input), roles, other accounts, notes, and delete as an audited
//! GDPR erasure.
use maitre_domain::Role;
use reqwest::Method;
use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::api::call;
use crate::helpers::TestApp;

const WA: &str = "200000000000002";

struct Api {
    app: TestApp,
    account: String,
    channel: String,
    admin: String,
}

async fn setup() -> Api {
    let app = TestApp::spawn().await;
    let (owner, account) = app.signup("Trattoria Roma", "owner@example.com").await;
    let channel = app.connect(&account, "whatsapp", WA, "WA-TOKEN-FAKE").await.id.to_string();
    let fields = format!("/a/{account}/contacts/fields");
    let defined = owner
        .submit(&fields, &fields, &[("label", "Seating"), ("kind", "choice"), ("choices", "inside, terrace")])
        .await;
    assert_eq!(defined.status, StatusCode::SEE_OTHER);
    let defined = owner.submit(&fields, &fields, &[("label", "Visits"), ("kind", "number")]).await;
    assert_eq!(defined.status, StatusCode::SEE_OTHER);
    let admin = app.token(&account, Role::Admin).await;
    Api { app, account, channel, admin }
}

impl Api {
    async fn call(&self, method: Method, path: &str, token: &str, body: Option<Value>) -> (StatusCode, Value) {
        call(&self.app, method, path, Some(token), body.map(|b| b.to_string()).as_deref()).await
    }

    async fn create(&self, body: Value) -> (StatusCode, Value) {
        self.call(Method::POST, "/api/v1/contacts", &self.admin, Some(body)).await
    }
}

#[tokio::test]
async fn list_pages_are_stable_and_search_and_tags_narrow_them() {
    let a = setup().await;
    for i in 0..7 {
        let tags = if i % 2 == 0 { json!(["even"]) } else { json!([]) };
        let (status, body) = a
            .create(
                json!({"channel_id": a.channel, "name": format!("Guest {i}"), "phone": format!("+4915100000{i:03}"),
                "tags": tags}),
            )
            .await;
        assert_eq!(status, StatusCode::CREATED, "{body}");
        // Same creation instant for several contacts: the id breaks the tie, so pages still do not overlap.
        if i % 3 == 0 {
            a.app.clock.advance(chrono::TimeDelta::seconds(1));
        }
    }
    let mut seen: Vec<String> = Vec::new();
    let mut after = String::new();
    loop {
        let (status, page) =
            a.call(Method::GET, &format!("/api/v1/contacts?limit=3&after={after}"), &a.admin, None).await;
        assert_eq!(status, StatusCode::OK, "{page}");
        let items = page["items"].as_array().unwrap();
        assert!(items.len() <= 3);
        seen.extend(items.iter().map(|c| c["id"].as_str().unwrap().to_owned()));
        match page["next"].as_str() {
            Some(next) => after = next.to_owned(),
            None => break,
        }
    }
    let mut unique = seen.clone();
    unique.sort();
    unique.dedup();
    assert_eq!((seen.len(), unique.len()), (7, 7), "every contact once: {seen:?}");
    let (_, all) = a.call(Method::GET, "/api/v1/contacts", &a.admin, None).await;
    let names: Vec<&str> = all["items"].as_array().unwrap().iter().map(|c| c["name"].as_str().unwrap()).collect();
    assert_eq!(names[0], "Guest 6", "newest first: {names:?}");

    let (_, found) = a.call(Method::GET, "/api/v1/contacts?q=guest%203", &a.admin, None).await;
    assert_eq!(found["items"].as_array().unwrap().len(), 1);
    assert_eq!(found["items"][0]["phone"], "+4915100000003");
    let (_, found) = a.call(Method::GET, "/api/v1/contacts?q=15100000005", &a.admin, None).await;
    assert_eq!(found["items"][0]["name"], "Guest 5");
    let (_, even) = a.call(Method::GET, "/api/v1/contacts?tag=even", &a.admin, None).await;
    assert_eq!(even["items"].as_array().unwrap().len(), 4);

    for bad in ["/api/v1/contacts?after=garbage", "/api/v1/contacts?limit=abc"] {
        let (status, body) = a.call(Method::GET, bad, &a.admin, None).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{bad}: {body}");
        assert!(body["error"]["message"].is_string());
    }
    // Out of range is the same fault as unparsable: a bad query parameter.
    let (status, _) = a.call(Method::GET, "/api/v1/contacts?limit=0", &a.admin, None).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn create_and_patch_check_values_by_type_and_roles_and_accounts_are_kept_apart() {
    let a = setup().await;
    let (status, created) = a
        .create(json!({"channel_id": a.channel, "name": "Ada", "phone": "+49 170 1111111", "email": "Ada@Example.com",
            "tags": ["VIP"], "fields": {"seating": "terrace", "visits": 3}}))
        .await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    let c = &created["contact"];
    assert_eq!((c["external_id"].as_str(), c["phone"].as_str()), (Some("491701111111"), Some("+491701111111")));
    assert_eq!((c["email"].as_str(), c["tags"].clone()), (Some("ada@example.com"), json!(["vip"])));
    assert_eq!(c["fields"], json!({"seating": "terrace", "visits": "3"}));
    assert_eq!(c["opted_in"], true);
    let id = c["id"].as_str().unwrap().to_owned();
    let path = format!("/api/v1/contacts/{id}");

    let (status, again) = a.create(json!({"channel_id": a.channel, "phone": "+491701111111"})).await;
    assert_eq!((status, again["error"]["code"].as_str()), (StatusCode::CONFLICT, Some("conflict")));
    // A national number is read in the business's country (an English sign-up's is GB).
    let (status, british) = a.create(json!({"channel_id": a.channel, "phone": "07911 123456"})).await;
    assert_eq!((status, british["contact"]["phone"].as_str()), (StatusCode::CREATED, Some("+447911123456")));
    for (body, field) in [
        (json!({"channel_id": a.channel, "name": "No phone"}), "phone"),
        (json!({"channel_id": "not-a-channel", "phone": "+491702222222"}), "channel_id"),
        (json!({"channel_id": a.channel, "phone": "0170 22"}), "phone"),
        (json!({"channel_id": a.channel, "phone": "+491702222222", "fields": {"seating": "garden"}}), "fields.seating"),
        (json!({"channel_id": a.channel, "phone": "+491702222222", "fields": {"shoe_size": "42"}}), "fields.shoe_size"),
        (json!({"channel_id": a.channel, "phone": "+491702222222", "tags": ["a/b"]}), "tags"),
    ] {
        let (status, err) = a.create(body.clone()).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}: {err}");
        let message = err["error"]["message"].as_str().unwrap();
        assert!(message.starts_with(&format!("{field}: ")), "{body}: {message}");
    }

    let (status, patched) = a
        .call(
            Method::PATCH,
            &path,
            &a.admin,
            Some(json!({"email": "", "tags": ["regular", "vip"],
            "fields": {"seating": null, "visits": "4,5"}})),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{patched}");
    let c = &patched["contact"];
    assert_eq!((c["name"].as_str(), c["email"].as_str()), (Some("Ada"), Some("")), "only what is given changes");
    assert_eq!((c["tags"].clone(), c["fields"].clone()), (json!(["regular", "vip"]), json!({"visits": "4.5"})));
    let (status, err) = a.call(Method::PATCH, &path, &a.admin, Some(json!({"fields": {"visits": "many"}}))).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(err["error"]["message"].as_str().unwrap().starts_with("fields.visits: "), "{err}");
    let (status, err) = a.call(Method::PATCH, &path, &a.admin, Some(json!({"email": "ada@"}))).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(err["error"]["message"].as_str().unwrap().starts_with("email: "), "{err}");
    let (status, _) = a.call(Method::PATCH, &path, &a.admin, Some(json!({"nickname": "A"}))).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "unknown inputs are refused");

    // A viewer reads but writes nothing; an agent edits but does not erase.
    let viewer = a.app.token(&a.account, Role::Viewer).await;
    let (status, one) = a.call(Method::GET, &path, &viewer, None).await;
    assert_eq!((status, one["contact"]["name"].as_str()), (StatusCode::OK, Some("Ada")));
    for (method, p, body) in [
        (Method::PATCH, path.clone(), Some(json!({"name": "Hacked"}))),
        (Method::POST, "/api/v1/contacts".to_owned(), Some(json!({"channel_id": a.channel, "phone": "+491703333333"}))),
        (Method::POST, format!("{path}/notes"), Some(json!({"text": "x"}))),
        (Method::DELETE, path.clone(), None),
    ] {
        let (status, body) = a.call(method.clone(), &p, &viewer, body).await;
        assert_eq!(
            (status, body["error"]["code"].as_str()),
            (StatusCode::FORBIDDEN, Some("forbidden")),
            "{method} {p}"
        );
    }
    let agent = a.app.token(&a.account, Role::Agent).await;
    let (status, _) = a.call(Method::PATCH, &path, &agent, Some(json!({"name": "Ada L."}))).await;
    assert_eq!(status, StatusCode::OK);
    let (status, _) = a.call(Method::DELETE, &path, &agent, None).await;
    assert_eq!(status, StatusCode::FORBIDDEN);

    // Another account's token: the contact does not exist for it, and its channel is not a place to create one.
    let (_, other_account) = a.app.signup("Other Place", "other@example.com").await;
    let other = a.app.token(&other_account, Role::Owner).await;
    for (method, p, body) in [
        (Method::GET, path.clone(), None),
        (Method::PATCH, path.clone(), Some(json!({"name": "Stolen"}))),
        (Method::GET, format!("{path}/notes"), None),
        (Method::POST, format!("{path}/notes"), Some(json!({"text": "x"}))),
        (Method::DELETE, path.clone(), None),
        (Method::GET, "/api/v1/contacts/not-a-contact".to_owned(), None),
    ] {
        let (status, body) = a.call(method.clone(), &p, &other, body).await;
        assert_eq!(
            (status, body["error"]["code"].as_str()),
            (StatusCode::NOT_FOUND, Some("not_found")),
            "{method} {p}"
        );
    }
    let (status, err) = a
        .call(
            Method::POST,
            "/api/v1/contacts",
            &other,
            Some(json!({"channel_id": a.channel, "phone": "+491704444444"})),
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND, "another account's channel is none of this one's: {err}");
    let (_, theirs) = a.call(Method::GET, "/api/v1/contacts", &other, None).await;
    assert_eq!(theirs["items"], json!([]));
}

#[tokio::test]
async fn notes_are_added_and_listed_and_delete_erases_with_an_audit_naming_the_token() {
    let a = setup().await;
    let (_, created) = a.create(json!({"channel_id": a.channel, "name": "Bea", "phone": "+491705555555"})).await;
    let id = created["contact"]["id"].as_str().unwrap().to_owned();
    let path = format!("/api/v1/contacts/{id}");
    let (status, note) = a
        .call(Method::POST, &format!("{path}/notes"), &a.admin, Some(json!({"text": "  Allergic to nuts\nAsk twice "})))
        .await;
    assert_eq!(status, StatusCode::CREATED, "{note}");
    assert_eq!((note["text"].as_str(), note["via_api"].as_bool()), (Some("Allergic to nuts\nAsk twice"), Some(true)));
    assert_eq!(note["author"], "test");
    let (status, err) = a.call(Method::POST, &format!("{path}/notes"), &a.admin, Some(json!({"text": "   "}))).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(err["error"]["message"].as_str().unwrap().starts_with("text: "), "{err}");
    let viewer = a.app.token(&a.account, Role::Viewer).await;
    let (status, notes) = a.call(Method::GET, &format!("{path}/notes"), &viewer, None).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(notes.as_array().unwrap().len(), 1);

    let (status, _) = a.call(Method::DELETE, &path, &a.admin, None).await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let (status, _) = a.call(Method::GET, &path, &a.admin, None).await;
    assert_eq!(status, StatusCode::NOT_FOUND, "erased contacts are gone");
    let (status, _) = a.call(Method::DELETE, &path, &a.admin, None).await;
    assert_eq!(status, StatusCode::NOT_FOUND, "erasing twice");
    let (_, list) = a.call(Method::GET, "/api/v1/contacts?q=bea", &a.admin, None).await;
    assert_eq!(list["items"], json!([]));
    let tenant = a.app.store.tenant_for_operator(a.account.parse().unwrap()).await.unwrap();
    assert!(
        tenant.contacts().contact_notes(id.parse().unwrap()).await.unwrap().is_empty(),
        "notes go with the contact"
    );
    let audit = tenant.contacts().erasures().await.unwrap();
    assert_eq!((audit[0].contact_id.to_string().as_str(), audit[0].erased_by_name.as_str()), (id.as_str(), "test"));
    assert!(matches!(audit[0].erased_by, maitre_store::Actor::Token(_)));
}

#[tokio::test]
async fn a_token_edits_and_deletes_its_own_notes_and_an_admins_token_anyones() {
    let a = setup().await;
    let (_, created) = a.create(json!({"channel_id": a.channel, "name": "Cleo", "phone": "+491706666666"})).await;
    let notes = format!("/api/v1/contacts/{}/notes", created["contact"]["id"].as_str().unwrap());
    let agent = a.app.token(&a.account, Role::Agent).await;
    let other_agent = a.app.token(&a.account, Role::Agent).await;
    let add = |token: String, text: &'static str| {
        let (a, notes) = (&a, notes.clone());
        async move {
            let (status, note) = a.call(Method::POST, &notes, &token, Some(json!({ "text": text }))).await;
            assert_eq!(status, StatusCode::CREATED, "{note}");
            format!("{notes}/{}", note["id"].as_str().unwrap())
        }
    };
    let own = add(agent.clone(), "Prefers the terrace").await;
    let admins = add(a.admin.clone(), "VIP").await;

    let (status, note) = a.call(Method::PATCH, &own, &agent, Some(json!({"text": " Prefers the window "}))).await;
    assert_eq!(status, StatusCode::OK, "{note}");
    assert_eq!(note["text"], "Prefers the window");
    assert!(note["edited_at"].is_string(), "{note}");
    let (status, err) = a.call(Method::PATCH, &own, &agent, Some(json!({"text": "  "}))).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{err}");
    assert!(err["error"]["message"].as_str().unwrap().starts_with("text: "), "{err}");
    for (method, body) in [(Method::PATCH, Some(json!({"text": "mine now"}))), (Method::DELETE, None)] {
        let (status, _) = a.call(method.clone(), &admins, &agent, body.clone()).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{method} of another's note by an agent");
        let (status, _) = a.call(method.clone(), &own, &other_agent, body.clone()).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{method} by another agent's token");
        let (status, _) = a.call(method.clone(), &format!("{notes}/nope"), &a.admin, body).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{method} of an unknown note");
    }
    let (_, other_account) = a.app.signup("Other", "other@example.com").await;
    let stranger = a.app.token(&other_account, Role::Owner).await;
    let (status, _) = a.call(Method::DELETE, &own, &stranger, None).await;
    assert_eq!(status, StatusCode::NOT_FOUND, "another account's token");

    let (status, _) = a.call(Method::DELETE, &own, &a.admin, None).await;
    assert_eq!(status, StatusCode::NO_CONTENT, "an admin's token deletes anyone's note");
    let (status, _) = a.call(Method::DELETE, &own, &a.admin, None).await;
    assert_eq!(status, StatusCode::NOT_FOUND, "deleting twice");
    let (_, left) = a.call(Method::GET, &notes, &agent, None).await;
    let texts: Vec<&str> = left.as_array().unwrap().iter().map(|n| n["text"].as_str().unwrap()).collect();
    assert_eq!(texts, ["VIP"]);
}

#[tokio::test]
async fn contacts_routes_are_in_the_openapi_document() {
    let app = TestApp::spawn().await;
    let (status, doc) = call(&app, Method::GET, "/api/v1/openapi.json", None, None).await;
    assert_eq!(status, StatusCode::OK);
    for (path, method) in [
        ("/api/v1/contacts", "get"),
        ("/api/v1/contacts", "post"),
        ("/api/v1/contacts/{id}", "get"),
        ("/api/v1/contacts/{id}", "patch"),
        ("/api/v1/contacts/{id}", "delete"),
        ("/api/v1/contacts/{id}/notes", "get"),
        ("/api/v1/contacts/{id}/notes", "post"),
        ("/api/v1/contacts/{id}/notes/{note}", "patch"),
        ("/api/v1/contacts/{id}/notes/{note}", "delete"),
    ] {
        assert!(doc["paths"][path][method].is_object(), "{method} {path} documented");
    }
    assert!(doc["components"]["schemas"]["ContactDetail"].is_object());
}
