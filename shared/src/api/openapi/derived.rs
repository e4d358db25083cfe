//! The schemas derived from the Rust types that write the responses (schemars, JSON Schema
//! 2020-12 as OpenAPI 3.1 uses it), so a field added to, renamed in or removed from one of
//! these types changes the document with it.
//!
//! Derived: the Repayment Options (API and Nexus), the Forgiveness Options, the Portfolio and
//! the employer search, the Borrower, the v1 Loan, the error envelope, and every type they
//! hold. Each type's own name (or its
//! `#[schemars(rename)]`) is its component name, and the types it holds become components
//! of their own, referenced as `#/components/schemas/<Name>`.
//!
//! The schemas still in `components.json` are those of responses built as JSON values and of
//! the request payloads, which are read field by field; a component is in one place only (a
//! test checks it).

use schemars::generate::SchemaSettings;
use schemars::JsonSchema;
use serde_json::{Map, Value};

use crate::rules;

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
    add::<crate::nexus::link::NexusRepaymentOptions>(&mut g);
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
    add::<crate::enrollments::service::SandboxAdvance>(&mut g);
    add::<crate::webhooks::endpoints::EndpointWithSecret>(&mut g);
    add::<crate::webhooks::endpoints::WebhookList>(&mut g);
    add::<crate::webhooks::endpoints::WebhookTest>(&mut g);
    add::<crate::webhooks::endpoints::WebhookDeliveries>(&mut g);
    add::<crate::webhooks::EnrollmentEvent>(&mut g);
    add::<crate::webhooks::ConnectivityEvent>(&mut g);
    add::<crate::webhooks::DelinquentEvent>(&mut g);
    let mut defs = g.take_definitions(true);
    defs.values_mut().for_each(tidy);
    defs
}

/// What schemars writes that the contract says otherwise, fixed in one walk of a schema:
/// - doc comments are wrapped at 100 columns; a description is one paragraph per blank line;
/// - Rust's unsigned integers are named as formats (`uint32`, `uint`), but OpenAPI's formats
///   are `int32` and `int64`, and code generators warn on the others: `minimum: 0` says the
///   rest.
fn tidy(v: &mut Value) {
    match v {
        Value::Object(m) => {
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
