//! The shared inbox in the store, on the backend chosen by MAITRE_TEST_DATABASE_URL: filters, keyset pages under
//! new messages, search, the thread with notes and trail, unread counts, replies by hand, live events.
use std::time::Duration;

use chrono::{DateTime, TimeDelta, TimeZone, Utc};
use maitre_domain::contacts::Tag;
use maitre_domain::{AccountId, AccountSettings, ConversationId, FlowId, Locale, Role, UserId};
use maitre_store::{
    Clock, Filter, InboundPayload, InboxQuery, IncomingMessage, JobKind, LiveEvent, Media, MediaRef, NewAccount,
    NewChannel, StepEffects, Store, StoreError, TenantStore, ThreadItem,
};
use maitre_testkit::TestDb;

struct World {
    store: Store,
    clock: Clock,
    tenant: TenantStore,
    owner: UserId,
    agent: UserId,
    channel: maitre_domain::ChannelId,
    _db: TestDb,
}

async fn account(store: &Store, name: &str, email: &str) -> (AccountId, UserId) {
    let settings = AccountSettings::defaults_for(name, Locale::En).unwrap();
    let new = NewAccount { settings: &settings, owner_email: email, owner_name: name, owner_password_hash: "h" };
    store.create_account_with_owner(new).await.unwrap()
}

async fn world() -> World {
    let db = TestDb::new().await;
    let clock = Clock::manual(Utc.with_ymd_and_hms(2026, 9, 21, 14, 0, 0).unwrap());
    let store = Store::open(&db.url, clock.clone()).await.unwrap();
    let (account, owner) = account(&store, "Salon", "owner@example.com").await;
    let tenant = store.tenant_for_operator(account).await.unwrap();
    let agent = store.create_user("agent@example.com", "Alex Agent", "h", Locale::En).await.unwrap().id;
    tenant.team().add_member(agent, Role::Agent).await.unwrap();
    let channel = tenant
        .channels()
        .create_channel(NewChannel {
            platform: maitre_domain::Platform::WhatsApp,
            external_id: "200000000000002",
            name: "WhatsApp",
            credentials: "sealed",
            webhook_secret_hash: "",
            token_expires_at: None,
            verified: false,
        })
        .await
        .unwrap()
        .id;
    World { store, clock, tenant, owner, agent, channel, _db: db }
}

impl World {
    /// A guest's text message at the clock's time; returns the conversation id.
    async fn inbound(&self, guest: &str, name: &str, text: &str) -> ConversationId {
        self.inbound_with(guest, name, "text", text, &InboundPayload::default()).await
    }

    async fn inbound_with(
        &self,
        guest: &str,
        name: &str,
        kind: &str,
        text: &str,
        payload: &InboundPayload,
    ) -> ConversationId {
        self.clock.advance(TimeDelta::seconds(1));
        let at: DateTime<Utc> = self.clock.now();
        let pid = format!("wamid.{}", uuid::Uuid::now_v7());
        self.tenant
            .conversations()
            .record_message(&IncomingMessage {
                event_id: &pid,
                channel_id: self.channel,
                contact_external_id: guest,
                contact_name: Some(name),
                direction: maitre_domain::Direction::In,
                kind,
                body: text,
                payload,
                platform_message_id: &pid,
                at,
                automate_at: Some(at),
            })
            .await
            .unwrap()
            .conversation_id
    }

    fn query(&self, filter: Filter) -> InboxQuery<'static> {
        InboxQuery {
            filter,
            me: self.owner,
            channel: None,
            tag: None,
            search: None,
            began: None,
            outcome: None,
            after: None,
            limit: 50,
        }
    }

    async fn names(&self, q: &InboxQuery<'_>) -> Vec<String> {
        self.tenant.inbox().list(q).await.unwrap().items.into_iter().map(|c| c.contact_name).collect()
    }
}

#[tokio::test]
async fn filters_follow_assignment_takeover_and_closing_and_the_trail_says_who() {
    let w = world().await;
    let anna = w.inbound("4911", "Anna", "Hello").await;
    let ben = w.inbound("4922", "Ben", "Table for two?").await;
    let cleo = w.inbound("4933", "Cleo", "Thanks").await;
    assert_eq!(w.names(&w.query(Filter::Open)).await, ["Cleo", "Ben", "Anna"], "newest first");

    w.tenant.inbox().take_over(anna, Some(w.owner)).await.unwrap();
    w.tenant.inbox().assign(ben, Some(w.agent), Some(w.owner)).await.unwrap();
    w.tenant.inbox().set_closed(cleo, true, Some(w.agent)).await.unwrap();
    w.tenant.inbox().add_tag(ben, &Tag::parse(" VIP ").unwrap()).await.unwrap();

    assert_eq!(w.names(&w.query(Filter::Open)).await, ["Ben", "Anna"]);
    assert_eq!(w.names(&w.query(Filter::Mine)).await, ["Anna"], "taking over assigns to the taker");
    assert_eq!(w.names(&w.query(Filter::Human)).await, ["Anna"]);
    assert_eq!(w.names(&w.query(Filter::Bot)).await, ["Ben"]);
    assert_eq!(w.names(&w.query(Filter::Unassigned)).await, Vec::<String>::new());
    assert_eq!(w.names(&w.query(Filter::Closed)).await, ["Cleo"]);
    assert_eq!(w.names(&w.query(Filter::All)).await, ["Cleo", "Ben", "Anna"]);
    let vip = InboxQuery { tag: Some("vip"), ..w.query(Filter::All) };
    assert_eq!(w.names(&vip).await, ["Ben"]);
    let by_channel = InboxQuery { channel: Some(maitre_domain::ChannelId::new()), ..w.query(Filter::All) };
    assert!(w.names(&by_channel).await.is_empty());

    let b = w.tenant.inbox().conversation(ben, w.owner).await.unwrap();
    assert_eq!(
        (b.assignee, b.assignee_name.as_deref(), b.tags.as_slice()),
        (Some(w.agent), Some("Alex Agent"), &["vip".to_owned()][..])
    );

    // A guest writing again reopens; reopening by hand is recorded.
    w.tenant.inbox().set_closed(cleo, false, Some(w.owner)).await.unwrap();
    w.tenant.inbox().hand_back(anna, Some(w.owner), None).await.unwrap();
    let trail: Vec<(String, Option<String>)> =
        w.tenant.inbox().activity(anna).await.unwrap().into_iter().map(|a| (a.kind, a.actor)).collect();
    assert_eq!(trail, [("taken_over".into(), Some("Salon".into())), ("handed_back".into(), Some("Salon".into()))]);
    let cleo_trail: Vec<String> = w.tenant.inbox().activity(cleo).await.unwrap().into_iter().map(|a| a.kind).collect();
    assert_eq!(cleo_trail, ["closed", "reopened"]);
}

#[tokio::test]
async fn the_thread_merges_messages_notes_and_trail_and_notes_are_not_messages() {
    let w = world().await;
    let anna = w.inbound("4911", "Anna", "Do you have time on Friday?").await;
    w.clock.advance(TimeDelta::seconds(1));
    w.tenant.inbox().take_over(anna, Some(w.agent)).await.unwrap();
    w.clock.advance(TimeDelta::seconds(1));
    w.tenant.inbox().add_note(anna, Some(w.agent), "Regular guest, prefers Maria").await.unwrap();
    w.clock.advance(TimeDelta::seconds(1));
    let reply = w.tenant.inbox().reply(anna, Some(w.agent), "Yes, 3 pm works!", None).await.unwrap();
    let items: Vec<String> = w
        .tenant
        .inbox()
        .thread(anna)
        .await
        .unwrap()
        .into_iter()
        .map(|i| match i {
            ThreadItem::Message(m) => format!("{} {} {}", m.direction, m.body, m.sent_by.unwrap_or_default()),
            ThreadItem::Note(n) => format!("note {} {}", n.body, n.author.unwrap_or_default()),
            ThreadItem::Activity(a) => format!("{} {}", a.kind, a.actor.unwrap_or_default()),
        })
        .collect();
    assert_eq!(
        items,
        [
            "in Do you have time on Friday? ",
            "taken_over Alex Agent",
            "note Regular guest, prefers Maria Alex Agent",
            "out Yes, 3 pm works! Alex Agent",
        ]
    );
    let (_, inbound, outbound) = w.tenant.conversations().message_counts().await.unwrap();
    assert_eq!((inbound, outbound), (1, 1), "the note is not a message");
    let out = w.tenant.conversations().outgoing(reply).await.unwrap();
    assert_eq!((out.status.as_str(), out.sent_by), ("queued", Some(w.agent.to_string())));
    assert!(matches!(w.tenant.inbox().add_note(anna, None, "   ").await, Err(StoreError::Conflict { .. })));
}

#[tokio::test]
async fn unread_counts_are_per_member_and_reset_by_reading() {
    let w = world().await;
    let anna = w.inbound("4911", "Anna", "one").await;
    w.inbound("4911", "Anna", "two").await;
    let unread = |user| {
        let t = w.tenant.clone();
        let id = anna;
        async move { t.inbox().conversation(id, user).await.unwrap().unread }
    };
    assert_eq!((unread(w.owner).await, unread(w.agent).await), (2, 2));
    w.tenant.inbox().mark_read(anna, w.owner).await.unwrap();
    assert_eq!((unread(w.owner).await, unread(w.agent).await), (0, 2));
    w.tenant.inbox().reply(anna, Some(w.owner), "answer", None).await.unwrap();
    w.inbound("4911", "Anna", "three").await;
    assert_eq!((unread(w.owner).await, unread(w.agent).await), (1, 3), "own replies are not unread");
}

#[tokio::test]
async fn keyset_pages_neither_repeat_nor_skip_when_new_messages_arrive() {
    let w = world().await;
    let mut ids = vec![];
    for i in 0..25 {
        ids.push(w.inbound(&format!("49{i:03}"), &format!("Guest {i:02}"), "hi").await);
    }
    ids.reverse(); // newest first
    let page = |after| InboxQuery { after, limit: 10, ..w.query(Filter::Open) };
    let first = w.tenant.inbox().list(&page(None)).await.unwrap();
    assert_eq!(first.items.iter().map(|c| c.id).collect::<Vec<_>>(), ids[..10]);
    // Meanwhile: a conversation on the third page gets a message, and a new guest writes.
    let bumped = ids[22];
    w.inbound("49002", "Guest 02", "still there?").await;
    w.inbound("49999", "Newcomer", "hello").await;
    let second = w.tenant.inbox().list(&page(first.next.clone())).await.unwrap();
    let third = w.tenant.inbox().list(&page(second.next.clone())).await.unwrap();
    assert!(third.next.is_none());
    let rest: Vec<ConversationId> = second.items.iter().chain(&third.items).map(|c| c.id).collect();
    let expected: Vec<ConversationId> = ids[10..].iter().filter(|id| **id != bumped).cloned().collect();
    assert_eq!(rest, expected, "later pages continue where the first ended; the bumped one moved to the top");
    let top = w.tenant.inbox().list(&page(None)).await.unwrap();
    assert_eq!(top.items[0].contact_name, "Newcomer");
    assert_eq!(top.items[1].id, bumped);
}

#[tokio::test]
async fn search_finds_message_text_and_contact_names_in_this_account_only() {
    let w = world().await;
    w.inbound("4911", "Anna Schmidt", "Haben Sie am Freitag einen Tisch?").await;
    w.inbound("4922", "Ben", "Is 50% off still on?").await;
    w.inbound("4933", "Cleo", "See you").await;
    let search = |s: &'static str| InboxQuery { search: Some(s), ..w.query(Filter::All) };
    assert_eq!(w.names(&search("freitag")).await, ["Anna Schmidt"], "case-insensitive text");
    assert_eq!(w.names(&search("SCHMI")).await, ["Anna Schmidt"], "part of a name");
    assert_eq!(w.names(&search("50%")).await, ["Ben"]);
    assert!(
        w.names(&search("0% of")).await.len() == 1 && w.names(&search("_")).await.is_empty(),
        "wildcards are literal"
    );
    assert!(w.names(&search("nobody")).await.is_empty());
    // Another account with the same words sees only its own.
    let (other, _) = account(&w.store, "Other", "other@example.com").await;
    let other = w.store.tenant_for_operator(other).await.unwrap();
    assert!(other.inbox().list(&search("freitag")).await.unwrap().items.is_empty());
}

#[tokio::test]
async fn search_folds_case_beyond_ascii_and_forgets_erased_texts() {
    let w = world().await;
    let anna = w.inbound("4911", "Anna", "Schöne Grüße aus KÖLN").await;
    w.inbound("4922", "Ben", "Ein Tisch für zwei, bitte").await;
    let search = |s: &'static str| InboxQuery { search: Some(s), ..w.query(Filter::All) };
    assert_eq!(w.names(&search("köln")).await, ["Anna"], "Ö and ö are one letter");
    assert_eq!(w.names(&search("GRÜSSE")).await, Vec::<String>::new(), "ß is not ss (as in PostgreSQL's LOWER)");
    assert_eq!(w.names(&search("e grüße a")).await, ["Anna"], "across word boundaries");
    assert_eq!(w.names(&search("ü")).await.len(), 2, "shorter than a trigram: still found");
    assert_eq!(w.names(&search("\"zwei, bitte\"")).await, Vec::<String>::new(), "quotes are literal");
    assert_eq!(w.names(&search("zwei, bitte")).await, ["Ben"]);

    let contact = w.tenant.inbox().conversation(anna, w.owner).await.unwrap().contact_id;
    w.tenant.contacts().erase_contact(contact, maitre_store::Actor::Member(w.owner)).await.unwrap();
    assert!(w.names(&search("köln")).await.is_empty(), "an erased text is not found any more");
    assert_eq!(w.names(&search("bitte")).await, ["Ben"]);
}

#[tokio::test]
async fn a_guests_media_and_references_come_back_with_the_thread_and_flows_read_the_value() {
    let w = world().await;
    let payload = InboundPayload {
        value: "18000000000000010".into(),
        attachments: vec![Media {
            kind: "image".into(),
            url: Some("https://cdn.example/a.jpg".into()),
            mime: Some("image/jpeg".into()),
            name: None,
        }],
        reference: Some(MediaRef { kind: "post".into(), id: Some("18000000000000010".into()), url: None }),
    };
    let anna = w.inbound_with("4911", "Anna", "comment", "nice!", &payload).await;
    let extras: Vec<InboundPayload> = w
        .tenant
        .inbox()
        .thread(anna)
        .await
        .unwrap()
        .into_iter()
        .filter_map(|i| match i {
            ThreadItem::Message(m) => Some(m.extras),
            _ => None,
        })
        .collect();
    assert_eq!(extras, [payload]);
    assert_eq!(w.tenant.flows().step_input(anna).await.unwrap().pending[0].payload, "18000000000000010");
    let hostile = Media { url: Some("JavaScript:alert(1)".into()), ..Media::default() };
    assert_eq!(hostile.http_url(), None);
    assert_eq!(Media { url: Some("HTTPS://x.example/a b".into()), ..hostile }.http_url(), None);
}

#[tokio::test]
async fn handing_back_with_a_flow_ends_the_run_names_the_flow_and_queues_its_start() {
    let w = world().await;
    let anna = w.inbound("4911", "Anna", "hi").await;
    let flow = w.tenant.flows().create_flow("Welcome", "{}", "").await.unwrap().id;
    let running = StepEffects { key: "k".into(), state: Some("{\"flow_id\":\"old\"}".into()), ..Default::default() };
    let input = w.tenant.flows().step_input(anna).await.unwrap();
    w.tenant.flows().apply_step(&input, &running).await.unwrap().unwrap();
    w.tenant.inbox().take_over(anna, Some(w.owner)).await.unwrap();

    assert!(matches!(
        w.tenant.inbox().hand_back(anna, Some(w.owner), Some(FlowId::new())).await,
        Err(StoreError::NotFound)
    ));
    assert_eq!(w.tenant.inbox().conversation(anna, w.owner).await.unwrap().mode.as_str(), "human", "nothing changed");
    let (other, _) = account(&w.store, "Other", "other@example.com").await;
    let other = w.store.tenant_for_operator(other).await.unwrap();
    assert!(matches!(other.inbox().hand_back(anna, None, Some(flow)).await, Err(StoreError::NotFound)));

    w.tenant.inbox().hand_back(anna, Some(w.owner), Some(flow)).await.unwrap();
    let input = w.tenant.flows().step_input(anna).await.unwrap();
    assert_eq!((input.mode.as_str(), input.state), ("bot", None), "the old run ended");
    let last = w.tenant.inbox().activity(anna).await.unwrap().pop().unwrap();
    assert_eq!((last.kind.as_str(), last.detail.as_str()), ("handed_back", "Welcome"));
    let lease = w.clock.now() + TimeDelta::minutes(1);
    let jobs = w.store.claim_jobs("test", lease, 10).await.unwrap();
    let starts: Vec<serde_json::Value> = jobs
        .iter()
        .filter(|j| j.kind == JobKind::FlowStart.as_str())
        .map(|j| serde_json::from_str(j.payload_text()).unwrap())
        .collect();
    assert_eq!(starts.len(), 1, "{jobs:?}");
    assert_eq!(
        (starts[0]["conversation"].as_str(), starts[0]["flow"].as_str()),
        (Some(anna.to_string().as_str()), Some(flow.to_string().as_str()))
    );
}

#[tokio::test]
async fn another_account_cannot_touch_a_conversation() {
    let w = world().await;
    let anna = w.inbound("4911", "Anna", "hi").await;
    let (other, intruder) = account(&w.store, "Other", "other@example.com").await;
    let other = w.store.tenant_for_operator(other).await.unwrap();
    assert!(matches!(other.inbox().conversation(anna, intruder).await, Err(StoreError::NotFound)));
    assert!(matches!(other.inbox().take_over(anna, Some(intruder)).await, Err(StoreError::NotFound)));
    assert!(matches!(other.inbox().set_closed(anna, true, None).await, Err(StoreError::NotFound)));
    assert!(matches!(other.inbox().add_note(anna, None, "x").await, Err(StoreError::NotFound)));
    assert!(matches!(other.inbox().reply(anna, None, "x", None).await, Err(StoreError::NotFound)));
    assert!(matches!(other.inbox().add_tag(anna, &Tag::parse("x").unwrap()).await, Err(StoreError::NotFound)));
    // Assigning to someone outside the account is refused too.
    assert!(matches!(w.tenant.inbox().assign(anna, Some(intruder), None).await, Err(StoreError::NotFound)));
    assert!(other.inbox().thread(anna).await.unwrap().is_empty());
}

#[tokio::test]
async fn canned_responses_crud_and_usage() {
    let w = world().await;
    let anna = w.inbound("4911", "Anna", "hi").await;
    let id = w.tenant.inbox().create_canned_response("/Hours", "We are open 9–18.").await.unwrap();
    assert!(matches!(
        w.tenant.inbox().create_canned_response("hours", "again").await,
        Err(StoreError::Conflict { .. })
    ));
    assert!(matches!(
        w.tenant.inbox().create_canned_response("two words", "x").await,
        Err(StoreError::Conflict { .. })
    ));
    w.tenant.inbox().update_canned_response(&id, "hours", "We are open 9–19.").await.unwrap();
    w.tenant.inbox().reply(anna, Some(w.owner), "We are open 9–19.", Some(&id)).await.unwrap();
    let c = w.tenant.inbox().canned_response(&id).await.unwrap();
    assert_eq!((c.shortcut.as_str(), c.body.as_str(), c.usage_count), ("hours", "We are open 9–19.", 1));
    w.tenant.inbox().delete_canned_response(&id).await.unwrap();
    assert!(matches!(w.tenant.inbox().delete_canned_response(&id).await, Err(StoreError::NotFound)));
}

#[tokio::test]
async fn live_events_follow_commits_and_a_failed_message_can_be_retried() {
    let w = world().await;
    let mut rx = w.store.subscribe().await.unwrap();
    let anna = w.inbound("4911", "Anna", "hi").await;
    let mut next = async || tokio::time::timeout(Duration::from_secs(5), rx.recv()).await.unwrap().unwrap();
    let e = next().await;
    assert_eq!(e.account, Some(w.tenant.account_id()));
    assert!(matches!(&e.event, LiveEvent::MessageAdded { conversation_id, .. } if *conversation_id == anna));
    w.tenant.inbox().take_over(anna, Some(w.agent)).await.unwrap();
    assert_eq!(
        next().await.event,
        LiveEvent::ConversationMode { conversation_id: anna, mode: maitre_domain::ConversationMode::Human }
    );
    assert_eq!(next().await.event, LiveEvent::ConversationAssigned { conversation_id: anna, assignee: Some(w.agent) });
    let reply = w.tenant.inbox().reply(anna, Some(w.agent), "hello", None).await.unwrap();
    assert!(matches!(next().await.event, LiveEvent::MessageAdded { message_id, .. } if message_id == reply));
    w.tenant.conversations().mark_failed(reply, "131047 outside the window").await.unwrap();
    let failed = LiveEvent::MessageStatus { conversation_id: anna, message_id: reply, status: "failed".into() };
    assert_eq!(next().await.event, failed);
    let told = next().await.event;
    assert!(
        matches!(&told, LiveEvent::Notification { recipient, kind, .. } if *recipient == Some(w.agent) && kind == "undelivered"),
        "the member who wrote it hears it did not go out: {told:?}"
    );
    w.tenant.inbox().retry_message(reply).await.unwrap();
    assert!(matches!(next().await.event, LiveEvent::MessageStatus { status, .. } if status == "queued"));
    assert_eq!(w.tenant.conversations().outgoing(reply).await.unwrap().status.as_str(), "queued");
    assert!(matches!(w.tenant.inbox().retry_message(reply).await, Err(StoreError::NotFound)), "only failed ones");
}

/// Two nodes on one PostgreSQL database: what one publishes, the other's subscribers receive (once).
#[tokio::test]
async fn events_cross_nodes_on_postgres() {
    if maitre_testkit::backend_name() != "postgres" {
        eprintln!("skipping: LISTEN/NOTIFY needs PostgreSQL");
        return;
    }
    let w = world().await;
    let node2 = Store::open(&w._db.url, w.clock.clone()).await.unwrap();
    let mut on_node2 = node2.subscribe().await.unwrap();
    let mut on_node1 = w.store.subscribe().await.unwrap();
    let anna = w.inbound("4911", "Anna", "hi").await;
    let got = tokio::time::timeout(Duration::from_secs(5), on_node2.recv()).await.unwrap().unwrap();
    assert!(matches!(got.event, LiveEvent::MessageAdded { conversation_id, .. } if conversation_id == anna));
    assert!(on_node1.recv().await.is_ok());
    // Node 1 hears its own event once: the relay drops its echo.
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(on_node1.try_recv().is_err());
}

/// Benchmark, not run by default: inbox pages and searches with many messages in one account.
/// `MAITRE_BENCH_MESSAGES=1000000 cargo test -p maitre-store --test inbox -- --ignored --nocapture inbox_speed`
/// (with MAITRE_TEST_DATABASE_URL for PostgreSQL). Rows are generated inside the database: 100 messages per
/// conversation, one conversation in 5,000 mentions a rare word.
#[tokio::test]
#[ignore = "benchmark: run by hand"]
async fn inbox_speed() {
    let n: i64 = std::env::var("MAITRE_BENCH_MESSAGES").ok().and_then(|v| v.parse().ok()).unwrap_or(1_000_000);
    let w = world().await;
    let conversations = (n / 100).max(1);
    let account = w.tenant.account_id().to_string();
    let pool = sqlx::AnyPool::connect(&w._db.url).await.unwrap();
    let started = std::time::Instant::now();
    let base = w.clock.now().timestamp_millis();
    // Ids are zero-padded counters: they sort like the UUIDv7 ids they stand in for.
    let contacts = "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < $3) \
        INSERT INTO contacts (account_id, id, channel_id, external_id, name, created_at) \
        SELECT $1, 'k' || (100000000 + i), $2, 'guest' || i, 'Guest ' || i, 0 FROM n";
    let convs = "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < $3) \
        INSERT INTO conversations (account_id, id, channel_id, contact_id, status, mode, last_inbound_at, \
        last_message_at, created_at) \
        SELECT $1, 'c' || (100000000 + i), $2, 'k' || (100000000 + i), 'open', 'bot', $4 + i, $4 + i, 0 FROM n";
    let messages = "WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < $3 - 1) \
        INSERT INTO messages (account_id, id, conversation_id, channel_id, direction, kind, body, payload, \
        platform_message_id, status, created_at, updated_at) \
        SELECT $1, 'm' || (1000000000 + i), 'c' || (100000000 + 1 + i % $5), $2, 'in', 'text', \
        CASE WHEN i % ($5 * 50) = 7 THEN 'Wir planen eine Geburtstagsfeier' \
             ELSE 'Hello, a table for ' || (i % 8 + 1) || ' at ' || (i % 12 + 9) || ' o''clock please' END, \
        '', 'p' || i, 'received', $4 + i % $5, $4 + i % $5 FROM n";
    for (sql, rows) in [(contacts, conversations), (convs, conversations), (messages, n)] {
        sqlx::query(sql)
            .bind(&account)
            .bind(w.channel.to_string())
            .bind(rows)
            .bind(base)
            .bind(conversations)
            .execute(&pool)
            .await
            .unwrap();
    }
    if maitre_testkit::backend_name() == "postgres" {
        sqlx::query("ANALYZE").execute(&pool).await.unwrap();
    }
    println!("loaded {n} messages in {conversations} conversations in {:?}", started.elapsed());

    let time = async |label: &str, q: InboxQuery<'_>, pages: usize| {
        let mut samples = vec![];
        for _ in 0..20 {
            let mut q = q.clone();
            for _ in 0..pages {
                let t = std::time::Instant::now();
                let page = w.tenant.inbox().list(&q).await.unwrap();
                samples.push(t.elapsed());
                assert!(!page.items.is_empty(), "{label}");
                q.after = page.next;
            }
        }
        samples.sort();
        let pct = |p: f64| samples[((samples.len() as f64 * p) as usize).min(samples.len() - 1)];
        println!("{label:<32} p50 {:>9.2?}  p99 {:>9.2?}  ({} pages)", pct(0.5), pct(0.99), samples.len());
    };
    let q = InboxQuery { limit: 30, ..w.query(Filter::Open) };
    time("list, pages 1-5", q.clone(), 5).await;
    time("list, unassigned", InboxQuery { filter: Filter::Unassigned, ..q.clone() }, 1).await;
    time("search rare word", InboxQuery { search: Some("geburtstagsfeier"), ..q.clone() }, 1).await;
    time("search common words", InboxQuery { search: Some("table for 4"), ..q.clone() }, 1).await;
    time("search contact name", InboxQuery { search: Some("guest 42"), ..q.clone() }, 1).await;
}
