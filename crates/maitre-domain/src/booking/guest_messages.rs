//! What a guest hears about their booking besides the flow's own answers: a staff decision (confirmed, cancelled,
//! moved) and the reminder, with the texts used when the business wrote none. Pure.
use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::flow::placeholders;
use crate::templates::ButtonAction;
use crate::{Locale, ReservationId};

/// Why maitre writes to a guest about a booking.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum GuestMessage {
    Reminder,
    /// Staff confirmed a requested booking.
    Confirmed,
    /// Staff cancelled it.
    Cancelled,
    /// Staff moved it to another time.
    Moved,
    /// The guest cancelled it with a template's button: the acknowledgement.
    GuestCancelled,
}

impl GuestMessage {
    /// The team's decisions: a template may carry them outside the window.
    pub const DECISIONS: [GuestMessage; 3] = [Self::Confirmed, Self::Cancelled, Self::Moved];
    /// The messages a business may word itself.
    pub const WORDED: [GuestMessage; 4] = [Self::Confirmed, Self::Cancelled, Self::Moved, Self::GuestCancelled];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Reminder => "reminder",
            Self::Confirmed => "confirmed",
            Self::Cancelled => "cancelled",
            Self::Moved => "moved",
            Self::GuestCancelled => "guest_cancelled",
        }
    }

    /// The text the guest gets when the business wrote none, with the placeholders flows use.
    pub fn default_text(self, locale: Locale) -> &'static str {
        use GuestMessage::*;
        match (self, locale) {
            (Reminder, _) => "",
            (Confirmed, Locale::De) => {
                "Ihre Reservierung am {{reservation.date}} um {{reservation.time}} für {{reservation.party_size}} \
                 Personen ist bestätigt. Bis bald bei {{account.name}}!"
            }
            (Confirmed, Locale::Fr) => {
                "Votre réservation du {{reservation.date}} à {{reservation.time}} pour {{reservation.party_size}} \
                 personnes est confirmée. À bientôt chez {{account.name}} !"
            }
            (Confirmed, Locale::En) => {
                "Your reservation on {{reservation.date}} at {{reservation.time}} for {{reservation.party_size}} is \
                 confirmed. See you soon at {{account.name}}!"
            }
            (Cancelled, Locale::De) => {
                "Leider müssen wir Ihre Reservierung am {{reservation.date}} um {{reservation.time}} absagen. \
                 Schreiben Sie uns gern, wenn Sie einen anderen Termin möchten. {{account.name}}"
            }
            (Cancelled, Locale::Fr) => {
                "Nous sommes désolés : nous devons annuler votre réservation du {{reservation.date}} à \
                 {{reservation.time}}. Écrivez-nous si vous souhaitez un autre moment. {{account.name}}"
            }
            (Cancelled, Locale::En) => {
                "We're sorry: we have to cancel your reservation on {{reservation.date}} at {{reservation.time}}. \
                 Write to us if you'd like another time. {{account.name}}"
            }
            (Moved, Locale::De) => {
                "Ihre Reservierung wurde verschoben: neu am {{reservation.date}} um {{reservation.time}} für \
                 {{reservation.party_size}} Personen. {{account.name}}"
            }
            (Moved, Locale::Fr) => {
                "Votre réservation a été déplacée : désormais le {{reservation.date}} à {{reservation.time}} pour \
                 {{reservation.party_size}} personnes. {{account.name}}"
            }
            (GuestCancelled, Locale::De) => {
                "Ihre Reservierung am {{reservation.date}} um {{reservation.time}} ist storniert. Danke, dass Sie \
                 Bescheid gegeben haben! {{account.name}}"
            }
            (GuestCancelled, Locale::Fr) => {
                "Votre réservation du {{reservation.date}} à {{reservation.time}} est annulée. Merci de nous avoir \
                 prévenus ! {{account.name}}"
            }
            (GuestCancelled, Locale::En) => {
                "Your reservation on {{reservation.date}} at {{reservation.time}} is cancelled. Thank you for letting us \
                 know! {{account.name}}"
            }
            (Moved, Locale::En) => {
                "Your reservation has moved: it is now on {{reservation.date}} at {{reservation.time}} for \
                 {{reservation.party_size}}. {{account.name}}"
            }
        }
    }
}

/// The longest text a business may write for a guest message (it must fit every platform).
pub const MAX_TEXT_CHARS: usize = 1000;

/// Why a business's own text cannot be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TextError {
    #[error("the text has {0} characters; at most {MAX_TEXT_CHARS} are allowed")]
    TooLong(usize),
    #[error("`{{{{{0}}}}}` is not a placeholder maitre can fill here (use contact.*, account.* or reservation.*)")]
    Placeholder(String),
}

/// Checks a business's own text: within the length every platform takes, and only placeholders maitre fills.
pub fn check_text(text: &str) -> Result<(), TextError> {
    let n = text.chars().count();
    if n > MAX_TEXT_CHARS {
        return Err(TextError::TooLong(n));
    }
    for p in placeholders(text) {
        match p {
            Ok(p) if crate::templates::KNOWN.contains(&p.path.as_str()) => {}
            Ok(p) => return Err(TextError::Placeholder(p.path)),
            Err(source) => return Err(TextError::Placeholder(source.trim().to_owned())),
        }
    }
    Ok(())
}

/// A guest's tap on a quick-reply button of a template about a booking. Its payload, which maitre gave the button,
/// is `<purpose>:<reservation id>:<action>`; WhatsApp returns it unchanged.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Tap {
    pub purpose: GuestMessage,
    pub reservation: ReservationId,
    pub action: ButtonAction,
}

impl Tap {
    pub fn payload(&self) -> String {
        format!("{}:{}:{}", self.purpose, self.reservation, self.action.as_str())
    }

    /// A payload maitre made, or `None` for any other (a thread's template, a flow's button).
    pub fn parse(payload: &str) -> Option<Tap> {
        let mut parts = payload.splitn(3, ':');
        let purpose = parts.next()?.parse().ok()?;
        let reservation = parts.next()?.parse().ok()?;
        let action = parts.next()?.parse().ok()?;
        Some(Tap { purpose, reservation, action })
    }
}

impl fmt::Display for GuestMessage {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for GuestMessage {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        [Self::Reminder, Self::Confirmed, Self::Cancelled, Self::Moved, Self::GuestCancelled]
            .into_iter()
            .find(|m| m.as_str() == s)
            .ok_or_else(|| format!("unknown guest message `{s}`"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_decision_has_a_text_in_every_language_with_known_placeholders() {
        for m in GuestMessage::WORDED {
            assert_eq!(m.as_str().parse::<GuestMessage>(), Ok(m));
            for locale in Locale::ALL {
                let text = m.default_text(locale);
                assert!(
                    text.contains("{{reservation.date}}") && text.contains("{{reservation.time}}"),
                    "{m} {locale:?}"
                );
                assert!(placeholders(text).iter().all(Result::is_ok), "{m} {locale:?}");
            }
        }
        assert!("noshow".parse::<GuestMessage>().is_err());
    }

    #[test]
    fn taps_read_back_only_what_maitre_wrote() {
        let tap =
            Tap { purpose: GuestMessage::Reminder, reservation: ReservationId::new(), action: ButtonAction::Cancel };
        assert_eq!(Tap::parse(&tap.payload()), Some(tap));
        for other in [
            "",
            "template:0",
            "reminder:nope:cancel",
            &format!("reminder:{}:explode", tap.reservation),
            &format!("birthday:{}:cancel", tap.reservation),
            "REMINDER_CONFIRM_bk_0001",
        ] {
            assert_eq!(Tap::parse(other), None, "{other}");
        }
    }

    #[test]
    fn own_texts_are_checked() {
        for m in GuestMessage::WORDED {
            for locale in Locale::ALL {
                assert_eq!(check_text(m.default_text(locale)), Ok(()), "{m} {locale:?}");
            }
        }
        assert_eq!(check_text("Bis {{ contact.first_name | default: \"bald\" }}!"), Ok(()));
        assert_eq!(check_text("Hallo {{vars.x}}"), Err(TextError::Placeholder("vars.x".into())));
        assert_eq!(check_text("Hallo {{ kaputt | }}"), Err(TextError::Placeholder("kaputt |".into())));
        assert_eq!(check_text(&"x".repeat(MAX_TEXT_CHARS)), Ok(()));
        assert_eq!(check_text(&"x".repeat(MAX_TEXT_CHARS + 1)), Err(TextError::TooLong(MAX_TEXT_CHARS + 1)));
    }
}
