//! Contacts on both backends: list, search, tags and keyset pages; custom fields; imports applied whole;
//! GDPR export and erasure; team invitations.
use chrono::{TimeDelta, Utc};
use maitre_domain::contacts::import::{ImportRow, Rejected, RowProblem};
use maitre_domain::contacts::{FieldDef, FieldKind, Tag};
use maitre_domain::{ChannelId, ContactId, Locale, Role};
use maitre_store::{
    Actor, ContactEdit, ContactQuery, IncomingMessage, InviteState, NewChannel, RoutedItem, Store, StoreError,
    TenantStore, TokenCreator,
};
use maitre_testkit::TestDb;

use super::{account, store};

fn tag(raw: &str) -> Tag {
    Tag::parse(raw).unwrap()
}

async fn tenant_with_channel(name: &str, email: &str, external: &str) -> (Store, TestDb, TenantStore, ChannelId) {
    let (store, _, db) = store().await;
    let (a, owner) = account(&store, name, email).await;
    let (tenant, _) = store.tenant_for_member(owner, a).await.unwrap();
    let channel = channel(&tenant, external).await;
    (store, db, tenant, channel)
}

pub(super) async fn channel(tenant: &TenantStore, external: &str) -> ChannelId {
    let new = NewChannel {
        platform: maitre_domain::Platform::WhatsApp,
        external_id: external,
        name: "WhatsApp",
        credentials: "sealed",
        webhook_secret_hash: "",
        token_expires_at: None,
        verified: false,
    };
    tenant.channels().create_channel(new).await.unwrap().id
}

fn row(line: u64, phone_digits: &str, name: &str) -> ImportRow {
    ImportRow {
        line,
        external_id: phone_digits.into(),
        name: name.into(),
        phone: format!("+{phone_digits}"),
        email: String::new(),
        tags: vec![],
        fields: vec![],
    }
}

async fn import(tenant: &TenantStore, channel: ChannelId, rows: &[ImportRow], rejected: &[Rejected]) -> String {
    let id = tenant.contacts().create_import(channel, "guests.csv", "", "test").await.unwrap();
    tenant.contacts().import_contacts(&id, rows, rejected, &|_| {}).await.unwrap();
    id
}

/// A guest writes in through the webhook path: event accepted, then recorded.
async fn inbound(db: &TestDb, store: &Store, tenant: &TenantStore, ch: ChannelId, from: &str, text: &str) -> ContactId {
    let key = format!("wamid.{from}");
    let item = serde_json::json!({"platform": "whatsapp", "contact_id": from, "dedupe_key": key,
        "event": {"type": "message", "kind": "text", "text": text}})
    .to_string();
    let routed = RoutedItem { account_id: tenant.account_id(), channel_id: ch, dedupe_key: &key, item: &item };
    store.accept_webhook(&[routed], &[]).await.unwrap();
    let event_id: String = sqlx::query_scalar("SELECT id FROM inbound_events WHERE dedupe_key = $1")
        .bind(&key)
        .fetch_one(&sqlx::AnyPool::connect(&db.url).await.unwrap())
        .await
        .unwrap();
    let m = IncomingMessage {
        event_id: &event_id,
        channel_id: ch,
        contact_external_id: from,
        contact_name: Some("Gina Guest"),
        direction: maitre_domain::Direction::In,
        kind: "text",
        body: text,
        payload: &Default::default(),
        platform_message_id: &key,
        at: Utc::now(),
        automate_at: None,
    };
    tenant.conversations().record_message(&m).await.unwrap().contact_id
}

#[tokio::test]
async fn list_searches_filters_by_tag_and_pages_without_offsets() {
    let (store, _db, tenant, ch) = tenant_with_channel("Alpha", "a@example.com", "100").await;
    let rows: Vec<ImportRow> =
        (0..25).map(|i| row(i + 2, &format!("4917000000{i:02}"), &format!("Guest {i:02}"))).collect();
    import(&tenant, ch, &rows, &[]).await;
    let all = |after| ContactQuery { after, limit: 10, ..ContactQuery::default() };
    let mut seen = Vec::new();
    let mut after = None;
    loop {
        let page = tenant.contacts().list(&all(after)).await.unwrap();
        seen.extend(page.items.into_iter().map(|c| c.name));
        match page.next {
            Some(c) => after = Some(c),
            None => break,
        }
    }
    assert_eq!(seen.len(), 25);
    seen.sort();
    seen.dedup();
    assert_eq!(seen.len(), 25, "no contact twice across pages");

    let found =
        tenant.contacts().list(&ContactQuery { search: Some("guest 07"), limit: 10, ..Default::default() }).await;
    assert_eq!(found.unwrap().items.iter().map(|c| c.name.as_str()).collect::<Vec<_>>(), ["Guest 07"]);
    let search = |s| ContactQuery { search: Some(s), limit: 10, ..Default::default() };
    assert_eq!(tenant.contacts().list(&search("170 000 0012")).await.unwrap().items[0].name, "Guest 12");
    assert!(tenant.contacts().list(&search("%")).await.unwrap().items.is_empty(), "% matches itself only");

    let id = tenant.contacts().list(&all(None)).await.unwrap().items[0].id;
    tenant.contacts().add_contact_tag(id, &tag("vip")).await.unwrap();
    tenant.contacts().add_contact_tag(id, &tag("vip")).await.unwrap();
    let vip =
        tenant.contacts().list(&ContactQuery { tag: Some("VIP"), limit: 10, ..Default::default() }).await.unwrap();
    assert_eq!((vip.items.len(), vip.items[0].tags.clone()), (1, vec!["vip".to_owned()]));
    tenant.contacts().remove_contact_tag(id, "vip").await.unwrap();
    assert!(matches!(tenant.contacts().remove_contact_tag(id, "vip").await, Err(StoreError::NotFound)));

    let (b, b_owner) = account(&store, "Beta", "b@example.com").await;
    let other_tenant = store.tenant_for_member(b_owner, b).await.unwrap().0;
    channel(&other_tenant, "200").await;
    assert!(matches!(other_tenant.contacts().contact(id).await, Err(StoreError::NotFound)));
}

#[tokio::test]
async fn custom_fields_are_defined_once_and_values_set_and_cleared() {
    let (_store, _db, tenant, ch) = tenant_with_channel("Alpha", "a@example.com", "100").await;
    import(&tenant, ch, &[row(2, "491701111111", "Ada")], &[]).await;
    let id = tenant.contacts().list(&ContactQuery { limit: 1, ..Default::default() }).await.unwrap().items[0].id;
    let seating = FieldDef::new("Seating", FieldKind::Choice, "inside, terrace").unwrap();
    tenant.contacts().define_contact_field(&seating).await.unwrap();
    let again = tenant.contacts().define_contact_field(&seating).await.unwrap_err();
    assert!(matches!(again, StoreError::Conflict { ref constraint } if constraint == "contact_fields"), "{again:?}");
    assert_eq!(tenant.contacts().contact_fields().await.unwrap(), std::slice::from_ref(&seating));

    let edit = |value: Option<&str>| ContactEdit {
        name: "Ada L.".into(),
        phone: "+491701111111".into(),
        email: "ada@example.com".into(),
        fields: vec![("seating".into(), value.map(str::to_owned))],
        tags: None,
    };
    tenant.contacts().update_contact(id, &edit(Some("terrace"))).await.unwrap();
    let c = tenant.contacts().contact(id).await.unwrap();
    assert_eq!((c.name.as_str(), c.email.as_str()), ("Ada L.", "ada@example.com"));
    assert_eq!(c.fields, [("seating".to_owned(), "terrace".to_owned())]);
    tenant.contacts().update_contact(id, &edit(None)).await.unwrap();
    assert!(tenant.contacts().contact(id).await.unwrap().fields.is_empty());
    tenant.contacts().update_contact(id, &edit(Some("inside"))).await.unwrap();
    tenant.contacts().delete_contact_field("seating").await.unwrap();
    assert!(tenant.contacts().contact(id).await.unwrap().fields.is_empty(), "values go with their field");
    assert!(matches!(tenant.contacts().update_contact(ContactId::new(), &edit(None)).await, Err(StoreError::NotFound)));
}

#[tokio::test]
async fn contacts_are_created_once_per_identity_and_tags_replaced_as_a_set() {
    let (store, _db, tenant, ch) = tenant_with_channel("Alpha", "a@example.com", "100").await;
    let edit = |tags: &[&str]| ContactEdit {
        name: "Ada".into(),
        tags: Some(tags.iter().map(|t| tag(t)).collect()),
        ..ContactEdit::default()
    };
    let id = tenant.contacts().create_contact(ch, "491701111111", &edit(&["vip", "regular"])).await.unwrap();
    assert_eq!(tenant.contacts().contact(id).await.unwrap().tags, ["regular", "vip"]);
    let again = tenant.contacts().create_contact(ch, "491701111111", &edit(&[])).await.unwrap_err();
    assert!(matches!(again, StoreError::Conflict { ref constraint } if constraint == "contact_identity"), "{again:?}");
    tenant.contacts().update_contact(id, &edit(&["vip", "terrace"])).await.unwrap();
    assert_eq!(tenant.contacts().contact(id).await.unwrap().tags, ["terrace", "vip"]);
    let keep = ContactEdit { name: "Ada".into(), ..ContactEdit::default() };
    tenant.contacts().update_contact(id, &keep).await.unwrap();
    assert_eq!(tenant.contacts().contact(id).await.unwrap().tags, ["terrace", "vip"], "no tags given: tags kept");
    let (b, b_owner) = account(&store, "Beta", "b@example.com").await;
    let (beta, _) = store.tenant_for_member(b_owner, b).await.unwrap();
    let foreign = channel(&beta, "200").await;
    let refused = tenant.contacts().create_contact(foreign, "491702222222", &edit(&[])).await;
    assert!(matches!(refused, Err(StoreError::NotFound)), "another account's channel");
}

#[tokio::test]
async fn an_import_is_applied_whole_updates_known_identities_and_keeps_its_report() {
    let (_store, _db, tenant, ch) = tenant_with_channel("Alpha", "a@example.com", "100").await;
    tenant.contacts().define_contact_field(&FieldDef::new("Birthday", FieldKind::Date, "").unwrap()).await.unwrap();
    // 600 rows span two staging batches; a repeated line number breaks the second one.
    let mut rows: Vec<ImportRow> = (0..600).map(|i| row(i + 2, &format!("4917100{i:05}"), "Guest")).collect();
    rows[550].line = 2;
    let id = tenant.contacts().create_import(ch, "broken.csv", "", "test").await.unwrap();
    let seen = std::sync::Mutex::new(Vec::new());
    let err = tenant.contacts().import_contacts(&id, &rows, &[], &|n| seen.lock().unwrap().push(n)).await;
    assert!(err.is_err());
    assert_eq!(*seen.lock().unwrap(), [500], "the first batch was staged");
    assert!(tenant.contacts().list(&ContactQuery { limit: 5, ..Default::default() }).await.unwrap().items.is_empty());
    tenant.contacts().fail_import(&id, "broken").await.unwrap();
    assert_eq!(tenant.contacts().contact_import(&id).await.unwrap().status, "failed");

    let mut ada = row(2, "491701111111", "Ada");
    ada.tags = vec![tag("vip")];
    ada.fields = vec![("birthday".into(), "1990-05-01".into())];
    let rejected = [Rejected { line: 3, problem: RowProblem::NoPhone }];
    let id = import(&tenant, ch, &[ada.clone(), row(4, "491702222222", "Bea")], &rejected).await;
    let done = tenant.contacts().contact_import(&id).await.unwrap();
    assert_eq!((done.status.as_str(), done.imported, done.updated, done.rejected), ("done", 2, 0, 1));
    assert_eq!(done.report, [Rejected { line: 3, problem: RowProblem::NoPhone }]);

    // Importing the same number again updates that contact; an empty name keeps the stored one.
    let mut again = row(2, "491701111111", "");
    again.email = "ada@example.com".into();
    again.tags = vec![tag("regular")];
    let id = import(&tenant, ch, &[again], &[]).await;
    assert_eq!(tenant.contacts().contact_import(&id).await.unwrap().updated, 1);
    let list =
        tenant.contacts().list(&ContactQuery { search: Some("ada"), limit: 5, ..Default::default() }).await.unwrap();
    let c = &list.items[0];
    assert_eq!(list.items.len(), 1);
    assert_eq!((c.name.as_str(), c.email.as_str(), c.external_id.as_str()), ("Ada", "ada@example.com", "491701111111"));
    assert_eq!(c.tags, ["regular", "vip"]);
    assert_eq!(c.fields, [("birthday".to_owned(), "1990-05-01".to_owned())]);
}

#[tokio::test]
async fn erasure_blanks_messages_events_and_reservations_and_is_audited() {
    let (store, db, tenant, ch) = tenant_with_channel("Alpha", "a@example.com", "100").await;
    let contact = inbound(&db, &store, &tenant, ch, "491709999999", "My allergy: peanuts").await;
    inbound(&db, &store, &tenant, ch, "491708888888", "Someone else").await;
    tenant.contacts().add_contact_tag(contact, &tag("allergy")).await.unwrap();
    tenant.contacts().set_contact_consent(contact, false, "staff@example.com").await.unwrap();
    let owner = store.user_by_email("a@example.com").await.unwrap().id;
    tenant.contacts().add_contact_note(contact, Actor::Member(owner), "Prefers the corner table").await.unwrap();
    let export = tenant.contacts().contact_export(contact).await.unwrap();
    assert_eq!(export["notes"][0]["text"], "Prefers the corner table");
    assert_eq!(export["contact"]["external_id"], "491709999999");
    assert_eq!(export["conversations"][0]["messages"][0]["text"], "My allergy: peanuts");
    assert_eq!(export["tags"][0], "allergy");
    assert_eq!(export["consents"][0]["detail"], "staff@example.com");

    let (token, _) = tenant.team().create_api_token("crm sync", Role::Admin, TokenCreator::Operator).await.unwrap();
    let erased = tenant.contacts().erase_contact(contact, Actor::Token(token.id)).await.unwrap();
    assert_eq!((erased.messages, erased.events, erased.reservations), (1, 1, 0));
    assert!(matches!(tenant.contacts().contact(contact).await, Err(StoreError::NotFound)));
    assert!(matches!(tenant.contacts().erase_contact(contact, Actor::Member(owner)).await, Err(StoreError::NotFound)));
    assert!(tenant.contacts().contact_notes(contact).await.unwrap().is_empty(), "notes go with the contact");
    let pool = sqlx::AnyPool::connect(&db.url).await.unwrap();
    let texts: Vec<String> = sqlx::query_scalar("SELECT body FROM messages").fetch_all(&pool).await.unwrap();
    assert!(!texts.iter().any(|t| t.contains("peanuts")) && texts.contains(&"Someone else".to_owned()));
    let items: Vec<String> = sqlx::query_scalar("SELECT item FROM inbound_events").fetch_all(&pool).await.unwrap();
    assert!(!items.iter().any(|t| t.contains("peanuts") || t.contains("491709999999")), "{items:?}");
    assert!(items.iter().any(|t| t.contains("491708888888")), "other guests untouched");
    let audit = tenant.contacts().erasures().await.unwrap();
    assert_eq!((audit[0].contact_id, audit[0].erased_by), (contact, Actor::Token(token.id)));
    assert_eq!(audit[0].erased_by_name, "crm sync");
    assert!(tenant.contacts().consents(contact).await.unwrap().is_empty());
}

#[tokio::test]
async fn notes_are_newest_first_scoped_to_their_contact_and_edited_in_place() {
    let (store, db, tenant, ch) = tenant_with_channel("Alpha", "a@example.com", "100").await;
    let ada = inbound(&db, &store, &tenant, ch, "491701111111", "Hi").await;
    let bea = inbound(&db, &store, &tenant, ch, "491702222222", "Hello").await;
    let owner = store.user_by_email("a@example.com").await.unwrap().id;
    let first = tenant.contacts().add_contact_note(ada, Actor::Member(owner), "Allergic to nuts").await.unwrap();
    let (token, _) = tenant.team().create_api_token("crm", Role::Agent, TokenCreator::Operator).await.unwrap();
    let second = tenant.contacts().add_contact_note(ada, Actor::Token(token.id), "Synced from the CRM").await.unwrap();
    let notes = tenant.contacts().contact_notes(ada).await.unwrap();
    assert_eq!(notes.iter().map(|n| n.id).collect::<Vec<_>>(), [second, first]);
    assert_eq!((notes[0].author, notes[0].author_name.as_str()), (Some(Actor::Token(token.id)), "crm"));
    assert_eq!((notes[1].author, notes[1].author_name.as_str()), (Some(Actor::Member(owner)), "Owner"));
    assert!(tenant.contacts().contact_notes(bea).await.unwrap().is_empty());
    assert!(matches!(tenant.contacts().contact_note(bea, first).await, Err(StoreError::NotFound)), "another contact's");
    assert!(matches!(tenant.contacts().delete_contact_note(bea, first).await, Err(StoreError::NotFound)));
    assert!(matches!(
        tenant.contacts().add_contact_note(ContactId::new(), Actor::Member(owner), "x").await,
        Err(StoreError::NotFound)
    ));

    tenant.contacts().edit_contact_note(ada, first, "Allergic to nuts and shellfish").await.unwrap();
    let edited = tenant.contacts().contact_note(ada, first).await.unwrap();
    assert_eq!(edited.body, "Allergic to nuts and shellfish");
    assert!(edited.edited_at.is_some());
    tenant.contacts().delete_contact_note(ada, first).await.unwrap();
    assert_eq!(tenant.contacts().contact_notes(ada).await.unwrap().len(), 1);

    let (b, b_owner) = account(&store, "Beta", "b@example.com").await;
    let (beta, _) = store.tenant_for_member(b_owner, b).await.unwrap();
    assert!(beta.contacts().contact_notes(ada).await.unwrap().is_empty(), "other accounts see nothing");
    assert!(matches!(beta.contacts().delete_contact_note(ada, second).await, Err(StoreError::NotFound)));
    assert!(matches!(
        beta.contacts().add_contact_note(ada, Actor::Member(b_owner), "x").await,
        Err(StoreError::NotFound)
    ));
}

#[tokio::test]
async fn invitations_work_once_for_their_email_and_expire() {
    let (store, clock, _db) = store().await;
    let (a, owner) = account(&store, "Alpha", "a@example.com").await;
    let (tenant, _) = store.tenant_for_member(owner, a).await.unwrap();
    let week = TimeDelta::days(7);
    tenant.team().create_invite("New@Example.com", Role::Agent, owner, "tok-new", week).await.unwrap();
    let link = store.invite_by_token("tok-new").await.unwrap();
    assert_eq!((link.email.as_str(), link.role, link.state), ("new@example.com", Role::Agent, InviteState::Open));
    let (acc, user) = store.accept_invite_as_new_user("tok-new", "Nia", "$argon2id$fake", Locale::En).await.unwrap();
    assert_eq!(acc, a);
    assert_eq!(store.tenant_for_member(user, a).await.unwrap().1, Role::Agent);
    assert_eq!(store.invite_by_token("tok-new").await.unwrap().state, InviteState::Used);
    assert!(store.accept_invite_as_new_user("tok-new", "Again", "h", Locale::En).await.is_err());

    let (_, bea) = account(&store, "Beta", "bea@example.com").await;
    tenant.team().create_invite("bea@example.com", Role::Viewer, owner, "tok-bea", week).await.unwrap();
    let wrong = store.accept_invite("tok-bea", user).await.unwrap_err();
    assert!(matches!(wrong, StoreError::Conflict { ref constraint } if constraint == "invite_email"), "{wrong:?}");
    assert_eq!(store.accept_invite("tok-bea", bea).await.unwrap(), a, "the link still works for its address");

    tenant.team().create_invite("late@example.com", Role::Viewer, owner, "tok-late", week).await.unwrap();
    tenant.team().create_invite("gone@example.com", Role::Viewer, owner, "tok-gone", week).await.unwrap();
    let gone =
        tenant.team().pending_invites().await.unwrap().into_iter().find(|i| i.email == "gone@example.com").unwrap();
    tenant.team().revoke_invite(&gone.id).await.unwrap();
    assert_eq!(store.invite_by_token("tok-gone").await.unwrap().state, InviteState::Revoked);
    clock.advance(week + TimeDelta::seconds(1));
    assert_eq!(store.invite_by_token("tok-late").await.unwrap().state, InviteState::Expired);
    assert!(matches!(
        store.accept_invite_as_new_user("tok-late", "L", "h", Locale::En).await,
        Err(StoreError::NotFound)
    ));
    assert!(matches!(store.invite_by_token("unknown").await, Err(StoreError::NotFound)));
    assert_eq!(tenant.team().pending_invites().await.unwrap().len(), 1, "only the expired one is still pending");
}
