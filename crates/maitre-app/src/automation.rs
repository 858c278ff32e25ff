//! Runs a conversation's flows: reads what arrived (the guest's pending messages, a timer, a system event, a
//! member's restart), asks the pure engine what to do, carries out the effects that need an answer (reservations,
//! AI), and writes everything else — new run state, replies with their send jobs, contact changes, timers — in one
//! transaction.
//!
//! A step job may run twice (crash, lease expiry): reads are marked in the effects' transaction, the run state is
//! written only over the revision it started from, and reservations carry the step's key, so a re-run finds the
//! work done and changes nothing.
use chrono::{DateTime, TimeDelta, Utc};
use chrono_tz::Tz;
use maitre_channels::inbound::Platform;
use maitre_channels::outbound::OutboundMessage;
use maitre_domain::Author;
use maitre_domain::Locale;
use maitre_domain::booking::Availability;
use maitre_domain::contacts::name_to_keep;
use maitre_domain::courtesy::is_courtesy;
use maitre_domain::flow::{
    self, Action, AlwaysAvailable, Candidate, ContactInfo, Context, FlowDef, Input, InputKind, Outcome,
    ReservationOutcome, RunState,
};
use maitre_domain::jobs::{FlowStartJob, FlowStepJob, FlowTimerJob};
use maitre_domain::language;
use maitre_domain::{AccountId, ConversationId, ConversationMode, FlowId, MessageId};
use maitre_jobs::JobError;
use maitre_store::{
    Answer, AutomationConfig, AutomationSettings, Job, PublishedFlow, QueuedReply, StepEffects, StepInput, TenantStore,
};
use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};

use crate::replies::queued;
use crate::{App, job_tenant, payload, retry};

/// How many engine rounds one step may take (an action's result is fed back as a new round).
const MAX_ROUNDS: usize = 8;

/// Which conversation a step is for: named, or the one of the guest's message that queued it.
#[derive(Clone, Copy)]
enum Of {
    Conversation(ConversationId),
    Message(MessageId),
}

/// Where replies go and how they are formatted.
struct Env<'c> {
    tz: Tz,
    platform: Platform,
    locale: Locale,
    /// The account's automation settings (the AI step's endpoint, model and key).
    automation: &'c AutomationSettings,
}

/// What woke the conversation.
enum Wake {
    /// The guest's pending messages.
    Messages,
    Timer(String),
    Event(String),
    /// Start this flow from its start node.
    Start(String),
}

pub async fn step(gw: Arc<App>, job: Job) -> Result<(), JobError> {
    let gw: &App = &gw;
    let p: FlowStepJob = payload(&job)?;
    let tenant = job_tenant(gw, &job)?;
    let of = match (&p.message, &p.conversation) {
        (Some(message), _) => Of::Message(*message),
        (None, Some(conversation)) => Of::Conversation(*conversation),
        (None, None) => return Err(JobError::Permanent("the flow step names no message".into())),
    };
    run(gw, &tenant, of, Wake::Messages, &format!("reply:{}", p.event)).await
}

pub async fn timer(gw: Arc<App>, job: Job) -> Result<(), JobError> {
    let gw: &App = &gw;
    let p: FlowTimerJob = payload(&job)?;
    let tenant = job_tenant(gw, &job)?;
    let key = format!("timer:{}", p.token);
    run(gw, &tenant, Of::Conversation(p.conversation), Wake::Timer(p.token), &key).await
}

pub async fn start(gw: Arc<App>, job: Job) -> Result<(), JobError> {
    let gw: &App = &gw;
    let p: FlowStartJob = payload(&job)?;
    let tenant = job_tenant(gw, &job)?;
    let key = format!("start:{}", p.token);
    run(gw, &tenant, Of::Conversation(p.conversation), Wake::Start(p.flow.to_string()), &key).await
}

/// Starts the flows listening for a system event (e.g. `visit_completed`) in a conversation. Returns whether any
/// flow answered.
pub async fn event(
    gw: &App,
    tenant: &TenantStore,
    conversation: ConversationId,
    name: &str,
    key: &str,
) -> Result<bool, JobError> {
    let before = tenant.flows().step_input(conversation).await.map_err(retry)?.rev;
    run(gw, tenant, Of::Conversation(conversation), Wake::Event(name.to_owned()), key).await?;
    Ok(tenant.flows().step_input(conversation).await.map_err(retry)?.rev != before)
}

async fn run(gw: &App, tenant: &TenantStore, of: Of, wake: Wake, key: &str) -> Result<(), JobError> {
    let read = match of {
        Of::Conversation(conversation) => tenant.flows().step_input(conversation).await,
        Of::Message(message) => tenant.flows().step_input_for_message(message).await,
    };
    let mut input = match read {
        Ok(i) => i,
        Err(maitre_store::StoreError::NotFound) => return Ok(()), // deleted meanwhile
        Err(e) => return Err(retry(e)),
    };
    let now = gw.store.clock().now();
    let config = tenant.automation_config(input.channel_id).await.map_err(retry)?;
    let pause = match wake {
        Wake::Messages => config.automation.read_together_ms,
        _ => None,
    }
    .unwrap_or(gw.read_together_ms as i64);
    if pause == 0 {
        // No pause: every message is answered on its own, oldest first (each message has its own step job).
        input.pending.truncate(1);
    }
    let read: Vec<MessageId> = input.pending.iter().map(|m| m.id).collect();
    let mut fx = StepEffects {
        key: key.to_owned(),
        expected_rev: input.rev,
        state: input.state.clone(),
        read,
        ..Default::default()
    };
    // Past the plan's guest messages, the guest's messages wait for the team as in a member's conversation.
    if matches!(wake, Wake::Messages) && gw.automation_paused(tenant).await.map_err(retry)? {
        fx.answer = input.pending.first().map_or(Answer::Unchanged, |m| Answer::Waiting { since: m.stored_at });
        return save(tenant, &input, &fx).await;
    }
    let first = match first_input(&wake, &input, pause, now)? {
        First::Engine(first) => first,
        First::Nothing => return Ok(()),
        // Read without answering, so a later hand-back does not replay them; a person must answer.
        First::ReadOnly => {
            // A member has the conversation (or the guest opted out): even "thanks" is theirs to see.
            fx.answer = input.pending.first().map_or(Answer::Unchanged, |m| Answer::Waiting { since: m.stored_at });
            return save(tenant, &input, &fx).await;
        }
    };
    if !matches!(wake, Wake::Messages) {
        fx.read.clear();
    }
    let step = Step { gw, tenant, input: &input, key, now };
    let ran = rounds(&step, &config, &mut fx, first).await?;
    if let Some(comment) = commented(&input).filter(|_| matches!(wake, Wake::Messages)) {
        private_reply(&mut fx.replies, comment);
    }
    if matches!(wake, Wake::Messages) {
        let (flow_replied, courteous) = (!fx.replies.is_empty(), courtesy(&input));
        fx.flow_replied = flow_replied;
        fx.answer = waiting(&input, flow_replied && !fx.handoff, courteous);
        // "We will get back to you" once: not after a courtesy, nor while the bot spoke with the guest lately (a
        // booking it just confirmed, an earlier unanswered message).
        let quiet = courteous || input.last_step_at.is_some_and(|at| now - at < AUTO_REPLY_QUIET);
        // The guest's language is read only when the automatic reply is due, not for every message.
        let fallback = (!ran.answered && !ran.was_running && !quiet).then(|| auto_reply(&config, &input));
        if let Some(text) = fallback.filter(|t| !t.is_empty()) {
            fx.replies.push(QueuedReply { body: text.to_owned(), payload: String::new(), author: Author::AutoReply });
        }
    }
    fx.state =
        ran.state.map(|s| serde_json::to_string(&s)).transpose().map_err(|e| JobError::Permanent(e.to_string()))?;
    save(tenant, &input, &fx).await
}

/// The channel's automatic reply, in the language of the guest's messages when the business wrote it in that one.
fn auto_reply<'c>(config: &'c AutomationConfig, input: &StepInput) -> &'c str {
    let said: Vec<&str> = input.pending.iter().filter(|m| m.kind == "text").map(|m| m.body.as_str()).collect();
    language::in_guests_language(&config.channel.auto_reply, &config.auto_reply_translations, &said.join("\n")).trim()
}

/// How long after the bot last spoke with a guest their unanswered message gets no automatic reply.
const AUTO_REPLY_QUIET: TimeDelta = TimeDelta::hours(2);

/// The guest's messages read by the step are only thanks or goodbye.
fn courtesy(input: &StepInput) -> bool {
    input.pending.iter().all(|m| m.kind == "text" && is_courtesy(&m.body))
}

/// What the step leaves for a person: nothing once a flow `answered` (clearing what waited); otherwise the guest's
/// messages wait, unless they were only a `courteous` thanks or goodbye.
fn waiting(input: &StepInput, answered: bool, courteous: bool) -> Answer {
    match input.pending.first() {
        Some(_) if answered && input.waiting => Answer::Answered,
        Some(first) if !answered && !courteous => Answer::Waiting { since: first.stored_at },
        _ => Answer::Unchanged,
    }
}

/// How a step begins.
enum First {
    /// Ask the engine with this input.
    Engine(Input),
    /// Nothing to do (an earlier step read the messages, or the bot does not speak in this conversation).
    Nothing,
    /// Mark the guest's messages read without answering (human mode, opted out).
    ReadOnly,
}

fn first_input(wake: &Wake, input: &StepInput, pause: i64, now: DateTime<Utc>) -> Result<First, JobError> {
    let listening = input.mode == ConversationMode::Bot && !input.opted_out;
    Ok(match wake {
        Wake::Messages => {
            let Some(last) = input.pending.last() else { return Ok(First::Nothing) };
            let due = last.stored_at + TimeDelta::milliseconds(pause);
            if due > now {
                // A later message arrived: its own pause decides when the batch is read.
                return Err(JobError::Defer { after: (due - now).to_std().unwrap_or_default() });
            }
            if listening { First::Engine(message_input(input)) } else { First::ReadOnly }
        }
        _ if !listening => First::Nothing,
        Wake::Timer(token) => First::Engine(Input::Timer { token: token.clone() }),
        Wake::Event(name) => First::Engine(Input::Event { name: name.clone() }),
        Wake::Start(flow) => First::Engine(Input::Start { flow: flow.clone() }),
    })
}

/// One step's fixed surroundings.
struct Step<'a> {
    gw: &'a App,
    tenant: &'a TenantStore,
    input: &'a StepInput,
    key: &'a str,
    now: DateTime<Utc>,
}

/// What the engine made of a step.
struct Ran {
    state: Option<RunState>,
    /// Some flow acted (the fallback auto-reply stays quiet).
    answered: bool,
    /// A flow was running before the step.
    was_running: bool,
}

/// The engine's rounds for one step, starting from `first`: an action whose outcome needs an answer (a
/// reservation) feeds that outcome back as the next round's input.
async fn rounds(
    step: &Step<'_>,
    config: &AutomationConfig,
    fx: &mut StepEffects,
    first: Input,
) -> Result<Ran, JobError> {
    let (gw, tenant, input, now) = (step.gw, step.tenant, step.input, step.now);
    let (account, channel, review_link) = (&config.account, &config.channel, &config.review_link);
    let tz: Tz = account.settings.time_zone.parse().unwrap_or(Tz::UTC);
    let flows = gw.flow_defs.published(tenant.account_id(), &config.flows);
    let running = running(gw, tenant, input).await?;
    let reservation = input.upcoming.first().map(|r| r.info());
    // Rules, resources and the reservations up to the booking horizon (alternatives may lie days ahead), loaded
    // only when a flow that may run here asks the calendar.
    let calendar =
        flows.iter().map(|(_, _, d)| d).chain(running.as_ref().map(|(_, d)| d)).any(|d| d.consults_calendar());
    let snapshot = if calendar { Some(tenant.reservations().horizon_snapshot(tz).await.map_err(retry)?) } else { None };
    let platform = channel.platform;
    let env = Env { tz, platform, locale: account.settings.locale, automation: &config.automation };
    let candidates: Vec<Candidate> = flows
        .iter()
        .map(|(id, version, def)| Candidate { flow_id: id, version: *version, def: def.as_ref() })
        .collect();

    let mut state = running.as_ref().map(|(s, _)| s.clone());
    let mut current = first;
    let mut answered = false;
    for round in 0..MAX_ROUNDS {
        // The context borrows the snapshot (not `Sync`): it must not live across an await.
        let outcome = {
            let ctx = Context {
                now,
                tz,
                locale: account.settings.locale,
                account_name: &account.settings.name,
                review_link: Some(review_link.as_str()).filter(|l| !l.is_empty()),
                contact: ContactInfo { name: &input.contact_name, tags: &input.tags, is_new: input.first_contact },
                reservation: reservation.as_ref(),
                // Never consulted without a calendar-using flow (`consults_calendar`).
                availability: match &snapshot {
                    Some(s) => s as &dyn Availability,
                    None => &AlwaysAvailable,
                },
            };
            let run_def = state.as_ref().and_then(|s| def_of(&flows, &running, s));
            flow::handle(&candidates, state.as_ref().zip(run_def), &current, &ctx)
        };
        let Outcome { state: next, actions, passages, .. } = outcome;
        state = next;
        fx.passages.extend(passages);
        let mut feedback = None;
        for action in actions {
            answered = true;
            let key = format!("{}:{round}", step.key);
            // The run that acted (a reservation keeps the flow that booked it).
            let flow = state.as_ref().and_then(|s| s.flow_id.parse().ok());
            let by = crate::bookings::Origin {
                contact: input.contact_id,
                conversation: input.conversation_id,
                flow,
                key: &key,
            };
            if let Some(outcome) = apply(gw, tenant, input, fx, action, &env, &by).await? {
                feedback = Some(outcome);
            }
        }
        match feedback {
            Some(outcome) => current = Input::Reservation { outcome },
            None => break,
        }
    }
    Ok(Ran { state, answered, was_running: running.is_some() })
}

/// Carries out one action: effects that need no answer go into `fx`; reservations run now and return their outcome
/// for the engine's next round.
async fn apply(
    gw: &App,
    tenant: &TenantStore,
    input: &StepInput,
    fx: &mut StepEffects,
    action: Action,
    env: &Env<'_>,
    by: &crate::bookings::Origin<'_>,
) -> Result<Option<ReservationOutcome>, JobError> {
    let tz = env.tz;
    match action {
        Action::Send(reply) => fx.replies.push(queued(env.platform, env.locale, &reply.text, &reply.quick_replies)),
        Action::Tag { add, remove } => {
            fx.add_tags.extend(add);
            fx.remove_tags.extend(remove);
        }
        Action::SetContact { field, value } => {
            // "Vogel" answered by the known "Lena Vogel" must not shorten her name.
            let value = match field.as_str() {
                "name" => name_to_keep(&input.contact_name, &value).to_owned(),
                _ => value,
            };
            fx.contact_fields.push((field, value))
        }
        Action::Handoff { .. } => fx.handoff = true,
        Action::Schedule { at, token } => fx.timers.push((at, token)),
        Action::OptOut { word } => fx.opt_out = Some(word),
        Action::Ai { prompt, fallback } => {
            let text = crate::ai::complete(gw, tenant, env.automation, &prompt).await.unwrap_or(fallback);
            fx.replies.push(queued(env.platform, env.locale, &text, &[]));
        }
        Action::Reserve(req) => {
            return crate::bookings::reserve(tenant, tz, &req, by).await.map(Some);
        }
        Action::ModifyReservation { id, starts_at, party_size } => {
            return crate::bookings::modify(tenant, tz, &id, starts_at, party_size).await.map(Some);
        }
        Action::CancelReservation { id } => return crate::bookings::cancel(tenant, &id).await.map(Some),
    }
    Ok(None)
}

async fn save(tenant: &TenantStore, input: &StepInput, fx: &StepEffects) -> Result<(), JobError> {
    match tenant.flows().apply_step(input, fx).await.map_err(retry)? {
        Ok(()) => Ok(()),
        // Another step of this conversation wrote first (it may have read our messages too): look again shortly,
        // without counting this as a failed attempt.
        Err(_) => Err(JobError::Defer { after: std::time::Duration::from_millis(20) }),
    }
}

/// The comment a step answers, when it was woken by a comment on a post.
fn commented(input: &StepInput) -> Option<&str> {
    let first = input.pending.first().filter(|m| m.kind == "comment")?;
    first.platform_id.strip_prefix("comment:")
}

/// A comment may be answered once, privately: the step's replies go out as one private reply to the comment.
fn private_reply(replies: &mut Vec<QueuedReply>, comment: &str) {
    let Some(last) = replies.last() else { return };
    let mut message: OutboundMessage = serde_json::from_str(&last.payload).unwrap_or_default();
    message.text = replies.iter().map(|r| r.body.as_str()).collect::<Vec<_>>().join("\n\n");
    message.private_reply_to = Some(comment.to_owned());
    let payload = serde_json::to_string(&message).unwrap_or_default();
    *replies = vec![QueuedReply::bot(message.text.clone(), payload)];
}

/// The guest's pending messages as one input: texts joined, the last button payload, the first message's kind.
fn message_input(input: &StepInput) -> Input {
    let text = input.pending.iter().map(|m| m.body.trim()).filter(|t| !t.is_empty()).collect::<Vec<_>>().join("\n");
    let button = |k: &str| matches!(k, "quick_reply" | "postback" | "button" | "interactive_reply" | "command");
    let payload =
        input.pending.iter().rev().find(|m| button(&m.kind) && !m.payload.is_empty()).map(|m| m.payload.clone());
    let kind = match input.pending.first().map(|m| m.kind.as_str()) {
        Some("story_reply") => InputKind::StoryReply,
        Some("story_mention") => InputKind::StoryMention,
        Some("comment") => {
            InputKind::Comment { media_id: input.pending.first().map(|m| m.payload.clone()).filter(|p| !p.is_empty()) }
        }
        _ => InputKind::Text,
    };
    Input::Message { text, payload, kind }
}

/// Published flows of a step: id, version, parsed definition.
type Loaded = Vec<(String, i64, Arc<FlowDef>)>;

/// Parsed flow versions. A published version never changes, so each is parsed once per process instead of on every
/// guest message. Keyed by flow id; each entry keeps the versions in use with the
/// account they belong to, so one account's lookup never yields another's definition.
#[derive(Default)]
pub(crate) struct FlowDefs(Mutex<HashMap<FlowId, Vec<ParsedVersion>>>);

/// One parsed version of a flow: its account, version number and definition.
type ParsedVersion = (AccountId, i64, Arc<FlowDef>);

impl FlowDefs {
    /// Flows kept at most; the memo starts over beyond it (parsing again is only slower).
    const MAX: usize = 10_000;

    fn get(&self, account: AccountId, flow_id: FlowId, version: i64) -> Option<Arc<FlowDef>> {
        let memo = self.0.lock().unwrap_or_else(PoisonError::into_inner);
        let versions = memo.get(&flow_id)?;
        versions.iter().find(|(a, v, _)| *a == account && *v == version).map(|(_, _, def)| def.clone())
    }

    fn parse(&self, account: AccountId, flow_id: FlowId, version: i64, json: &str) -> Option<Arc<FlowDef>> {
        if let Some(def) = self.get(account, flow_id, version) {
            return Some(def);
        }
        let def = match serde_json::from_str::<FlowDef>(json) {
            Ok(def) => Arc::new(def),
            Err(e) => {
                tracing::warn!(flow = %flow_id, error = %e, "a published flow is unreadable; skipped");
                return None;
            }
        };
        let mut memo = self.0.lock().unwrap_or_else(PoisonError::into_inner);
        if memo.len() >= Self::MAX {
            memo.clear();
        }
        memo.entry(flow_id).or_default().push((account, version, def.clone()));
        Some(def)
    }

    fn published(&self, account: AccountId, flows: &[PublishedFlow]) -> Loaded {
        flows
            .iter()
            .filter_map(|f| {
                Some((f.flow_id.to_string(), f.version, self.parse(account, f.flow_id, f.version, &f.definition)?))
            })
            .collect()
    }
}

/// The run in progress with the version it started on (which may no longer be the published one).
async fn running(
    gw: &App,
    tenant: &TenantStore,
    input: &StepInput,
) -> Result<Option<(RunState, Arc<FlowDef>)>, JobError> {
    let Some(state) = input.state.as_deref() else { return Ok(None) };
    let Ok(state) = serde_json::from_str::<RunState>(state) else { return Ok(None) };
    let account = tenant.account_id();
    // A run names a flow of this account; anything else (a hand-edited state) ends the run.
    let Ok(flow) = state.flow_id.parse::<FlowId>() else { return Ok(None) };
    if let Some(def) = gw.flow_defs.get(account, flow, state.version) {
        return Ok(Some((state, def)));
    }
    match tenant.flows().flow_version(flow, state.version).await {
        Ok(json) => Ok(gw.flow_defs.parse(account, flow, state.version, &json).map(|def| (state, def))),
        // The flow was deleted: the run ends.
        Err(maitre_store::StoreError::NotFound) => Ok(None),
        Err(e) => Err(retry(e)),
    }
}

/// The definition a state runs on: the one it started with, or a published candidate of the same version.
fn def_of<'a>(flows: &'a Loaded, running: &'a Option<(RunState, Arc<FlowDef>)>, s: &RunState) -> Option<&'a FlowDef> {
    running
        .as_ref()
        .filter(|(r, _)| r.flow_id == s.flow_id && r.version == s.version)
        .map(|(_, d)| d.as_ref())
        .or_else(|| flows.iter().find(|(id, v, _)| *id == s.flow_id && *v == s.version).map(|(_, _, d)| d.as_ref()))
}
