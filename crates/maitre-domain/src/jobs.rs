//! The job catalogue: the kinds of background job in one list, and each kind's payload as a type. What producers
//! queue, what the worker's registry runs and what the operations view names agree by construction: a job is
//! queued from its payload type, which fixes its kind, and its handler reads the same type back. Kinds are stored
//! as their `as_str` text, payloads as `Payload::encode` writes them.
use serde::{Deserialize, Serialize};

use crate::booking::guest_messages::GuestMessage;
use crate::kinds::{display_as_word, words};
use crate::{BroadcastId, ChannelId, ContactId, ConversationId, FlowId, MessageId, ReservationId, ScheduledMessageId};

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
        /// Pushes one stored notification to its member's devices (web push).
        NotificationPush = "notification_push",
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
        /// Queues a message staff scheduled, when it is due.
        ScheduledSend = "scheduled_send",
        /// Starts a broadcast staff scheduled, when it is due.
        BroadcastStart = "broadcast_start",
        /// Takes care of a broadcast's next recipients, then queues its own next round.
        BroadcastSend = "broadcast_send",
        /// Applies one stored Stripe event to the business it names.
        BillingEvent = "billing_event",
    }
}

display_as_word!(JobKind);

/// A kind's payload: what its job needs to run, written to and read from the job's stored text.
pub trait Payload: Sized {
    const KIND: JobKind;
    fn encode(&self) -> String;
    fn decode(text: &str) -> Result<Self, BadPayload>;
}

/// A stored payload its kind's type cannot read (a job written by hand, or by an incompatible version).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unreadable {kind} payload: {reason}")]
pub struct BadPayload {
    pub kind: JobKind,
    pub reason: String,
}

/// Payloads stored as JSON objects.
macro_rules! json_payloads {
    ($($ty:ident => $kind:ident),+ $(,)?) => {$(
        impl Payload for $ty {
            const KIND: JobKind = JobKind::$kind;
            fn encode(&self) -> String {
                serde_json::to_string(self).expect("a payload of strings serializes")
            }
            fn decode(text: &str) -> Result<Self, BadPayload> {
                serde_json::from_str(text).map_err(|e| BadPayload { kind: Self::KIND, reason: e.to_string() })
            }
        }
    )+};
}

/// Payloads that are one id, stored as the bare id (as they always were, so queued jobs stay readable).
macro_rules! id_payloads {
    ($($ty:ident . $field:ident => $kind:ident),+ $(,)?) => {$(
        impl Payload for $ty {
            const KIND: JobKind = JobKind::$kind;
            fn encode(&self) -> String {
                self.$field.to_string()
            }
            fn decode(text: &str) -> Result<Self, BadPayload> {
                let $field = text.parse().map_err(|e| BadPayload { kind: Self::KIND, reason: format!("{e}") })?;
                Ok($ty { $field })
            }
        }
    )+};
}

/// One accepted webhook item to process.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProcessInboundJob {
    pub event: String,
}

/// One queued outbound message to send.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SendJob {
    pub message: MessageId,
}

/// An uploaded contact file to import.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ContactImportJob {
    pub import: String,
}

id_payloads!(ProcessInboundJob.event => ProcessInbound, SendJob.message => Send, ContactImportJob.import => ContactImport);

/// The guest's message `message` (stored for inbound event `event`) waits for automation in its conversation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FlowStepJob {
    pub event: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<MessageId>,
    /// Steps queued before the message named them carried the conversation instead.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub conversation: Option<ConversationId>,
}

/// A conversation's run waits for `token` (a delay, or a question's no-answer time).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FlowTimerJob {
    pub conversation: ConversationId,
    pub token: String,
}

/// A member handed the conversation back and asked for `flow` to start over.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FlowStartJob {
    pub conversation: ConversationId,
    pub flow: FlowId,
    /// Unique per hand-back: keys the step's replies, so a re-run sends nothing twice.
    pub token: String,
}

/// A reservation was created, changed or cancelled (`change`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReservationNotifyJob {
    pub reservation_id: ReservationId,
    pub change: String,
    /// A staff decision the guest hears of (in their conversation); `None` for changes the guest made themselves.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub guest: Option<GuestMessage>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReservationReminderJob {
    pub reservation_id: ReservationId,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReviewRequestJob {
    pub reservation_id: ReservationId,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NotificationEmailJob {
    pub notification_id: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NotificationPushJob {
    pub notification_id: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChannelCheckJob {
    pub channel_id: ChannelId,
}

/// A mail sealed with the server's key (it may hold a sign-in link).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct QueuedMailJob {
    pub sealed: String,
}

/// A scheduled message is due. `send_at` is the time this job was queued for: a job left over from before the time
/// was changed finds another time stored and does nothing.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ScheduledSendJob {
    pub scheduled: ScheduledMessageId,
    pub send_at: chrono::DateTime<chrono::Utc>,
}

/// A scheduled broadcast is due. `send_at` is the time this job was queued for: a job left over from before the
/// time was changed finds another time stored and does nothing.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BroadcastStartJob {
    pub broadcast: BroadcastId,
    pub send_at: chrono::DateTime<chrono::Utc>,
}

/// Round `round` of a broadcast's run `epoch` (a resume starts a new run; an older run's job stops). `after`: the
/// last recipient (by contact id) the round before took care of, so a round reads on from there instead of
/// stepping over every recipient done already (on PostgreSQL their old index entries linger until vacuumed).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BroadcastSendJob {
    pub broadcast: BroadcastId,
    pub epoch: i64,
    pub round: i64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub after: Option<ContactId>,
}

/// A stored Stripe event (`billing_events.id`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BillingEventJob {
    pub event: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct ChannelSweepJob {}

#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct MaintenanceJob {}

json_payloads!(
    FlowStepJob => FlowStep,
    FlowTimerJob => FlowTimer,
    FlowStartJob => FlowStart,
    ReservationNotifyJob => ReservationNotify,
    ReservationReminderJob => ReservationReminder,
    ReviewRequestJob => ReviewRequest,
    NotificationEmailJob => NotificationEmail,
    NotificationPushJob => NotificationPush,
    ChannelCheckJob => ChannelCheck,
    QueuedMailJob => QueuedMail,
    ChannelSweepJob => ChannelSweep,
    MaintenanceJob => Maintenance,
    ScheduledSendJob => ScheduledSend,
    BroadcastStartJob => BroadcastStart,
    BroadcastSendJob => BroadcastSend,
    BillingEventJob => BillingEvent,
);

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

    #[test]
    fn payloads_keep_their_stored_form() {
        const M: &str = "0193a1b2-0000-7000-8000-000000000001";
        const C: &str = "0193a1b2-0000-7000-8000-000000000002";
        let send = SendJob { message: M.parse().unwrap() };
        assert_eq!((SendJob::KIND, send.encode()), (JobKind::Send, M.to_owned()));
        assert_eq!(SendJob::decode(M), Ok(send));
        assert!(SendJob::decode("0193-msg").unwrap_err().to_string().starts_with("unreadable send payload"));
        let timer = FlowTimerJob { conversation: C.parse().unwrap(), token: "t1".into() };
        assert_eq!(timer.encode(), format!(r#"{{"conversation":"{C}","token":"t1"}}"#));
        assert_eq!(FlowTimerJob::decode(&timer.encode()), Ok(timer));
        assert_eq!(MaintenanceJob::default().encode(), "{}");
        let step = FlowStepJob { event: "e1".into(), message: Some(M.parse().unwrap()), conversation: None };
        assert_eq!(step.encode(), format!(r#"{{"event":"e1","message":"{M}"}}"#));
        // A step queued by an earlier version names its conversation.
        let old = FlowStepJob::decode(&format!(r#"{{"conversation":"{C}","event":"e1"}}"#)).unwrap();
        assert_eq!((old.conversation.map(|c| c.to_string()), old.message), (Some(C.to_owned()), None));
        let bad = ReservationNotifyJob::decode(&format!(r#"{{"reservation_id":"{C}"}}"#)).unwrap_err();
        assert_eq!(bad.kind, JobKind::ReservationNotify);
        assert!(bad.to_string().starts_with("unreadable reservation_notify payload: missing field `change`"), "{bad}");
        assert!(ChannelCheckJob::decode(r#"{"channel_id":"not-an-id"}"#).is_err());
    }
}
