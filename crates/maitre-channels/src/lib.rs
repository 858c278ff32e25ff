//! The channel gateway: checking webhook signatures, turning inbound webhook bodies (Instagram,
//! Messenger, WhatsApp Cloud API, Telegram) into one normalized model, classifying platform send
//! errors, and the send clients. See `shared/PROTOCOLS.md` §1–§7. Everything but [`outbound`]'s
//! [`Sender`] is pure.
#![forbid(unsafe_code)]

pub mod ai;
pub mod egress;
pub mod errors;
pub mod inbound;
pub mod outbound;
pub mod policy;
pub mod signature;

pub use errors::{PermanentReason, PlatformError, SendErrorClass, classify_graph, classify_telegram};
pub use inbound::{
    Attachment, Comment, DeliveryStatus, Event, InboundBatch, InboundItem, InboundMessage, Location, MAX_BODY_BYTES,
    MessageKind, ParseError, Platform, ReadReceipt, Reference, Skipped, StatusError, StatusUpdate, TemplateChange,
    TemplateUpdate, parse_meta, parse_telegram,
};
pub use outbound::{
    Channel, Choice, ChoiceList, InstagramLogin, LimitError, ListRow, ListSection, OutboundMessage, PlatformUrls,
    SendFailure, SendTarget, Sender, Sent, TokenHealth, TokenStatus, check_limits,
};
pub use signature::{SignatureError, verify_meta, verify_stripe, verify_telegram};
