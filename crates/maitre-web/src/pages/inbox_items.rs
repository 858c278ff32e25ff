//! How one thread item looks: messages by kind (text, a button chosen, media as previews or links, story replies
//! and comments with what they refer to), notes and trail lines. Media URLs come from the guests' platforms: only
//! http(s) ones are shown, and never as anything but a link or an image.
use maitre_domain::{Direction, MessageStatus};
use maitre_store::{ThreadItem, ThreadMessage};

use super::Times;
use crate::i18n::Tr;

pub(super) struct ItemView {
    /// CSS classes: `msg in`, `msg out`, `note`, `activity`.
    pub class: &'static str,
    pub id: String,
    /// A caption above the text: the kind of a media message, a button choice, a story reply.
    pub label: String,
    pub body: String,
    /// Attachments and the story or post a message refers to.
    pub media: Vec<MediaView>,
    /// A reference without a link ("Post 1234": comment webhooks carry the post's id only).
    pub reference: String,
    pub meta: String,
    pub status: String,
    pub status_label: String,
    pub error: String,
    pub retry: bool,
}

pub(super) struct MediaView {
    pub url: String,
    pub label: String,
    /// Shown as a (lazy, size-constrained) preview inside its link.
    pub image: bool,
}

/// Preview text of a message kind without text.
pub(super) fn kind_label(tr: &Tr, kind: &str) -> String {
    tr.t(&format!("msg-kind-{}", kind.replace('_', "-")))
}

fn message_view(tr: &Tr, times: Times, can_work: bool, m: ThreadMessage) -> ItemView {
    let button = matches!(m.kind.as_str(), "quick_reply" | "postback" | "button" | "interactive_reply");
    let label = match m.kind.as_str() {
        "text" | "command" => String::new(),
        _ if button => tr.t("msg-chose"),
        kind => kind_label(tr, kind),
    };
    let mut media: Vec<MediaView> = m
        .extras
        .attachments
        .iter()
        .filter_map(|a| {
            let url = a.http_url()?.to_owned();
            let image =
                a.kind == "image" || a.kind == "sticker" || a.mime.as_deref().is_some_and(|t| t.starts_with("image/"));
            let label = match (&a.name, a.kind.as_str()) {
                (Some(name), _) => name.clone(),
                (None, "share") => tr.t("msg-open-post"),
                (None, kind) => kind_label(tr, kind),
            };
            Some(MediaView { url, label, image })
        })
        .collect();
    let mut reference = String::new();
    if let Some(r) = &m.extras.reference {
        match r.http_url() {
            Some(url) => media.push(MediaView {
                url: url.to_owned(),
                label: tr.t(&format!("msg-open-{}", r.kind)),
                image: false,
            }),
            None => {
                if let Some(id) = &r.id {
                    reference = tr.t1(&format!("msg-{}-id", r.kind), "id", id);
                }
            }
        }
    }
    let mut body = m.body;
    // A button whose title the platform did not send: its payload is all there is to show.
    if body.is_empty() && button {
        body = m.extras.value;
    }
    let out = m.direction == Direction::Out;
    let author = match (&m.sent_by, out) {
        (Some(name), _) => name.clone(),
        (None, true) => tr.t("msg-by-bot"),
        (None, false) => String::new(),
    };
    ItemView {
        class: if out { "msg out" } else { "msg in" },
        label,
        body,
        media,
        reference,
        meta: [author, times.at(m.at)].into_iter().filter(|s| !s.is_empty()).collect::<Vec<_>>().join(" · "),
        status_label: if out { tr.t(&format!("msg-status-{}", m.status)) } else { String::new() },
        retry: out && m.status == MessageStatus::Failed && can_work,
        status: m.status.to_string(),
        error: m.error,
        id: m.id.to_string(),
    }
}

pub(super) fn item_view(tr: &Tr, times: Times, can_work: bool, item: ThreadItem) -> ItemView {
    let plain = |class, id: String, body: String, meta: String| ItemView {
        class,
        id,
        label: String::new(),
        body,
        media: Vec::new(),
        reference: String::new(),
        meta,
        status: String::new(),
        status_label: String::new(),
        error: String::new(),
        retry: false,
    };
    match item {
        ThreadItem::Message(m) => message_view(tr, times, can_work, m),
        ThreadItem::Note(n) => {
            let author = n.author.unwrap_or_else(|| tr.t("actor-api"));
            let meta = format!("{} · {author} · {}", tr.t("inbox-note"), times.at(n.at));
            plain("note", n.id, n.body, meta)
        }
        ThreadItem::Activity(a) => {
            let actor = a.actor.unwrap_or_else(|| tr.t("actor-api"));
            // A hand-back that started a flow names it.
            let key = match (a.kind.as_str(), a.detail.is_empty()) {
                ("handed_back", false) => "activity-handed-back-flow".to_owned(),
                (kind, _) => format!("activity-{}", kind.replace('_', "-")),
            };
            let text = tr.tn(&key, &[("actor", &actor), ("detail", &a.detail)]);
            plain("activity", String::new(), text, times.at(a.at))
        }
    }
}
