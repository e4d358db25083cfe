//! Every case in ../shared/vectors/official.json, one test per id.

use super::{d, date};
use crate::rules::formulas::{
    consolidation_term, icr_income_percentage_factor, icr_payment_with_parameters,
};
use crate::rules::*;
use rust_decimal::Decimal;
use serde_json::Value;

/// /work/shared/vectors/official.json, beside the repository.
const OFFICIAL: &str = include_str!("../../../../../shared/vectors/official.json");

fn cases() -> Vec<Value> {
    let v: Value = serde_json::from_str(OFFICIAL).expect("official.json parses");
    v["cases"].as_array().expect("cases").clone()
}

fn case(id: &str) -> Value {
    cases()
        .into_iter()
        .find(|c| c["id"] == id)
        .unwrap_or_else(|| panic!("case {id} missing"))
}

fn dec(v: &Value) -> Decimal {
    match v {
        Value::String(s) => d(s),
        Value::Number(n) => d(&n.to_string()),
        other => panic!("not a number: {other}"),
    }
}

/// Test-only NSLDS loan-type mapping (the product maps codes elsewhere).
fn program(code: &str) -> LoanProgram {
    match code {
        "D0" | "D1" => LoanProgram::DirectSubsidized,
        "D2" | "D8" => LoanProgram::DirectUnsubsidized,
        "D3" => LoanProgram::DirectGradPlus,
        "D4" => LoanProgram::DirectParentPlus,
        "D5" | "D6" | "D9" => LoanProgram::DirectConsolidation,
        "D7" => LoanProgram::DirectConsolidationParentPlus,
        "SF" | "SU" => LoanProgram::FfelStafford,
        "GB" => LoanProgram::FfelPlusGrad,
        "PL" => LoanProgram::FfelParentPlus,
        "CL" => LoanProgram::FfelConsolidation,
        "PU" | "EU" | "NU" | "DU" => LoanProgram::Perkins,
        "XP" => LoanProgram::Private,
        _ => LoanProgram::Other,
    }
}

fn loans(v: &Value, prefix: &str) -> Vec<LoanInput> {
    v.as_array()
        .map(|a| {
            a.iter()
                .enumerate()
                .map(|(i, l)| LoanInput {
                    id: format!("{prefix}{i}"),
                    program: program(l["loan_type"].as_str().unwrap()),
                    status: LoanStatusClass::Active,
                    interest_rate: dec(&l["interest_rate"]),
                    outstanding_principal: dec(&l["outstanding_principal"]),
                    outstanding_interest: l
                        .get("outstanding_interest")
                        .map(dec)
                        .unwrap_or_default(),
                    original_principal: None,
                    origination_date: l["origination_date"].as_str().map(date),
                    disbursement_dates: Vec::new(),
                    repayment_plan: None,
                    monthly_payment: None,
                    repayment_begin_date: None,
                    pslf_qualifying_payments: None,
                    idr_qualifying_payments: None,
                })
                .collect()
        })
        .unwrap_or_default()
}

fn scenario(c: &Value) -> AssessmentInput {
    let b = &c["borrower"];
    let status: FilingStatus = serde_json::from_value(b["filing_status"].clone()).unwrap();
    AssessmentInput {
        as_of: date(c["as_of"].as_str().unwrap()),
        household: Household {
            agi: dec(&b["agi"]),
            spouse_agi: b.get("spouse_agi").map(dec),
            filing_status: status,
            family_size: b["family_size"].as_u64().unwrap() as u32,
            dependents: b["dependents"].as_u64().unwrap_or(0) as u32,
            state_of_residence: b["state_of_residence"].as_str().map(String::from),
            income_growth: d("5.0"),
            pslf: false,
            new_borrower_date: None,
        },
        loans: loans(&c["loans"], "loan-"),
        spouse_loans: loans(&c["spouse_loans"], "spouse-loan-"),
    }
}

/// Run a plan scenario and check every `expect` field that is present.
fn check_plan_case(id: &str) {
    let c = case(id);
    let a = assess(&scenario(&c)).unwrap_or_else(|e| panic!("{id}: {e}"));
    let plan = PlanType::parse(c["plan"].as_str().unwrap()).unwrap();
    let o = super::option(&a, plan);
    assert!(
        super::eligible(&a, plan),
        "{id}: plan not eligible: {:?}",
        o.ineligible_reasons
    );
    let expect = c["expect"].as_object().unwrap();
    for (field, want) in expect {
        let got = match field.as_str() {
            "starting_monthly_payment" => o.starting_monthly_payment,
            "scheduled_monthly_payment" => o.scheduled_monthly_payment,
            "final_monthly_payment" => o.final_monthly_payment,
            "total_paid" => o.total_paid,
            "amount_forgiven" => o.amount_forgiven,
            other => panic!("{id}: unhandled expect field {other}"),
        };
        assert_eq!(got, dec(want), "{id}: {field}");
        // The JSON output carries the same value with two decimals.
        let json = serde_json::to_value(o).unwrap();
        assert_eq!(
            json[field].to_string(),
            format!("{:.2}", dec(want)),
            "{id}: JSON {field}"
        );
    }
}

fn check_unit_case(id: &str) {
    let c = case(id);
    let input = &c["input"];
    let expect = &c["expect"];
    match c["unit"].as_str().unwrap() {
        "icr_income_percentage_factor" => {
            let status: FilingStatus =
                serde_json::from_value(input["filing_status"].clone()).unwrap();
            let got = icr_income_percentage_factor(
                date(c["as_of"].as_str().unwrap()),
                status,
                dec(&input["agi"]),
            );
            assert_eq!(got, dec(&expect["factor_percent"]), "{id}");
        }
        "icr_payment_with_parameters" => {
            let got = icr_payment_with_parameters(
                dec(&input["balance"]),
                dec(&input["interest_rate"]),
                dec(&input["agi"]),
                dec(&input["poverty_guideline"]),
                dec(&input["income_percentage_factor"]),
            );
            if let Some(m) = expect.get("monthly_payment") {
                assert_eq!(got.monthly, dec(m), "{id}: monthly");
            }
            if let Some(a) = expect.get("annual_payment") {
                assert_eq!(got.annual, dec(a), "{id}: annual");
            }
        }
        "consolidation_term" => {
            let got = consolidation_term(
                dec(&input["consolidation_amount"]),
                dec(&input["other_education_debt"]),
            );
            assert_eq!(
                got.counted_indebtedness,
                dec(&expect["counted_indebtedness"]),
                "{id}"
            );
            assert_eq!(
                got.max_term_years as u64,
                expect["max_term_years"].as_u64().unwrap(),
                "{id}"
            );
        }
        other => panic!("{id}: unknown unit {other}"),
    }
}

const TESTED: &[&str] = &[
    "RAP-RISE-JOINT",
    "RAP-RISE-SEPARATE",
    "RAP-ED-FACTSHEET",
    "ICR-2026-NOTICE-1",
    "ICR-2026-NOTICE-2",
    "ICR-2026-IPF-INTERPOLATION",
    "ICR-APPX-A-1996",
    "ICR-APPX-A-1997",
    "ICR-APPX-A-1998",
    "CONS-TERM-FAQ-1",
    "CONS-TERM-FAQ-2",
];

#[test]
fn every_official_case_has_a_test() {
    let ids: Vec<String> = cases()
        .iter()
        .map(|c| c["id"].as_str().unwrap().to_string())
        .collect();
    for id in &ids {
        assert!(
            TESTED.contains(&id.as_str()),
            "official case {id} has no test"
        );
    }
    assert_eq!(ids.len(), TESTED.len());
}

#[test]
fn rap_rise_joint() {
    check_plan_case("RAP-RISE-JOINT");
}

#[test]
fn rap_rise_separate() {
    check_plan_case("RAP-RISE-SEPARATE");
}

#[test]
fn rap_ed_factsheet() {
    check_plan_case("RAP-ED-FACTSHEET");
}

#[test]
fn icr_2026_notice_1() {
    check_plan_case("ICR-2026-NOTICE-1");
}

#[test]
fn icr_2026_notice_2() {
    check_plan_case("ICR-2026-NOTICE-2");
}

#[test]
fn icr_2026_ipf_interpolation() {
    check_unit_case("ICR-2026-IPF-INTERPOLATION");
}

#[test]
fn icr_appx_a_1996() {
    check_unit_case("ICR-APPX-A-1996");
}

#[test]
fn icr_appx_a_1997() {
    check_unit_case("ICR-APPX-A-1997");
}

#[test]
fn icr_appx_a_1998() {
    check_unit_case("ICR-APPX-A-1998");
}

#[test]
fn cons_term_faq_1() {
    check_unit_case("CONS-TERM-FAQ-1");
}

#[test]
fn cons_term_faq_2() {
    check_unit_case("CONS-TERM-FAQ-2");
}
