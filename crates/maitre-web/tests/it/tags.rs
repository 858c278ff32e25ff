//! Tags cannot bend links (issue 16): a flow's tag node never makes a tag with `/ ? # \`, staff cannot type one,
//! and a tag's "×" form posts to that tag's own percent-encoded path, removing that tag and nothing else.
use maitre_domain::Role;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::contacts::setup;

/// Walks from a contact's tag list up to the team's "remove member" action, as the reported tag did.
const HOSTILE: &str = "x/../../../team/members/0190/remove?";

async fn api(s: &crate::contacts::Setup, token: &str, method: Method, path: &str, body: Value) -> (StatusCode, Value) {
    let res = s.app.client().http.request(method, s.app.url(path)).bearer_auth(token).json(&body).send().await.unwrap();
    (res.status(), res.json().await.unwrap_or(Value::Null))
}

#[tokio::test]
async fn a_flow_tag_cannot_bend_a_link_and_the_remove_form_targets_only_its_tag() {
    let s = setup().await;
    let token = s.app.token(&s.account, Role::Admin).await;
    let def = json!({
        "triggers": [{ "type": "any_message" }],
        "start": "t",
        "nodes": [
            { "id": "t", "type": "tag", "add": ["VIP", HOSTILE, "a#b", "a\\b"], "next": "e" },
            { "id": "e", "type": "end" }
        ]
    });
    let (status, created) =
        api(&s, &token, Method::POST, "/api/v1/flows", json!({ "name": "Tagger", "draft": def })).await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    let bad: Vec<&str> = created["issues"].as_array().unwrap().iter().filter_map(|i| i["message"].as_str()).collect();
    assert_eq!(bad.iter().filter(|m| m.contains("is not a tag")).count(), 3, "{bad:?}");
    let id = created["id"].as_str().unwrap().to_owned();
    let (status, _) = api(&s, &token, Method::POST, &format!("/api/v1/flows/{id}/publish"), Value::Null).await;
    assert_eq!(status, StatusCode::CONFLICT, "a flow with such a tag is not published");

    // A version published before tags were checked still runs, without the tags that do not parse.
    let tenant = s.app.store.tenant_for_operator(s.account.parse().unwrap()).await.unwrap();
    tenant.flows().publish_flow(id.parse().unwrap(), &def.to_string(), "an earlier release").await.unwrap();
    tenant.flows().set_flow_enabled(id.parse().unwrap(), true).await.unwrap();
    let contact = s.guest_writes().await;
    assert_eq!(tenant.contacts().contact(contact.parse().unwrap()).await.unwrap().tags, ["vip"]);

    let page_path = s.path(&format!("/contacts/{contact}"));
    let typed = s.owner.submit(&page_path, &format!("{page_path}/tags"), &[("tag", HOSTILE)]).await;
    assert_eq!(typed.status, StatusCode::UNPROCESSABLE_ENTITY, "staff cannot type one either");
    let (status, _) =
        api(&s, &token, Method::PATCH, &format!("/api/v1/contacts/{contact}"), json!({ "tags": ["ok", "a?b"] })).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "nor send one through the API");

    // A tag with characters that mean something in a URL gets an encoded segment of its own.
    let added = s.owner.submit(&page_path, &format!("{page_path}/tags"), &[("tag", "10% off & more")]).await;
    assert_eq!(added.status, StatusCode::SEE_OTHER, "{}", added.body);
    let page = s.owner.get(&page_path).await;
    let remove = format!("{page_path}/tags/10%25%20off%20%26%20more/remove");
    assert!(page.body.contains(&format!("action=\"{remove}\"")), "{}", page.body);
    assert!(page.body.contains(&format!("action=\"{page_path}/tags/vip/remove\"")), "{}", page.body);
    let removed = s.owner.submit(&page_path, &remove, &[]).await;
    assert_eq!(removed.status, StatusCode::SEE_OTHER, "{}", removed.body);
    assert_eq!(tenant.contacts().contact(contact.parse().unwrap()).await.unwrap().tags, ["vip"], "only that tag went");
}
