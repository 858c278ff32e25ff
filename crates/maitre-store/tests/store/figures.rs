//! The counted figures against the raw rows, on both backends: random histories (guests writing, flows replying
//! and handing off, the team answering, conversations closed and reopened, bookings made by flows and staff, then
//! confirmed, cancelled, completed or missed) across daylight-saving changes in several time zones. Each day's
//! report from the counts must equal one computed here from the stored rows with the domain's definitions.
use std::collections::BTreeMap;

use chrono::{DateTime, NaiveDate, TimeDelta, TimeZone, Timelike, Utc};
use chrono_tz::Tz;
use maitre_domain::booking::{BookingRules, ReservationRequest, ReservationStatus, SlotCheck};
use maitre_domain::flow::{Passage, Stage};
use maitre_domain::metrics::demand::Demand;
use maitre_domain::metrics::report::{Count, Fact, PARTY_SIZES, Period, Report, Summary, lead_bucket, response_bucket};
use maitre_domain::metrics::team::team;
use maitre_domain::metrics::{Event, FirstMoments, Sender, conversation_figures, local_day, repeat_visits};
use maitre_domain::{AccountSettings, Author, ChannelId, ConversationId, FlowId, Locale, ReservationId, UserId};
use maitre_store::{
    Clock, DayDetail, FigureFilter, IncomingMessage, NewAccount, Origin, QueuedReply, Source, StepEffects, Store,
    TenantStore,
};

use super::{store, whatsapp_channel};

/// Deterministic pseudo-random numbers (xorshift), so that a failing history can be replayed from its seed.
struct Rng(u64);

impl Rng {
    fn below(&mut self, n: u64) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0 % n.max(1)
    }

    fn pick<'a, T>(&mut self, items: &'a [T]) -> Option<&'a T> {
        (!items.is_empty()).then(|| &items[self.below(items.len() as u64) as usize])
    }
}

struct History {
    tenant: TenantStore,
    tz: Tz,
    channels: [ChannelId; 2],
    owner: UserId,
    conversations: Vec<ConversationId>,
    reservations: Vec<ReservationId>,
    steps: u32,
    /// The conversation of the last guest a flow booked who came.
    came_last: Option<ConversationId>,
    /// The flows that book, in turn.
    flows: [FlowId; 2],
}

async fn history(store: &Store, n: usize, zone: &str) -> History {
    let mut settings = AccountSettings::defaults_for(&format!("Figures {n}"), Locale::En).unwrap();
    settings.time_zone = zone.to_owned();
    let (account, owner) = store
        .create_account_with_owner(NewAccount {
            settings: &settings,
            owner_email: &format!("figures{n}@example.com"),
            owner_name: "Owner",
            owner_password_hash: "$argon2id$fake",
        })
        .await
        .unwrap();
    let tenant = store.tenant_for_operator(account).await.unwrap();
    let channels = [whatsapp_channel(&tenant).await, whatsapp_channel(&tenant).await];
    History {
        tenant,
        tz: zone.parse().unwrap(),
        channels,
        owner,
        conversations: vec![],
        reservations: vec![],
        steps: 0,
        came_last: None,
        flows: [FlowId::new(), FlowId::new()],
    }
}

impl History {
    async fn guest_writes(&mut self, rng: &mut Rng, out: bool) {
        let guest = rng.below(12);
        let channel = self.channels[(guest % 2) as usize];
        let id = uuid::Uuid::now_v7().to_string();
        let message = IncomingMessage {
            event_id: &format!("event-{id}"),
            channel_id: channel,
            contact_external_id: &format!("491700000{guest:02}"),
            contact_name: Some("Guest"),
            direction: if out { "out" } else { "in" }.parse().unwrap(),
            kind: "text",
            body: "table for 2?",
            payload: &Default::default(),
            platform_message_id: &id,
            at: self.tenant.now(),
            automate_at: Some(self.tenant.now()),
        };
        let recorded = self.tenant.conversations().record_message(&message).await.unwrap();
        if !self.conversations.contains(&recorded.conversation_id) {
            self.conversations.push(recorded.conversation_id);
        }
    }

    async fn flow_step(&mut self, rng: &mut Rng) {
        let Some(&c) = rng.pick(&self.conversations) else { return };
        let input = self.tenant.flows().step_input(c).await.unwrap();
        self.steps += 1;
        let author = if rng.below(4) == 0 { Author::AutoReply } else { Author::Bot };
        let fx = StepEffects {
            key: format!("step:{}", self.steps),
            expected_rev: input.rev,
            read: input.pending.iter().map(|m| m.id).collect(),
            replies: vec![QueuedReply { body: "Gern".into(), payload: String::new(), author }],
            flow_replied: author == Author::Bot,
            handoff: rng.below(3) == 0,
            // From a generator of their own, so the history's other draws stay as they were.
            passages: self.passages(&mut Rng(0x2545_F491_4F6C_DD1D ^ u64::from(self.steps))),
            ..StepEffects::default()
        };
        let _ = self.tenant.flows().apply_step(&input, &fx).await.unwrap();
    }

    /// Stages of one or two runs, started up to three hours ago (across midnight, now and then); a run passes a
    /// stage again now and then (counted once).
    fn passages(&self, rng: &mut Rng) -> Vec<Passage> {
        let stages = [Stage::Started, Stage::Entered("ask".into()), Stage::Answered("ask".into()), Stage::Booked];
        let mut passages = Vec::new();
        for _ in 0..1 + rng.below(2) {
            let flow_id = self.flows[rng.below(2) as usize].to_string();
            let run_started_at = self.tenant.now() - TimeDelta::minutes(rng.below(180) as i64);
            for _ in 0..rng.below(4) {
                let stage = rng.pick(&stages).unwrap().clone();
                passages.push(Passage { flow_id: flow_id.clone(), run_started_at, stage });
            }
        }
        passages
    }

    async fn book(&mut self, rng: &mut Rng) {
        let local = self.tenant.now().with_timezone(&self.tz).naive_local();
        // Days ahead in each bucket of lead times, at any hour from noon to half past eleven.
        let ahead = [0, 1, 2, 3, 9, 20, 40][rng.below(7) as usize];
        let (hour, minute) = (12 + rng.below(12) as u32, 30 * rng.below(2) as u32);
        let start = local.date().and_hms_opt(hour, minute, 0).unwrap() + TimeDelta::days(ahead);
        let req = ReservationRequest {
            starts_at: start,
            // Every fourth booking a large party, booked by staff (flows refuse more than the settings' 8).
            party_size: if self.reservations.len() % 4 == 3 { 14 } else { 1 + rng.below(6) as u32 },
            service: None,
            name: "Guest".into(),
            phone: None,
            email: None,
            notes: String::new(),
        };
        let by_flow = rng.pick(&self.conversations).copied().filter(|_| rng.below(3) > 0 && req.party_size < 14);
        // Now and then the guest who came last books again (and comes: the count below is even).
        let by_flow = match self.came_last {
            Some(last) if self.reservations.len() % 4 == 2 => Some(last),
            _ => by_flow,
        };
        let booked = match by_flow {
            Some(c) => {
                let contact_id = Some(self.tenant.inbox().conversation(c, self.owner).await.unwrap().contact_id);
                // The flows take turns (no number is drawn, so the histories stay as they were).
                let flow = Some(self.flows[self.reservations.len() % 2]);
                let origin = Origin { source: Source::Flow, contact_id, conversation_id: Some(c), key: None, flow };
                let mut booked = self.tenant.reservations().create_reservation(&req, self.tz, &origin).await;
                // The guest coming again takes the first time offered when theirs is closed.
                if let (Ok(maitre_store::Booking::Refused(SlotCheck::Closed { alternatives })), true) =
                    (&booked, self.came_last == Some(c))
                    && let Some(&starts_at) = alternatives.first()
                {
                    let req = ReservationRequest { starts_at, ..req.clone() };
                    booked = self.tenant.reservations().create_reservation(&req, self.tz, &origin).await;
                }
                match booked {
                    Ok(maitre_store::Booking::Booked(r)) => {
                        // Every other guest a flow booked comes (their conversation led to a visit); no number is
                        // drawn, so the histories stay as they were.
                        if self.reservations.len() % 2 == 0 {
                            let completed = ReservationStatus::Completed;
                            self.tenant.reservations().set_reservation_status(r.id, completed).await.unwrap();
                            self.came_last = Some(c);
                        }
                        Some(r.id)
                    }
                    _ => None,
                }
            }
            None => self.tenant.reservations().book_anyway(None, &req, self.tz).await.ok().map(|r| r.id),
        };
        self.reservations.extend(booked);
        // Guests change their minds about messages now and then: opted out at one booking, back in at the next.
        let nth = self.reservations.len();
        if let (Some(&c), 0 | 1) = (self.conversations.get(nth / 3), nth % 3) {
            let contact = self.tenant.inbox().conversation(c, self.owner).await.unwrap().contact_id;
            let contacts = self.tenant.contacts();
            contacts.set_contact_consent(contact, nth % 3 == 1, "owner@example.com").await.unwrap();
        }
    }

    async fn act(&mut self, rng: &mut Rng) {
        match rng.below(9) {
            0..=2 => self.guest_writes(rng, false).await,
            3 => self.guest_writes(rng, true).await,
            4 => self.flow_step(rng).await,
            5 => {
                if let Some(&c) = rng.pick(&self.conversations) {
                    self.tenant.inbox().reply(c, Some(self.owner), "Gerne!", None).await.unwrap();
                }
            }
            6 => {
                if let Some(&c) = rng.pick(&self.conversations) {
                    self.tenant.inbox().set_closed(c, rng.below(3) > 0, None).await.unwrap();
                }
            }
            7 => self.book(rng).await,
            _ => {
                if let Some(&r) = rng.pick(&self.reservations) {
                    let status = ReservationStatus::ALL[rng.below(5) as usize];
                    let _ = self.tenant.reservations().set_reservation_status(r, status).await;
                }
            }
        }
    }

    /// The facts of the stored rows, each on its local day, by the domain's definitions.
    /// With a flow, the facts of its bookings alone (what is counted for it).
    async fn facts_from_rows(&self, store_url: &str, channel: Option<ChannelId>, flow: Option<FlowId>) -> Vec<Count> {
        let pool = sqlx::AnyPool::connect(store_url).await.unwrap();
        let account = self.tenant.account_id().to_string();
        let wanted = |c: &str| channel.is_none_or(|want| want.to_string() == c);
        let day = |ms: i64| local_day(Utc.timestamp_millis_opt(ms).unwrap(), self.tz);
        let mut counts = Vec::new();
        let mut count = |at: i64, fact: Fact, total: i64| counts.push(Count { day: day(at), fact, n: 1, total });
        let messages: Vec<(i64, String, String, Option<String>, String)> = sqlx::query_as(
            "SELECT created_at, author, channel_id, sent_by, conversation_id FROM messages WHERE account_id = $1 \
             ORDER BY created_at",
        )
        .bind(&account)
        .fetch_all(&pool)
        .await
        .unwrap();
        let mut conversation_events: BTreeMap<String, Vec<Event>> = BTreeMap::new();
        for (at, author, _, sent_by, conversation) in messages.into_iter().filter(|m| wanted(&m.2)) {
            count(at, Fact::Message(author.parse().unwrap()), 0);
            if let Some(member) = sent_by.clone().filter(|_| author == "member") {
                count(at, Fact::MemberReply { member: member.parse().unwrap() }, 0);
            }
            let from = match author.as_str() {
                "guest" => Sender::Guest,
                "bot" => Sender::Bot,
                "member" => Sender::Member(sent_by.unwrap_or_default()),
                "echo" => Sender::Echo,
                _ => Sender::AutoReply,
            };
            let at = Utc.timestamp_millis_opt(at).unwrap();
            conversation_events.entry(conversation).or_default().push(Event::Message { at, from });
        }
        // Each turn of a guest answered, on the reply's day, by the domain's definition over the messages, ...
        // and each time a guest came back.
        for events in conversation_events.values() {
            let f = conversation_figures(events);
            for reply in f.replies {
                let minutes = response_bucket(reply.after.num_minutes());
                count(reply.at.timestamp_millis(), Fact::ReplyTime { minutes, by_person: reply.by_person }, 0);
            }
            for at in f.returns {
                count(at.timestamp_millis(), Fact::Returned, 0);
            }
        }
        // Which conversations led to a confirmed booking, and to a visit.
        let booked: Vec<(String, String)> = sqlx::query_as(
            "SELECT conversation_id, status FROM reservations WHERE account_id = $1 AND conversation_id IS NOT NULL",
        )
        .bind(&account)
        .fetch_all(&pool)
        .await
        .unwrap();
        let led_to =
            |id: &str, statuses: &[&str]| booked.iter().any(|(c, s)| c == id && statuses.contains(&s.as_str()));
        type Row =
            (Option<i64>, Option<i64>, Option<i64>, Option<i64>, String, String, Option<String>, String, Option<i64>);
        let conversations: Vec<Row> = sqlx::query_as(
            "SELECT first_inbound_at, first_bot_reply_at, first_handoff_at, first_member_reply_at, status, channel_id, \
             first_member_reply_by, id, closed_at FROM conversations WHERE account_id = $1",
        )
        .bind(&account)
        .fetch_all(&pool)
        .await
        .unwrap();
        let time = |ms: Option<i64>| ms.map(|ms| Utc.timestamp_millis_opt(ms).unwrap());
        for (guest, bot, handoff, member, status, _, by, id, closed_at) in
            conversations.into_iter().filter(|r| wanted(&r.5))
        {
            let Some(at) = guest else { continue };
            let moments = FirstMoments {
                guest: time(guest).unwrap(),
                bot_reply: time(bot),
                handoff: time(handoff),
                member_reply: time(member),
            };
            let f = moments.figures();
            count(at, Fact::Conversation, 0);
            if f.handed_off {
                count(at, Fact::Handoff, 0);
            }
            if f.bot_resolved {
                count(at, Fact::BotResolved, 0);
            }
            if status == "closed" {
                count(at, Fact::Closed, 0);
            }
            if let Some(closed) = closed_at.filter(|_| status == "closed") {
                let closed = [
                    Event::Message { at: moments.guest, from: Sender::Guest },
                    Event::Closed { at: time(Some(closed)).unwrap() },
                ];
                let minutes = response_bucket(conversation_figures(&closed).resolution.unwrap().num_minutes());
                count(at, Fact::Resolution { minutes }, 0);
            }
            if led_to(&id, &["confirmed", "completed", "no_show"]) {
                count(at, Fact::Converted, 0);
            }
            if led_to(&id, &["completed"]) {
                count(at, Fact::Visited, 0);
            }
            if let Some(d) = f.first_response_person {
                let by = by.as_deref().map(|id| id.parse().unwrap());
                count(at, Fact::FirstResponsePerson { minutes: response_bucket(d.num_minutes()), by }, 0);
            }
            if let Some(d) = f.first_response_bot {
                count(at, Fact::FirstResponseBot { minutes: response_bucket(d.num_minutes()) }, 0);
            }
        }
        type Booked = (i64, i64, String, String, i64, Option<String>, Option<String>, Option<String>);
        let reservations: Vec<Booked> = sqlx::query_as(
            "SELECT r.created_at, r.starts_at, r.status, r.source, r.party_size, v.channel_id, r.contact_id, \
             r.flow_id \
             FROM reservations r \
             LEFT JOIN conversations v ON v.account_id = r.account_id AND v.id = r.conversation_id \
             WHERE r.account_id = $1",
        )
        .bind(&account)
        .fetch_all(&pool)
        .await
        .unwrap();
        // Each guest's visits that took place, with their channels: those that came again count.
        let mut visits_of: BTreeMap<String, Vec<(DateTime<Utc>, String)>> = BTreeMap::new();
        for (_, starts, status, _, _, c, contact, _) in &reservations {
            if let (Some(contact), "completed") = (contact, status.as_str()) {
                let at = Utc.timestamp_millis_opt(*starts).unwrap();
                visits_of.entry(contact.clone()).or_default().push((at, c.clone().unwrap_or_default()));
            }
        }
        for visits in visits_of.values() {
            let again = repeat_visits(&visits.iter().map(|(at, _)| *at).collect::<Vec<_>>());
            for (at, _) in visits.iter().filter(|(at, c)| again.contains(at) && wanted(c)) {
                count(at.timestamp_millis(), Fact::Repeat, 0);
            }
        }
        for (made, starts, status, source, party, c, _, by) in reservations {
            if !wanted(c.as_deref().unwrap_or("")) || flow.is_some_and(|f| by != Some(f.to_string())) {
                continue;
            }
            let status: ReservationStatus = status.parse().unwrap();
            count(made, Fact::Booked { by_flow: source == "flow", status }, party);
            count(starts, Fact::Visit { status }, party);
            let ahead = (day(starts) - day(made)).num_days();
            count(made, Fact::Lead { days: lead_bucket(ahead) }, party);
            if matches!(status, ReservationStatus::Confirmed | ReservationStatus::Completed | ReservationStatus::NoShow)
            {
                let hour = Utc.timestamp_millis_opt(starts).unwrap().with_timezone(&self.tz).hour();
                count(starts, Fact::Arrival { hour: i64::from(hour) }, party);
                count(starts, Fact::Party { size: party.min(PARTY_SIZES) }, party);
            }
        }
        let contacts: Vec<(i64, String)> =
            sqlx::query_as("SELECT created_at, channel_id FROM contacts WHERE account_id = $1")
                .bind(&account)
                .fetch_all(&pool)
                .await
                .unwrap();
        for (at, _) in contacts.into_iter().filter(|c| wanted(&c.1) && flow.is_none()) {
            count(at, Fact::Contact, 0);
        }
        let consents: Vec<(i64, String, String)> = sqlx::query_as(
            "SELECT k.at, k.state, c.channel_id FROM contact_consents k JOIN contacts c \
             ON c.account_id = k.account_id AND c.id = k.contact_id WHERE k.account_id = $1",
        )
        .bind(&account)
        .fetch_all(&pool)
        .await
        .unwrap();
        for (at, state, _) in consents.into_iter().filter(|k| wanted(&k.2) && flow.is_none()) {
            count(at, Fact::Consent { opted_in: state == "opted_in" }, 0);
        }
        pool.close().await;
        // A flow counts its bookings' facts alone.
        let of_bookings = |f: &Fact| {
            matches!(
                f,
                Fact::Booked { .. }
                    | Fact::Visit { .. }
                    | Fact::Lead { .. }
                    | Fact::Arrival { .. }
                    | Fact::Party { .. }
            )
        };
        counts.retain(|c| flow.is_none() || of_bookings(&c.fact));
        counts
    }

    /// Runs per flow and stage of those that started on the days of `period`, from the stored passages.
    async fn stages_from_rows(
        &self,
        store_url: &str,
        period: Period,
        channel: Option<ChannelId>,
    ) -> Vec<(String, Stage, i64)> {
        let pool = sqlx::AnyPool::connect(store_url).await.unwrap();
        let rows: Vec<(String, i64, String, String)> = sqlx::query_as(
            "SELECT flow_id, run_started_at, stage, channel_id FROM flow_passages WHERE account_id = $1",
        )
        .bind(self.tenant.account_id().to_string())
        .fetch_all(&pool)
        .await
        .unwrap();
        pool.close().await;
        let mut counts: BTreeMap<(String, Stage), i64> = BTreeMap::new();
        for (flow, started, stage, c) in rows {
            let day = local_day(Utc.timestamp_millis_opt(started).unwrap(), self.tz);
            if channel.is_none_or(|want| want.to_string() == c) && (period.first..=period.last).contains(&day) {
                *counts.entry((flow, Stage::parse(&stage).unwrap())).or_default() += 1;
            }
        }
        counts.into_iter().map(|((f, s), n)| (f, s, n)).collect()
    }
}

/// Histories starting a few days before each zone's clock change (Lord Howe moves by half an hour; Kolkata is
/// half an hour off UTC and has none).
/// In the order of their dates: the clock only moves forward.
const ZONES: [(&str, (i32, u32, u32)); 4] = [
    ("Europe/Berlin", (2026, 3, 27)),
    ("Australia/Lord_Howe", (2026, 4, 3)),
    ("Asia/Kolkata", (2026, 6, 1)),
    ("America/New_York", (2026, 10, 30)),
];

/// Every day's figures of `period` against the rows, for all channels and for the first one.
async fn assert_counts_match(h: &History, db_url: &str, period: Period, label: &str) {
    for channel in [None, Some(h.channels[0])] {
        let filter = FigureFilter { channel, ..FigureFilter::default() };
        let counted = h.tenant.figure_counts(period, filter, DayDetail::Every).await.unwrap();
        let expected = h.facts_from_rows(db_url, channel, None).await;
        let (got, want) = (Report::new(period, &counted), Report::new(period, &expected));
        for ((day, got), (_, want)) in got.days.iter().zip(&want.days) {
            assert_eq!(got, want, "{label}, {day}, channel {channel:?}");
        }
        // The page's lean read: the same totals, this period's and the one before, and the same days where it
        // shows days.
        let current = period.first + TimeDelta::days(period.days() / 2);
        let lean = h.tenant.figure_counts(period, filter, DayDetail::Page { current }).await.unwrap();
        let halves = [Period { last: current - TimeDelta::days(1), ..period }, Period { first: current, ..period }];
        for half in halves {
            let (lean, full) = (Report::new(half, &lean), Report::new(half, &counted));
            assert_eq!(lean.total, full.total, "{label}: the page's totals from {}, channel {channel:?}", half.first);
            for ((day, lean), (_, full)) in lean.days.iter().zip(&full.days) {
                let shown = |s: &Summary| (s.guest_messages, s.replies(), s.conversations, s.bookings, s.covers);
                assert_eq!(shown(lean), shown(full), "{label}: the page's days, {day}");
            }
            let weekdays = |r: &Report| Demand::new(r, &BookingRules::default(), None);
            assert_eq!(weekdays(&lean), weekdays(&full), "{label}: when guests come, from {}", half.first);
        }
        let within = |c: &&Count| (period.first..=period.last).contains(&c.day);
        let expected_team = team(&expected.iter().filter(within).copied().collect::<Vec<_>>());
        assert_eq!(team(&counted), expected_team, "{label}: the team's figures, channel {channel:?}");
        assert!(channel.is_some() || expected_team.values().any(|f| f.replies > 0 && f.answered_first() > 0));
        assert!(want.total.conversations > 0 && want.total.bookings > 0, "{label}: the history made figures");
        let made = |f: fn(&Fact) -> bool| expected.iter().any(|c| f(&c.fact));
        assert!(made(|f| matches!(f, Fact::Booked { by_flow: true, .. })), "{label}: flows booked");
        assert!(made(|f| matches!(f, Fact::FirstResponsePerson { .. })), "{label}: the team answered");
        // (Flows' answers happen by chance here; the analytics page's test has one for certain.)
        let replied = made(|f| matches!(f, Fact::ReplyTime { by_person: true, .. }));
        assert!(channel.is_some() || replied, "{label}: turns answered by people");
        assert!(channel.is_some() || made(|f| matches!(f, Fact::Resolution { .. })), "{label}: resolutions");
        assert!(channel.is_some() || made(|f| *f == Fact::Returned), "{label}: guests came back");
        assert!(channel.is_some() || made(|f| *f == Fact::Repeat), "{label}: guests came again");
        let handed = made(|f| matches!(f, Fact::Handoff));
        assert!(channel.is_some() || handed && made(|f| matches!(f, Fact::Closed)), "{label}: handoffs, closes");
        let far = made(|f| matches!(f, Fact::Lead { days: 7.. })) && made(|f| matches!(f, Fact::Party { size: 12 }));
        assert!(channel.is_some() || made(|f| matches!(f, Fact::Visited)), "{label}: conversations led to visits");
        let consented =
            made(|f| *f == Fact::Consent { opted_in: true }) && made(|f| *f == Fact::Consent { opted_in: false });
        assert!(channel.is_some() || consented, "{label}: guests opted out and in");
        assert!(channel.is_some() || far, "{label}: bookings weeks ahead, large parties");
    }
    for (channel, days) in [
        (None, period),
        (Some(h.channels[0]), period),
        (None, Period { first: period.first + TimeDelta::days(2), ..period }),
    ] {
        let filter = FigureFilter { channel, ..FigureFilter::default() };
        let mut counted = h.tenant.flow_counts(days, filter).await.unwrap().stages;
        counted.sort();
        counted.retain(|c| c.2 != 0);
        let expected = h.stages_from_rows(db_url, days, channel).await;
        assert!(!expected.is_empty(), "{label}: flows ran");
        assert_eq!(counted, expected, "{label}: funnel stages, channel {channel:?}, from {}", days.first);
    }
    assert_flow_counts_match(h, db_url, period, label).await;
    // A day alone reads the same as within the period.
    let one = period.first + TimeDelta::days(2);
    let every = DayDetail::Every;
    let alone = h.tenant.figure_counts(Period { first: one, last: one }, FigureFilter::default(), every).await;
    let whole = Report::new(period, &h.tenant.figure_counts(period, FigureFilter::default(), every).await.unwrap());
    let day: &NaiveDate = &one;
    let within = whole.days.iter().find(|(d, _)| d == day).unwrap().1.clone();
    assert_eq!(Report::new(Period { first: one, last: one }, &alone.unwrap()).total, within, "{label}");
}

#[tokio::test]
async fn every_days_figures_equal_what_the_stored_rows_say() {
    let (store, clock, db) = store().await;
    let mut last = None;
    for (n, (zone, (y, m, d))) in ZONES.into_iter().enumerate() {
        let seed = 0x9E37_79B9_7F4A_7C15 ^ (n as u64 + 1);
        let mut rng = Rng(seed);
        let start: DateTime<Utc> = Utc.with_ymd_and_hms(y, m, d, 6, 0, 0).unwrap();
        set_clock(&clock, start);
        let mut h = history(&store, n, zone).await;
        // The last business goes on for months after its clocks changed, so that the page reads month sums.
        let (months, mut jumps) = (n == ZONES.len() - 1, Rng(seed.rotate_left(17)));
        for i in 0..120 {
            h.act(&mut rng).await;
            clock.advance(TimeDelta::minutes(1 + rng.below(120) as i64) + TimeDelta::seconds(rng.below(60) as i64));
            if months && i >= 60 && i % 3 == 0 {
                clock.advance(TimeDelta::days(5 + jumps.below(5) as i64));
            }
        }
        let first = local_day(start, h.tz) - TimeDelta::days(1);
        let period = Period { first, last: local_day(clock.now(), h.tz) + TimeDelta::days(5) };
        assert!(!months || period.days() > 120, "{zone}: the history spans months");
        assert_counts_match(&h, &db.url, period, &format!("{zone} (seed {seed:#x})")).await;
        // The business moves to Kathmandu (UTC+5:45): its figures are recounted on its new days.
        let mut settings = h.tenant.account().await.unwrap().settings;
        settings.time_zone = "Asia/Kathmandu".into();
        h.tenant.update_settings(&settings).await.unwrap();
        h.tz = chrono_tz::Asia::Kathmandu;
        assert_counts_match(&h, &db.url, period, &format!("{zone} moved to Kathmandu (seed {seed:#x})")).await;
        last = Some((h, period));
    }
    // As after the upgrade that brought figures: no business counted. Opening the store counts each once.
    let pool = sqlx::AnyPool::connect(&db.url).await.unwrap();
    sqlx::query("UPDATE accounts SET figures_zone = ''").execute(&pool).await.unwrap();
    sqlx::query("DELETE FROM figure_days").execute(&pool).await.unwrap();
    pool.close().await;
    let (h, period) = last.unwrap();
    let reopened = Store::open(&db.url, clock.clone()).await.unwrap();
    let tenant = reopened.tenant_for_operator(h.tenant.account_id()).await.unwrap();
    assert_counts_match(&History { tenant, ..h }, &db.url, period, "counted on opening").await;
}

fn set_clock(clock: &Clock, at: DateTime<Utc>) {
    let now = clock.now();
    if at > now {
        clock.advance(at - now);
    }
}

/// Each flow's bookings against the rows: its own facts alone, every day and on the page, for all channels and one.
async fn assert_flow_counts_match(h: &History, db_url: &str, period: Period, label: &str) {
    for (flow, channel) in [(h.flows[0], None), (h.flows[1], None), (h.flows[0], Some(h.channels[0]))] {
        let filter = FigureFilter { channel, flow: Some(flow), ..FigureFilter::default() };
        let counted = h.tenant.figure_counts(period, filter, DayDetail::Every).await.unwrap();
        let expected = h.facts_from_rows(db_url, channel, Some(flow)).await;
        let (got, want) = (Report::new(period, &counted), Report::new(period, &expected));
        assert_eq!(got, want, "{label}: flow {flow}, channel {channel:?}");
        assert!(channel.is_some() || want.total.bookings > 0, "{label}: flow {flow} booked");
        let current = period.first + TimeDelta::days(period.days() / 2);
        let lean = h.tenant.figure_counts(period, filter, DayDetail::Page { current }).await.unwrap();
        let shown = |s: &Summary| (s.bookings, s.covers, s.cancelled, s.no_shows, s.completed);
        for ((day, lean), (_, full)) in Report::new(period, &lean).days.iter().zip(&got.days) {
            assert_eq!(shown(lean), shown(full), "{label}: the page's days of flow {flow}, {day}");
        }
        // Its funnel is its own runs alone, and beside it its bookings' outcome.
        let counts = h.tenant.flow_counts(period, filter).await.unwrap();
        let mut booked = Summary::default();
        for (of, fact, n, total) in counts.bookings {
            assert_eq!(of, flow.to_string(), "{label}: flow {flow}'s bookings alone");
            booked.add(fact, n, total);
        }
        let outcome = |s: &Summary| (s.bookings, s.cancelled, s.flow_covers, s.completed, s.no_shows);
        assert_eq!(outcome(&booked), outcome(&want.total), "{label}: flow {flow}'s outcome, channel {channel:?}");
        let mut stages = counts.stages;
        stages.sort();
        stages.retain(|c| c.2 != 0);
        let mut runs = h.stages_from_rows(db_url, period, channel).await;
        runs.retain(|(f, _, _)| *f == flow.to_string());
        assert!(channel.is_some() || !runs.is_empty(), "{label}: flow {flow} ran");
        assert_eq!(stages, runs, "{label}: flow {flow}'s funnel, channel {channel:?}");
    }
}
