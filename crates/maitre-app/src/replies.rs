//! A flow's reply as the send job reads it, shaped for the platform it goes to.
use maitre_channels::inbound::Platform;
use maitre_channels::outbound::{Choice, ChoiceList, ListRow, ListSection, OutboundMessage};
use maitre_domain::Locale;
use maitre_store::QueuedReply;

/// A reply as the send job reads it: plain text, or the platform-neutral message with its choices. WhatsApp has
/// no quick replies and at most three reply buttons: more choices become a list (up to ten rows) or numbered
/// lines, which the engine accepts as answers ("2").
pub(crate) fn queued(platform: Platform, locale: Locale, text: &str, choices: &[(String, String)]) -> QueuedReply {
    let plain = |body: String| QueuedReply::bot(body, String::new());
    if choices.is_empty() {
        return plain(text.to_owned());
    }
    let message = match (platform, choices.len()) {
        (Platform::WhatsApp, 4..=10) => OutboundMessage {
            list: Some(ChoiceList {
                button: match locale {
                    Locale::De => "Auswählen",
                    Locale::Fr => "Choisir",
                    Locale::En => "Choose",
                }
                .to_owned(),
                sections: vec![ListSection {
                    title: String::new(),
                    rows: choices.iter().map(|(t, p)| ListRow::new(p.clone(), t.clone())).collect(),
                }],
            }),
            ..OutboundMessage::text(text)
        },
        (Platform::WhatsApp, 11..) => {
            let lines: Vec<String> = choices.iter().enumerate().map(|(i, (t, _))| format!("{}. {t}", i + 1)).collect();
            return plain(format!("{text}\n\n{}", lines.join("\n")));
        }
        _ => OutboundMessage {
            quick_replies: choices.iter().map(|(t, p)| Choice::new(t.clone(), p.clone())).collect(),
            ..OutboundMessage::text(text)
        },
    };
    let payload = serde_json::to_string(&message).unwrap_or_default();
    QueuedReply::bot(text.to_owned(), payload)
}
