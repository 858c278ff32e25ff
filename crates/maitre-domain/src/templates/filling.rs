//! Filling a template's variables for one send, and the text the guest will read.
use serde::{Deserialize, Serialize};

use super::{ParameterFormat, TemplateContent, TemplateError};
use crate::flow::{Scope, render};

/// One variable's value; `name` is set for templates with named variables.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Param {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    pub text: String,
}

/// The values of one send, per component.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Filled {
    #[serde(default)]
    pub header: Vec<Param>,
    #[serde(default)]
    pub body: Vec<Param>,
}

/// Fills a bound template for one guest. Every variable needs a non-empty value: WhatsApp refuses empty parameters.
pub fn fill(content: &TemplateContent, bindings: &[String], scope: &Scope) -> Result<Filled, TemplateError> {
    let expected = content.variable_count();
    if bindings.len() != expected {
        return Err(TemplateError::ValueCount { expected, given: bindings.len() });
    }
    let values = bindings
        .iter()
        .map(|b| {
            let v = bound_value(b, scope);
            if v.trim().is_empty() { Err(TemplateError::NoValue(b.clone())) } else { Ok(v) }
        })
        .collect::<Result<Vec<_>, _>>()?;
    assemble(content, &values)
}

/// The value a binding (a placeholder with its filters, without braces) takes for a guest; empty when it has none.
pub fn bound_value(binding: &str, scope: &Scope) -> String {
    render(&format!("{{{{{binding}}}}}"), scope)
}

/// Fills a template with values staff typed, in variable order (header first).
pub fn fill_by_hand(content: &TemplateContent, values: &[String]) -> Result<Filled, TemplateError> {
    let expected = content.variable_count();
    if values.len() != expected {
        return Err(TemplateError::ValueCount { expected, given: values.len() });
    }
    let names: Vec<&str> = content.header_variables().into_iter().chain(content.body_variables()).collect();
    if let Some((name, _)) = names.iter().zip(values).find(|(_, v)| v.trim().is_empty()) {
        return Err(TemplateError::NoValue((*name).to_owned()));
    }
    assemble(content, values)
}

fn assemble(content: &TemplateContent, values: &[String]) -> Result<Filled, TemplateError> {
    let named = content.parameter_format == ParameterFormat::Named;
    let param = |name: &str, v: &String| Param { name: named.then(|| name.to_owned()), text: clean(v) };
    let header_vars = content.header_variables();
    let (head, body) = values.split_at(header_vars.len());
    Ok(Filled {
        header: header_vars.iter().zip(head).map(|(n, v)| param(n, v)).collect(),
        body: content.body_variables().iter().zip(body).map(|(n, v)| param(n, v)).collect(),
    })
}

/// WhatsApp refuses parameter text with newlines, tabs or more than four spaces in a row (§9.5).
fn clean(value: &str) -> String {
    let flat: String = value.trim().chars().map(|c| if c.is_whitespace() { ' ' } else { c }).collect();
    let mut out = String::with_capacity(flat.len());
    let mut run = 0;
    for c in flat.chars() {
        run = if c == ' ' { run + 1 } else { 0 };
        if run <= 1 {
            out.push(c);
        }
    }
    out
}

/// What the guest reads: header, body and footer with the values in, separated by blank lines.
pub fn preview(content: &TemplateContent, filled: &Filled) -> String {
    let put = |text: &str, params: &[Param]| {
        let mut out = String::with_capacity(text.len());
        let mut rest = text;
        let mut i = 0;
        while let Some(open) = rest.find("{{") {
            let Some(len) = rest[open + 2..].find("}}") else { break };
            out.push_str(&rest[..open]);
            out.push_str(params.get(i).map_or("…", |p| p.text.as_str()));
            i += 1;
            rest = &rest[open + 4 + len..];
        }
        out.push_str(rest);
        out
    };
    let parts = [
        content.header.as_deref().map(|h| put(h, &filled.header)),
        Some(put(&content.body, &filled.body)),
        content.footer.clone(),
    ];
    parts.into_iter().flatten().filter(|p| !p.is_empty()).collect::<Vec<_>>().join("\n\n")
}
