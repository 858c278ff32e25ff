//! What guests did in a period, as the analytics figures of guests count it (migrations `figures`,
//! `consent_figures`, `returning_guests`, `repeat_guests`): the contacts list shows the guests behind a figure.

/// A guest's doing an analytics figure of guests counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ContactEvent {
    /// The contact was added (a guest's first message, an import, staff).
    Added,
    /// The guest opted out of messages (their word or staff's record).
    OptedOut,
    OptedIn,
    /// The guest wrote a day or more after their previous message in the conversation.
    CameBack,
    /// A visit of the guest took place with another of theirs in the 90 days before it.
    CameAgain,
}

impl ContactEvent {
    pub const ALL: [ContactEvent; 5] = [
        ContactEvent::Added,
        ContactEvent::OptedOut,
        ContactEvent::OptedIn,
        ContactEvent::CameBack,
        ContactEvent::CameAgain,
    ];

    /// `""` is `added`; unknown names are None.
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "" => Some(ContactEvent::Added),
            s => ContactEvent::ALL.into_iter().find(|e| e.as_str() == s),
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            ContactEvent::Added => "added",
            ContactEvent::OptedOut => "opted_out",
            ContactEvent::OptedIn => "opted_in",
            ContactEvent::CameBack => "came_back",
            ContactEvent::CameAgain => "came_again",
        }
    }
}

/// The list's condition on contact `c`: it did `$10` at or after the instant `$8` and before `$9` (no `$8`: every
/// contact), the same as the figures' views count it.
pub(super) const CONDITION: &str = "($8 IS NULL \
     OR ($10 = 'added' AND c.created_at >= $8 AND c.created_at < $9) \
     OR ($10 IN ('opted_out', 'opted_in') AND EXISTS (SELECT 1 FROM contact_consents k \
         WHERE k.account_id = c.account_id AND k.contact_id = c.id AND k.state = $10 AND k.at >= $8 AND k.at < $9)) \
     OR ($10 = 'came_back' AND EXISTS (SELECT 1 FROM conversations v JOIN messages m ON m.account_id = v.account_id \
         AND m.conversation_id = v.id WHERE v.account_id = c.account_id AND v.contact_id = c.id \
         AND m.direction = 'in' AND m.created_at >= $8 AND m.created_at < $9 \
         AND (SELECT p.created_at FROM messages p WHERE p.account_id = m.account_id \
             AND p.conversation_id = m.conversation_id AND p.direction = 'in' AND p.created_at < m.created_at \
             ORDER BY p.created_at DESC LIMIT 1) <= m.created_at - 86400000)) \
     OR ($10 = 'came_again' AND EXISTS (SELECT 1 FROM reservations r WHERE r.account_id = c.account_id \
         AND r.contact_id = c.id AND r.status = 'completed' AND r.starts_at >= $8 AND r.starts_at < $9 \
         AND EXISTS (SELECT 1 FROM reservations p WHERE p.account_id = r.account_id AND p.contact_id = r.contact_id \
             AND p.status = 'completed' AND p.id <> r.id AND p.starts_at <= r.starts_at \
             AND p.starts_at >= r.starts_at - 7776000000))))";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_event_reads_back_from_its_name() {
        for e in ContactEvent::ALL {
            assert_eq!(ContactEvent::parse(e.as_str()), Some(e));
        }
        assert_eq!(ContactEvent::parse(""), Some(ContactEvent::Added));
        assert_eq!(ContactEvent::parse("opted-out"), None);
    }
}
