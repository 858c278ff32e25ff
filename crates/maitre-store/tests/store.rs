//! Store behaviour on the backend chosen by MAITRE_TEST_DATABASE_URL (SQLite by default): one body, both backends.
use chrono::{TimeDelta, TimeZone, Utc};
use maitre_domain::{AccountSettings, Locale, Role};
use maitre_store::{Clock, NewAccount, RoutedItem, Store, StoreError, TokenCreator};
use maitre_testkit::TestDb;

#[path = "store/contacts.rs"]
mod contacts;
#[path = "store/figures.rs"]
mod figures;
#[path = "store/funnels.rs"]
mod funnels;
#[path = "store/insights.rs"]
mod insights;
#[path = "store/notifications.rs"]
mod notifications;
#[path = "store/reservations.rs"]
mod reservations;
#[path = "store/steps.rs"]
mod steps;
#[path = "store/team.rs"]
mod team;

async fn store() -> (Store, Clock, TestDb) {
    let db = TestDb::new().await;
    let clock = Clock::manual(Utc.with_ymd_and_hms(2026, 3, 10, 11, 0, 0).unwrap());
    (Store::open(&db.url, clock.clone()).await.unwrap(), clock, db)
}

async fn account(store: &Store, name: &str, email: &str) -> (maitre_domain::AccountId, maitre_domain::UserId) {
    let settings = AccountSettings::defaults_for(name, Locale::De).unwrap();
    store
        .create_account_with_owner(NewAccount {
            settings: &settings,
            owner_email: email,
            owner_name: "Owner",
            owner_password_hash: "$argon2id$fake",
        })
        .await
        .unwrap()
}

/// A new WhatsApp channel of `tenant`'s account.
async fn whatsapp_channel(tenant: &maitre_store::TenantStore) -> maitre_domain::ChannelId {
    let channel = maitre_store::NewChannel {
        platform: maitre_domain::Platform::WhatsApp,
        external_id: &format!("2000{}", uuid::Uuid::now_v7().simple()),
        name: "WhatsApp",
        credentials: "sealed",
        webhook_secret_hash: "",
        token_expires_at: None,
        verified: false,
    };
    tenant.channels().create_channel(channel).await.unwrap().id
}

/// Ids and word-valued kinds bind and read as text columns on either backend; text that is neither is refused.
#[tokio::test]
async fn ids_and_kinds_round_trip_through_text_columns() {
    use maitre_domain::{ConversationId, ConversationStatus};
    let (_store, _, db) = store().await;
    let pool = sqlx::AnyPool::connect(&db.url).await.unwrap();
    let (id, status) = (ConversationId::new(), ConversationStatus::Closed);
    let (read_id, read_status): (ConversationId, ConversationStatus) =
        sqlx::query_as("SELECT $1, $2").bind(id).bind(status).fetch_one(&pool).await.unwrap();
    assert_eq!((read_id, read_status), (id, status));
    let (raw_id, raw_status): (String, String) =
        sqlx::query_as("SELECT $1, $2").bind(id).bind(status).fetch_one(&pool).await.unwrap();
    assert_eq!((raw_id, raw_status.as_str()), (id.to_string(), "closed"), "stored as their text");
    let not_an_id = sqlx::query_scalar::<_, ConversationId>("SELECT 'c1'").fetch_one(&pool).await;
    assert!(not_an_id.is_err(), "{not_an_id:?}");
    let not_a_status = sqlx::query_scalar::<_, ConversationStatus>("SELECT 'archived'").fetch_one(&pool).await;
    assert!(not_a_status.unwrap_err().to_string().contains("unknown conversation status"));
    pool.close().await;
}

#[tokio::test]
async fn account_settings_round_trip() {
    let (store, _, _db) = store().await;
    let (a, _) = account(&store, "Alpha", "a@example.com").await;
    let (tenant, _) = store.tenant_for_member(store.user_by_email("a@example.com").await.unwrap().id, a).await.unwrap();
    let changed = AccountSettings::parse("Alpha Neu", "Europe/Vienna", "de", "AT", "EUR").unwrap();
    tenant.update_settings(&changed).await.unwrap();
    assert_eq!(tenant.account().await.unwrap().settings, changed);
}

#[tokio::test]
async fn concurrent_sign_ups_with_one_email_create_exactly_one_user() {
    let (store, _, _db) = store().await;
    let tries = (0..8).map(|i| {
        let store = store.clone();
        async move {
            let settings = AccountSettings::defaults_for(&format!("Race {i}"), Locale::En).unwrap();
            store
                .create_account_with_owner(NewAccount {
                    settings: &settings,
                    owner_email: "same@example.com",
                    owner_name: "Racer",
                    owner_password_hash: "h",
                })
                .await
        }
    });
    let results = futures_join_all(tries).await;
    let ok = results.iter().filter(|r| r.is_ok()).count();
    assert_eq!(ok, 1, "{results:?}");
    for r in results.iter().filter(|r| r.is_err()) {
        assert!(matches!(r, Err(StoreError::Conflict { constraint }) if constraint.contains("email")), "{r:?}");
    }
    let user = store.user_by_email("same@example.com").await.unwrap();
    assert_eq!(store.accounts_of(user.id).await.unwrap().len(), 1, "the losers left no account behind");
}

async fn futures_join_all<F>(futs: impl IntoIterator<Item = F>) -> Vec<F::Output>
where
    F: std::future::Future + Send + 'static,
    F::Output: Send + 'static,
{
    let handles: Vec<_> = futs.into_iter().map(tokio::spawn).collect();
    let mut out = Vec::new();
    for h in handles {
        out.push(h.await.unwrap());
    }
    out
}

#[tokio::test]
async fn a_tenant_handle_reaches_only_its_own_account() {
    let (store, _, _db) = store().await;
    let (a, a_owner) = account(&store, "Alpha", "a@example.com").await;
    let (b, b_owner) = account(&store, "Beta", "b@example.com").await;
    assert!(matches!(store.tenant_for_member(a_owner, b).await, Err(StoreError::NotFound)), "no membership, no handle");
    let (alpha, _) = store.tenant_for_member(a_owner, a).await.unwrap();
    let (beta, _) = store.tenant_for_member(b_owner, b).await.unwrap();
    let (b_token, _) = beta.team().create_api_token("b", Role::Admin, TokenCreator::Operator).await.unwrap();

    assert!(matches!(alpha.team().member(b_owner).await, Err(StoreError::NotFound)));
    assert!(matches!(alpha.team().set_role(b_owner, Role::Viewer).await, Err(StoreError::NotFound)));
    assert!(matches!(alpha.team().remove_member(b_owner).await, Err(StoreError::NotFound)));
    assert!(matches!(alpha.team().revoke_api_token(b_token.id).await, Err(StoreError::NotFound)));
    assert_eq!(alpha.team().members().await.unwrap().len(), 1);
    assert!(alpha.team().api_tokens().await.unwrap().is_empty());

    assert_eq!(beta.team().member(b_owner).await.unwrap().role, Role::Owner);
    assert_eq!(beta.team().api_tokens().await.unwrap().len(), 1);
}

#[tokio::test]
async fn api_tokens_resolve_to_their_account_and_role_until_revoked() {
    let (store, _, _db) = store().await;
    let (a, owner) = account(&store, "Alpha", "a@example.com").await;
    let (tenant, _) = store.tenant_for_member(owner, a).await.unwrap();
    let (token, secret) = tenant.team().create_api_token("script", Role::Agent, TokenCreator::Operator).await.unwrap();
    let (via_token, role, id) = store.tenant_for_api_token(&secret).await.unwrap();
    assert_eq!((via_token.account_id(), role, id), (a, Role::Agent, token.id));
    assert!(tenant.team().api_tokens().await.unwrap()[0].last_used_at.is_some(), "use is recorded");
    tenant.team().revoke_api_token(token.id).await.unwrap();
    assert!(matches!(store.tenant_for_api_token(&secret).await, Err(StoreError::NotFound)));
    assert!(matches!(tenant.team().revoke_api_token(token.id).await, Err(StoreError::NotFound)), "revoking twice");
}

#[tokio::test]
async fn sessions_end_after_idling_and_on_password_change() {
    let (store, clock, _db) = store().await;
    let (_, user) = account(&store, "Alpha", "a@example.com").await;
    let idle = TimeDelta::days(30);
    store.create_session(user, "tok-1", "firefox", "127.0.0.1").await.unwrap();
    store.create_session(user, "tok-2", "phone", "127.0.0.2").await.unwrap();
    clock.advance(TimeDelta::days(29));
    assert!(store.session_by_token("tok-1", idle).await.is_ok(), "use refreshes the session");
    clock.advance(TimeDelta::days(2));
    assert!(store.session_by_token("tok-1", idle).await.is_ok());
    assert!(matches!(store.session_by_token("tok-2", idle).await, Err(StoreError::NotFound)), "idle for 31 days");
    store.set_password(user, "new-hash").await.unwrap();
    assert!(matches!(store.session_by_token("tok-1", idle).await, Err(StoreError::NotFound)));
    assert!(store.sessions_of(user).await.unwrap().is_empty());
}

#[tokio::test]
async fn schema_is_current_after_open() {
    let (store, _, _db) = store().await;
    assert!(store.migrations_current().await.unwrap());
    assert_eq!(store.job_queue_depth().await.unwrap(), 0);
}

#[tokio::test]
async fn maintenance_prunes_only_what_has_expired() {
    let (store, clock, _db) = store().await;
    let (_, user) = account(&store, "Alpha", "a@example.com").await;
    store.create_session(user, "old", "ua", "ip").await.unwrap();
    store.create_password_reset(user, "reset-old", TimeDelta::minutes(60)).await.unwrap();
    clock.advance(TimeDelta::days(10));
    store.create_session(user, "fresh", "ua", "ip").await.unwrap();
    store.create_password_reset(user, "reset-fresh", TimeDelta::minutes(60)).await.unwrap();
    let removed = store.prune(TimeDelta::days(5)).await.unwrap();
    assert_eq!(removed, 2, "one idle session and one expired reset link");
    assert!(store.session_by_token("fresh", TimeDelta::days(5)).await.is_ok());
    assert!(store.password_reset_user("reset-fresh").await.is_ok());
}

#[tokio::test]
async fn token_buckets_pace_and_refill_and_are_shared_by_concurrent_takers() {
    let (store, clock, _db) = store().await;
    let rate = maitre_store::Rate { per_second: 1.0, burst: 5.0 };
    let takers = (0..20).map(|_| {
        let store = store.clone();
        async move { store.take_tokens(&[("c:one", rate)]).await.unwrap() }
    });
    let results = futures_join_all(takers).await;
    assert_eq!(results.iter().filter(|r| r.is_none()).count(), 5, "exactly the burst is granted");
    let wait = results.iter().flatten().next().unwrap();
    assert!(wait.as_millis() > 0 && wait.as_millis() <= 1000, "{wait:?}");
    clock.advance(TimeDelta::seconds(2));
    assert!(store.take_tokens(&[("c:one", rate)]).await.unwrap().is_none());
    assert!(store.take_tokens(&[("c:one", rate)]).await.unwrap().is_none());
    assert!(store.take_tokens(&[("c:one", rate)]).await.unwrap().is_some(), "two seconds refill two tokens");
    let slow = maitre_store::Rate { per_second: 1.0 / 6.0, burst: 1.0 };
    assert!(store.take_tokens(&[("r:wa:guest", slow)]).await.unwrap().is_none());
    let wait = store.take_tokens(&[("r:wa:guest", slow)]).await.unwrap().unwrap();
    assert!((5900..=6000).contains(&wait.as_millis()), "one message per 6 s to one WhatsApp user: {wait:?}");
}

#[tokio::test]
async fn a_send_takes_from_both_buckets_or_from_neither() {
    let (store, clock, _db) = store().await;
    let one = maitre_store::Rate { per_second: 1.0, burst: 1.0 };
    let roomy = maitre_store::Rate { per_second: 100.0, burst: 100.0 };
    assert!(store.take_tokens(&[("r:ch:anna", roomy), ("c:ch", one)]).await.unwrap().is_none());
    let wait = store.take_tokens(&[("r:ch:ben", one), ("c:ch", one)]).await.unwrap().unwrap();
    assert!((900..=1000).contains(&wait.as_millis()), "the channel is out for a second: {wait:?}");
    assert!(
        store.take_tokens(&[("r:ch:ben", one)]).await.unwrap().is_none(),
        "the paced send took nothing from Ben's bucket"
    );
    clock.advance(TimeDelta::seconds(1));
    assert!(store.take_tokens(&[("r:ch:anna", roomy), ("c:ch", one)]).await.unwrap().is_none());
}

#[tokio::test]
async fn automation_config_sees_own_changes_at_once_and_other_processes_within_the_ttl() {
    let (store, clock, db) = store().await;
    let (a, owner) = account(&store, "Hot", "hot@example.com").await;
    let (tenant, _) = store.tenant_for_member(owner, a).await.unwrap();
    let channel = contacts::channel(&tenant, "4910").await;
    assert!(tenant.automation_config(channel).await.unwrap().flows.is_empty());

    let flow = tenant.flows().create_flow("Hello", "{}", "").await.unwrap();
    tenant.flows().set_flow_enabled(flow.id, true).await.unwrap();
    tenant.flows().publish_flow(flow.id, "{\"v\":1}", "test").await.unwrap();
    let seen = tenant.automation_config(channel).await.unwrap();
    assert_eq!(seen.flows.len(), 1, "a change through this store is seen at once");
    tenant.channels().set_auto_reply(channel, "Gleich da!").await.unwrap();
    assert_eq!(tenant.automation_config(channel).await.unwrap().channel.auto_reply, "Gleich da!");

    // Another process (or node) on the same database.
    let other = Store::open(&db.url, clock.clone()).await.unwrap();
    let (other_tenant, _) = other.tenant_for_member(owner, a).await.unwrap();
    other_tenant.flows().set_flow_enabled(flow.id, false).await.unwrap();
    assert_eq!(tenant.automation_config(channel).await.unwrap().flows.len(), 1, "cached");
    tokio::time::sleep(maitre_store::HOT_TTL).await;
    assert!(tenant.automation_config(channel).await.unwrap().flows.is_empty(), "seen once the entry expired");
}

#[tokio::test]
async fn webhook_routes_forget_a_channel_deleted_here_at_once_and_elsewhere_within_the_ttl() {
    let (store, clock, db) = store().await;
    let (a, owner) = account(&store, "Routes", "routes@example.com").await;
    let (tenant, _) = store.tenant_for_member(owner, a).await.unwrap();
    let here = contacts::channel(&tenant, "4911").await;
    let there = contacts::channel(&tenant, "4912").await;
    assert_eq!(store.route(maitre_domain::Platform::WhatsApp, "4911").await.unwrap().id, here);
    assert!(matches!(store.route(maitre_domain::Platform::WhatsApp, "4913").await, Err(StoreError::NotFound)));

    tenant.channels().delete_channel(here).await.unwrap();
    assert!(
        matches!(store.route(maitre_domain::Platform::WhatsApp, "4911").await, Err(StoreError::NotFound)),
        "deleted here"
    );

    let other = Store::open(&db.url, clock.clone()).await.unwrap();
    let (other_tenant, _) = other.tenant_for_member(owner, a).await.unwrap();
    assert_eq!(store.route(maitre_domain::Platform::WhatsApp, "4912").await.unwrap().id, there);
    other_tenant.channels().delete_channel(there).await.unwrap();
    assert_eq!(store.route(maitre_domain::Platform::WhatsApp, "4912").await.unwrap().id, there, "cached");
    tokio::time::sleep(maitre_store::HOT_TTL).await;
    assert!(
        matches!(store.route(maitre_domain::Platform::WhatsApp, "4912").await, Err(StoreError::NotFound)),
        "seen once expired"
    );

    // A channel connected after a miss is routed at once (unknown recipients are not remembered).
    let later = contacts::channel(&other_tenant, "4913").await;
    assert_eq!(store.route(maitre_domain::Platform::WhatsApp, "4913").await.unwrap().id, later);
}

/// Webhooks accepted at the same time share statements and commits: every item is stored once with one
/// processing job, and each caller learns how many of its own items were new or repeats.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_webhooks_are_stored_once_each_with_one_job_and_their_own_counts() {
    let (store, _, db) = store().await;
    let (a, owner) = account(&store, "Accept", "accept@example.com").await;
    let (tenant, _) = store.tenant_for_member(owner, a).await.unwrap();
    let channel = contacts::channel(&tenant, "4920").await;
    let calls = (0..40).map(|i| {
        let store = store.clone();
        tokio::spawn(async move {
            // One key that ten callers share, one of its own, and its own key again in the same webhook.
            let keys = [format!("shared{}", i % 10), format!("own{i}"), format!("own{i}")];
            let items: Vec<RoutedItem> = keys
                .iter()
                .map(|k| RoutedItem { account_id: a, channel_id: channel, dedupe_key: k, item: "{}" })
                .collect();
            store.accept_webhook(&items, &[]).await.unwrap()
        })
    });
    let mut outcomes = Vec::new();
    for call in calls.collect::<Vec<_>>() {
        outcomes.push(call.await.unwrap());
    }
    for o in &outcomes {
        assert_eq!(o.new + o.duplicates, 3);
        assert!((1..=2).contains(&o.new), "its own key is new exactly once: {o:?}");
    }
    assert_eq!(outcomes.iter().map(|o| o.new).sum::<usize>(), 50, "10 shared keys and 40 own ones");
    let pool = &sqlx::AnyPool::connect(&db.url).await.unwrap();
    let events: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM inbound_events").fetch_one(pool).await.unwrap();
    let jobs: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM jobs j JOIN inbound_events e ON e.id = j.payload WHERE j.kind = 'process_inbound'",
    )
    .fetch_one(pool)
    .await
    .unwrap();
    assert_eq!((events, jobs), (50, 50));
}

#[tokio::test]
async fn bulk_jobs_wait_behind_due_conversation_work() {
    use maitre_domain::jobs::{ChannelSweepJob, MaintenanceJob};
    let (store, clock, _db) = store().await;
    // A broadcast's job queued first, a conversation's a second later: the conversation's is claimed first.
    store.enqueue(maitre_store::NewJob::new(None, &MaintenanceJob {}).dedupe("bulk").bulk()).await.unwrap();
    clock.advance(chrono::TimeDelta::seconds(1));
    store.enqueue(maitre_store::NewJob::new(None, &ChannelSweepJob {}).dedupe("conversation")).await.unwrap();
    let lease = clock.now() + chrono::TimeDelta::minutes(5);
    let first = store.claim_jobs("test", lease, 1).await.unwrap();
    assert_eq!(first.iter().map(|j| j.kind.as_str()).collect::<Vec<_>>(), ["channel_sweep"]);
    let then = store.claim_jobs("test", lease, 5).await.unwrap();
    assert_eq!(then.iter().map(|j| j.kind.as_str()).collect::<Vec<_>>(), ["maintenance"], "bulk work still runs");
}
