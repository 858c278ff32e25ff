//! What became of the conversations begun in a period, as the analytics rates count them (migrations `figures`
//! and `booking_conversion`): the inbox lists those behind a rate.

/// Of the conversations begun in a period, the ones a rate counted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// A flow handed the guest over before a person answered.
    HandedOff,
    /// A flow answered, nobody else wrote, no handoff.
    FlowAlone,
    /// It led to a booking that was confirmed (confirmed, completed or no-show now).
    Booked,
    /// It led to a visit that took place.
    Visited,
}

impl Outcome {
    pub const ALL: [Outcome; 4] = [Outcome::HandedOff, Outcome::FlowAlone, Outcome::Booked, Outcome::Visited];

    /// Unknown names are None.
    pub fn parse(s: &str) -> Option<Self> {
        Outcome::ALL.into_iter().find(|o| o.as_str() == s)
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::HandedOff => "handed_off",
            Outcome::FlowAlone => "flow_alone",
            Outcome::Booked => "booked",
            Outcome::Visited => "visited",
        }
    }
}

/// The list's condition on conversation `c` for the outcome named by `$18` (none: every conversation), the same
/// as the figures' views count.
pub(super) const CONDITION: &str = "($18 IS NULL \
     OR ($18 = 'handed_off' AND c.first_handoff_at IS NOT NULL) \
     OR ($18 = 'flow_alone' AND c.first_bot_reply_at IS NOT NULL AND c.first_handoff_at IS NULL \
         AND c.first_member_reply_at IS NULL) \
     OR ($18 = 'booked' AND EXISTS (SELECT 1 FROM reservations r WHERE r.account_id = c.account_id \
         AND r.conversation_id = c.id AND r.status IN ('confirmed', 'completed', 'no_show'))) \
     OR ($18 = 'visited' AND EXISTS (SELECT 1 FROM reservations r WHERE r.account_id = c.account_id \
         AND r.conversation_id = c.id AND r.status = 'completed')))";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_outcome_reads_back_from_its_name() {
        for o in Outcome::ALL {
            assert_eq!(Outcome::parse(o.as_str()), Some(o));
        }
        assert_eq!(Outcome::parse(""), None);
        assert_eq!(Outcome::parse("HANDED_OFF"), None);
    }
}
