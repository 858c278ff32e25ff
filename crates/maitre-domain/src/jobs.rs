//! The kinds of background job, in one list: what producers queue, what the worker's registry runs and what the
//! operations view names agree by construction. Stored as their `as_str` text.
use std::fmt;
use std::str::FromStr;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum JobKind {
    /// Turns one accepted webhook item into contact, conversation and message.
    ProcessInbound,
    /// Sends one queued reply through its platform.
    Send,
    /// Reads a conversation's pending inbound messages and steps its flows.
    FlowStep,
    /// Wakes a conversation's run (a delay or a question's no-answer time is up).
    FlowTimer,
    /// Starts a flow over in a conversation a member handed back.
    FlowStart,
    /// Tells the business and the guest about a new, changed or cancelled reservation.
    ReservationNotify,
    /// Reminds the guest before the visit.
    ReservationReminder,
    /// Asks the guest for a review after the visit.
    ReviewRequest,
    /// Emails one stored notification to its member.
    NotificationEmail,
    /// Imports an uploaded contact file.
    ContactImport,
    /// The daily sweep that queues a channel check for every channel, then its own next run.
    ChannelSweep,
    /// Checks (and renews, where it can) one channel's token.
    ChannelCheck,
    /// Sends a mail a page asked for (sign-up, password reset, invitation).
    QueuedMail,
    /// Prunes what has outlived its use, hourly.
    Maintenance,
}

impl JobKind {
    pub const ALL: [JobKind; 14] = [
        JobKind::ProcessInbound,
        JobKind::Send,
        JobKind::FlowStep,
        JobKind::FlowTimer,
        JobKind::FlowStart,
        JobKind::ReservationNotify,
        JobKind::ReservationReminder,
        JobKind::ReviewRequest,
        JobKind::NotificationEmail,
        JobKind::ContactImport,
        JobKind::ChannelSweep,
        JobKind::ChannelCheck,
        JobKind::QueuedMail,
        JobKind::Maintenance,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            JobKind::ProcessInbound => "process_inbound",
            JobKind::Send => "send",
            JobKind::FlowStep => "flow_step",
            JobKind::FlowTimer => "flow_timer",
            JobKind::FlowStart => "flow_start",
            JobKind::ReservationNotify => "reservation_notify",
            JobKind::ReservationReminder => "reservation_reminder",
            JobKind::ReviewRequest => "review_request",
            JobKind::NotificationEmail => "notification_email",
            JobKind::ContactImport => "contact_import",
            JobKind::ChannelSweep => "channel_sweep",
            JobKind::ChannelCheck => "channel_check",
            JobKind::QueuedMail => "queued_mail",
            JobKind::Maintenance => "maintenance",
        }
    }
}

impl fmt::Display for JobKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown job kind {0:?}")]
pub struct UnknownJobKind(pub String);

impl FromStr for JobKind {
    type Err = UnknownJobKind;
    fn from_str(s: &str) -> Result<Self, UnknownJobKind> {
        JobKind::ALL.into_iter().find(|k| k.as_str() == s).ok_or_else(|| UnknownJobKind(s.to_owned()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_kind_round_trips_through_its_stored_text() {
        for kind in JobKind::ALL {
            assert_eq!(kind.as_str().parse::<JobKind>(), Ok(kind));
            assert_eq!(kind.to_string(), kind.as_str());
        }
        let texts: std::collections::HashSet<_> = JobKind::ALL.iter().map(|k| k.as_str()).collect();
        assert_eq!(texts.len(), JobKind::ALL.len(), "no two kinds share a text");
        assert_eq!("mystery".parse::<JobKind>(), Err(UnknownJobKind("mystery".into())));
    }
}
