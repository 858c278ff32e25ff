//! Opaque identifiers. UUIDv7 (time-ordered, so indexes stay compact) rendered as text; never sequential integers.
use std::fmt;
use std::marker::PhantomData;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use uuid::Uuid;

/// A typed id: `Id<Account>` and `Id<User>` cannot be mixed up.
pub struct Id<T> {
    uuid: Uuid,
    _kind: PhantomData<fn() -> T>,
}

impl<T> Id<T> {
    pub fn new() -> Self {
        Self::from_uuid(Uuid::now_v7())
    }
    pub fn from_uuid(uuid: Uuid) -> Self {
        Self { uuid, _kind: PhantomData }
    }
    pub fn uuid(&self) -> Uuid {
        self.uuid
    }
}

impl<T> Default for Id<T> {
    fn default() -> Self {
        Self::new()
    }
}
impl<T> Clone for Id<T> {
    fn clone(&self) -> Self {
        *self
    }
}
impl<T> Copy for Id<T> {}
impl<T> PartialEq for Id<T> {
    fn eq(&self, other: &Self) -> bool {
        self.uuid == other.uuid
    }
}
impl<T> Eq for Id<T> {}
/// Ids order as their uuids: UUIDv7 ids by creation time.
impl<T> PartialOrd for Id<T> {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}
impl<T> Ord for Id<T> {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        self.uuid.cmp(&other.uuid)
    }
}
impl<T> std::hash::Hash for Id<T> {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        self.uuid.hash(state)
    }
}
impl<T> fmt::Display for Id<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.uuid.as_hyphenated().fmt(f)
    }
}
impl<T> fmt::Debug for Id<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.uuid)
    }
}
impl<T> FromStr for Id<T> {
    type Err = uuid::Error;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Uuid::parse_str(s).map(Self::from_uuid)
    }
}
/// Rows and forms carry ids as text: `#[sqlx(try_from = "String")]` reads a column straight into an id.
impl<T> TryFrom<String> for Id<T> {
    type Error = uuid::Error;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        s.parse()
    }
}
impl<T> Serialize for Id<T> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}
impl<'de, T> Deserialize<'de> for Id<T> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = <std::borrow::Cow<'de, str>>::deserialize(d)?;
        s.parse().map_err(serde::de::Error::custom)
    }
}

/// Ids are text columns (the portable `Any` driver has no uuid type): bound and read as their hyphenated form.
#[cfg(feature = "sqlx")]
mod column {
    use sqlx::any::{Any, AnyTypeInfo, AnyValueRef};
    use sqlx::encode::IsNull;
    use sqlx::error::BoxDynError;
    use sqlx::{Database, Decode, Encode, Type};

    use super::Id;

    impl<T> Type<Any> for Id<T> {
        fn type_info() -> AnyTypeInfo {
            <String as Type<Any>>::type_info()
        }
    }
    impl<T> Encode<'_, Any> for Id<T> {
        fn encode_by_ref(&self, buf: &mut <Any as Database>::ArgumentBuffer) -> Result<IsNull, BoxDynError> {
            <String as Encode<Any>>::encode(self.to_string(), buf)
        }
    }
    impl<'r, T> Decode<'r, Any> for Id<T> {
        fn decode(value: AnyValueRef<'r>) -> Result<Self, BoxDynError> {
            Ok(<&str as Decode<Any>>::decode(value)?.parse()?)
        }
    }
}

/// Marker types for ids.
pub mod kind {
    pub enum Account {}
    pub enum User {}
    pub enum ApiToken {}
    pub enum Channel {}
    pub enum Contact {}
    pub enum Conversation {}
    pub enum Message {}
    pub enum Flow {}
    pub enum Reservation {}
    pub enum Job {}
    pub enum Note {}
    pub enum ScheduledMessage {}
    pub enum Segment {}
    pub enum Broadcast {}
}

pub type AccountId = Id<kind::Account>;
pub type UserId = Id<kind::User>;
pub type ApiTokenId = Id<kind::ApiToken>;
pub type ChannelId = Id<kind::Channel>;
pub type ContactId = Id<kind::Contact>;
pub type ConversationId = Id<kind::Conversation>;
pub type MessageId = Id<kind::Message>;
pub type FlowId = Id<kind::Flow>;
pub type ReservationId = Id<kind::Reservation>;
pub type JobId = Id<kind::Job>;
/// A note the team keeps on a contact.
pub type NoteId = Id<kind::Note>;
/// A message staff scheduled to send later.
pub type ScheduledMessageId = Id<kind::ScheduledMessage>;
/// A saved contact filter.
pub type SegmentId = Id<kind::Segment>;
/// One message sent to a segment.
pub type BroadcastId = Id<kind::Broadcast>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_round_trip_as_text_and_are_time_ordered() {
        let a = AccountId::new();
        let b = AccountId::new();
        assert_eq!(a.to_string().parse::<AccountId>().unwrap(), a);
        assert!(a.to_string() < b.to_string(), "v7 ids sort by creation time");
        assert_eq!(a.uuid().get_version_num(), 7);
    }

    #[test]
    fn garbage_is_not_an_id() {
        assert!("1".parse::<UserId>().is_err());
        assert!("../etc".parse::<UserId>().is_err());
    }
}
