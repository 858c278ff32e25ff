//! Flow runs' stages as a step writes them, on both backends: counted once per run in the step's transaction,
//! read back as funnels, the runs that stopped at a question listed with what their guests wrote after it, and
//! gone with a removed channel.
use chrono::{DateTime, TimeDelta, Utc};
use maitre_domain::ConversationId;
use maitre_domain::flow::{Passage, Stage};
use maitre_domain::metrics::report::Period;
use maitre_store::{FigureFilter, IncomingMessage, StepEffects, TenantStore};

use super::{account, store, whatsapp_channel};

async fn write(
    tenant: &TenantStore,
    channel: maitre_domain::ChannelId,
    guest: &str,
    id: &str,
    body: &str,
) -> ConversationId {
    let message = IncomingMessage {
        event_id: &format!("event-{id}"),
        channel_id: channel,
        contact_external_id: guest,
        contact_name: Some(guest),
        direction: "in".parse().unwrap(),
        kind: "text",
        body,
        payload: &Default::default(),
        platform_message_id: id,
        at: tenant.now(),
        automate_at: None,
    };
    tenant.conversations().record_message(&message).await.unwrap().conversation_id
}

/// A step of `conversation` that passes `stages` of the run of "flow-1" started at `run`.
async fn step(tenant: &TenantStore, conversation: ConversationId, key: &str, run: DateTime<Utc>, stages: &[Stage]) {
    let input = tenant.flows().step_input(conversation).await.unwrap();
    let passages = stages
        .iter()
        .map(|stage| Passage { flow_id: "flow-1".into(), run_started_at: run, stage: stage.clone() })
        .collect();
    let fx = StepEffects { key: key.into(), expected_rev: input.rev, passages, ..StepEffects::default() };
    tenant.flows().apply_step(&input, &fx).await.unwrap().unwrap();
}

#[tokio::test]
async fn stages_count_once_per_run_and_stopped_runs_show_what_the_guests_wrote() {
    let (store, clock, _db) = store().await;
    let (a, _) = account(&store, "Trattoria", "owner@example.com").await;
    let tenant = store.tenant_for_operator(a).await.unwrap();
    let channel = whatsapp_channel(&tenant).await;
    let asked = [Stage::Started, Stage::Entered("party".into())];
    let start = tenant.now();
    let mut conversations = Vec::new();
    for (n, guest) in ["Anna", "Ben", "Cleo"].into_iter().enumerate() {
        let c = write(&tenant, channel, guest, &format!("m{n}"), "Tisch?").await;
        step(&tenant, c, &format!("s{n}"), start, &asked).await;
        conversations.push(c);
        clock.advance(TimeDelta::minutes(1));
    }
    // Anna answers; Ben writes something else twice (and later a fourth time); Cleo stays silent. A step that
    // passes the question again counts nothing new.
    step(&tenant, conversations[0], "s3", start, &[Stage::Answered("party".into()), Stage::Completed]).await;
    step(&tenant, conversations[1], "s4", start, &asked).await;
    for (n, body) in ["Was kostet das?", "Habt ihr vegan?", "Hallo?", "Noch da?"].into_iter().enumerate() {
        write(&tenant, channel, "Ben", &format!("b{n}"), body).await;
        clock.advance(TimeDelta::seconds(1));
    }

    let today = maitre_domain::metrics::local_day(tenant.now(), chrono_tz::Europe::Berlin);
    let period = Period { first: today, last: today };
    let mut counts = tenant.flow_counts(period, FigureFilter::default()).await.unwrap().stages;
    counts.sort();
    let flow = |stage: Stage, n: i64| ("flow-1".to_owned(), stage, n);
    assert_eq!(
        counts,
        [
            flow(Stage::Started, 3),
            flow(Stage::Entered("party".into()), 3),
            flow(Stage::Answered("party".into()), 1),
            flow(Stage::Completed, 1)
        ]
    );

    let span = (start - TimeDelta::hours(1), start + TimeDelta::hours(1));
    let stopped = tenant.stopped_runs("flow-1", "party", span, FigureFilter::default(), 10).await.unwrap();
    let seen: Vec<(&str, Vec<&str>)> =
        stopped.iter().map(|r| (r.contact_name.as_str(), r.wrote.iter().map(String::as_str).collect())).collect();
    assert_eq!(
        seen,
        [("Cleo", vec!["Tisch?"]), ("Ben", vec!["Tisch?", "Was kostet das?", "Habt ihr vegan?"])],
        "the latest first, each guest's first three messages from the moment of the question on (here the one that \
         started the run too: the clock stood still)"
    );
    assert_eq!(stopped[0].conversation_id, conversations[2]);
    let later = (start + TimeDelta::minutes(1), start + TimeDelta::hours(1));
    assert!(tenant.stopped_runs("flow-1", "party", later, FigureFilter::default(), 10).await.unwrap().is_empty());
    let one = tenant.stopped_runs("flow-1", "party", span, FigureFilter::default(), 1).await.unwrap();
    assert_eq!(one.len(), 1, "at most the limit");

    tenant.channels().delete_channel(channel).await.unwrap();
    assert!(tenant.flow_counts(period, FigureFilter::default()).await.unwrap().stages.iter().all(|c| c.2 == 0));
}
