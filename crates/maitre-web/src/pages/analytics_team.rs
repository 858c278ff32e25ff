//! The team's figures on the analytics page: each member's replies, the new conversations where they wrote the
//! team's first answer and how fast (median). Owners and admins see everyone who may answer guests (and former
//! members who did); an agent sees their own row only.
use std::collections::BTreeMap;

use maitre_domain::metrics::report::histogram_percentile;
use maitre_domain::metrics::team::MemberFigures;
use maitre_domain::{Action, UserId};

use super::home_figures::response_time;
use crate::auth::Member;
use crate::error::AppError;
use crate::i18n::Tr;

pub struct TeamRow {
    pub name: String,
    pub replies: i64,
    pub answered_first: i64,
    pub first_reply: String,
}

fn row(tr: &Tr, name: String, f: &MemberFigures) -> TeamRow {
    TeamRow {
        name,
        replies: f.replies,
        answered_first: f.answered_first(),
        first_reply: response_time(tr, histogram_percentile(&f.first_responses, 50)),
    }
}

/// The rows `m` may see: everyone's, busiest first, or their own alone.
pub async fn team_rows(tr: &Tr, m: &Member, team: &BTreeMap<UserId, MemberFigures>) -> Result<Vec<TeamRow>, AppError> {
    let of = |id: &UserId| team.get(id).cloned().unwrap_or_default();
    let name = |name: &str, email: &str| if name.is_empty() { email } else { name }.to_owned();
    let me = &m.signed.user;
    if !m.may(Action::ViewAnalytics) {
        return Ok(vec![row(tr, name(&me.name, &me.email), &of(&me.id))]);
    }
    let members = m.tenant.team().members().await?;
    let mut shown: Vec<(String, MemberFigures)> = members
        .iter()
        .filter(|member| maitre_domain::permissions::allowed(member.role, Action::WorkInbox))
        .map(|member| (name(&member.name, &member.email), of(&member.user_id)))
        .collect();
    let gone = team.iter().filter(|(id, _)| !members.iter().any(|member| member.user_id == **id));
    shown.extend(gone.map(|(_, f)| (tr.t("an-members-former"), f.clone())));
    shown.sort_by_key(|(_, f)| f.rank());
    Ok(shown.into_iter().map(|(name, f)| row(tr, name, &f)).collect())
}
