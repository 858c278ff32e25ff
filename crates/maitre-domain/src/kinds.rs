//! The fixed sets of values that cross crates and are stored as words: platforms, conversation and message states,
//! channel states. Each is an enum with `as_str` (its stored and wire spelling), `FromStr`, `TryFrom<String>` (for
//! reading rows) and serde as the same word, declared once by `words!` so the spellings cannot drift apart.

/// A word that names no value of `kind`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown {kind} {word:?}")]
pub struct UnknownWord {
    pub kind: &'static str,
    pub word: String,
}

/// Declares an enum whose values are written as fixed words. A macro because a dozen enums need the same five
/// impls and no crate derives exactly these (serde, `FromStr` and an error naming the kind) from one spelling list.
macro_rules! words {
    ($(#[$meta:meta])* pub enum $name:ident ($kind:literal) { $($(#[$vmeta:meta])* $variant:ident = $text:literal,)+ }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum $name { $($(#[$vmeta])* $variant,)+ }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant,)+];

            pub fn as_str(self) -> &'static str {
                match self { $($name::$variant => $text,)+ }
            }
        }

        impl std::str::FromStr for $name {
            type Err = $crate::kinds::UnknownWord;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                match s {
                    $($text => Ok($name::$variant),)+
                    _ => Err($crate::kinds::UnknownWord { kind: $kind, word: s.chars().take(40).collect() }),
                }
            }
        }

        impl From<$name> for &'static str {
            fn from(v: $name) -> &'static str {
                v.as_str()
            }
        }

        impl TryFrom<String> for $name {
            type Error = $crate::kinds::UnknownWord;
            fn try_from(s: String) -> Result<Self, Self::Error> {
                s.parse()
            }
        }

        impl serde::Serialize for $name {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str(self.as_str())
            }
        }

        impl<'de> serde::Deserialize<'de> for $name {
            fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                let s = <std::borrow::Cow<'de, str>>::deserialize(d)?;
                s.parse().map_err(serde::de::Error::custom)
            }
        }

        // Stored as its word in a text column.
        #[cfg(feature = "sqlx")]
        impl sqlx::Type<sqlx::Any> for $name {
            fn type_info() -> sqlx::any::AnyTypeInfo {
                <str as sqlx::Type<sqlx::Any>>::type_info()
            }
        }
        #[cfg(feature = "sqlx")]
        impl<'q> sqlx::Encode<'q, sqlx::Any> for $name {
            fn encode_by_ref(
                &self,
                buf: &mut <sqlx::Any as sqlx::Database>::ArgumentBuffer,
            ) -> Result<sqlx::encode::IsNull, sqlx::error::BoxDynError> {
                <&str as sqlx::Encode<'q, sqlx::Any>>::encode(self.as_str(), buf)
            }
        }
        #[cfg(feature = "sqlx")]
        impl<'r> sqlx::Decode<'r, sqlx::Any> for $name {
            fn decode(value: sqlx::any::AnyValueRef<'r>) -> Result<Self, sqlx::error::BoxDynError> {
                Ok(<&str as sqlx::Decode<'r, sqlx::Any>>::decode(value)?.parse()?)
            }
        }
    };
}
pub(crate) use words;

words! {
    /// A messaging platform maitre receives from and sends to.
    pub enum Platform("platform") {
        Instagram = "instagram",
        Messenger = "messenger",
        WhatsApp = "whatsapp",
        Telegram = "telegram",
    }
}

/// The platform's own spelling, for messages shown to people.
impl std::fmt::Display for Platform {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Platform::Instagram => "Instagram",
            Platform::Messenger => "Messenger",
            Platform::WhatsApp => "WhatsApp",
            Platform::Telegram => "Telegram",
        })
    }
}

words! {
    /// Who wrote a message: the figures count each kind apart (maitre-domain metrics.rs).
    pub enum Author("message author") {
        Guest = "guest",
        /// A flow's reply.
        Bot = "bot",
        /// The channel's automatic "we will get back to you".
        AutoReply = "auto_reply",
        /// A team member, in maitre.
        Member = "member",
        /// The business, in the platform's own app (the platform echoes it to maitre).
        Echo = "echo",
        /// A notice maitre sends on its own: a reminder, a review request, an answer to the team's decision.
        Notice = "notice",
    }
}

words! {
    /// Why maitre sent a message on its own or for the team, where the analytics count what became of it.
    pub enum Outreach("outreach") {
        Broadcast = "broadcast",
        Reminder = "reminder",
        /// The request for a review after a visit.
        Review = "review",
        /// A change of a booking told to the guest: the team's decision (confirmed, cancelled, moved), or the
        /// acknowledgement of the guest's own cancellation.
        Decision = "decision",
        /// A WhatsApp template a member sent from a thread.
        Template = "template",
    }
}

words! {
    /// Who answers a conversation: automation (flows, the automatic reply) or a person.
    pub enum ConversationMode("conversation mode") {
        Bot = "bot",
        Human = "human",
    }
}

words! {
    /// Where a conversation stands in the inbox.
    pub enum ConversationStatus("conversation status") {
        Open = "open",
        Pending = "pending",
        Closed = "closed",
    }
}

words! {
    /// Which way a message went: from the guest (`In`) or to them (`Out`).
    pub enum Direction("direction") {
        In = "in",
        Out = "out",
    }
}

words! {
    /// A message's delivery: received from the guest, or queued, sent, delivered, read or failed on its way out.
    pub enum MessageStatus("message status") {
        Received = "received",
        Queued = "queued",
        Sent = "sent",
        Delivered = "delivered",
        Read = "read",
        Failed = "failed",
    }
}

words! {
    /// What the last token check of a channel found.
    pub enum ChannelStatus("channel status") {
        Connected = "connected",
        /// Expired, revoked or wrong; a send may still be tried.
        Invalid = "invalid",
        /// Works, but something needs a person.
        NeedsAttention = "needs_attention",
        /// Another login is needed: sends stop until then.
        NeedsReconnect = "needs_reconnect",
    }
}

/// Lists, pages and logs show these as their stored words.
macro_rules! display_as_word {
    ($($name:ident),+) => {$(
        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }
    )+};
}
pub(crate) use display_as_word;
display_as_word!(ConversationMode, ConversationStatus, Direction, MessageStatus, ChannelStatus);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn platforms_round_trip_through_their_words() {
        for p in Platform::ALL {
            assert_eq!(p.as_str().parse::<Platform>(), Ok(*p));
            assert_eq!(serde_json::to_string(p).unwrap(), format!("\"{}\"", p.as_str()));
            assert_eq!(serde_json::from_str::<Platform>(&format!("\"{}\"", p.as_str())).unwrap(), *p);
        }
        assert_eq!(Platform::WhatsApp.to_string(), "WhatsApp");
        let e = "WhatsApp".parse::<Platform>().unwrap_err();
        assert_eq!(e.to_string(), "unknown platform \"WhatsApp\"");
        assert!(serde_json::from_str::<Platform>("\"fax\"").is_err());
        assert_eq!(Platform::try_from("telegram".to_owned()), Ok(Platform::Telegram));
    }

    /// Every value of every word enum reads back from its word, and no two values of one enum share a word.
    #[test]
    fn every_word_round_trips() {
        fn check<T>(all: &[T])
        where
            T: Copy + PartialEq + std::fmt::Debug + std::str::FromStr<Err = UnknownWord> + serde::Serialize,
            T: for<'de> serde::Deserialize<'de> + Into<&'static str>,
        {
            let words: std::collections::HashSet<&str> = all.iter().map(|v| (*v).into()).collect();
            assert_eq!(words.len(), all.len());
            for v in all {
                let word: &str = (*v).into();
                assert_eq!(word.parse::<T>().unwrap(), *v);
                assert_eq!(serde_json::from_str::<T>(&serde_json::to_string(v).unwrap()).unwrap(), *v);
            }
            assert!("".parse::<T>().is_err() && "Open ".parse::<T>().is_err());
        }
        check(Platform::ALL);
        check(ConversationMode::ALL);
        check(ConversationStatus::ALL);
        check(Direction::ALL);
        check(MessageStatus::ALL);
        check(ChannelStatus::ALL);
        assert_eq!(ChannelStatus::NeedsReconnect.to_string(), "needs_reconnect");
        assert_eq!("sideways".parse::<Direction>().unwrap_err().to_string(), "unknown direction \"sideways\"");
    }
}
