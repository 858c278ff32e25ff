//! What pages say when the business's plan is used up for what the member is adding.
use maitre_app::entitlements::{EntitleError, OverPlan};
use maitre_domain::entitlements::Limited;

use crate::auth::Member;
use crate::error::{AppError, PageError};
use crate::i18n::Tr;
use crate::state::AppState;

/// The refusal in the member's language.
pub(crate) fn plan_limit_text(tr: &Tr, o: &OverPlan) -> String {
    let what = tr.t(&format!("plan-what-{}", o.what.as_str()));
    tr.tn("plan-limit", &[("plan", &o.plan), ("limit", &o.limit.to_string()), ("what", &what)])
}

/// Refuses (402, in the member's language) when the plan allows no more `what`.
pub(crate) async fn entitle(state: &AppState, m: &Member, what: Limited) -> Result<(), PageError> {
    match state.app.entitle(&m.tenant, what).await {
        Ok(_) => Ok(()),
        Err(EntitleError::OverPlan(o)) => {
            Err(AppError::PlanLimit(plan_limit_text(&Tr::new(m.signed.user.locale), &o)).into())
        }
        Err(EntitleError::Store(e)) => Err(AppError::from(e).into()),
    }
}
