//! What became of the messages maitre sent on its own or for the team (broadcasts, reminders, review requests,
//! bookings' changes told to guests, templates sent from a thread): a row per kind on the analytics page, counts
//! with their share of the messages the platform accepted (maitre-domain metrics/outreach.rs).
use maitre_domain::Outreach;
use maitre_domain::metrics::outreach::OutreachFigures;

use super::analytics::rate_of;
use crate::i18n::Tr;

pub struct OutreachRow {
    pub kind: &'static str,
    pub name: String,
    pub sent: i64,
    /// Delivered, read, replied and opted out, each with its share of those sent.
    pub delivered: String,
    pub read: String,
    pub replied: String,
    pub opted_out: String,
    pub failed: i64,
}

pub fn outreach_rows(tr: &Tr, figures: &[(Outreach, OutreachFigures)]) -> Vec<OutreachRow> {
    figures
        .iter()
        .map(|(kind, f)| {
            let of_sent = |n: i64| rate_of(tr, n, maitre_domain::metrics::rate(n.max(0) as u64, f.sent.max(0) as u64));
            OutreachRow {
                kind: kind.as_str(),
                name: tr.t(&format!("an-outreach-{}", kind.as_str())),
                sent: f.sent,
                delivered: of_sent(f.delivered),
                read: of_sent(f.read),
                replied: of_sent(f.replied),
                opted_out: of_sent(f.opted_out),
                failed: f.failed,
            }
        })
        .collect()
}
