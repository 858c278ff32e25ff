//! What became of the messages maitre sent on its own or for the team, per kind (`Outreach`), from counted facts
//! (`report::Fact::Outreach`): each such message counts at every step it has reached now (migration
//! `outreach_figures` keeps the counts as its status and the guest's answer change). No I/O.
use chrono::TimeDelta;

use super::report::{Count, Fact};
use crate::Outreach;

/// How long after such a message a guest's answer counts as answering it.
pub const ANSWER_WITHIN: TimeDelta = TimeDelta::days(3);

crate::kinds::words! {
    /// A step such a message has reached. Sent, delivered and read follow each other (a read message was sent and
    /// delivered); a failure reported after acceptance leaves "sent"; said stop overrides replied.
    pub enum OutreachStep("outreach step") {
        /// The platform accepted it (sent, delivered or read now).
        Sent = "sent",
        Delivered = "delivered",
        Read = "read",
        Failed = "failed",
        /// The guest wrote within `ANSWER_WITHIN` after it.
        Replied = "replied",
        /// The guest said stop within `ANSWER_WITHIN` after it.
        OptedOut = "opted_out",
    }
}

/// One kind's figures over a period.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct OutreachFigures {
    pub sent: i64,
    pub delivered: i64,
    pub read: i64,
    pub failed: i64,
    pub replied: i64,
    pub opted_out: i64,
}

impl OutreachFigures {
    fn add(&mut self, step: OutreachStep, n: i64) {
        let field = match step {
            OutreachStep::Sent => &mut self.sent,
            OutreachStep::Delivered => &mut self.delivered,
            OutreachStep::Read => &mut self.read,
            OutreachStep::Failed => &mut self.failed,
            OutreachStep::Replied => &mut self.replied,
            OutreachStep::OptedOut => &mut self.opted_out,
        };
        *field += n;
    }
}

/// Each kind with any message in `counts`, in `Outreach::ALL`'s order.
pub fn outreach(counts: &[Count]) -> Vec<(Outreach, OutreachFigures)> {
    let mut by_kind: Vec<(Outreach, OutreachFigures)> =
        Outreach::ALL.iter().map(|k| (*k, OutreachFigures::default())).collect();
    for c in counts {
        let Fact::Outreach { kind, step } = c.fact else { continue };
        if let Some((_, f)) = by_kind.iter_mut().find(|(k, _)| *k == kind) {
            f.add(step, c.n);
        }
    }
    by_kind.retain(|(_, f)| *f != OutreachFigures::default());
    by_kind
}

#[cfg(test)]
mod tests {
    use chrono::NaiveDate;

    use super::*;

    fn count(kind: Outreach, step: OutreachStep, n: i64) -> Count {
        let day = NaiveDate::from_ymd_opt(2026, 12, 7).unwrap();
        Count { day, fact: Fact::Outreach { kind, step }, n, total: 0 }
    }

    #[test]
    fn each_step_adds_up_over_days() {
        let b = Outreach::Broadcast;
        let counts = [
            count(b, OutreachStep::Sent, 9),
            count(b, OutreachStep::Delivered, 7),
            count(b, OutreachStep::Read, 4),
            count(b, OutreachStep::Failed, 2),
            count(b, OutreachStep::Replied, 3),
            count(b, OutreachStep::OptedOut, 1),
            // Another day's row of the same kind and step.
            count(b, OutreachStep::Sent, 10),
        ];
        let f = OutreachFigures { sent: 19, delivered: 7, read: 4, failed: 2, replied: 3, opted_out: 1 };
        assert_eq!(outreach(&counts), vec![(b, f)]);
    }

    #[test]
    fn kinds_come_apart_in_their_order_and_other_facts_are_not_outreach() {
        let counts = [
            count(Outreach::Template, OutreachStep::Sent, 1),
            count(Outreach::Reminder, OutreachStep::Failed, 2),
            Count { day: NaiveDate::from_ymd_opt(2026, 12, 7).unwrap(), fact: Fact::Conversation, n: 9, total: 0 },
            // A message taken out again (a guest erased) leaves a kind at zero: no row.
            count(Outreach::Review, OutreachStep::Sent, 1),
            count(Outreach::Review, OutreachStep::Sent, -1),
        ];
        let got = outreach(&counts);
        let kinds: Vec<Outreach> = got.iter().map(|(k, _)| *k).collect();
        assert_eq!(kinds, [Outreach::Reminder, Outreach::Template]);
        assert_eq!((got[0].1.failed, got[0].1.sent, got[1].1.sent), (2, 0, 1));
        assert!(outreach(&[]).is_empty(), "nothing sent: no rows");
    }

    #[test]
    fn rows_read_back_into_outreach_facts() {
        let fact = |dim| Fact::from_row("outreach", dim, 0);
        assert_eq!(
            fact("reminder/delivered"),
            Some(Fact::Outreach { kind: Outreach::Reminder, step: OutreachStep::Delivered })
        );
        assert_eq!(
            fact("broadcast/opted_out"),
            Some(Fact::Outreach { kind: Outreach::Broadcast, step: OutreachStep::OptedOut })
        );
        assert_eq!(fact("broadcast/queued"), None, "not a step");
        assert_eq!(fact("newsletter/sent"), None, "a kind a newer node knows");
        assert_eq!(fact("reminder"), None);
    }
}
