//! What became of the messages maitre sent on its own or for the team, per kind (`Outreach`), from counted facts
//! (`report::Fact::Outreach`, `Fact::OutreachAnswer`). No I/O.
use chrono::TimeDelta;

use super::report::{Count, Fact};
use crate::{MessageStatus, Outreach};

/// How long after such a message a guest's answer counts as answering it.
pub const ANSWER_WITHIN: TimeDelta = TimeDelta::days(3);

/// One kind's figures over a period.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct OutreachFigures {
    /// Queued in the period.
    pub queued: i64,
    /// Still waiting for their send.
    pub waiting: i64,
    /// Accepted by the platform: sent, delivered or read now.
    pub sent: i64,
    /// Delivered or read.
    pub delivered: i64,
    pub read: i64,
    pub failed: i64,
    pub replied: i64,
    pub opted_out: i64,
}

/// Each kind with any message in `counts`, in `Outreach::ALL`'s order.
pub fn outreach(counts: &[Count]) -> Vec<(Outreach, OutreachFigures)> {
    let mut by_kind: Vec<(Outreach, OutreachFigures)> =
        Outreach::ALL.iter().map(|k| (*k, OutreachFigures::default())).collect();
    for c in counts {
        let (Fact::Outreach { kind, .. } | Fact::OutreachAnswer { kind, .. }) = c.fact else { continue };
        let Some((_, f)) = by_kind.iter_mut().find(|(k, _)| *k == kind) else { continue };
        let n = c.n;
        match c.fact {
            Fact::Outreach { status, .. } => {
                f.queued += n;
                match status {
                    MessageStatus::Queued | MessageStatus::Received => f.waiting += n,
                    MessageStatus::Failed => f.failed += n,
                    MessageStatus::Sent => f.sent += n,
                    MessageStatus::Delivered => {
                        f.sent += n;
                        f.delivered += n;
                    }
                    MessageStatus::Read => {
                        f.sent += n;
                        f.delivered += n;
                        f.read += n;
                    }
                }
            }
            Fact::OutreachAnswer { opted_out: false, .. } => f.replied += n,
            _ => f.opted_out += n,
        }
    }
    by_kind.retain(|(_, f)| f.queued > 0 || f.replied > 0 || f.opted_out > 0);
    by_kind
}

#[cfg(test)]
mod tests {
    use chrono::NaiveDate;

    use super::*;

    fn count(fact: Fact, n: i64) -> Count {
        Count { day: NaiveDate::from_ymd_opt(2026, 12, 7).unwrap(), fact, n, total: 0 }
    }

    #[test]
    fn each_status_counts_for_every_step_it_passed() {
        let o = |status| Fact::Outreach { kind: Outreach::Broadcast, status };
        let counts = [
            count(o(MessageStatus::Queued), 1),
            count(o(MessageStatus::Sent), 2),
            count(o(MessageStatus::Delivered), 3),
            count(o(MessageStatus::Read), 4),
            count(o(MessageStatus::Failed), 5),
            count(Fact::OutreachAnswer { kind: Outreach::Broadcast, opted_out: false }, 6),
            count(Fact::OutreachAnswer { kind: Outreach::Broadcast, opted_out: true }, 7),
            // Another day's row of the same kind adds up.
            count(o(MessageStatus::Read), 10),
        ];
        let f = OutreachFigures {
            queued: 25,
            waiting: 1,
            sent: 19,
            delivered: 17,
            read: 14,
            failed: 5,
            replied: 6,
            opted_out: 7,
        };
        assert_eq!(outreach(&counts), vec![(Outreach::Broadcast, f)]);
    }

    #[test]
    fn kinds_come_apart_in_their_order_and_other_facts_are_not_outreach() {
        let counts = [
            count(Fact::Outreach { kind: Outreach::Template, status: MessageStatus::Sent }, 1),
            count(Fact::Outreach { kind: Outreach::Reminder, status: MessageStatus::Failed }, 2),
            count(Fact::Conversation, 9),
            count(Fact::Consent { opted_in: false }, 9),
        ];
        let got = outreach(&counts);
        let kinds: Vec<Outreach> = got.iter().map(|(k, _)| *k).collect();
        assert_eq!(kinds, [Outreach::Reminder, Outreach::Template]);
        assert_eq!((got[0].1.failed, got[0].1.sent, got[1].1.sent), (2, 0, 1));
        assert!(outreach(&[count(Fact::Returned, 3)]).is_empty(), "nothing sent: no rows");
    }

    #[test]
    fn rows_read_back_into_outreach_facts() {
        let fact = |metric, dim| Fact::from_row(metric, dim, 0);
        assert_eq!(
            fact("outreach", "reminder/delivered"),
            Some(Fact::Outreach { kind: Outreach::Reminder, status: MessageStatus::Delivered })
        );
        assert_eq!(
            fact("outreach_answer", "broadcast/opted_out"),
            Some(Fact::OutreachAnswer { kind: Outreach::Broadcast, opted_out: true })
        );
        assert_eq!(fact("outreach_answer", "broadcast/maybe"), None);
        assert_eq!(fact("outreach", "newsletter/sent"), None, "a kind a newer node knows");
        assert_eq!(fact("outreach", "reminder"), None);
    }
}
