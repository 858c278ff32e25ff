//! WhatsApp message templates (PROTOCOLS.md §9): what a template holds, the rules Meta reviews it by, and how maitre
//! fills its variables from the placeholders flows already know. Pure: no I/O.
//!
//! Businesses write a template's texts with maitre's placeholders (`Hi {{contact.first_name}}`); [`compile`] turns
//! them into Meta's positional variables (`Hi {{1}}`), keeps which placeholder feeds which variable, and makes the
//! example values review needs. Templates made in WhatsApp Manager arrive with bare variables and no such binding:
//! staff fill those by hand.
mod authoring;
mod filling;
#[cfg(test)]
mod tests;

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

pub(crate) use authoring::KNOWN;
pub use authoring::{Authored, Compiled, compile, sample_preview, sample_values};
pub use filling::{Filled, Param, bound_value, fill, fill_by_hand, preview};

/// Longest body Meta accepts (§9.1).
pub const MAX_BODY_CHARS: usize = 1024;
/// Longest header or footer text.
pub const MAX_HEADER_CHARS: usize = 60;
/// Longest button label (third-party guides agree; Meta's page does not say).
pub const MAX_BUTTON_CHARS: usize = 25;
pub const MAX_BUTTONS: usize = 10;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum TemplateCategory {
    Marketing,
    Utility,
    Authentication,
}

impl TemplateCategory {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Marketing => "MARKETING",
            Self::Utility => "UTILITY",
            Self::Authentication => "AUTHENTICATION",
        }
    }
}

impl FromStr for TemplateCategory {
    type Err = TemplateError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().to_ascii_uppercase().as_str() {
            "MARKETING" => Ok(Self::Marketing),
            "UTILITY" => Ok(Self::Utility),
            "AUTHENTICATION" => Ok(Self::Authentication),
            _ => Err(TemplateError::Category(s.to_owned())),
        }
    }
}

/// A template's review state. Meta names more states than maitre acts on; those are kept as text (§9.2).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum TemplateStatus {
    Pending,
    Approved,
    Rejected,
    Paused,
    Disabled,
    Deleted,
    Other(String),
}

impl TemplateStatus {
    /// Only approved templates may be offered or sent.
    pub fn sendable(&self) -> bool {
        *self == Self::Approved
    }

    /// The state a status webhook's `event` leaves the template in: a reinstated or unpaused template is approved
    /// again; a scheduled deletion already stops sends.
    pub fn from_event(event: &str) -> Self {
        match event.trim().to_ascii_uppercase().as_str() {
            "REINSTATED" | "UNPAUSED" => Self::Approved,
            "PENDING_DELETION" => Self::Deleted,
            other => other.parse().unwrap_or_else(|_| Self::Other(other.to_owned())),
        }
    }

    pub fn as_str(&self) -> &str {
        match self {
            Self::Pending => "PENDING",
            Self::Approved => "APPROVED",
            Self::Rejected => "REJECTED",
            Self::Paused => "PAUSED",
            Self::Disabled => "DISABLED",
            Self::Deleted => "DELETED",
            Self::Other(s) => s,
        }
    }
}

impl FromStr for TemplateStatus {
    type Err = std::convert::Infallible;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Ok(match s.trim().to_ascii_uppercase().as_str() {
            "PENDING" => Self::Pending,
            "APPROVED" => Self::Approved,
            "REJECTED" => Self::Rejected,
            "PAUSED" => Self::Paused,
            "DISABLED" => Self::Disabled,
            "DELETED" => Self::Deleted,
            other => Self::Other(other.to_owned()),
        })
    }
}

impl fmt::Display for TemplateStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// How variables are written: `{{1}}` or `{{first_name}}`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum ParameterFormat {
    #[default]
    Positional,
    Named,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "SCREAMING_SNAKE_CASE")]
pub enum TemplateButton {
    QuickReply { text: String },
    Url { text: String, url: String },
    PhoneNumber { text: String, phone_number: String },
}

impl TemplateButton {
    pub fn label(&self) -> &str {
        match self {
            Self::QuickReply { text } | Self::Url { text, .. } | Self::PhoneNumber { text, .. } => text,
        }
    }
}

/// What tapping a quick-reply button of a template about a booking does (buttons of other sends only reply).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ButtonAction {
    /// A message like any other: flows and the team read it.
    #[default]
    Reply,
    /// The guest confirms the booking.
    Confirm,
    /// The guest cancels the booking.
    Cancel,
}

impl ButtonAction {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Reply => "reply",
            Self::Confirm => "confirm",
            Self::Cancel => "cancel",
        }
    }
}

impl FromStr for ButtonAction {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        [Self::Reply, Self::Confirm, Self::Cancel]
            .into_iter()
            .find(|a| a.as_str() == s)
            .ok_or_else(|| format!("unknown button action `{s}`"))
    }
}

/// A template's texts in Meta's form (variables as `{{1}}` or `{{name}}`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct TemplateContent {
    #[serde(default)]
    pub parameter_format: ParameterFormat,
    /// A text header; media headers are not offered.
    #[serde(default)]
    pub header: Option<String>,
    pub body: String,
    #[serde(default)]
    pub footer: Option<String>,
    #[serde(default)]
    pub buttons: Vec<TemplateButton>,
}

impl TemplateContent {
    /// The header's variables, in order.
    pub fn header_variables(&self) -> Vec<&str> {
        self.header.as_deref().map(variables).unwrap_or_default()
    }

    pub fn body_variables(&self) -> Vec<&str> {
        variables(&self.body)
    }

    /// The quick-reply buttons, each of which a send gives a payload.
    pub fn quick_reply_count(&self) -> usize {
        self.buttons.iter().filter(|b| matches!(b, TemplateButton::QuickReply { .. })).count()
    }

    /// How many values a send must carry.
    pub fn variable_count(&self) -> usize {
        self.header_variables().len() + self.body_variables().len()
    }

    /// Checks the rules Meta reviews by, so a template is refused here with a reason rather than rejected later.
    pub fn validate(&self) -> Result<(), TemplateError> {
        let body = self.body.trim();
        if body.is_empty() {
            return Err(TemplateError::EmptyBody);
        }
        too_long("body", body, MAX_BODY_CHARS)?;
        // Review rejects a body that starts or ends with a variable (INVALID_FORMAT).
        if body.starts_with("{{") || body.ends_with("}}") {
            return Err(TemplateError::VariableAtEdge);
        }
        if let Some(header) = &self.header {
            too_long("header", header, MAX_HEADER_CHARS)?;
            if variables(header).len() > 1 {
                return Err(TemplateError::HeaderVariables);
            }
        }
        if let Some(footer) = &self.footer {
            too_long("footer", footer, MAX_HEADER_CHARS)?;
            if !variables(footer).is_empty() {
                return Err(TemplateError::FooterVariables);
            }
        }
        self.validate_buttons()
    }

    fn validate_buttons(&self) -> Result<(), TemplateError> {
        if self.buttons.len() > MAX_BUTTONS {
            return Err(TemplateError::TooManyButtons);
        }
        let count = |f: fn(&TemplateButton) -> bool| self.buttons.iter().filter(|b| f(b)).count();
        if count(|b| matches!(b, TemplateButton::Url { .. })) > 2
            || count(|b| matches!(b, TemplateButton::PhoneNumber { .. })) > 1
        {
            return Err(TemplateError::TooManyButtons);
        }
        for b in &self.buttons {
            let label = b.label().trim();
            if label.is_empty() || label.chars().count() > MAX_BUTTON_CHARS {
                return Err(TemplateError::ButtonLabel(label.to_owned()));
            }
        }
        Ok(())
    }
}

/// A template's name: lowercase letters, digits and `_` (§9.1).
pub fn valid_name(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= 512
        && name.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
}

/// A WhatsApp language code such as `de`, `en_US` or `pt_BR`; `-` is read as `_` (webhooks write `en-US`).
pub fn normalize_language(code: &str) -> Option<String> {
    let code = code.trim().replace('-', "_");
    let (lang, region) = code.split_once('_').map_or((code.as_str(), None), |(l, r)| (l, Some(r)));
    let lang_ok = (2..=3).contains(&lang.len()) && lang.bytes().all(|b| b.is_ascii_alphabetic());
    let region_ok = region.is_none_or(|r| r.len() == 2 && r.bytes().all(|b| b.is_ascii_alphabetic()));
    (lang_ok && region_ok).then(|| match region {
        Some(r) => format!("{}_{}", lang.to_ascii_lowercase(), r.to_ascii_uppercase()),
        None => lang.to_ascii_lowercase(),
    })
}

/// The names inside `{{…}}` in a Meta-form text, in order (`1`, `2` or `first_name`).
pub fn variables(text: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut rest = text;
    while let Some(open) = rest.find("{{") {
        let Some(len) = rest[open + 2..].find("}}") else { break };
        out.push(rest[open + 2..open + 2 + len].trim());
        rest = &rest[open + 4 + len..];
    }
    out
}

fn too_long(part: &'static str, text: &str, max: usize) -> Result<(), TemplateError> {
    let n = text.chars().count();
    if n > max { Err(TemplateError::TooLong { part, max, n }) } else { Ok(()) }
}

/// Why a template cannot be made or sent as it is. The texts are for the business; the web layer translates the
/// kind.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TemplateError {
    #[error("the name may hold only lowercase letters, digits and _ (e.g. reservation_reminder)")]
    Name,
    #[error("unknown language code `{0}` (e.g. de, en_US, fr)")]
    Language(String),
    #[error("unknown category `{0}` (MARKETING or UTILITY)")]
    Category(String),
    #[error("the text is empty")]
    EmptyBody,
    #[error("the {part} has {n} characters; at most {max} are allowed")]
    TooLong { part: &'static str, max: usize, n: usize },
    #[error("the text may not start or end with a placeholder: add a few words before and after it")]
    VariableAtEdge,
    #[error("the header may hold at most one placeholder")]
    HeaderVariables,
    #[error("the footer may not hold placeholders")]
    FooterVariables,
    #[error("at most 10 buttons, of them 2 links and 1 phone number")]
    TooManyButtons,
    #[error("button label `{0}` must have 1 to 25 characters")]
    ButtonLabel(String),
    #[error("`{{{{{0}}}}}` is not a placeholder maitre can fill (use contact.*, account.* or reservation.*)")]
    UnknownPlaceholder(String),
    #[error("`{{{{{0}}}}}` has no value for this guest")]
    NoValue(String),
    #[error("the template takes {expected} values, {given} were given")]
    ValueCount { expected: usize, given: usize },
    #[error("the template is {0}, only approved templates can be sent")]
    NotApproved(TemplateStatus),
}
