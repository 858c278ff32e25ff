//! A guest's message as automation sees it, on both backends: recorded once with one flow step queued for it,
//! and a step's effects written whole or not at all.
use chrono::{TimeDelta, Utc};
use maitre_domain::MessageId;
use maitre_store::{IncomingMessage, JobKind, QueuedReply, StepEffects, Store, TenantStore};

use super::{account, store, whatsapp_channel};

struct Guest {
    store: Store,
    tenant: TenantStore,
    channel: maitre_domain::ChannelId,
    _db: maitre_testkit::TestDb,
}

async fn guest() -> Guest {
    let (store, _, db) = store().await;
    let (a, _) = account(&store, "Trattoria", "owner@example.com").await;
    let tenant = store.tenant_for_operator(a).await.unwrap();
    let channel = whatsapp_channel(&tenant).await;
    Guest { store, tenant, channel, _db: db }
}

impl Guest {
    /// Records a message of the guest (`in`) or an echo of the business's own (`out`), due for automation now.
    async fn record(&self, platform_id: &str, direction: &str) -> maitre_store::Recorded {
        let message = IncomingMessage {
            event_id: &format!("event-{platform_id}"),
            channel_id: self.channel,
            contact_external_id: "491701234567",
            contact_name: Some("Anna"),
            direction: direction.parse().unwrap(),
            kind: "text",
            body: "table for 4 tomorrow at 8?",
            payload: &Default::default(),
            platform_message_id: platform_id,
            at: self.tenant.now(),
            automate_at: Some(self.tenant.now()),
        };
        self.tenant.conversations().record_message(&message).await.unwrap()
    }

    /// Payloads of the queued jobs of `kind` (claimed, so each is seen once).
    async fn jobs(&self, kind: &str) -> Vec<String> {
        let jobs = self.store.claim_jobs("test", Utc::now() + TimeDelta::minutes(5), 100).await.unwrap();
        jobs.into_iter().filter(|j| j.kind == kind).map(|j| j.payload_text().to_owned()).collect()
    }
}

#[tokio::test]
async fn a_guest_message_is_recorded_once_with_one_flow_step_and_echoes_and_human_mode_queue_none() {
    let g = guest().await;
    let first = g.record("wamid.1", "in").await;
    assert!(first.message_id.is_some() && first.bot_mode && !first.contact_unnamed, "{first:?}");
    let again = g.record("wamid.1", "in").await;
    assert_eq!(again.message_id, None, "a redelivery records nothing new");
    assert_eq!((&again.conversation_id, &again.contact_id), (&first.conversation_id, &first.contact_id));
    let message = first.message_id.unwrap();
    let want = serde_json::json!({ "message": message, "event": "event-wamid.1" });
    let steps: Vec<serde_json::Value> =
        g.jobs(JobKind::FlowStep.as_str()).await.iter().map(|p| serde_json::from_str(p).unwrap()).collect();
    assert_eq!(steps, [want], "one step for the message");
    let input = g.tenant.flows().step_input_for_message(message).await.unwrap();
    assert_eq!(input.conversation_id, first.conversation_id, "the step finds the message's conversation");
    assert_eq!(input.pending.len(), 1);

    let echo = g.record("wamid.2", "out").await;
    assert!(echo.message_id.is_some());
    g.tenant.inbox().take_over(first.conversation_id, None).await.unwrap();
    assert!(g.record("wamid.3", "in").await.message_id.is_some());
    assert!(
        g.jobs(JobKind::FlowStep.as_str()).await.is_empty(),
        "no step for an echo or for a guest talking to a person"
    );
    let pending = g.tenant.flows().step_input(first.conversation_id).await.unwrap().pending;
    assert_eq!(pending.iter().map(|m| m.platform_id.as_str()).collect::<Vec<_>>(), ["wamid.1"]);
    let messages = g.tenant.conversations().messages(first.conversation_id).await.unwrap();
    assert_eq!(
        messages.iter().map(|m| (m.0.as_str(), m.3.as_str())).collect::<Vec<_>>(),
        [("in", "received"), ("out", "sent"), ("in", "received")]
    );
}

fn reply(text: &str) -> QueuedReply {
    QueuedReply::bot(text.into(), String::new())
}

#[tokio::test]
async fn a_step_writes_its_replies_and_reads_only_over_the_state_it_started_from() {
    let g = guest().await;
    let c = g.record("wamid.1", "in").await.conversation_id;
    let input = g.tenant.flows().step_input(c).await.unwrap();
    let read: Vec<MessageId> = input.pending.iter().map(|m| m.id).collect();
    let step = |key: &str, rev: i64| StepEffects {
        key: key.into(),
        expected_rev: rev,
        state: Some(format!("state of {key}")),
        read: read.clone(),
        replies: vec![reply("Gern!"), reply("Für wie viele?")],
        ..StepEffects::default()
    };

    g.tenant.flows().apply_step(&input, &step("reply:1", input.rev)).await.unwrap().unwrap();
    let after = g.tenant.flows().step_input(c).await.unwrap();
    assert_eq!((after.rev, after.pending.len()), (input.rev + 1, 0));
    assert_eq!(after.state.as_deref(), Some("state of reply:1"));
    assert_eq!(g.jobs(JobKind::Send.as_str()).await.len(), 2, "a send job per reply");
    let bodies: Vec<String> = g.tenant.conversations().messages(c).await.unwrap().into_iter().map(|m| m.2).collect();
    assert_eq!(bodies, ["table for 4 tomorrow at 8?", "Gern!", "Für wie viele?"]);

    // Steps that lost the race write nothing: one that started from the state before, and one that read the
    // same message, whatever its revision.
    let stale = StepEffects { read: vec![], ..step("reply:stale", input.rev) };
    assert!(g.tenant.flows().apply_step(&input, &stale).await.unwrap().is_err(), "a newer state than the step saw");
    let late = step("reply:2", after.rev);
    assert!(g.tenant.flows().apply_step(&after, &late).await.unwrap().is_err(), "its message was read already");
    let unchanged = g.tenant.flows().step_input(c).await.unwrap();
    assert_eq!((unchanged.rev, &unchanged.state), (after.rev, &after.state));
    assert_eq!(g.tenant.conversations().messages(c).await.unwrap().len(), 3);
    assert!(g.jobs(JobKind::Send.as_str()).await.is_empty());
    // A re-run of the step that won, over the newer state: its replies' keys are taken, nothing is queued twice.
    let rerun = StepEffects { read: vec![], ..step("reply:1", after.rev) };
    g.tenant.flows().apply_step(&after, &rerun).await.unwrap().unwrap();
    assert_eq!(g.tenant.conversations().messages(c).await.unwrap().len(), 3);
    assert!(g.jobs(JobKind::Send.as_str()).await.is_empty());
    assert_eq!(g.tenant.flows().step_input(c).await.unwrap().rev, after.rev + 1);
}
