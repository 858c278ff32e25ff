//! The kinds of background job, in one list: what producers queue, what the worker's registry runs and what the
//! operations view names agree by construction. Stored as their `as_str` text.
use crate::kinds::words;

words! {
    pub enum JobKind("job kind") {
        /// Turns one accepted webhook item into contact, conversation and message.
        ProcessInbound = "process_inbound",
        /// Sends one queued reply through its platform.
        Send = "send",
        /// Reads a conversation's pending inbound messages and steps its flows.
        FlowStep = "flow_step",
        /// Wakes a conversation's run (a delay or a question's no-answer time is up).
        FlowTimer = "flow_timer",
        /// Starts a flow over in a conversation a member handed back.
        FlowStart = "flow_start",
        /// Tells the business and the guest about a new, changed or cancelled reservation.
        ReservationNotify = "reservation_notify",
        /// Reminds the guest before the visit.
        ReservationReminder = "reservation_reminder",
        /// Asks the guest for a review after the visit.
        ReviewRequest = "review_request",
        /// Emails one stored notification to its member.
        NotificationEmail = "notification_email",
        /// Imports an uploaded contact file.
        ContactImport = "contact_import",
        /// The daily sweep that queues a channel check for every channel, then its own next run.
        ChannelSweep = "channel_sweep",
        /// Checks (and renews, where it can) one channel's token.
        ChannelCheck = "channel_check",
        /// Sends a mail a page asked for (sign-up, password reset, invitation).
        QueuedMail = "queued_mail",
        /// Prunes what has outlived its use, hourly.
        Maintenance = "maintenance",
    }
}

impl std::fmt::Display for JobKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_kind_round_trips_through_its_stored_text() {
        for &kind in JobKind::ALL {
            assert_eq!(kind.as_str().parse::<JobKind>(), Ok(kind));
            assert_eq!(kind.to_string(), kind.as_str());
        }
        let texts: std::collections::HashSet<_> = JobKind::ALL.iter().map(|k| k.as_str()).collect();
        assert_eq!(texts.len(), JobKind::ALL.len(), "no two kinds share a text");
        assert_eq!("mystery".parse::<JobKind>().unwrap_err().to_string(), "unknown job kind \"mystery\"");
    }
}
