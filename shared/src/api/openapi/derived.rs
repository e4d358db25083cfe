//! The schemas derived from the Rust types that write the responses (schemars, JSON Schema
//! 2020-12 as OpenAPI 3.1 uses it), so a field added to, renamed in or removed from one of
//! these types changes the document with it.
//!
//! Derived: every response body (the list in [`components`]) and every type they hold. Each
//! type's own name (or its `#[schemars(rename)]`) is its component name, and the types it holds
//! become components of their own, referenced as `#/components/schemas/<Name>`.
//!
//! The schemas in `components.json` are the request payloads', which are read field by field;
//! a component is in one place only (a test checks it).

use schemars::generate::SchemaSettings;
use schemars::JsonSchema;
use serde_json::{Map, Value};

use crate::rules;

/// A string enum as a response writes it (the field itself is a `&str`): one named component,
/// its values taken from the list the parser reads, so a request and a response share it.
/// Use it as `#[schemars(with = "TheName")]`. (`rules::money::inline_schema!` is its inline
/// sibling, for schemas that are not components.)
macro_rules! named_string_enum {
    ($(#[$doc:meta])* $ty:ident, $name:literal, $values:expr, $description:literal) => {
        $(#[$doc])*
        pub struct $ty;

        impl schemars::JsonSchema for $ty {
            fn schema_name() -> std::borrow::Cow<'static, str> {
                $name.into()
            }
            fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
                let values: Vec<&str> = $values;
                schemars::json_schema!({
                    "type": "string",
                    "enum": values,
                    "description": $description
                })
            }
        }
    };
}

pub(crate) use named_string_enum;

/// Adds the schema of `T` and of every named type it holds.
fn add<T: JsonSchema>(g: &mut schemars::SchemaGenerator) {
    g.subschema_for::<T>();
}

/// Every derived component, by name.
pub fn components() -> Map<String, Value> {
    let mut g = SchemaSettings::draft2020_12()
        .with(|s| {
            s.definitions_path = "/components/schemas".into();
            s.meta_schema = None;
        })
        .for_serialize()
        .into_generator();
    add::<rules::Assessment>(&mut g);
    add::<crate::nexus::views::NexusRepaymentOptions>(&mut g);
    add::<crate::assessment::ForgivenessOptions>(&mut g);
    crate::loans::add_portfolio_schema(&mut g);
    add::<crate::employers::search::EmployerSearch>(&mut g);
    add::<crate::error::ErrorBody>(&mut g);
    crate::loans::add_loan_schema(&mut g);
    add::<crate::nexus::views::ProfileView>(&mut g);
    add::<crate::nexus::views::SessionView>(&mut g);
    add::<crate::nexus::views::SessionCreated>(&mut g);
    add::<crate::nexus::views::TokenView>(&mut g);
    add::<crate::nexus::views::LinkResult>(&mut g);
    add::<crate::nexus::views::BorrowerUpdate>(&mut g);
    add::<crate::borrowers::IncomeCertificationCreated>(&mut g);
    add::<crate::model::BorrowerView>(&mut g);
    add::<crate::api::health::Health>(&mut g);
    add::<crate::borrowers::BorrowerList>(&mut g);
    add::<crate::loans::service::LoanList>(&mut g);
    add::<crate::loans::service::LoanImport>(&mut g);
    add::<crate::reference::LoanTypes>(&mut g);
    add::<crate::reference::LoanStatuses>(&mut g);
    add::<crate::reference::RepaymentPlans>(&mut g);
    add::<crate::reference::Servicers>(&mut g);
    add::<crate::enrollments::EnrollmentList>(&mut g);
    add::<crate::enrollments::sandbox::SandboxAdvance>(&mut g);
    add::<crate::webhooks::endpoints::EndpointWithSecret>(&mut g);
    add::<crate::webhooks::endpoints::WebhookList>(&mut g);
    add::<crate::webhooks::endpoints::WebhookTest>(&mut g);
    add::<crate::webhooks::endpoints::WebhookDeliveries>(&mut g);
    add::<crate::webhooks::EnrollmentEvent>(&mut g);
    add::<crate::webhooks::ConnectivityEvent>(&mut g);
    add::<crate::webhooks::DelinquentEvent>(&mut g);
    let mut defs = g.take_definitions(true);
    defs.values_mut().for_each(tidy);
    name_tagged_variants(&mut defs);
    defs
}

/// An internally tagged enum (`#[serde(tag = "status")]`) is a `oneOf` of inline objects,
/// which code generators name by position (`NexusLinkResultType0`, ...) and try one by one.
/// Each variant becomes a component of its own, named after its tag value
/// (`NexusLinkResultFailed`), and the `oneOf` gets a `discriminator` on the tag.
fn name_tagged_variants(defs: &mut Map<String, Value>) {
    let mut added = Vec::new();
    for (name, schema) in defs.iter_mut() {
        let Some(Value::Array(branches)) = schema.get("oneOf") else {
            continue;
        };
        // The tag: a property that is a string `const` in every branch.
        let tag_of = |b: &Value| -> Option<(String, String)> {
            b["properties"].as_object()?.iter().find_map(|(k, p)| {
                p.get("const")
                    .and_then(Value::as_str)
                    .map(|c| (k.clone(), c.to_string()))
            })
        };
        let tags: Vec<(String, String)> = branches.iter().filter_map(tag_of).collect();
        if tags.len() != branches.len() || tags.iter().any(|(k, _)| *k != tags[0].0) {
            continue;
        }
        let mut refs = Vec::new();
        let mut mapping = Map::new();
        for (branch, (_, value)) in branches.iter().zip(&tags) {
            let pascal: String = value
                .split('_')
                .map(|w| {
                    let mut c = w.chars();
                    c.next()
                        .map(|f| f.to_uppercase().chain(c).collect::<String>())
                        .unwrap_or_default()
                })
                .collect();
            let variant = format!("{name}{pascal}");
            let at = format!("#/components/schemas/{variant}");
            refs.push(serde_json::json!({ "$ref": at }));
            mapping.insert(value.clone(), Value::String(at));
            added.push((variant, branch.clone()));
        }
        schema["oneOf"] = Value::Array(refs);
        schema["discriminator"] =
            serde_json::json!({"propertyName": tags[0].0, "mapping": mapping});
    }
    for (variant, branch) in added {
        assert!(
            defs.insert(variant.clone(), branch).is_none(),
            "{variant} is named twice"
        );
    }
}

/// What schemars writes that the contract says otherwise, fixed in one walk of a schema:
/// - doc comments are wrapped at 100 columns; a description is one paragraph per blank line;
/// - Rust's unsigned integers are named as formats (`uint32`, `uint`), but OpenAPI's formats
///   are `int32` and `int64`, and code generators warn on the others: `minimum: 0` says the
///   rest.
fn tidy(v: &mut Value) {
    match v {
        Value::Object(m) => {
            unit_enum(m);
            if m.get("format")
                .and_then(Value::as_str)
                .is_some_and(|f| f.starts_with("uint") || f == "int")
            {
                m.remove("format");
            }
            for (k, x) in m.iter_mut() {
                match x {
                    Value::String(text) if k == "description" => {
                        *text = text
                            .split("\n\n")
                            .map(|p| p.replace('\n', " "))
                            .collect::<Vec<_>>()
                            .join("\n\n");
                    }
                    _ => tidy(x),
                }
            }
        }
        Value::Array(a) => a.iter_mut().for_each(tidy),
        _ => {}
    }
}

/// A Rust enum whose variants carry doc comments comes out as a `oneOf` of string `const`s,
/// which some generators read as its first value only (openapi-python-client #1044): it is
/// written as a plain `enum`, with each value's text in the description.
fn unit_enum(m: &mut Map<String, Value>) {
    let Some(Value::Array(branches)) = m.get("oneOf") else {
        return;
    };
    let values: Option<Vec<(String, Option<String>)>> = branches
        .iter()
        .map(|b| {
            let c = b.get("const")?.as_str()?.to_string();
            let d = b
                .get("description")
                .and_then(Value::as_str)
                .map(str::to_string);
            (b.get("type") == Some(&Value::String("string".into()))).then_some((c, d))
        })
        .collect();
    let Some(values) = values else {
        return;
    };
    let words: Vec<String> = values
        .iter()
        .map(|(c, d)| match d {
            Some(d) => {
                let d = d.trim_end_matches('.');
                // "Imported from ..." reads "`x`: imported from ..."; "POSTed" stays.
                let mut chars = d.chars();
                let first = chars.next().unwrap_or_default();
                let second_lower = chars.clone().next().is_some_and(char::is_lowercase);
                let first: String = if second_lower {
                    first.to_lowercase().collect()
                } else {
                    first.into()
                };
                format!("`{c}`: {first}{}", chars.as_str())
            }
            None => format!("`{c}`"),
        })
        .collect();
    let lead = m
        .get("description")
        .and_then(Value::as_str)
        .map(|d| format!("{}: ", d.trim_end_matches('.')))
        .unwrap_or_default();
    m.remove("oneOf");
    m.insert("type".into(), Value::String("string".into()));
    m.insert(
        "enum".into(),
        Value::Array(values.into_iter().map(|(c, _)| Value::String(c)).collect()),
    );
    m.insert(
        "description".into(),
        Value::String(format!("{lead}{}.", words.join("; "))),
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    fn descriptions<'a>(v: &'a Value, out: &mut Vec<&'a str>) {
        match v {
            Value::Object(m) => {
                for (k, x) in m {
                    match x {
                        Value::String(t) if k == "description" => out.push(t),
                        _ => descriptions(x, out),
                    }
                }
            }
            Value::Array(a) => a.iter().for_each(|x| descriptions(x, out)),
            _ => {}
        }
    }

    #[test]
    fn derived_components_are_the_typed_responses_and_what_they_hold() {
        let c = components();
        let names: Vec<&str> = c.keys().map(String::as_str).collect();
        for top in [
            "RepaymentOptions",
            "NexusRepaymentOptions",
            "ForgivenessOptions",
            "Portfolio",
            "EmployerSearch",
        ] {
            assert!(names.contains(&top), "{top} not derived: {names:?}");
        }
        // What they hold is a component of its own, referenced by name.
        assert_eq!(
            c["RepaymentOption"]["properties"]["annual_snapshots"]["items"]["$ref"],
            "#/components/schemas/AnnualSnapshot"
        );
        // The plan types are the engine's own enum, not a free string.
        let plans: Vec<&str> = c["PlanType"]["enum"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_str().unwrap())
            .collect();
        let engine: Vec<&str> = rules::PlanType::ALL.iter().map(|p| p.as_str()).collect();
        assert_eq!(plans, engine);
        // Money is a JSON number; every struct refuses other properties.
        assert_eq!(
            c["OriginalLoanSummary"]["properties"]["total_cost"],
            serde_json::json!({"type": "number"})
        );
        for (name, schema) in &c {
            if schema["type"] == "object" && schema.get("properties").is_some() {
                assert_eq!(schema["additionalProperties"], false, "{name}");
            }
        }
    }

    #[test]
    fn descriptions_read_as_api_docs() {
        let c = Value::Object(components());
        let mut all = Vec::new();
        descriptions(&c, &mut all);
        assert!(!all.is_empty());
        for d in all {
            // Doc comments become the contract's text: no rustdoc links, no wrapped lines.
            assert!(!d.contains("[`"), "a rustdoc link in {d:?}");
            assert!(!d.contains("::"), "a Rust path in {d:?}");
            assert!(!d.contains('\n') || d.contains("\n\n"), "{d:?}");
        }
    }
}
