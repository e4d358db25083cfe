use super::*;
use crate::money::cents;
use crate::mystudentdata::parse;
use rust_decimal::dec;
use serde_json::{json, Value};

/// One loan's PortfolioLoan, as the Portfolio shows it.
fn portfolio_loan_view(l: &Loan, day: chrono::NaiveDate) -> Value {
    portfolio_view(std::slice::from_ref(l), day).unwrap()["loans"][0].clone()
}

const MODERN: &str = include_str!("../../../tests/fixtures/mystudentdata/modern.txt");

const NOW: &str = "2026-11-22T10:00:00.000000Z";

fn d(y: i32, m: u32, day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, day).unwrap()
}

fn u(n: u128) -> Uuid {
    Uuid::from_u128(n)
}

/// The LoanPayload example from the docs (seed 004), verbatim.
const SEED_PAYLOAD: &str = r#"{
  "loan_type": "Direct Stafford Unsubsidized Loan",
  "interest_rate": 7.08,
  "outstanding_principal": 20000.00,
  "outstanding_interest": 0.0,
  "original_principal": 20000.00,
  "origination_date": "2019-09-22",
  "servicer_name": "Nelnet",
  "loan_status": "in repayment",
  "monthly_payment": 300,
  "repayment_plan_begin_date": "2020-05-11"
}"#;

fn seed_value() -> Value {
    serde_json::from_str(SEED_PAYLOAD).unwrap()
}

fn one(v: Value) -> Result<NewLoan, BTreeMap<String, String>> {
    parse_loans_payload(&json!([v])).map(|mut l| l.remove(0))
}

fn seed_loan() -> Loan {
    one(seed_value())
        .unwrap()
        .into_loan(7, u(1), u(2), "2026-11-01T12:00:00.000000Z")
}

// ---------------------------------------------------------------- payload

#[test]
fn seed_loan_payload_is_accepted_as_is() {
    let loans = parse_loans_payload(&json!([seed_value()])).unwrap();
    assert_eq!(loans.len(), 1);
    let l = &loans[0];
    assert_eq!(l.source, LoanSource::Api);
    assert_eq!(l.external_id, None);
    assert_eq!(l.award_id, None);
    let data = &l.data;
    assert_eq!(data.loan_type, "D2");
    assert_eq!(data.interest_rate, Some(dec!(7.08)));
    assert_eq!(data.outstanding_principal, Some(dec!(20000.00)));
    assert_eq!(data.outstanding_interest, Some(dec!(0)));
    assert_eq!(data.original_principal, Some(dec!(20000)));
    assert_eq!(data.origination_date, Some(d(2019, 9, 22)));
    assert_eq!(data.servicer_name.as_deref(), Some("Nelnet"));
    assert_eq!(data.loan_status.as_deref(), Some("RP"));
    assert_eq!(data.monthly_payment, Some(dec!(300)));
    assert_eq!(data.repayment_plan_begin_date, Some(d(2020, 5, 11)));
    assert_eq!(data.repayment_plan_type, None);
    // The `{"loans": [...]}` wrapper is accepted too.
    let wrapped = parse_loans_payload(&json!({"loans": [seed_value()]})).unwrap();
    assert_eq!(wrapped, loans);
}

#[test]
fn numbers_are_read_exactly_not_through_f64() {
    let mut v = seed_value();
    v["outstanding_principal"] = serde_json::from_str("123456789.12").unwrap();
    v["outstanding_interest"] = json!("0.10");
    v["interest_rate"] = json!("6.875");
    v["original_principal"] = serde_json::from_str("2e4").unwrap();
    let l = one(v).unwrap();
    assert_eq!(l.data.outstanding_principal, Some(dec!(123456789.12)));
    assert_eq!(l.data.outstanding_interest, Some(dec!(0.10)));
    assert_eq!(l.data.interest_rate, Some(dec!(6.875)));
    assert_eq!(l.data.original_principal, Some(dec!(20000)));
}

#[test]
fn batch_errors_are_keyed_by_index_and_field() {
    let good = seed_value();
    let mut missing_servicer = seed_value();
    missing_servicer
        .as_object_mut()
        .unwrap()
        .remove("servicer_name");
    let mut bad = seed_value();
    bad["outstanding_principal"] = json!(-5);
    bad["origination_date"] = json!("09/22/2019");
    bad["loan_type"] = json!("Super Loan");
    bad["interest_rate"] = json!("seven");
    bad["disbursement_dates"] = json!(["2019-09-22", "2019-13-01"]);
    let errs = parse_loans_payload(&json!([good, missing_servicer, bad])).unwrap_err();
    let keys: Vec<&str> = errs.keys().map(String::as_str).collect();
    assert_eq!(
        keys,
        [
            "loans[1].servicer_name",
            "loans[2].disbursement_dates[1]",
            "loans[2].interest_rate",
            "loans[2].loan_type",
            "loans[2].origination_date",
            "loans[2].outstanding_principal",
        ]
    );
    assert_eq!(errs["loans[1].servicer_name"], "is required");
    assert!(errs["loans[2].outstanding_principal"].contains("negative"));
    assert!(errs["loans[2].origination_date"].contains("YYYY-MM-DD"));
    // Unmappable loan type: lists the accepted values, never guesses.
    let lt = &errs["loans[2].loan_type"];
    assert!(lt.contains("unrecognized loan_type \"Super Loan\""), "{lt}");
    assert!(
        lt.contains("D2 (Direct Stafford Unsubsidized Loan)"),
        "{lt}"
    );
}

#[test]
fn empty_and_non_array_batches_are_errors_on_loans() {
    let e = parse_loans_payload(&json!([])).unwrap_err();
    assert_eq!(e.keys().collect::<Vec<_>>(), ["loans"]);
    let e = parse_loans_payload(&json!("not a list")).unwrap_err();
    assert_eq!(e.keys().collect::<Vec<_>>(), ["loans"]);
    let e = parse_loans_payload(&json!([seed_value(), 5])).unwrap_err();
    assert_eq!(e.keys().collect::<Vec<_>>(), ["loans[1]"]);
}

#[test]
fn all_required_fields_are_reported() {
    let e = parse_loans_payload(&json!([{}])).unwrap_err();
    let keys: Vec<&str> = e.keys().map(String::as_str).collect();
    assert_eq!(
        keys,
        [
            "loans[0].interest_rate",
            "loans[0].loan_type",
            "loans[0].original_principal",
            "loans[0].origination_date",
            "loans[0].outstanding_interest",
            "loans[0].outstanding_principal",
            "loans[0].servicer_name",
        ]
    );
    let mut blank = seed_value();
    blank["servicer_name"] = json!("   ");
    blank["interest_rate"] = Value::Null;
    let e = one(blank).unwrap_err();
    assert_eq!(e["loans[0].servicer_name"], "must not be blank");
    assert_eq!(e["loans[0].interest_rate"], "is required");
}

#[test]
fn duplicate_external_ids_are_rejected() {
    let mut a = seed_value();
    a["external_id"] = json!("plaid-acct-1");
    let mut b = seed_value();
    b["external_id"] = json!("plaid-acct-2");
    let c = a.clone();
    let e = parse_loans_payload(&json!([a.clone(), b.clone(), c])).unwrap_err();
    assert_eq!(e.len(), 1);
    assert!(e["loans[2].external_id"].contains("loans[0]"), "{e:?}");
    let ok = parse_loans_payload(&json!([a, b])).unwrap();
    assert_eq!(ok[1].external_id.as_deref(), Some("plaid-acct-2"));
}

#[test]
fn loan_type_status_and_plan_coercion() {
    for (input, code) in [
        ("D2", "D2"),
        ("d2", "D2"),
        ("Direct Stafford Unsubsidized Loan", "D2"),
        ("DIRECT STAFFORD UNSUBSIDIZED", "D2"),
        ("Direct Unsubsidized Loan", "D2"),
    ] {
        let mut v = seed_value();
        v["loan_type"] = json!(input);
        assert_eq!(one(v).unwrap().data.loan_type, code, "{input}");
    }
    for (input, code) in [
        ("RP", "RP"),
        ("in repayment", "RP"),
        ("IN REPAYMENT", "RP"),
        ("forbearance", "FB"),
        ("Deferment", "DA"),
    ] {
        let mut v = seed_value();
        v["loan_status"] = json!(input);
        assert_eq!(
            one(v).unwrap().data.loan_status.as_deref(),
            Some(code),
            "{input}"
        );
    }
    for (input, plan) in [
        ("Income-Based Repayment", "ibr"),
        ("pay as you earn", "paye"),
        ("SAVE", "save"),
        ("RAP", "rap"),
        ("standard", "standard"),
    ] {
        let mut v = seed_value();
        v["repayment_plan_type"] = json!(input);
        assert_eq!(
            one(v).unwrap().data.repayment_plan_type.as_deref(),
            Some(plan),
            "{input}"
        );
    }
    // Object forms (v2 docs: `{code, description}`; our PortfolioRepaymentPlan).
    let mut v = seed_value();
    v["loan_type"] = json!({"code": "D1", "description": "Direct Stafford Subsidized Loan"});
    v["loan_status"] = json!({"description": "Forbearance"});
    v["repayment_plan_type"] = json!({"type": "rap", "income_driven_repayment": true});
    let l = one(v).unwrap();
    assert_eq!(
        (
            l.data.loan_type.as_str(),
            l.data.loan_status.as_deref(),
            l.data.repayment_plan_type.as_deref()
        ),
        ("D1", Some("FB"), Some("rap"))
    );
    // Ambiguous and unknown values are errors listing the accepted values.
    let mut v = seed_value();
    v["loan_type"] = json!("Unsubsidized");
    v["loan_status"] = json!("sleeping");
    v["repayment_plan_type"] = json!("whatever plan");
    let e = one(v).unwrap_err();
    assert!(e["loans[0].loan_type"].contains("ambiguous"), "{e:?}");
    assert!(e["loans[0].loan_type"].contains("accepted values"));
    assert!(
        e["loans[0].loan_status"].contains("RP (In Repayment)"),
        "{e:?}"
    );
    assert!(
        e["loans[0].repayment_plan_type"].contains("paye ("),
        "{e:?}"
    );
}

#[test]
fn servicer_names_are_canonicalised_only_when_known() {
    let mut v = seed_value();
    v["servicer_name"] = json!("DEPT OF ED/NELNET");
    assert_eq!(
        one(v).unwrap().data.servicer_name.as_deref(),
        Some("Nelnet")
    );
    let mut v = seed_value();
    v["servicer_name"] = json!("  Bank of Somewhere  ");
    assert_eq!(
        one(v).unwrap().data.servicer_name.as_deref(),
        Some("Bank of Somewhere")
    );
}

#[test]
fn optional_fields_are_parsed_and_unknown_fields_ignored() {
    let mut v = seed_value();
    let extra = json!({
        "account_number": 928374299,
        "capitalized_amount": "12.50",
        "disbursement_dates": ["2019-09-22", "2020-01-15"],
        "due_date": "2026-12-01",
        "external_id": "acct_123",
        "guarantor": "Department of Education",
        "idr_renewal_date": "2027-05-11",
        "is_overdue": false,
        "last_payment": 300,
        "last_payment_date": "2026-11-01",
        "last_statement_balance": "20110.34",
        "last_statement_date": "2026-10-15",
        "loan_status_history": {"2019-09-22": "In School", "2020-05-11": "In Repayment"},
        "maturity_date": "2030-05-11",
        "min_payment": 250.5,
        "pslf_cumulative_periods": 24,
        "repayment_begin_date": "2020-05-11",
        "repayment_plan_type": "paye",
        "payment_group_id": "f7498357-844d-4d0e-a0e9-573003cada13",
        "payment_reference_number": "REF-1",
        "some_future_field": {"x": 1}
    });
    for (k, val) in extra.as_object().unwrap() {
        v[k] = val.clone();
    }
    let l = one(v).unwrap();
    let data = &l.data;
    assert_eq!(l.external_id.as_deref(), Some("acct_123"));
    assert_eq!(data.account_number.as_deref(), Some("928374299"));
    assert_eq!(data.capitalized_amount, Some(dec!(12.50)));
    assert_eq!(data.disbursement_dates, [d(2019, 9, 22), d(2020, 1, 15)]);
    assert_eq!(data.due_date, Some(d(2026, 12, 1)));
    assert_eq!(data.is_overdue, Some(false));
    assert_eq!(data.last_statement_balance, Some(dec!(20110.34)));
    assert_eq!(data.min_payment, Some(dec!(250.5)));
    assert_eq!(data.pslf_cumulative_periods, Some(24));
    assert_eq!(data.loan_status_history[&d(2020, 5, 11)], "In Repayment");
    assert_eq!(
        data.payment_group_id,
        Some(Uuid::parse_str("f7498357-844d-4d0e-a0e9-573003cada13").unwrap())
    );

    let mut bad = seed_value();
    bad["loan_status_history"] = json!({"05/11/2020": "In Repayment", "2020-06-01": ""});
    bad["pslf_cumulative_periods"] = json!(-1);
    bad["is_overdue"] = json!("maybe");
    bad["interest_rate"] = json!(708);
    let e = one(bad).unwrap_err();
    let keys: Vec<&str> = e.keys().map(String::as_str).collect();
    assert_eq!(
        keys,
        [
            "loans[0].interest_rate",
            "loans[0].is_overdue",
            "loans[0].loan_status_history.05/11/2020",
            "loans[0].loan_status_history.2020-06-01",
            "loans[0].pslf_cumulative_periods",
        ]
    );
}

// ---------------------------------------------------------------- loan

#[test]
fn into_loan_and_accessors() {
    let l = seed_loan();
    assert_eq!(l.id, 7);
    assert_eq!(l.uuid, u(1));
    assert_eq!(l.borrower_uuid, u(2));
    assert_eq!(l.version, 1);
    assert_eq!(l.created_at, l.updated_at);
    assert_eq!(l.family(), crate::reference::LoanFamily::DirectUnsubsidized);
    assert_eq!(l.status_group(), crate::reference::StatusGroup::Active);
    assert_eq!(l.updated_date(), Some(d(2026, 11, 1)));
    // Serde round trip (stored form).
    let s = serde_json::to_string(&l).unwrap();
    let back: Loan = serde_json::from_str(&s).unwrap();
    assert_eq!(back, l);
    assert!(s.contains("\"source\":\"api\""), "{s}");
}

#[test]
fn merge_is_idempotent_and_bumps_version_on_change() {
    let existing = seed_loan();
    let same = one(seed_value()).unwrap();
    assert!(same_data(&existing, &same));
    assert_eq!(merge_into(&existing, &same), existing);
    assert_eq!(merge_into_at(&existing, &same, NOW), existing);

    let mut v = seed_value();
    v["outstanding_principal"] = json!(19500);
    let changed = one(v).unwrap();
    assert!(!same_data(&existing, &changed));
    let merged = merge_into_at(&existing, &changed, NOW);
    assert_eq!(merged.version, 2);
    assert_eq!(merged.id, existing.id);
    assert_eq!(merged.uuid, existing.uuid);
    assert_eq!(merged.created_at, existing.created_at);
    assert_eq!(merged.updated_at, NOW);
    assert_eq!(merged.data.outstanding_principal, Some(dec!(19500)));

    // Matching by external_id, then award_id.
    let mut with_ext = seed_value();
    with_ext["external_id"] = json!("x1");
    let new_ext = one(with_ext).unwrap();
    let mut stored = vec![existing.clone()];
    assert!(find_match(&stored, &new_ext).is_none());
    stored[0].external_id = Some("x1".into());
    assert_eq!(find_match(&stored, &new_ext).unwrap().id, 7);
    // A new identifier is "a change" (it must be recorded).
    let mut no_ext = existing.clone();
    no_ext.external_id = None;
    assert!(!same_data(&no_ext, &new_ext));
}

// ---------------------------------------------------------------- payoff

#[test]
fn payoff_uses_simple_daily_interest_over_365_25() {
    // $20,000 at 7.08 %, balances as of 2026-11-01 (updated_at), quote 2026-11-22: 21 days.
    // 20000 × 0.0708 / 365.25 = 3.876796714…/day; × 21 = 81.4127… → 81.41.
    let l = seed_loan();
    let p = l.payoff(d(2026, 11, 22)).unwrap();
    assert_eq!(p.as_of, Some(d(2026, 11, 1)));
    assert_eq!(p.days, 21);
    assert_eq!(cents(p.daily_interest), dec!(3.88));
    assert_eq!(p.accrued_interest, dec!(81.41));
    assert_eq!(p.quote, dec!(20081.41));
    // With 365 it would be 81.46: the divisor matters.
    assert_ne!(p.accrued_interest, dec!(81.46));
    // Outstanding interest is added, not compounded.
    let mut l2 = l.clone();
    l2.data.outstanding_interest = Some(dec!(100.00));
    assert_eq!(l2.payoff(d(2026, 11, 22)).unwrap().quote, dec!(20181.41));
    // Quote before the as-of date: no negative accrual.
    assert_eq!(l.payoff(d(2026, 10, 1)).unwrap().quote, dec!(20000.00));
    // Closed loans and subsidized loans in deferment accrue nothing.
    let mut closed = l.clone();
    closed.data.loan_status = Some("PF".into());
    assert_eq!(
        closed.payoff(d(2026, 11, 22)).unwrap().accrued_interest,
        dec!(0)
    );
    let mut sub = l.clone();
    sub.data.loan_type = "D1".into();
    sub.data.loan_status = Some("DA".into());
    assert_eq!(sub.payoff(d(2026, 11, 22)).unwrap().quote, dec!(20000.00));
    sub.data.loan_status = Some("FB".into());
    assert_eq!(sub.payoff(d(2026, 11, 22)).unwrap().quote, dec!(20081.41));
}

#[test]
fn payoff_uses_balance_as_of_when_known() {
    // MSD D6: $61,340.29 at 5.25 % as of 2026-10-31, interest $56.03, in forbearance.
    // 61340.29 × 0.0525 × 22 / 365.25 = 193.9702… → 193.97; quote 61590.29.
    let f = parse(MODERN.as_bytes()).unwrap();
    let l = loans_from_file(&f).remove(5).into_loan(6, u(6), u(2), NOW);
    let p = l.payoff(d(2026, 11, 22)).unwrap();
    assert_eq!(p.as_of, Some(d(2026, 10, 31)));
    assert_eq!(p.days, 22);
    assert_eq!(p.accrued_interest, dec!(193.97));
    assert_eq!(p.quote, dec!(61590.29));
}

// ---------------------------------------------------------------- views

fn keys(v: &Value) -> Vec<&str> {
    v.as_object().unwrap().keys().map(String::as_str).collect()
}

/// The seed PortfolioLoan example's keys (seed 002), recursively, for the objects we fill.
#[test]
fn portfolio_loan_view_matches_the_seed_shape() {
    let mut l = seed_loan();
    l.data.account_number = Some("928374299".into());
    l.data.disbursement_dates = vec![d(2019, 9, 22)];
    l.data.repayment_plan_type = Some("paye".into());
    l.data.loan_status = Some("FB".into());
    l.data.outstanding_interest = Some(dec!(834.99));
    l.data.outstanding_principal = Some(dec!(696.19));
    l.data.original_principal = Some(dec!(8575.99));
    l.data.interest_rate = Some(dec!(3.54));
    l.data.monthly_payment = Some(dec!(427.96));
    l.data.pslf_cumulative_periods = Some(76);
    l.data.payment_group_id =
        Some(Uuid::parse_str("f7498357-844d-4d0e-a0e9-573003cada13").unwrap());
    let v = portfolio_loan_view(&l, d(2026, 11, 22));
    assert_eq!(
        keys(&v),
        [
            "account_number",
            "created_at",
            "disbursement_dates",
            "id",
            "interest_rate",
            "monthly_payment",
            "origination",
            "outstanding_interest",
            "outstanding_principal",
            "payment_group_id",
            "payment_reference_number",
            "payoff",
            "pslf",
            "repayment_plan",
            "servicer",
            "status",
            "type",
            "updated_at",
        ]
    );
    assert_eq!(v["id"], json!(u(1).to_string()));
    assert_eq!(v["account_number"], "928374299");
    assert_eq!(v["created_at"], "2026-11-01T12:00:00.000000Z");
    assert_eq!(v["disbursement_dates"], json!(["2019-09-22"]));
    assert_eq!(
        v["interest_rate"],
        json!({"effective": "3.54", "original": "3.54"})
    );
    assert_eq!(
        v["monthly_payment"],
        json!({"scheduled_amount": "427.96", "estimated": false, "next_payment_due": null})
    );
    assert_eq!(
        v["origination"],
        json!({"amount": "8575.99", "date": "2019-09-22"})
    );
    assert_eq!(v["outstanding_interest"], "834.99");
    assert_eq!(v["outstanding_principal"], "696.19");
    assert_eq!(
        v["payment_group_id"],
        "f7498357-844d-4d0e-a0e9-573003cada13"
    );
    assert_eq!(v["payment_reference_number"], Value::Null);
    // 696.19 × 3.54 % × 21 / 365.25 = 1.417… → 1.42; 696.19 + 834.99 + 1.42.
    assert_eq!(
        v["payoff"],
        json!({"quote": "1532.60", "quote_date": "11/22/2026"})
    );
    assert_eq!(
        keys(&v["pslf"]),
        [
            "eligible_payments",
            "expected_forgiveness_date",
            "ineligible_payment_details",
            "ineligible_payments",
            "non_qualifying_payment_details",
            "non_qualifying_payments",
            "qualifying_payments",
            "remaining_payments",
        ]
    );
    assert_eq!(v["pslf"]["qualifying_payments"], 76);
    assert_eq!(v["pslf"]["remaining_payments"], 44);
    assert_eq!(v["pslf"]["ineligible_payment_details"], json!([]));
    assert_eq!(
        v["repayment_plan"],
        json!({"description": "Pay As You Earn Repayment Plan", "income_driven_repayment": true, "type": "paye"})
    );
    assert_eq!(keys(&v["servicer"]), ["address", "name", "payment_groups"]);
    assert_eq!(v["servicer"]["name"], "Nelnet");
    assert_eq!(
        keys(&v["servicer"]["address"]),
        ["city", "state", "street1", "street2", "street3", "zipcode"]
    );
    assert_eq!(v["servicer"]["address"]["city"], "Lincoln");
    let g = &v["servicer"]["payment_groups"][0];
    assert_eq!(g["id"], "f7498357-844d-4d0e-a0e9-573003cada13");
    assert_eq!(g["monthly_payment"]["scheduled_amount"], "427.96");
    assert_eq!(
        v["status"],
        json!({"code": "FB", "description": "Forbearance"})
    );
    assert_eq!(
        v["type"],
        json!({
            "code": "D2",
            "description": "Direct Stafford Unsubsidized Loan",
            "federal": true,
            "guarantor": "Department of Education",
            "lender": "Department of Education",
            "subsidized": false,
            "sula_eligible": false
        })
    );
}

#[test]
fn canonical_objects_are_never_null() {
    let mut l = seed_loan();
    l.data = LoanData {
        loan_type: "D2".into(),
        ..LoanData::default()
    };
    let v = portfolio_loan_view(&l, d(2026, 11, 22));
    for k in [
        "interest_rate",
        "monthly_payment",
        "origination",
        "payoff",
        "pslf",
        "repayment_plan",
        "servicer",
        "status",
        "type",
    ] {
        assert!(v[k].is_object(), "{k}: {}", v[k]);
    }
    assert_eq!(
        v["interest_rate"],
        json!({"effective": null, "original": null})
    );
    assert_eq!(v["origination"], json!({"amount": null, "date": null}));
    assert_eq!(v["status"], json!({"code": null, "description": null}));
    assert_eq!(
        v["repayment_plan"],
        json!({"description": null, "income_driven_repayment": null, "type": null})
    );
    assert_eq!(
        v["servicer"],
        json!({"name": null, "address": null, "payment_groups": []})
    );
    assert_eq!(v["outstanding_principal"], "0.00");
    assert_eq!(v["payoff"]["quote"], "0.00");
}

#[test]
fn rates_keep_their_digits_in_strings() {
    let mut l = seed_loan();
    l.data.interest_rate = Some(dec!(6.875));
    l.data.original_interest_rate = Some(dec!(6.8));
    let v = portfolio_loan_view(&l, d(2026, 11, 22));
    assert_eq!(
        v["interest_rate"],
        json!({"effective": "6.875", "original": "6.80"})
    );
}

#[test]
fn v1_loan_view_uses_numbers_with_two_decimals() {
    let l = seed_loan();
    let v = loan_view(&l, 3);
    assert_eq!(v["id"], 7);
    assert_eq!(v["uuid"], u(1).to_string());
    assert_eq!(v["borrower_uuid"], u(2).to_string());
    assert_eq!(v["borrower_id"], 3);
    assert_eq!(v["outstanding_principal"].to_string(), "20000.00");
    assert_eq!(v["outstanding_interest"].to_string(), "0.00");
    assert_eq!(v["monthly_payment"].to_string(), "300.00");
    assert_eq!(v["interest_rate"].to_string(), "7.08");
    assert_eq!(v["loan_type"], "Direct Stafford Unsubsidized Loan");
    assert_eq!(v["loan_type_code"], "D2");
    assert_eq!(v["loan_status"], "In Repayment");
    assert_eq!(v["loan_status_code"], "RP");
    assert_eq!(v["origination_date"], "2019-09-22");
    assert_eq!(v["servicer_name"], "Nelnet");
    assert_eq!(v["repayment_plan"], Value::Null);
    assert_eq!(v["repayment_plan_begin_date"], "2020-05-11");
    assert_eq!(v["loan_status_history"], json!({}));
    assert_eq!(v["disbursement_dates"], json!([]));
    let mut p = l.clone();
    p.data.repayment_plan_type = Some("standard".into());
    assert_eq!(
        loan_view(&p, 3)["repayment_plan"],
        json!({"description": "Standard Repayment Plan", "idr": false, "name": "Standard", "type": "standard"})
    );
}

fn modern_loans() -> Vec<Loan> {
    let f = parse(MODERN.as_bytes()).unwrap();
    loans_from_file(&f)
        .into_iter()
        .enumerate()
        .map(|(i, n)| n.into_loan(i as i64 + 1, u(100 + i as u128), u(2), NOW))
        .collect()
}

#[test]
fn portfolio_view_groups_by_servicer_and_excludes_closed_loans_from_totals() {
    let loans = modern_loans();
    let v = portfolio_view(&loans, d(2026, 11, 22)).unwrap();
    assert_eq!(keys(&v), ["loans", "servicers", "summary"]);
    assert_eq!(v["loans"].as_array().unwrap().len(), 6);
    // Open loans: D1, D2, D3, D5, D6 (D4 is PC, closed).
    // principal 2104.17 + 1987.65 + 23456.78 + 9876.54 + 61340.29 = 98765.43
    // interest  12.09 + 45.10 + 1020.33 + 101.01 + 56.03 = 1234.56
    assert_eq!(
        v["summary"],
        json!({
            "accrued_interest": "1234.56",
            "current_principal": "98765.43",
            "outstanding_balance": "99999.99",
            "monthly_payment": "60.00",
        })
    );
    let names: Vec<&str> = v["servicers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["servicer"]["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["Nelnet", "MOHELA", "Navient", "EdFinancial"]);
    let nelnet = &v["servicers"][0];
    assert_eq!(nelnet["loans"].as_array().unwrap().len(), 2);
    assert_eq!(nelnet["current_principal"], "4091.82");
    assert_eq!(nelnet["accrued_interest"], "57.19");
    assert_eq!(nelnet["outstanding_balance"], "4149.01");
    assert_eq!(nelnet["capitalized_interest"], "0.00");
    assert_eq!(nelnet["payment_groups"], Value::Null);
    assert_eq!(
        nelnet["monthly_payment"],
        json!({"scheduled_amount": "60.00", "estimated": false, "next_payment_due": "2026-11-28"})
    );
    let navient = &v["servicers"][2];
    assert_eq!(navient["loans"][0]["status"]["code"], "PC");
    assert_eq!(navient["current_principal"], "0.00");
    assert_eq!(navient["outstanding_balance"], "0.00");
}

// ---------------------------------------------------------------- MyStudentData

#[test]
fn modern_file_import_maps_every_loan() {
    let f = parse(MODERN.as_bytes()).unwrap();
    let loans = loans_from_file(&f);
    assert_eq!(loans.len(), 6);
    assert!(loans.iter().all(|l| l.source == LoanSource::MyStudentData));
    let award: Vec<&str> = loans
        .iter()
        .map(|l| l.award_id.as_deref().unwrap())
        .collect();
    assert_eq!(
        award,
        [
            "award:S13G99999001",
            "award:U13G99999001",
            "award:G19G88888002",
            "award:P15G77777001",
            "award:C21G00000001",
            "award:C22G00000002",
        ]
    );
    let types: Vec<&str> = loans.iter().map(|l| l.data.loan_type.as_str()).collect();
    assert_eq!(types, ["D1", "D2", "D3", "D4", "D5", "D6"]);
    let statuses: Vec<&str> = loans
        .iter()
        .map(|l| l.data.loan_status.as_deref().unwrap())
        .collect();
    assert_eq!(statuses, ["RP", "FB", "DA", "PC", "RP", "FB"]);
    let plans: Vec<Option<&str>> = loans
        .iter()
        .map(|l| l.data.repayment_plan_type.as_deref())
        .collect();
    assert_eq!(
        plans,
        [
            Some("paye"),
            Some("paye"),
            None,
            None,
            Some("icr"),
            Some("save")
        ]
    );
    let servicers: Vec<&str> = loans
        .iter()
        .map(|l| l.data.servicer_name.as_deref().unwrap())
        .collect();
    // Canonical names ("NELNET", "DEPT OF ED/MOHELA", "EDFINANCIAL SERVICES" → reference names).
    assert_eq!(
        servicers,
        [
            "Nelnet",
            "Nelnet",
            "MOHELA",
            "Navient",
            "MOHELA",
            "EdFinancial"
        ]
    );
    let rates: Vec<Decimal> = loans
        .iter()
        .map(|l| l.data.interest_rate.unwrap())
        .collect();
    assert_eq!(
        rates,
        [
            dec!(3.86),
            dec!(6.8),
            dec!(7.080),
            dec!(6.84),
            dec!(6.875),
            dec!(5.25)
        ]
    );
    let principal: Vec<Decimal> = loans
        .iter()
        .map(|l| l.data.outstanding_principal.unwrap())
        .collect();
    assert_eq!(
        principal,
        [
            dec!(2104.17),
            dec!(1987.65),
            dec!(23456.78),
            dec!(0.00),
            dec!(9876.54),
            dec!(61340.29)
        ]
    );
    let interest: Vec<Decimal> = loans
        .iter()
        .map(|l| l.data.outstanding_interest.unwrap())
        .collect();
    assert_eq!(
        interest,
        [
            dec!(12.09),
            dec!(45.10),
            dec!(1020.33),
            dec!(0),
            dec!(101.01),
            dec!(56.03)
        ]
    );
    let original: Vec<Decimal> = loans
        .iter()
        .map(|l| l.data.original_principal.unwrap())
        .collect();
    assert_eq!(
        original,
        [
            dec!(3500),
            dec!(2000),
            dec!(24850.50),
            dec!(10000),
            dec!(10432.18),
            dec!(61000.00)
        ]
    );
    let families: Vec<_> = loans.iter().map(|l| l.data.family()).collect();
    use crate::reference::LoanFamily::*;
    assert_eq!(
        families,
        [
            DirectSubsidized,
            DirectUnsubsidized,
            DirectGradPlus,
            DirectParentPlus,
            DirectConsolidationParentPlus,
            DirectConsolidation
        ]
    );
    assert!(!loans[3].data.is_open());
    assert!(loans
        .iter()
        .enumerate()
        .all(|(i, l)| l.data.is_open() == (i != 3)));
}

#[test]
fn modern_file_first_loan_in_detail() {
    let f = parse(MODERN.as_bytes()).unwrap();
    let l = loans_from_file(&f).remove(0);
    let data = &l.data;
    assert_eq!(data.origination_date, Some(d(2012, 8, 15)));
    assert_eq!(data.repayment_begin_date, Some(d(2016, 11, 15)));
    assert_eq!(data.repayment_plan_begin_date, Some(d(2019, 12, 1)));
    assert_eq!(data.monthly_payment, Some(dec!(41.00)));
    assert_eq!(data.idr_renewal_date, Some(d(2026, 11, 30)));
    assert_eq!(data.last_payment_date, Some(d(2026, 10, 28)));
    assert_eq!(data.due_date, Some(d(2026, 11, 28)));
    assert_eq!(data.capitalized_amount, Some(dec!(0.00)));
    assert_eq!(data.pslf_cumulative_periods, Some(36));
    assert_eq!(data.balance_as_of, Some(d(2026, 10, 31)));
    assert_eq!(data.disbursement_dates, [d(2012, 8, 22), d(2013, 1, 14)]);
    assert_eq!(
        data.loan_status_history,
        BTreeMap::from([
            (d(2012, 8, 15), "LOAN ORIGINATED".to_owned()),
            (d(2016, 5, 12), "IN GRACE PERIOD".to_owned()),
            (d(2016, 11, 15), "IN REPAYMENT".to_owned()),
        ])
    );
    let addr = data.servicer_address.as_ref().unwrap();
    assert_eq!(addr.street1.as_deref(), Some("PO BOX 82561"));
    assert_eq!(addr.street2, None);
    assert_eq!(addr.city.as_deref(), Some("LINCOLN"));
    assert_eq!(addr.zipcode.as_deref(), Some("68501"));
    assert_eq!(data.metadata["school_name"], "EXAMPLE STATE UNIVERSITY");
    assert_eq!(data.metadata["award_id"], "*********S13G99999001");

    // Closed Parent PLUS: history kept, zero balances as the file says.
    let pp = loans_from_file(&f).remove(3);
    assert_eq!(pp.data.loan_status.as_deref(), Some("PC"));
    assert_eq!(
        pp.data.loan_status_history[&d(2021, 3, 15)],
        "PAID IN FULL THROUGH CONSOLIDATION LOAN"
    );
    assert_eq!(pp.data.disbursement_dates, [d(2015, 8, 10), d(2016, 1, 11)]);
    assert_eq!(pp.data.outstanding_principal, Some(dec!(0)));

    // The Grad PLUS disbursements to the cent are reflected in original principal.
    let gp = loans_from_file(&f).remove(2);
    assert_eq!(gp.data.disbursement_dates, [d(2019, 9, 10), d(2020, 1, 21)]);
    assert_eq!(gp.data.original_principal, Some(dec!(24850.50)));
    assert_eq!(gp.data.pslf_cumulative_periods, Some(0));
}

#[test]
fn modern_file_portfolio_loan_view() {
    let loans = modern_loans();
    let v = portfolio_loan_view(&loans[0], d(2026, 11, 22));
    assert_eq!(v["type"]["code"], "D1");
    assert_eq!(v["type"]["subsidized"], true);
    assert_eq!(
        v["status"],
        json!({"code": "RP", "description": "In Repayment"})
    );
    assert_eq!(v["interest_rate"]["effective"], "3.86");
    assert_eq!(v["outstanding_principal"], "2104.17");
    assert_eq!(v["outstanding_interest"], "12.09");
    assert_eq!(
        v["origination"],
        json!({"amount": "3500.00", "date": "2012-08-15"})
    );
    assert_eq!(v["disbursement_dates"], json!(["2012-08-22", "2013-01-14"]));
    assert_eq!(v["pslf"]["qualifying_payments"], 36);
    assert_eq!(v["pslf"]["remaining_payments"], 84);
    assert_eq!(v["servicer"]["address"]["street1"], "PO BOX 82561");
    assert_eq!(
        v["monthly_payment"],
        json!({"scheduled_amount": "41.00", "estimated": false, "next_payment_due": "2026-11-28"})
    );
    // 2104.17 × 3.86 % × 22 / 365.25 = 4.8922… → 4.89; 2104.17 + 12.09 + 4.89.
    assert_eq!(v["payoff"]["quote"], "2121.15");
    // D5 has no contact address: the reference table's MOHELA address is used.
    let v5 = portfolio_loan_view(&loans[4], d(2026, 11, 22));
    assert_eq!(v5["servicer"]["name"], "MOHELA");
    assert_eq!(v5["servicer"]["address"]["street1"], "633 Spirit Drive");
}

#[test]
fn reimport_changes_nothing() {
    let stored = modern_loans();
    let f = parse(MODERN.as_bytes()).unwrap();
    for new in loans_from_file(&f) {
        let existing = find_match(&stored, &new).expect("matched by award id");
        assert!(same_data(existing, &new));
        assert_eq!(
            &merge_into_at(existing, &new, "2027-01-01T00:00:00.000000Z"),
            existing
        );
    }
}

#[test]
fn profile_fill_from_modern_file() {
    let f = parse(MODERN.as_bytes()).unwrap();
    let p = profile_fill(&f);
    assert_eq!(p.first_name.as_deref(), Some("TESTY"));
    assert_eq!(p.last_name.as_deref(), Some("FIXTURE"));
    assert_eq!(p.email.as_deref(), Some("testy.fixture@example.invalid"));
    assert_eq!(p.phone.as_deref(), Some("5550100001"));
    let a = p.address.unwrap();
    assert_eq!(a.street1.as_deref(), Some("100 EXAMPLE AVE"));
    assert_eq!(a.street2.as_deref(), Some("APT 4B"));
    assert_eq!(a.city.as_deref(), Some("SAMPLEVILLE"));
    assert_eq!(a.state.as_deref(), Some("OH"));
    assert_eq!(a.zipcode.as_deref(), Some("43004"));
}

#[test]
fn legacy_file_import_uses_fallback_keys_and_guarantor() {
    const LEGACY: &str = include_str!("../../../tests/fixtures/mystudentdata/legacy_uppercase.txt");
    let f = parse(LEGACY.as_bytes()).unwrap();
    let loans = loans_from_file(&f);
    let types: Vec<&str> = loans.iter().map(|l| l.data.loan_type.as_str()).collect();
    assert_eq!(types, ["D2", "SF", "PU"]);
    assert_eq!(
        loans[0].award_id.as_deref(),
        Some("loan:D2:2008-09-01:3500")
    );
    assert_eq!(loans[0].data.outstanding_principal, Some(dec!(3211.40)));
    assert_eq!(
        loans[0].data.repayment_plan_type.as_deref(),
        Some("standard")
    );
    assert_eq!(
        loans[0].data.disbursement_dates,
        [d(2009, 1, 2), d(2008, 9, 5)]
    );
    assert_eq!(
        loans[1].data.guarantor.as_deref(),
        Some("EXAMPLE STATE GUARANTY AGENCY")
    );
    assert_eq!(loans[1].data.servicer_name.as_deref(), Some("Nelnet"));
    assert_eq!(loans[2].data.loan_status.as_deref(), Some("PF"));
    assert!(!loans[2].data.is_open());
    // Keys are unique, so a re-import matches loan for loan.
    let mut keys: Vec<_> = loans.iter().map(|l| l.award_id.clone()).collect();
    keys.dedup();
    assert_eq!(keys.len(), 3);
}

/// Two loans of the same type, date and amount in a file without award ids
/// (and a repeated award id) must stay two loans on every re-import.
#[test]
fn duplicate_import_keys_in_one_file_stay_distinct_on_reimport() {
    let text = "\
FILE SOURCE:NATIONAL STUDENT LOAN DATA SYSTEM (NSLDS)
LOAN TYPE:STAFFORD SUBSIDIZED
LOAN DATE:09/15/2007
LOAN DISBURSED AMOUNT:$2,625
LOAN OUTSTANDING PRINCIPAL BALANCE:$1,000.00
LOAN OUTSTANDING INTEREST BALANCE:$0
LOAN INTEREST RATE:6.8%
LOAN STATUS:RP
LOAN TYPE:STAFFORD SUBSIDIZED
LOAN DATE:09/15/2007
LOAN DISBURSED AMOUNT:$2,625
LOAN OUTSTANDING PRINCIPAL BALANCE:$2,000.00
LOAN OUTSTANDING INTEREST BALANCE:$0
LOAN INTEREST RATE:6.8%
LOAN STATUS:RP
";
    let f = parse(text.as_bytes()).unwrap();
    let new = loans_from_file(&f);
    assert_eq!(new.len(), 2);
    assert_ne!(new[0].award_id, new[1].award_id, "keys must be unique");
    // Store them, then re-import: each matches its own loan, unchanged.
    let stored: Vec<Loan> = new
        .clone()
        .into_iter()
        .enumerate()
        .map(|(i, n)| n.into_loan(i as i64 + 1, u(300 + i as u128), u(2), NOW))
        .collect();
    for (i, again) in loans_from_file(&f).iter().enumerate() {
        let m = find_match(&stored, again).expect("matched");
        assert_eq!(m.id, stored[i].id, "loan {i} matched another loan");
        assert!(same_data(m, again));
    }
}

/// The outstanding interest already covers interest up to its own as-of
/// date: a payoff quote accrues only from there, not from an older
/// principal date (which would count those days twice).
#[test]
fn payoff_accrues_from_the_interest_balance_date() {
    let text = "\
File Source:NSLDS
Loan Type Code:D2
Loan Outstanding Principal Balance:$10,000.00
Loan Outstanding Principal Balance as of Date:09/30/2026
Loan Outstanding Interest Balance:$55.89
Loan Outstanding Interest Balance as of Date:10/31/2026
Loan Interest Rate:6.8%
Current Loan Status:RP
";
    let f = parse(text.as_bytes()).unwrap();
    let loan = loans_from_file(&f).remove(0).into_loan(1, u(1), u(2), NOW);
    let p = loan.payoff(d(2026, 11, 22)).unwrap();
    assert_eq!(p.as_of, Some(d(2026, 10, 31)));
    assert_eq!(p.days, 22);
    // 10000 × 6.8 % × 22 / 365.25 = 40.958… → 40.96
    assert_eq!(p.accrued_interest, dec!(40.96));
    assert_eq!(p.quote, dec!(10096.85));
}

#[test]
fn an_unknown_loan_type_keeps_the_files_description() {
    let text = "\
File Source:NSLDS
Loan Type Code:HL
Loan Type Description:HEALTH EDUCATION ASSISTANCE LOAN (HEAL)
Loan Outstanding Principal Balance:$1,000.00
Current Loan Status:RP
";
    let f = parse(text.as_bytes()).unwrap();
    let l = loans_from_file(&f).remove(0).into_loan(1, u(1), u(2), NOW);
    let v = portfolio_loan_view(&l, d(2026, 11, 22));
    assert_eq!(v["type"]["code"], "HL");
    assert_eq!(
        v["type"]["description"],
        "HEALTH EDUCATION ASSISTANCE LOAN (HEAL)"
    );
    assert_eq!(v["type"]["federal"], Value::Null, "nothing is guessed");
}

/// Issue 12 §1: totals of amounts too large for a Decimal are an error, never a panic.
#[test]
fn totals_that_overflow_are_an_error_not_a_panic() {
    let mut big = seed_loan();
    big.data.outstanding_principal = Some(Decimal::MAX);
    big.data.outstanding_interest = Some(Decimal::MAX);
    let mut other = big.clone();
    other.uuid = uuid::Uuid::new_v4();
    let day = d(2026, 11, 22);
    assert_eq!(
        portfolio_view(&[big.clone(), other], day),
        Err(crate::money::Overflow)
    );
    assert_eq!(big.payoff(day), Err(crate::money::Overflow));
    let e: crate::ApiError = crate::money::Overflow.into();
    assert_eq!(e.status(), 422);
}

// ---------------------------------------------------------------- wire bytes

/// Loans that touch every branch of the Portfolio: four servicers, a closed loan, payment
/// groups (two loans sharing one), a servicer address from the source, a loan the sync stopped
/// seeing, a loan type we do not know, and one with a seed loan's plan.
fn rich_loans() -> Vec<Loan> {
    let mut loans = modern_loans();
    loans[0].data.payment_group_id = Some(u(900));
    loans[0].data.payment_reference_number = Some("REF-1".into());
    loans[1].data.payment_group_id = Some(u(900));
    loans[2].data.payment_group_id = Some(u(901));
    loans[2].data.no_longer_reported_since = Some(d(2026, 11, 1));
    loans[3].data.servicer_address = Some(Address {
        street1: Some("PO Box 1".into()),
        city: Some("Lincoln".into()),
        state: Some("NE".into()),
        zipcode: Some("68501".into()),
        ..Address::default()
    });
    let mut seed = seed_loan();
    seed.data.repayment_plan_type = Some("standard".into());
    seed.data.original_interest_rate = Some(dec!(6.875));
    loans.push(seed);
    loans
}

/// The Portfolio's exact bytes for [`rich_loans`] (and the v1 Loan's), so that a faster way of
/// writing them must write the same text. `LOANPATH_WRITE_GOLDEN=1` rewrites the files.
#[test]
fn the_wire_bytes_of_the_portfolio_and_the_loan_are_unchanged() {
    let loans = rich_loans();
    // The text the handler sends, not a re-serialised Value (which would sort the keys anyway).
    let portfolio = write_portfolio(&loans, d(2026, 11, 22), None).unwrap();
    // The borrower id is the caller's (null in the earlier code's golden file, set since).
    let v1: Vec<Value> = loans.iter().map(|l| loan_view(l, 1)).collect();
    let v1 = serde_json::to_string(&v1).unwrap();
    let dir = format!("{}/src/loans/testdata", env!("CARGO_MANIFEST_DIR"));
    for (name, text) in [("portfolio.json", &portfolio), ("loans.json", &v1)] {
        let path = format!("{dir}/{name}");
        if std::env::var("LOANPATH_WRITE_GOLDEN").is_ok() {
            std::fs::create_dir_all(&dir).unwrap();
            std::fs::write(&path, text).unwrap();
        }
        let golden = std::fs::read_to_string(&path).expect("golden file (LOANPATH_WRITE_GOLDEN=1)");
        assert!(
            golden == *text,
            "{name} differs from the golden file:\n{text}"
        );
    }
    // With links (as GET portfolio writes it): the earlier code set `view["links"]` on the
    // Value, so they came first ("links" < "loans"), before the same bytes.
    let links = vec![crate::nexus::LinkView {
        servicer: "Nelnet".into(),
        status: crate::nexus::link::LinkStatus::Linked,
        loan_count: 2,
        linked_at: "2026-11-01T00:00:00Z".into(),
        last_synced_at: "2026-11-01T00:00:00Z".into(),
        last_attempt_at: None,
        last_sync_outcome: None,
        next_sync_at: "2026-11-02T00:00:00Z".into(),
    }];
    let with_links = write_portfolio(&loans, d(2026, 11, 22), Some(&links)).unwrap();
    let expected = format!(
        "{{\"links\":{},{}",
        serde_json::to_string(&links).unwrap(),
        &portfolio[1..]
    );
    assert_eq!(with_links, expected);
}
