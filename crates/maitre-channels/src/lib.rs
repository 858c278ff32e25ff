//! Channel gateway logic that needs no network: checking webhook signatures, turning inbound
//! webhook bodies (Instagram, Messenger, WhatsApp Cloud API, Telegram) into one normalized model,
//! and classifying platform send errors. See `shared/PROTOCOLS.md` §1, §2, §3.4 and §7.
#![forbid(unsafe_code)]

pub mod errors;
pub mod inbound;
pub mod signature;

pub use errors::{
    PermanentReason, PlatformError, SendErrorClass, classify_graph, classify_telegram,
};
pub use inbound::{
    Attachment, Comment, DeliveryStatus, Event, InboundBatch, InboundItem, InboundMessage,
    Location, MAX_BODY_BYTES, MessageKind, ParseError, Platform, ReadReceipt, Reference, Skipped,
    StatusError, StatusUpdate, parse_meta, parse_telegram,
};
pub use signature::{SignatureError, verify_meta, verify_telegram};
