//! Notifications on both backends: who hears of a handoff, an assignment and a new reservation; email jobs as the
//! members chose; pages, reading, and that nobody sees another member's or another account's.
use std::time::Duration;

use chrono::{TimeDelta, Utc};
use maitre_domain::booking::ReservationRequest;
use maitre_domain::{ConversationId, Role, UserId};
use maitre_store::{
    AccountEvent, Choice, IncomingMessage, JobKind, LiveEvent, NewPushSubscription, NotificationKind, Origin, Prefs,
    StepEffects, Store, StoreError, TenantStore,
};
use tokio::sync::broadcast::Receiver;

use super::{account, store, whatsapp_channel};

struct Team {
    store: Store,
    tenant: TenantStore,
    owner: UserId,
    agent: UserId,
    viewer: UserId,
    _db: maitre_testkit::TestDb,
}

async fn team() -> Team {
    let (store, _, db) = store().await;
    let (a, owner) = account(&store, "Trattoria", "owner@example.com").await;
    let tenant = store.tenant_for_operator(a).await.unwrap();
    let mut members = vec![];
    for (email, role) in [("agent@example.com", Role::Agent), ("viewer@example.com", Role::Viewer)] {
        let user = store.create_user(email, "M", "h", maitre_domain::Locale::En).await.unwrap().id;
        tenant.team().add_member(user, role).await.unwrap();
        members.push(user);
    }
    Team { store, tenant, owner, agent: members[0], viewer: members[1], _db: db }
}

/// A guest's conversation in `tenant`'s account.
async fn conversation(tenant: &TenantStore, name: &str) -> ConversationId {
    let channel = whatsapp_channel(tenant).await;
    let pid = format!("wamid.{}", uuid::Uuid::now_v7());
    let message = IncomingMessage {
        event_id: &pid,
        channel_id: channel,
        contact_external_id: "4911",
        contact_name: Some(name),
        direction: maitre_domain::Direction::In,
        kind: "text",
        body: "Hallo",
        payload: &Default::default(),
        platform_message_id: &pid,
        at: tenant.now(),
        automate_at: None,
    };
    tenant.conversations().record_message(&message).await.unwrap().conversation_id
}

async fn unread(t: &TenantStore, user: UserId) -> i64 {
    t.notifications().unread_notifications(user).await.unwrap()
}

/// Payloads of the queued notification emails.
/// Payloads of the jobs of `kind` queued since the last look (looking claims them all).
async fn queued(store: &Store, kind: JobKind) -> Vec<String> {
    let jobs = store.claim_jobs("test", Utc::now() + TimeDelta::minutes(5), 100).await.unwrap();
    jobs.into_iter().filter(|j| j.kind == kind.as_str()).map(|j| j.payload_text().to_owned()).collect()
}

/// The next notification event on the bus (other events skipped).
async fn next_notification(rx: &mut Receiver<AccountEvent>) -> (Option<UserId>, String) {
    loop {
        let e = tokio::time::timeout(Duration::from_secs(5), rx.recv()).await.unwrap().unwrap();
        if let LiveEvent::Notification { recipient, kind, .. } = e.event {
            return (recipient, kind);
        }
    }
}

#[tokio::test]
async fn an_assignment_tells_the_assignee_live_and_by_email_but_not_someone_assigning_themselves() {
    let t = team().await;
    let c = conversation(&t.tenant, "Anna Schmidt").await;
    let mut rx = t.store.subscribe().await.unwrap();

    t.tenant.inbox().assign(c, Some(t.agent), Some(t.owner)).await.unwrap();
    assert_eq!((unread(&t.tenant, t.agent).await, unread(&t.tenant, t.owner).await), (1, 0));
    let n = t.tenant.notifications().list(t.agent, None, 10).await.unwrap().items.remove(0);
    assert_eq!((n.kind, n.text.as_str(), n.read), (NotificationKind::Assigned, "Anna Schmidt", false));
    assert_eq!(n.link, format!("/a/{}/inbox/{c}", t.tenant.account_id()));
    assert_eq!(next_notification(&mut rx).await, (Some(t.agent), "assigned".into()), "published for the assignee");
    assert_eq!(
        queued(&t.store, JobKind::NotificationEmail).await,
        [serde_json::json!({ "notification_id": n.id }).to_string()]
    );

    t.tenant.inbox().assign(c, Some(t.owner), Some(t.owner)).await.unwrap();
    t.tenant.inbox().assign(c, None, Some(t.owner)).await.unwrap();
    assert_eq!(unread(&t.tenant, t.owner).await, 0, "assigning yourself or unassigning tells nobody");
    assert!(queued(&t.store, JobKind::NotificationEmail).await.is_empty());
}

#[tokio::test]
async fn a_handoff_reaches_everyone_who_works_the_inbox_and_emails_follow_each_members_choice() {
    let t = team().await;
    let c = conversation(&t.tenant, "Ben").await;
    let mut off = Prefs::defaults(Role::Owner);
    off.email.handoff = false;
    t.tenant.notifications().set_prefs(t.owner, off).await.unwrap();
    assert_eq!(t.tenant.notifications().prefs(t.owner).await.unwrap(), off);
    assert_eq!(t.tenant.notifications().prefs(t.agent).await.unwrap(), Prefs::defaults(Role::Agent));

    let step = StepEffects { key: "reply:1".into(), handoff: true, ..StepEffects::default() };
    let input = t.tenant.flows().step_input(c).await.unwrap();
    t.tenant.flows().apply_step(&input, &step).await.unwrap().unwrap();
    assert_eq!(unread(&t.tenant, t.owner).await, 1);
    assert_eq!(unread(&t.tenant, t.agent).await, 1);
    assert_eq!(unread(&t.tenant, t.viewer).await, 0, "a viewer cannot answer the guest");
    let to_agent = t.tenant.notifications().list(t.agent, None, 10).await.unwrap().items.remove(0);
    assert_eq!((to_agent.kind, to_agent.text.as_str()), (NotificationKind::Handoff, "Ben"));
    let jobs = queued(&t.store, JobKind::NotificationEmail).await;
    assert_eq!(jobs, [serde_json::json!({ "notification_id": to_agent.id }).to_string()], "the owner chose none");
}

#[tokio::test]
async fn a_new_reservation_reaches_everyone_who_sees_reservations_and_its_emails_go_to_who_wants_them() {
    let t = team().await;
    let req = ReservationRequest {
        starts_at: chrono::NaiveDateTime::parse_from_str("2026-03-13 19:00", "%Y-%m-%d %H:%M").unwrap(),
        party_size: 4,
        service: None,
        name: "Clara".into(),
        phone: None,
        email: None,
        notes: String::new(),
    };
    t.tenant.reservations().create_reservation(&req, chrono_tz::Europe::Berlin, &Origin::staff()).await.unwrap();
    for user in [t.owner, t.agent, t.viewer] {
        let n = t.tenant.notifications().list(user, None, 10).await.unwrap().items;
        assert_eq!(n.len(), 1);
        assert_eq!((n[0].kind, n[0].text.as_str()), (NotificationKind::Reservation, "Clara · 2026-03-13 19:00 · 👥 4"));
    }
    assert!(
        queued(&t.store, JobKind::NotificationEmail).await.is_empty(),
        "reservation emails are the reservation_notify job's"
    );

    let emailed = |m: Vec<maitre_store::Member>| m.into_iter().map(|m| m.user_id).collect::<Vec<_>>();
    let by_default = t.tenant.notifications().email_recipients(NotificationKind::Reservation).await.unwrap();
    assert_eq!(emailed(by_default), [t.owner], "owners and admins, as before");
    let mut viewer = Prefs::defaults(Role::Viewer);
    viewer.email.reservation = true;
    t.tenant.notifications().set_prefs(t.viewer, viewer).await.unwrap();
    let mut owner = Prefs::defaults(Role::Owner);
    owner.email.reservation = false;
    t.tenant.notifications().set_prefs(t.owner, owner).await.unwrap();
    let chosen = t.tenant.notifications().email_recipients(NotificationKind::Reservation).await.unwrap();
    assert_eq!(emailed(chosen), [t.viewer]);
}

#[tokio::test]
async fn pages_reading_and_isolation() {
    let t = team().await;
    let c = conversation(&t.tenant, "Dora").await;
    for _ in 0..5 {
        t.tenant.inbox().assign(c, Some(t.agent), Some(t.owner)).await.unwrap();
    }
    let first = t.tenant.notifications().list(t.agent, None, 2).await.unwrap();
    let second = t.tenant.notifications().list(t.agent, first.next.as_ref(), 2).await.unwrap();
    let third = t.tenant.notifications().list(t.agent, second.next.as_ref(), 2).await.unwrap();
    let ids: Vec<String> =
        [&first, &second, &third].iter().flat_map(|p| p.items.iter().map(|n| n.id.clone())).collect();
    let mut sorted = ids.clone();
    sorted.sort_by(|a, b| b.cmp(a));
    sorted.dedup();
    assert_eq!(ids, sorted, "five distinct notifications, newest first");
    assert!(third.next.is_none());

    let opened = t.tenant.notifications().open_notification(t.agent, &ids[0]).await.unwrap();
    assert!(opened.read);
    assert_eq!(unread(&t.tenant, t.agent).await, 4);
    assert!(
        matches!(t.tenant.notifications().open_notification(t.owner, &ids[1]).await, Err(StoreError::NotFound)),
        "not theirs"
    );

    // Another account: none of these, by list, id or count, even for the same person.
    let (other, _) = account(&t.store, "Other", "other@example.com").await;
    let other = t.store.tenant_for_operator(other).await.unwrap();
    other.team().add_member(t.agent, Role::Agent).await.unwrap();
    assert!(other.notifications().list(t.agent, None, 10).await.unwrap().items.is_empty());
    assert_eq!(unread(&other, t.agent).await, 0);
    assert!(matches!(other.notifications().open_notification(t.agent, &ids[1]).await, Err(StoreError::NotFound)));
    assert!(matches!(other.notifications().notification(&ids[1]).await, Err(StoreError::NotFound)));
    assert!(matches!(
        other.notifications().set_prefs(t.owner, Prefs::defaults(Role::Owner)).await,
        Err(StoreError::NotFound)
    ));

    assert_eq!(t.tenant.notifications().mark_all_notifications_read(t.agent).await.unwrap(), 4);
    assert_eq!(unread(&t.tenant, t.agent).await, 0);
    assert!(t.tenant.notifications().list(t.agent, None, 10).await.unwrap().items.iter().all(|n| n.read));

    // A member who leaves takes their notifications along.
    t.tenant.team().remove_member(t.agent).await.unwrap();
    assert!(matches!(t.tenant.notifications().notification(&ids[0]).await, Err(StoreError::NotFound)));
}

#[tokio::test]
async fn erasing_a_guest_deletes_the_notifications_that_name_them() {
    let t = team().await;
    let erased = conversation(&t.tenant, "Eva Erased").await;
    t.tenant.inbox().assign(erased, Some(t.agent), Some(t.owner)).await.unwrap();
    // A reply to her that could not be sent names her too.
    let reply = t.tenant.inbox().reply(erased, Some(t.agent), "Guten Tag!", None).await.unwrap();
    t.tenant.conversations().mark_failed(reply, "131047 outside the window").await.unwrap();
    let kinds = |items: &[maitre_store::Notification]| items.iter().map(|n| n.kind).collect::<Vec<_>>();
    let before = t.tenant.notifications().list(t.agent, None, 10).await.unwrap().items;
    assert_eq!(kinds(&before), [NotificationKind::Undelivered, NotificationKind::Assigned]);
    let kept = conversation(&t.tenant, "Kai Kept").await;
    t.tenant.inbox().assign(kept, Some(t.agent), Some(t.owner)).await.unwrap();
    let contact = t.tenant.inbox().conversation(erased, t.owner).await.unwrap().contact_id;
    t.tenant.contacts().erase_contact(contact, maitre_store::Actor::Member(t.owner)).await.unwrap();
    let left = t.tenant.notifications().list(t.agent, None, 10).await.unwrap().items;
    assert_eq!(left.iter().map(|n| n.text.as_str()).collect::<Vec<_>>(), ["Kai Kept"]);
}

fn device(n: u32) -> NewPushSubscription {
    NewPushSubscription {
        endpoint: format!("https://push.example.net/send/{n}"),
        p256dh: format!("key-{n}"),
        auth: format!("auth-{n}"),
    }
}

#[tokio::test]
async fn a_member_with_a_device_gets_a_push_for_each_kind_they_chose_and_keeps_ten_devices() {
    let t = team().await;
    let c = conversation(&t.tenant, "Emil").await;
    let notifications = t.tenant.notifications();
    let first = notifications.add_device(t.agent, &device(0)).await.unwrap();
    let renewed = notifications.add_device(t.agent, &NewPushSubscription { p256dh: "new".into(), ..device(0) }).await;
    let renewed = renewed.unwrap();
    assert_eq!((renewed.id.as_str(), renewed.p256dh.as_str()), (first.id.as_str(), "new"), "one row per endpoint");
    for n in 1..=10 {
        notifications.add_device(t.agent, &device(n)).await.unwrap();
    }
    let kept = notifications.devices(t.agent).await.unwrap();
    assert_eq!(kept.len(), 10);
    assert!(kept.iter().all(|d| d.endpoint != device(0).endpoint), "the oldest device went");
    assert!(!format!("{:?}", kept[0]).contains("key-"), "keys never printed");

    // A handoff: the agent (a device, every kind by default) is pushed; the owner (no device) is not.
    let step = StepEffects { key: "reply:push".into(), handoff: true, ..StepEffects::default() };
    let input = t.tenant.flows().step_input(c).await.unwrap();
    t.tenant.flows().apply_step(&input, &step).await.unwrap().unwrap();
    let pushed = queued(&t.store, JobKind::NotificationPush).await;
    let to_agent = notifications.list(t.agent, None, 1).await.unwrap().items.remove(0);
    assert_eq!(pushed, [serde_json::json!({ "notification_id": to_agent.id }).to_string()]);

    // Assignments off for push: assigning the agent queues no push; a removed device is gone, others' are safe.
    let mut prefs = Prefs::defaults(Role::Agent);
    prefs.push = Choice { assigned: false, ..Choice::ALL };
    notifications.set_prefs(t.agent, prefs).await.unwrap();
    t.tenant.inbox().assign(c, Some(t.agent), Some(t.owner)).await.unwrap();
    assert!(queued(&t.store, JobKind::NotificationPush).await.is_empty());
    assert!(matches!(notifications.remove_device(t.owner, &kept[0].id).await, Err(StoreError::NotFound)));
    let (other, _) = account(&t.store, "Other", "other@example.com").await;
    let other = t.store.tenant_for_operator(other).await.unwrap();
    other.notifications().forget_device(&kept[0].id).await.unwrap();
    assert!(matches!(other.notifications().add_device(t.agent, &device(99)).await, Err(StoreError::NotFound)));
    assert_eq!(notifications.devices(t.agent).await.unwrap().len(), 10, "another business cannot forget them");
    notifications.remove_device(t.agent, &kept[0].id).await.unwrap();
    assert_eq!(notifications.devices(t.agent).await.unwrap().len(), 9);
    // Leaving the team takes the devices along.
    t.tenant.team().remove_member(t.agent).await.unwrap();
    assert!(notifications.devices(t.agent).await.unwrap().is_empty());
}
