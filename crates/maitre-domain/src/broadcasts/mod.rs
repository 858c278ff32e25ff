//! Broadcasts: one message to the guests of a segment, within each platform's rules. Pure: who may receive it and
//! how (`route`), what a dry run counts (`Tally`), which state changes staff may make (`BroadcastStatus::after`)
//! and how fast it goes (`round`). The caller passes the facts of the moment (window, consent, template).
use std::collections::BTreeMap;

use chrono::TimeDelta;

use crate::Platform;
use crate::kinds::{display_as_word, words};
use crate::templates::{TemplateCategory, TemplateStatus};

/// Longest broadcast text, in characters: Instagram's limit for a message, the smallest of the platforms.
pub const MAX_TEXT_CHARS: usize = 1000;
/// Longest broadcast name.
pub const MAX_NAME_CHARS: usize = 80;

words! {
    /// Where a broadcast stands.
    pub enum BroadcastStatus("broadcast status") {
        /// Written, not started; may still change.
        Draft = "draft",
        /// Starts by itself at its time.
        Scheduled = "scheduled",
        /// Going out, recipient by recipient.
        Sending = "sending",
        /// Stopped by staff; resumes where it stopped.
        Paused = "paused",
        /// Every recipient was taken care of.
        Done = "done",
        /// Stopped for good; the guests not reached yet stay unmessaged.
        Cancelled = "cancelled",
    }
}

display_as_word!(BroadcastStatus);

words! {
    /// What staff do to a broadcast.
    pub enum Command("broadcast command") {
        Send = "send",
        Schedule = "schedule",
        Pause = "pause",
        Resume = "resume",
        Cancel = "cancel",
    }
}

display_as_word!(Command);

impl BroadcastStatus {
    /// The state `command` leads to from this one, if it may be given now.
    pub fn after(self, command: Command) -> Option<BroadcastStatus> {
        use BroadcastStatus::*;
        match (self, command) {
            (Draft | Scheduled, Command::Send) => Some(Sending),
            (Draft | Scheduled, Command::Schedule) => Some(Scheduled),
            (Sending, Command::Pause) => Some(Paused),
            (Paused, Command::Resume) => Some(Sending),
            (Draft | Scheduled | Sending | Paused, Command::Cancel) => Some(Cancelled),
            _ => None,
        }
    }

    /// Still to be sent (or sending): the text and segment may change only before it starts.
    pub fn editable(self) -> bool {
        matches!(self, BroadcastStatus::Draft | BroadcastStatus::Scheduled)
    }
}

words! {
    /// Why a guest of the segment does not receive the broadcast.
    pub enum Skip("broadcast skip reason") {
        /// Never said yes to marketing messages.
        NotOptedIn = "not_opted_in",
        /// Said no (possibly while the broadcast was going out).
        OptedOut = "opted_out",
        /// Instagram or Messenger: the guest has not written in the last 24 hours.
        WindowClosed = "window_closed",
        /// WhatsApp outside the 24-hour window, and the broadcast has no template.
        NeedsTemplate = "needs_template",
        /// WhatsApp outside the window: the broadcast's template is not approved, not marketing or utility, or
        /// belongs to another WhatsApp business account than the guest's number.
        TemplateUnusable = "template_unusable",
        /// The template needs a value maitre does not know for this guest.
        TemplateValues = "template_values",
        /// The guest has no conversation with the business (imported, never wrote).
        NoConversation = "no_conversation",
        /// The guest's channel is disconnected or paused.
        ChannelUnavailable = "channel_unavailable",
    }
}

display_as_word!(Skip);

/// How a recipient gets the broadcast.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Route {
    /// The broadcast's text, as a normal message (inside the window; Telegram any time).
    Text,
    /// The broadcast's WhatsApp template.
    Template,
}

/// How the broadcast's template fits one recipient's WhatsApp number.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TemplateFit {
    /// The broadcast has no template.
    None,
    /// Approved, marketing or utility, of the number's WhatsApp business account.
    Usable,
    Unusable,
}

/// Whether a template may carry a broadcast: approved, and marketing or utility (authentication templates are for
/// codes only).
pub fn template_usable(status: &TemplateStatus, category: TemplateCategory) -> bool {
    *status == TemplateStatus::Approved && matches!(category, TemplateCategory::Marketing | TemplateCategory::Utility)
}

/// What is known of one recipient at the moment of sending.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Recipient {
    pub platform: Platform,
    /// An opt-in to marketing on record, not withdrawn since.
    pub opted_in: bool,
    pub opted_out: bool,
    pub has_conversation: bool,
    pub channel_up: bool,
    /// The guest wrote within the platform's window for automated messages (always true on Telegram).
    pub window_open: bool,
    pub template: TemplateFit,
}

/// How `r` gets the broadcast, or why not. Consent first (nobody who said no, or never said yes, is messaged),
/// then the platform's rules.
pub fn route(r: &Recipient) -> Result<Route, Skip> {
    if r.opted_out {
        return Err(Skip::OptedOut);
    }
    if !r.opted_in {
        return Err(Skip::NotOptedIn);
    }
    if !r.has_conversation {
        return Err(Skip::NoConversation);
    }
    if !r.channel_up {
        return Err(Skip::ChannelUnavailable);
    }
    match r.platform {
        Platform::Telegram => Ok(Route::Text),
        _ if r.window_open => Ok(Route::Text),
        Platform::WhatsApp => match r.template {
            TemplateFit::Usable => Ok(Route::Template),
            TemplateFit::Unusable => Err(Skip::TemplateUnusable),
            TemplateFit::None => Err(Skip::NeedsTemplate),
        },
        Platform::Instagram | Platform::Messenger => Err(Skip::WindowClosed),
    }
}

/// A dry run's answer: how many would receive it, by route, and why the others would not.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Tally {
    pub routes: BTreeMap<Route, u64>,
    pub skipped: BTreeMap<Skip, u64>,
}

impl Tally {
    pub fn add(&mut self, outcome: Result<Route, Skip>) {
        match outcome {
            Ok(route) => *self.routes.entry(route).or_default() += 1,
            Err(skip) => *self.skipped.entry(skip).or_default() += 1,
        }
    }

    /// How many would receive it.
    pub fn reached(&self) -> u64 {
        self.routes.values().sum()
    }

    pub fn total(&self) -> u64 {
        self.reached() + self.skipped.values().sum::<u64>()
    }
}

/// The slowest and fastest pace staff may set, in messages per second. WhatsApp's Cloud API takes 80 messages a
/// second per number by default; Messenger and Instagram throttle well below that, so the default is gentle.
pub const MIN_RATE: u32 = 1;
pub const MAX_RATE: u32 = 80;
pub const DEFAULT_RATE: u32 = 20;

/// How many recipients a round takes, and how long after its start the next one begins.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Round {
    pub size: u32,
    /// None: at once (unpaced).
    pub every: Option<TimeDelta>,
}

/// Recipients an unpaced round takes.
pub const UNPACED_ROUND: u32 = 200;

/// Rounds at `rate` messages a second (0: unpaced): a tenth of a second's worth at a time (at least one guest),
/// so a broadcast's writes come in small, even portions and a guest's reply never waits behind a second's worth.
pub fn round(rate: u32) -> Round {
    if rate == 0 {
        return Round { size: UNPACED_ROUND, every: None };
    }
    let size = rate.div_ceil(10);
    Round { size, every: Some(TimeDelta::microseconds(i64::from(size) * 1_000_000 / i64::from(rate))) }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BroadcastError {
    #[error("a broadcast needs a name of 1 to {MAX_NAME_CHARS} characters")]
    Name,
    #[error("a broadcast's text has 1 to {MAX_TEXT_CHARS} characters")]
    Text,
}

/// The name as stored (trimmed), if it has 1 to [`MAX_NAME_CHARS`] characters and no control characters.
pub fn check_name(raw: &str) -> Result<&str, BroadcastError> {
    let name = raw.trim();
    let ok = !name.is_empty() && name.chars().count() <= MAX_NAME_CHARS && !name.chars().any(char::is_control);
    if ok { Ok(name) } else { Err(BroadcastError::Name) }
}

/// The text as stored (trimmed), if it has 1 to [`MAX_TEXT_CHARS`] characters.
pub fn check_text(raw: &str) -> Result<&str, BroadcastError> {
    let text = raw.trim();
    if text.is_empty() || text.chars().count() > MAX_TEXT_CHARS { Err(BroadcastError::Text) } else { Ok(text) }
}

#[cfg(test)]
mod tests;
