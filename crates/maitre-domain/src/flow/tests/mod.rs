//! Shared fixtures: a fixed clock (Tuesday 2026-03-10, 12:00 in Berlin), a fake calendar and flow builders.
mod answers;
mod engine;
mod matching;
mod nodes;
mod passages;
mod props;
mod render;
mod simulate;
mod templates;
mod validate;

use std::collections::BTreeSet;

use chrono::{DateTime, NaiveDate, NaiveDateTime, NaiveTime, TimeDelta, Timelike, Utc};
use serde_json::json;

use super::*;
use crate::Locale;
use crate::booking::{Availability, ReservationInfo, SlotCheck};

pub const TZ: chrono_tz::Tz = chrono_tz::Europe::Berlin;

pub fn tag(raw: &str) -> crate::contacts::Tag {
    crate::contacts::Tag::parse(raw).unwrap()
}

/// 12:00 local on Tuesday 2026-03-10.
pub fn now() -> DateTime<Utc> {
    "2026-03-10T11:00:00Z".parse().unwrap()
}

pub fn day(d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 3, d).unwrap()
}

pub fn at(d: u32, h: u32, m: u32) -> NaiveDateTime {
    day(d).and_time(NaiveTime::from_hms_opt(h, m, 0).unwrap())
}

/// Open 11:00–23:00; `full` starts are taken (alternatives half an hour and an hour later); parties over 8 are
/// too large.
#[derive(Default)]
pub struct Calendar {
    pub full: Vec<NaiveDateTime>,
}

impl Availability for Calendar {
    fn check(&self, start: NaiveDateTime, party: u32, _: Option<&str>) -> SlotCheck {
        if party > 8 {
            SlotCheck::TooLarge { max: 8 }
        } else if !self.is_open(start) {
            SlotCheck::Closed { alternatives: vec![start.date().and_hms_opt(18, 0, 0).unwrap()] }
        } else if self.full.contains(&start) {
            let alternatives = vec![start + TimeDelta::minutes(30), start + TimeDelta::minutes(60)];
            SlotCheck::Full { alternatives }
        } else {
            SlotCheck::Free
        }
    }
    fn is_open(&self, at: NaiveDateTime) -> bool {
        (11..23).contains(&at.hour())
    }
}

/// A context at [`now`] for a returning contact "Anna Schmidt".
pub struct Ctx {
    pub calendar: Calendar,
    pub tags: BTreeSet<String>,
    pub reservation: Option<ReservationInfo>,
    pub locale: Locale,
    pub is_new: bool,
    pub now: DateTime<Utc>,
}

impl Default for Ctx {
    fn default() -> Self {
        Ctx {
            calendar: Calendar::default(),
            tags: BTreeSet::new(),
            reservation: None,
            locale: Locale::De,
            is_new: false,
            now: now(),
        }
    }
}

impl Ctx {
    pub fn get(&self) -> Context<'_> {
        Context {
            now: self.now,
            tz: TZ,
            locale: self.locale,
            account_name: "Trattoria Anna",
            review_link: Some("https://example.test/review"),
            contact: ContactInfo { name: "Anna Schmidt", tags: &self.tags, is_new: self.is_new },
            reservation: self.reservation.as_ref(),
            availability: &self.calendar,
        }
    }
}

pub fn reservation(id: &str, starts_at: NaiveDateTime, party: u32) -> ReservationInfo {
    ReservationInfo {
        id: id.into(),
        starts_at,
        duration: 120,
        party_size: party,
        status: "confirmed".into(),
        name: "Anna Schmidt".into(),
        service: None,
    }
}

/// A flow from JSON nodes, started by the keyword "go" at `start`.
pub fn flow(start: &str, nodes: serde_json::Value) -> FlowDef {
    serde_json::from_value(json!({
        "triggers": [{ "type": "keyword", "words": ["go"] }],
        "start": start,
        "nodes": nodes,
    }))
    .unwrap()
}

pub fn text(t: &str) -> Input {
    Input::Message { text: t.into(), payload: None, kind: InputKind::Text }
}

pub fn press(title: &str, payload: &str) -> Input {
    Input::Message { text: title.into(), payload: Some(payload.into()), kind: InputKind::Text }
}

/// The texts sent, in order.
pub fn sent(actions: &[Action]) -> Vec<String> {
    actions
        .iter()
        .filter_map(|a| match a {
            Action::Send(r) => Some(r.text.clone()),
            _ => None,
        })
        .collect()
}

/// One conversation against one flow: keeps the state between inputs.
pub struct Convo<'a> {
    pub def: &'a FlowDef,
    pub state: Option<RunState>,
}

impl<'a> Convo<'a> {
    pub fn new(def: &'a FlowDef) -> Self {
        Convo { def, state: None }
    }

    pub fn step(&mut self, input: &Input, ctx: &Context) -> Outcome {
        let flows = [Candidate { flow_id: "f", version: 1, def: self.def }];
        let out = handle(&flows, self.state.as_ref().map(|s| (s, self.def)), input, ctx);
        self.state.clone_from(&out.state);
        out
    }

    pub fn say(&mut self, t: &str, ctx: &Context) -> Outcome {
        self.step(&text(t), ctx)
    }
}
