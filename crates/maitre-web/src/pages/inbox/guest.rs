//! The guest panel beside a thread: who the guest is (name, number, email, tags, whether they receive messages),
//! their coming and past bookings with links, the team's latest notes on them, and the conversation's own
//! assignment and tags. Each part shows only what the member's role may see.
use askama::Template;
use maitre_domain::Action;
use maitre_store::ConversationView;

use super::{Opt, base};
use crate::auth::Member;
use crate::error::AppError;
use crate::i18n::Tr;
use crate::pages::Times;
use crate::pages::contacts::notes::author_label;
use crate::pages::reservations::{account_tz, row};

/// Bookings and notes shown in the panel; the contact page has the rest.
const SHOWN: usize = 3;

pub(super) struct Guest {
    pub href: String,
    pub name: String,
    pub phone: String,
    pub email: String,
    pub identity: String,
    pub tags: Vec<String>,
    pub opted_out: bool,
}

pub(super) struct BookingLine {
    pub href: String,
    pub when: String,
    pub party: String,
    pub status: &'static str,
    pub status_label: String,
}

pub(super) struct NoteLine {
    pub author: String,
    pub at: String,
    pub body: String,
}

#[derive(Template)]
#[template(path = "inbox/guest_panel.html")]
pub(super) struct GuestPanel {
    pub tr: Tr,
    pub csrf: String,
    pub base: String,
    pub guest: Option<Guest>,
    /// None: the member may not see bookings.
    pub upcoming: Option<Vec<BookingLine>>,
    pub past: Vec<BookingLine>,
    pub more_past: bool,
    pub notes: Vec<NoteLine>,
    pub more_notes: bool,
    pub members: Vec<Opt>,
    pub me: String,
    pub conversation_tags: Vec<String>,
    pub can_work: bool,
}

pub(super) async fn panel(m: &Member, csrf: String, conv: &ConversationView) -> Result<GuestPanel, AppError> {
    let (tr, times) = (Tr::new(m.signed.user.locale), Times::of(m));
    let contacts = m.tenant.contacts();
    let seen = m.may(Action::ViewContacts);
    let guest = if seen { Some(contacts.contact(conv.contact_id).await?) } else { None };
    let (mut upcoming, mut past) = (vec![], vec![]);
    let may_see_bookings = m.may(Action::ViewReservations);
    if may_see_bookings {
        let now = m.tenant.now();
        let tz = account_tz(m);
        for r in contacts.contact_reservations(conv.contact_id).await? {
            let coming = r.starts_at >= now;
            let r = row(&tr, tz, r);
            let line = BookingLine {
                href: format!("/a/{}/reservations/{}", m.account.id, r.id),
                party: tr.t1("inbox-guest-party", "count", &r.party.to_string()),
                when: r.when,
                status: r.status,
                status_label: r.status_label,
            };
            if coming { upcoming.push(line) } else { past.push(line) }
        }
        // Newest first from the store: coming ones are shown soonest first.
        upcoming.reverse();
    }
    let notes = if seen { contacts.contact_notes(conv.contact_id).await? } else { vec![] };
    let more_notes = notes.len() > SHOWN;
    let notes = notes
        .into_iter()
        .take(SHOWN)
        .map(|n| NoteLine { author: author_label(&tr, &n), at: times.at(n.created_at), body: n.body })
        .collect();
    let mut members =
        vec![Opt { value: String::new(), label: tr.t("inbox-unassigned"), selected: conv.assignee.is_none() }];
    for member in m.tenant.team().members().await? {
        let selected = conv.assignee == Some(member.user_id);
        members.push(Opt { value: member.user_id.to_string(), label: member.name, selected });
    }
    let account = m.account.id.to_string();
    let more_past = past.len() > SHOWN;
    past.truncate(SHOWN);
    upcoming.truncate(SHOWN);
    Ok(GuestPanel {
        guest: guest.map(|c| Guest {
            href: format!("/a/{account}/contacts/{}", c.id),
            phone: c.phone_key(),
            identity: format!("{} · {}", c.platform, c.external_id),
            opted_out: c.opted_out_at.is_some(),
            name: c.name,
            email: c.email,
            tags: c.tags,
        }),
        upcoming: may_see_bookings.then_some(upcoming),
        past,
        more_past,
        notes,
        more_notes,
        members,
        me: m.signed.user.id.to_string(),
        conversation_tags: conv.tags.clone(),
        can_work: m.may(Action::WorkInbox),
        base: format!("{}/{}", base(m), conv.id),
        csrf,
        tr,
    })
}
