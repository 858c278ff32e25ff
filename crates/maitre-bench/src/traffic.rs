//! The webhooks of a run, in the documented Instagram and WhatsApp wire formats (shared/fixtures), signed as Meta
//! signs them. Event `seq` is a pure function of its number, so any part of the harness can tell who sent it
//! and what it said; every message text ends in `#<seq>`, which is how stored messages name their event.
use maitre_testkit::sign_meta;
use rand::Rng;

use crate::setup::Scenario;

/// The external ids of one run. `run` is random so that runs against the same target database never collide.
#[derive(Debug, Clone)]
pub struct Ids {
    pub run: u32,
}

impl Ids {
    pub fn new() -> Self {
        Ids { run: rand::rng().random_range(10_000..100_000) }
    }

    /// The business's WhatsApp `phone_number_id`.
    pub fn whatsapp_number(&self, account: usize) -> String {
        format!("2{}{account:08}", self.run)
    }

    /// The business's Instagram account id.
    pub fn instagram_account(&self, account: usize) -> String {
        format!("178{}{account:08}", self.run)
    }

    /// A guest's id as the platform sends it (WhatsApp `wa_id`, Instagram IGSID) and as replies address it.
    pub fn guest(&self, platform: Channel, account: usize, contact: u64) -> String {
        match platform {
            Channel::WhatsApp => format!("49{}{account:07}{contact:05}", self.run),
            Channel::Instagram => format!("9{}{account:07}{contact:05}", self.run),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Channel {
    WhatsApp,
    Instagram,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Text,
    QuickReply,
    /// WhatsApp delivery status, Instagram read receipt: acknowledged and stored, never answered.
    Status,
}

/// One webhook body with its signature.
pub struct Event {
    pub body: Vec<u8>,
    pub signature: String,
    /// The guest who sent it, as the platform names them and replies address them.
    pub guest: String,
    /// A guest message (stored as one); statuses are not.
    pub is_message: bool,
}

/// The five turns of a reservation conversation with the restaurant template, in order: it asks for the day, the
/// time and the name, confirms the booking, and the keyword flow answers the last greeting.
const RESERVATION: [&str; 5] = ["Hi, a table for 4 please", "tomorrow", "at 19:30", "Ada Lovelace", "hello again"];
/// What the bench's keyword flow listens for; every `reply` message carries one.
pub const KEYWORDS: [&str; 4] = ["menu", "opening hours", "book a table", "hello"];

pub struct Traffic {
    pub ids: Ids,
    pub scenario: Scenario,
    pub accounts: u64,
    /// Guests per account and channel; `None`: every event comes from a new guest (chaos checks per guest).
    pub contacts: Option<u64>,
    pub app_secret: String,
}

/// Who sent event `seq`, on which channel of which business, and how often this guest wrote before.
struct Origin {
    account: usize,
    channel: Channel,
    contact: u64,
    turn: u64,
}

impl Traffic {
    fn origin(&self, seq: u64) -> Origin {
        let channel = if (seq / self.accounts).is_multiple_of(2) { Channel::WhatsApp } else { Channel::Instagram };
        let per_guest = seq / (2 * self.accounts);
        let (contact, turn) = match self.contacts {
            Some(m) => (per_guest % m, per_guest / m),
            None => (per_guest, 0),
        };
        Origin { account: (seq % self.accounts) as usize, channel, contact, turn }
    }

    /// The guest who sent event `seq`.
    pub fn guest(&self, seq: u64) -> String {
        let o = self.origin(seq);
        self.ids.guest(o.channel, o.account, o.contact)
    }

    fn kind(&self, seq: u64) -> Kind {
        if self.scenario == Scenario::Conversation || self.contacts.is_none() {
            return Kind::Text;
        }
        // 60% text, 20% quick replies, 20% statuses, spread evenly over the run.
        match mix(seq) % 10 {
            0..=5 => Kind::Text,
            6 | 7 => Kind::QuickReply,
            _ => Kind::Status,
        }
    }

    pub fn event(&self, seq: u64) -> Event {
        let o = self.origin(seq);
        let guest = self.ids.guest(o.channel, o.account, o.contact);
        let kind = self.kind(seq);
        let text = match self.scenario {
            // Guests' own words: a number appended would be read as a time or a party size.
            Scenario::Conversation => RESERVATION[(o.turn % 5) as usize].to_owned(),
            _ => format!("{} #{seq}", KEYWORDS[(mix(seq) % 4) as usize]),
        };
        let now = chrono::Utc::now();
        let body = match o.channel {
            Channel::WhatsApp => {
                let number = self.ids.whatsapp_number(o.account);
                whatsapp(&number, &guest, self.ids.run, seq, kind, &text, now.timestamp())
            }
            Channel::Instagram => {
                let account = self.ids.instagram_account(o.account);
                instagram(&account, &guest, self.ids.run, seq, kind, &text, now.timestamp_millis())
            }
        };
        Event {
            signature: sign_meta(&self.app_secret, body.as_bytes()),
            body: body.into_bytes(),
            guest,
            is_message: kind != Kind::Status,
        }
    }
}

/// The event number a stored message text names (`… #<seq>`).
pub fn seq_of(text: &str) -> Option<u64> {
    text.rsplit_once('#').and_then(|(_, n)| n.parse().ok())
}

/// SplitMix64's finaliser: spreads kinds and keywords without a generator's state.
fn mix(seq: u64) -> u64 {
    let mut z = seq.wrapping_add(0x9e37_79b9_7f4a_7c15);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

/// A WhatsApp Cloud API webhook (object `whatsapp_business_account`, field `messages`); seconds as strings.
fn whatsapp(number: &str, guest: &str, run: u32, seq: u64, kind: Kind, text: &str, ts: i64) -> String {
    let item = match kind {
        Kind::Text => format!(
            r#""contacts":[{{"profile":{{"name":"Guest {guest}"}},"wa_id":"{guest}"}}],"messages":[{{"from":"{guest}","id":"wamid.BENCH{run}x{seq}","timestamp":"{ts}","type":"text","text":{{"body":"{text}"}}}}]"#
        ),
        Kind::QuickReply => format!(
            r#""contacts":[{{"profile":{{"name":"Guest {guest}"}},"wa_id":"{guest}"}}],"messages":[{{"context":{{"from":"15550001111","id":"wamid.BENCHOUT{run}x{seq}"}},"from":"{guest}","id":"wamid.BENCH{run}x{seq}","timestamp":"{ts}","type":"interactive","interactive":{{"type":"button_reply","button_reply":{{"id":"slot-1930","title":"{text}"}}}}}}]"#
        ),
        Kind::Status => format!(
            r#""statuses":[{{"id":"wamid.BENCHOUT{run}x{seq}","status":"delivered","timestamp":"{ts}","recipient_id":"{guest}"}}]"#
        ),
    };
    format!(
        r#"{{"object":"whatsapp_business_account","entry":[{{"id":"100000000000001","changes":[{{"field":"messages","value":{{"messaging_product":"whatsapp","metadata":{{"display_phone_number":"15550001111","phone_number_id":"{number}"}},{item}}}}}]}}]}}"#
    )
}

/// An Instagram Messaging webhook (object `instagram`, `messaging` events); milliseconds as numbers.
fn instagram(account: &str, guest: &str, run: u32, seq: u64, kind: Kind, text: &str, ms: i64) -> String {
    let event = match kind {
        Kind::Text => format!(r#""message":{{"mid":"m_BENCH{run}x{seq}","text":"{text}"}}"#),
        Kind::QuickReply => format!(
            r#""message":{{"mid":"m_BENCH{run}x{seq}","text":"{text}","quick_reply":{{"payload":"SLOT_1930"}}}}"#
        ),
        Kind::Status => format!(r#""read":{{"mid":"m_BENCHOUT{run}x{seq}"}}"#),
    };
    format!(
        r#"{{"object":"instagram","entry":[{{"id":"{account}","time":{ms},"messaging":[{{"sender":{{"id":"{guest}"}},"recipient":{{"id":"{account}"}},"timestamp":{ms},{event}}}]}}]}}"#
    )
}
