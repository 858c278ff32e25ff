//! Each member's figures over a period, from the same counted facts as the business's report: the replies they
//! wrote in maitre, and the new conversations where they wrote the team's first answer, with how long it took. No
//! I/O.
use std::cmp::Reverse;
use std::collections::BTreeMap;

use chrono::TimeDelta;

use super::report::{Count, Fact, add_to, histogram_percentile};
use crate::UserId;

/// One member's figures.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct MemberFigures {
    /// Replies they wrote in maitre.
    pub replies: i64,
    /// Their first answers to new conversations as (bucket's first minute, how many).
    pub first_responses: Vec<(i64, i64)>,
}

impl MemberFigures {
    /// New conversations where they wrote the team's first answer.
    pub fn answered_first(&self) -> i64 {
        self.first_responses.iter().map(|(_, n)| n).sum()
    }

    /// The order of a team table: most replies first, then most first answers.
    pub fn rank(&self) -> (Reverse<i64>, Reverse<i64>) {
        (Reverse(self.replies), Reverse(self.answered_first()))
    }

    /// How long their first answers took, median (as the bucket's first minute).
    pub fn first_response_median(&self) -> Option<TimeDelta> {
        histogram_percentile(&self.first_responses, 50)
    }
}

/// The figures of each member who replied or answered first, by user id (the counts of a period's days).
pub fn team(counts: &[Count]) -> BTreeMap<UserId, MemberFigures> {
    let mut members: BTreeMap<UserId, MemberFigures> = BTreeMap::new();
    for c in counts {
        match c.fact {
            Fact::MemberReply { member } => members.entry(member).or_default().replies += c.n,
            Fact::FirstResponsePerson { minutes, by: Some(member) } => {
                add_to(&mut members.entry(member).or_default().first_responses, minutes, c.n)
            }
            _ => {}
        }
    }
    members.retain(|_, f| f.replies != 0 || f.answered_first() != 0);
    members
}

#[cfg(test)]
mod tests {
    use chrono::NaiveDate;

    use super::*;
    use crate::Author;

    fn count(fact: Fact, n: i64) -> Count {
        Count { day: NaiveDate::from_ymd_opt(2026, 9, 21).unwrap(), fact, n, total: 0 }
    }

    #[test]
    fn each_member_has_their_replies_and_first_answers() {
        let (ada, ben) = (UserId::new(), UserId::new());
        let first = |minutes, by| Fact::FirstResponsePerson { minutes, by };
        let counts = [
            count(Fact::MemberReply { member: ada }, 3),
            count(Fact::MemberReply { member: ada }, 2),
            count(Fact::MemberReply { member: ben }, 1),
            count(first(5, Some(ada)), 1),
            count(first(30, Some(ada)), 2),
            count(first(2, Some(ben)), 1),
            count(first(1, None), 4),
            count(Fact::Message(Author::Member), 6),
        ];
        let t = team(&counts);
        assert_eq!(t.len(), 2, "answers before the team's figures were kept belong to nobody");
        assert_eq!((t[&ada].replies, t[&ada].answered_first()), (5, 3));
        assert_eq!(t[&ada].first_response_median(), Some(TimeDelta::minutes(30)));
        assert_eq!((t[&ben].replies, t[&ben].first_response_median()), (1, Some(TimeDelta::minutes(2))));
        assert!(t[&ada].rank() < t[&ben].rank(), "the busier member comes first");
    }

    #[test]
    fn a_member_whose_counts_cancel_out_is_left_out() {
        let ada = UserId::new();
        let counts = [count(Fact::MemberReply { member: ada }, 1), count(Fact::MemberReply { member: ada }, -1)];
        assert!(team(&counts).is_empty());
        assert_eq!(MemberFigures::default().first_response_median(), None);
    }
}
