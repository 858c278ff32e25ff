//! The answers every operation can give whatever its own code does — a missing or revoked token (401), a role
//! that may not (403), too many requests (429), a malformed path (400) or an unknown id in it (404), faulty query
//! parameters (400), and a body that is not JSON (400), too large (413), not declared as JSON (415) or with
//! invalid values (422) — added to the OpenAPI document here, once, so no operation's list can forget one; and
//! unique operation ids.
use std::collections::HashMap;

use utoipa::Modify;
use utoipa::openapi::path::{Operation, ParameterIn};
use utoipa::openapi::schema::{ObjectBuilder, Type};
use utoipa::openapi::{ContentBuilder, Ref, RefOr, ResponseBuilder};

pub(super) struct CommonAnswers;

/// An IANA time zone name, such as Europe/Berlin: the names the server knows, listed in the document.
pub(super) struct TimeZoneName;

impl utoipa::PartialSchema for TimeZoneName {
    fn schema() -> RefOr<utoipa::openapi::schema::Schema> {
        let names = chrono_tz::TZ_VARIANTS.iter().map(|tz| tz.name());
        ObjectBuilder::new().schema_type(Type::String).enum_values(Some(names)).into()
    }
}

impl utoipa::ToSchema for TimeZoneName {}

impl Modify for CommonAnswers {
    fn modify(&self, api: &mut utoipa::openapi::OpenApi) {
        let mut seen: HashMap<String, usize> = HashMap::new();
        for op in operations(api) {
            declare(op);
            *seen.entry(op.operation_id.clone().unwrap_or_default()).or_default() += 1;
        }
        // Operation ids must be unique: handlers of different areas that share a name (`list`, `create`) get
        // their tag in front (`contacts_create`).
        for op in operations(api) {
            let id = op.operation_id.clone().unwrap_or_default();
            if seen.get(&id).is_some_and(|n| *n > 1) {
                let tag = op.tags.as_ref().and_then(|t| t.first()).cloned().unwrap_or_default();
                op.operation_id = Some(format!("{tag}_{id}"));
            }
        }
    }
}

fn operations(api: &mut utoipa::openapi::OpenApi) -> impl Iterator<Item = &mut Operation> {
    api.paths.paths.values_mut().flat_map(|item| {
        [&mut item.get, &mut item.put, &mut item.post, &mut item.delete, &mut item.patch].into_iter().flatten()
    })
}

fn declare(op: &mut Operation) {
    let params = op.parameters.as_deref().unwrap_or_default();
    let in_path = params.iter().any(|p| matches!(p.parameter_in, ParameterIn::Path));
    let in_query = params.iter().any(|p| matches!(p.parameter_in, ParameterIn::Query));
    let body = op.request_body.is_some();
    let mut answers = vec![
        ("401", "Missing, unknown or revoked API token."),
        ("403", "The token's role may not do this."),
        ("429", "Too many requests with this token; wait as long as Retry-After says."),
    ];
    if in_path {
        answers.push(("400", "The path is malformed."));
        answers.push(("404", "No such item in this account."));
    }
    if in_query {
        answers.push(("400", "A query parameter is malformed or out of range."));
    }
    if body {
        answers.push(("400", "The body is not valid JSON, or not a JSON object."));
        answers.push(("413", "The body is too large."));
        answers.push(("415", "The body is not declared as application/json."));
        answers.push(("422", "The body's values are invalid."));
    }
    for (status, description) in answers {
        op.responses.responses.entry(status.to_owned()).or_insert_with(|| error(description));
    }
}

fn error(description: &str) -> RefOr<utoipa::openapi::Response> {
    let content = ContentBuilder::new().schema(Some(Ref::from_schema_name("ErrorBody"))).build();
    RefOr::T(ResponseBuilder::new().description(description).content("application/json", content).build())
}
