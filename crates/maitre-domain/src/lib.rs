//! Pure domain logic: no I/O, no clocks read implicitly, exhaustively unit-tested.
#![forbid(unsafe_code)]

pub mod account;
pub mod booking;
pub mod broadcasts;
pub mod contacts;
pub mod courtesy;
pub mod entitlements;
pub mod extract;
pub mod flow;
pub mod ids;
pub mod jobs;
pub mod kinds;
pub mod language;
pub mod metrics;
pub mod permissions;
pub mod scheduled;
pub mod segments;
pub mod setup;
pub mod templates;

pub use account::{AccountSettings, Currency, Locale, SettingsError};
pub use extract::{ExtractLocale, Extraction, extract, extract_at};
pub use ids::{
    AccountId, ApiTokenId, BroadcastId, ChannelId, ContactId, ConversationId, FlowId, Id, JobId, MessageId, NoteId,
    ReservationId, ScheduledMessageId, SegmentId, UserId,
};
pub use jobs::JobKind;
pub use kinds::{
    Author, ChannelStatus, ConversationMode, ConversationStatus, Direction, MessageStatus, Outreach, Platform,
    UnknownWord,
};
pub use permissions::{Action, Role, allowed};
