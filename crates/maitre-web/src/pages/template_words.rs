//! Template refusals in the member's language, with what to do about them.
use maitre_app::templates::TemplateFailure;
use maitre_channels::PermanentReason;
use maitre_domain::templates::TemplateError;

use crate::i18n::Tr;

/// A refused template action, in words a business owner can act on.
pub fn failure(tr: &Tr, f: &TemplateFailure) -> String {
    match f {
        TemplateFailure::Template(e) => error(tr, e),
        TemplateFailure::NotWhatsApp => tr.t("tpl-err-not-whatsapp"),
        TemplateFailure::NoWaba => tr.t("tpl-err-no-waba"),
        TemplateFailure::InvalidWaba => tr.t("tpl-err-waba"),
        TemplateFailure::OtherAccount => tr.t("tpl-err-other-account"),
        TemplateFailure::Credentials => tr.t("tpl-err-credentials"),
        TemplateFailure::Platform { reason, message } => {
            let hint = reason.map(|r| hint(tr, r)).unwrap_or_default();
            format!("{} {hint}", tr.t1("tpl-err-platform", "message", message)).trim_end().to_owned()
        }
        TemplateFailure::Store(e) => e.to_string(),
    }
}

/// What to do when WhatsApp refused a template for `reason`; empty where nothing specific helps.
pub fn hint(tr: &Tr, reason: PermanentReason) -> String {
    let key = match reason {
        PermanentReason::TemplatePaused => "tpl-hint-paused",
        PermanentReason::TemplateDisabled => "tpl-hint-disabled",
        PermanentReason::TemplateMissing => "tpl-hint-missing",
        PermanentReason::TemplateMismatch => "tpl-hint-mismatch",
        PermanentReason::TemplatePolicy => "tpl-hint-policy",
        PermanentReason::MarketingLimited => "tpl-hint-marketing",
        PermanentReason::RecipientUnavailable => "tpl-hint-undeliverable",
        _ => return String::new(),
    };
    tr.t(key)
}

pub fn error(tr: &Tr, e: &TemplateError) -> String {
    match e {
        TemplateError::Name => tr.t("tpl-err-name"),
        TemplateError::Language(code) => tr.t1("tpl-err-language", "code", code),
        TemplateError::Category(c) => tr.t1("tpl-err-category", "category", c),
        TemplateError::EmptyBody => tr.t("tpl-err-empty"),
        TemplateError::TooLong { part, max, n } => tr.tn(
            "tpl-err-too-long",
            &[("part", &tr.t(&format!("tpl-part-{part}"))), ("max", &max.to_string()), ("n", &n.to_string())],
        ),
        TemplateError::VariableAtEdge => tr.t("tpl-err-edge"),
        TemplateError::HeaderVariables => tr.t("tpl-err-header-vars"),
        TemplateError::FooterVariables => tr.t("tpl-err-footer-vars"),
        TemplateError::TooManyButtons => tr.t("tpl-err-buttons"),
        TemplateError::ButtonLabel(label) => tr.t1("tpl-err-label", "label", label),
        TemplateError::UnknownPlaceholder(p) => tr.t1("tpl-err-placeholder", "name", &format!("{{{{{p}}}}}")),
        TemplateError::NoValue(p) => tr.t1("tpl-err-no-value", "name", p),
        TemplateError::ValueCount { expected, given } => {
            tr.tn("tpl-err-count", &[("expected", &expected.to_string()), ("given", &given.to_string())])
        }
        TemplateError::NotApproved(status) => {
            let hint = match status.as_str() {
                "PAUSED" => tr.t("tpl-hint-paused"),
                "DISABLED" => tr.t("tpl-hint-disabled"),
                _ => String::new(),
            };
            format!("{} {hint}", tr.t1("tpl-err-not-approved", "status", &status_label(tr, status.as_str())))
                .trim_end()
                .to_owned()
        }
    }
}

/// A template status as a badge says it.
pub fn status_label(tr: &Tr, status: &str) -> String {
    match status {
        "APPROVED" | "PENDING" | "REJECTED" | "PAUSED" | "DISABLED" | "DELETED" => {
            tr.t(&format!("tpl-status-{}", status.to_ascii_lowercase()))
        }
        other => other.to_owned(),
    }
}
