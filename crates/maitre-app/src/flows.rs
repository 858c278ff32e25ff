//! Authoring flows: installing a template, publishing a draft (validated, and its own test cases run against the
//! simulator first), and simulating a conversation without a channel. The dashboard, the API and the CLI all go
//! through here, so a flow is checked the same way wherever it is published.
use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use maitre_domain::FlowId;
use maitre_domain::flow::{
    self, AlwaysAvailable, Candidate, FlowDef, Issue, Severity, SimEnv, Simulator, TestResult, Turn,
};
use maitre_store::{AutomationSettings, FlowRecord, StoreError, TenantStore};
use url::Url;

use crate::{App, Credentials};

#[derive(Debug, thiserror::Error)]
pub enum FlowError {
    #[error("no template {0:?}")]
    UnknownTemplate(String),
    #[error("the flow is not valid JSON for a flow: {0}")]
    Unreadable(String),
    #[error("the flow has {} error(s): {}", .0.len(), summary(.0))]
    Invalid(Vec<Issue>),
    #[error("{} of the flow's tests failed: {}", .0.len(), .0.iter().map(|t| t.name.as_str()).collect::<Vec<_>>().join(", "))]
    TestsFailed(Vec<TestResult>),
    #[error("{0}")]
    InvalidSettings(String),
    #[error(transparent)]
    Store(#[from] StoreError),
}

fn summary(issues: &[Issue]) -> String {
    issues.iter().map(|i| i.message.as_str()).take(3).collect::<Vec<_>>().join("; ")
}

/// Reads a draft; an error names the line and column.
pub fn parse(draft: &str) -> Result<FlowDef, FlowError> {
    serde_json::from_str(draft).map_err(|e| FlowError::Unreadable(e.to_string()))
}

/// Creates a flow from a template as a draft, to try in the simulator and publish when it fits.
pub async fn install_template(tenant: &TenantStore, key: &str) -> Result<FlowRecord, FlowError> {
    let t =
        flow::templates().into_iter().find(|t| t.key == key).ok_or_else(|| FlowError::UnknownTemplate(key.into()))?;
    let draft = serde_json::to_string_pretty(&t.def).map_err(|e| FlowError::Unreadable(e.to_string()))?;
    Ok(tenant.flows().create_flow(t.name, &draft, key).await?)
}

/// Installs a template and publishes it as version 1 (the API, the CLI). When it cannot be published (its tests
/// fail against the business's hours) nothing stays behind.
pub async fn install_published(tenant: &TenantStore, key: &str, by: &str) -> Result<FlowRecord, FlowError> {
    let record = install_template(tenant, key).await?;
    if let Err(e) = publish(tenant, record.id, by).await {
        tenant.flows().delete_flow(record.id).await?;
        return Err(e);
    }
    Ok(tenant.flows().flow(record.id).await?)
}

/// Every issue of a draft (errors and warnings), for the editor.
pub async fn check(tenant: &TenantStore, def: &FlowDef) -> Result<Vec<Issue>, FlowError> {
    let flows = tenant.flows().list().await?;
    let ids: Vec<String> = flows.iter().map(|f| f.id.to_string()).collect();
    let known: Vec<&str> = ids.iter().map(String::as_str).collect();
    Ok(flow::validate(def, &known))
}

/// Publishes the flow's draft as its next version, if it has no errors and its tests pass.
pub async fn publish(tenant: &TenantStore, flow_id: FlowId, by: &str) -> Result<i64, FlowError> {
    let record = tenant.flows().flow(flow_id).await?;
    let def = parse(&record.draft)?;
    let errors: Vec<Issue> = check(tenant, &def).await?.into_iter().filter(|i| i.severity == Severity::Error).collect();
    if !errors.is_empty() {
        return Err(FlowError::Invalid(errors));
    }
    let failed: Vec<TestResult> =
        run_tests(tenant, &flow_id.to_string(), &def).await?.into_iter().filter(|t| !t.passed).collect();
    if !failed.is_empty() {
        return Err(FlowError::TestsFailed(failed));
    }
    Ok(tenant.flows().publish_flow(flow_id, &record.draft, by).await?)
}

/// Runs a draft's own test cases against an always-free calendar (tests must not depend on today's bookings).
pub async fn run_tests(tenant: &TenantStore, flow_id: &str, def: &FlowDef) -> Result<Vec<TestResult>, FlowError> {
    let place = Place::of(tenant).await?;
    let candidates = [Candidate { flow_id, version: 0, def }];
    let env = place.env(&candidates, None, &AlwaysAvailable);
    Ok(flow::run_tests(&env, flow_id, tenant_now(tenant)))
}

/// One simulated turn of a flow's draft with the account's real calendar. `sim` carries the conversation between
/// calls (`None` starts a new one); the flow runs alone, started by the guest's first message.
pub async fn simulate(
    tenant: &TenantStore,
    flow_id: &str,
    def: &FlowDef,
    sim: Option<Simulator>,
    text: &str,
) -> Result<(Simulator, Turn), FlowError> {
    let place = Place::of(tenant).await?;
    let snapshot = tenant.reservations().horizon_snapshot(place.tz).await?;
    let review_link = tenant.reservations().booking_settings().await?.review_link;
    let candidates = [Candidate { flow_id, version: 0, def }];
    let env = place.env(&candidates, Some(review_link.as_str()).filter(|l| !l.is_empty()), &snapshot);
    let fresh = sim.is_none();
    let mut sim = sim.unwrap_or_else(|| Simulator::new(tenant_now(tenant), "Test Guest"));
    let turn = if fresh || sim.run.is_none() { sim.start(&env, flow_id, Some(text)) } else { sim.send(&env, text) };
    Ok((sim, turn))
}

/// Where and in which language an account's flows run.
struct Place {
    tz: Tz,
    locale: maitre_domain::Locale,
    name: String,
}

impl Place {
    async fn of(tenant: &TenantStore) -> Result<Self, FlowError> {
        let settings = tenant.account().await?.settings;
        let tz = settings.time_zone.parse().unwrap_or(Tz::UTC);
        Ok(Place { tz, locale: settings.locale, name: settings.name })
    }

    fn env<'a>(
        &'a self,
        flows: &'a [Candidate<'a>],
        review_link: Option<&'a str>,
        availability: &'a dyn maitre_domain::booking::Availability,
    ) -> SimEnv<'a> {
        SimEnv { flows, tz: self.tz, locale: self.locale, account_name: &self.name, review_link, availability }
    }
}

fn tenant_now(tenant: &TenantStore) -> DateTime<Utc> {
    tenant.now()
}

/// What to do with the stored AI key: it is never shown, so a form or API call can only keep, replace or clear it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum KeyChange {
    Keep,
    Set(String),
    Clear,
}

/// The automation settings as a person or API client gives them (the key separately, as a change).
#[derive(Debug, Clone)]
pub struct AutomationInput {
    pub read_together_ms: Option<i64>,
    pub ai_base_url: String,
    pub ai_model: String,
    pub ai_timeout_ms: i64,
    pub ai_key: KeyChange,
}

/// Whether two base URLs reach the same scheme, host and port (as the HTTP client would connect). An unreadable
/// one reaches nothing known, so it matches nothing.
fn same_origin(a: &str, b: &str) -> bool {
    match (Url::parse(a), Url::parse(b)) {
        (Ok(a), Ok(b)) => a.origin().is_tuple() && a.origin() == b.origin(),
        _ => false,
    }
}

/// The longest read-together pause an account may choose: guests would think the bot is gone.
pub const MAX_READ_TOGETHER_MS: i64 = 60_000;

impl App {
    /// Checks and stores an account's automation settings, sealing a new AI key with the vault.
    pub async fn set_automation(&self, tenant: &TenantStore, input: AutomationInput) -> Result<(), FlowError> {
        let bad = |m: &str| Err(FlowError::InvalidSettings(m.to_owned()));
        if input.read_together_ms.is_some_and(|ms| !(0..=MAX_READ_TOGETHER_MS).contains(&ms)) {
            return bad("the read-together pause must be between 0 and 60000 ms");
        }
        if !(500..=60_000).contains(&input.ai_timeout_ms) {
            return bad("the AI timeout must be between 500 and 60000 ms");
        }
        let url = input.ai_base_url.trim();
        if !(url.is_empty() || (url.starts_with("https://") || url.starts_with("http://")) && Url::parse(url).is_ok()) {
            return bad("the AI base URL must be a URL starting with https:// or http://");
        }
        if url.len() > 500 || input.ai_model.len() > 200 {
            return bad("the AI base URL or model name is too long");
        }
        if !url.is_empty() {
            self.egress.check(url).await.map_err(|e| FlowError::InvalidSettings(e.to_string()))?;
        }
        let current = tenant.flows().automation_settings().await?;
        let keeps_key = match &input.ai_key {
            KeyChange::Keep => true,
            KeyChange::Set(key) => key.trim().is_empty(),
            KeyChange::Clear => false,
        };
        if keeps_key && !current.ai_key.is_empty() && !url.is_empty() && !same_origin(url, &current.ai_base_url) {
            return bad(
                "the AI base URL now points at another host: enter the API key for it again (or clear the key), \
                 so the stored key is never sent to a host it was not given for",
            );
        }
        let ai_key = match input.ai_key {
            KeyChange::Keep => current.ai_key,
            KeyChange::Clear => String::new(),
            KeyChange::Set(key) if key.trim().is_empty() => current.ai_key,
            KeyChange::Set(key) => {
                let creds = Credentials {
                    access_token: key.trim().to_owned(),
                    instagram_login: Default::default(),
                    webhook_secret: None,
                };
                self.vault.seal(tenant.account_id(), &creds)
            }
        };
        let settings = AutomationSettings {
            read_together_ms: input.read_together_ms,
            ai_base_url: url.trim_end_matches('/').to_owned(),
            ai_model: input.ai_model.trim().to_owned(),
            ai_key,
            ai_timeout_ms: input.ai_timeout_ms,
        };
        Ok(tenant.flows().put_automation_settings(&settings).await?)
    }
}

#[cfg(test)]
mod tests {
    use super::same_origin;

    #[test]
    fn the_key_stays_only_with_the_same_scheme_host_and_port() {
        let openai = "https://api.openai.com/v1";
        assert!(same_origin(openai, "https://API.openai.com/v2"));
        assert!(same_origin(openai, "https://api.openai.com:443/v1"));
        for other in [
            "http://api.openai.com/v1",
            "https://api.openai.com:8443/v1",
            "https://evil.example/v1",
            "https://api.openai.com@evil.example/v1",
            "",
        ] {
            assert!(!same_origin(openai, other), "{other}");
        }
    }
}
