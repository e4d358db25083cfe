//! Repayment and Forgiveness Options through the API, including every scenario case of the
//! Department of Education's worked examples (../shared/vectors/official.json) end to end.

use loanpath_tests::{app, call, send, OTHER_KEY};
use serde_json::{json, Value};
use shared::api::{assessments, borrowers, loans};
use shared::AppContext;

fn vectors() -> Vec<Value> {
    let path = format!(
        "{}/../../shared/vectors/official.json",
        env!("CARGO_MANIFEST_DIR")
    );
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    let v: Value = serde_json::from_str(&text).unwrap();
    v["cases"].as_array().unwrap().clone()
}

async fn post(ctx: &AppContext, borrower: Value) -> Value {
    let (s, b) = send(
        ctx,
        borrowers::create,
        call("POST", "/").json(json!({ "borrower": borrower })),
    )
    .await;
    assert_eq!(s, 201, "{b}");
    b
}

/// A scenario loan as a full LoanPayload: the fields the case leaves out don't affect the
/// payment, so they get neutral values.
fn loan_payload(l: &Value) -> Value {
    let mut p = l.clone();
    let o = p.as_object_mut().unwrap();
    o.entry("servicer_name").or_insert(json!("Nelnet"));
    o.entry("original_principal")
        .or_insert(l["outstanding_principal"].clone());
    o.entry("outstanding_interest").or_insert(json!(0));
    o.entry("loan_status").or_insert(json!("RP"));
    p
}

async fn add_loans(ctx: &AppContext, id: &Value, list: &Value) {
    let payload: Vec<Value> = list.as_array().unwrap().iter().map(loan_payload).collect();
    let (s, out) = send(
        ctx,
        loans::create,
        call("POST", "/")
            .query("summary", "true")
            .id(id)
            .json(json!({ "loans": payload })),
    )
    .await;
    assert_eq!(s, 201, "{out}");
}

async fn options(ctx: &AppContext, id: &Value, as_of: &str) -> Value {
    let (s, out) = send(
        ctx,
        assessments::repayment_options,
        call("GET", "/").id(id).query("as_of", as_of),
    )
    .await;
    assert_eq!(s, 200, "{out}");
    out
}

fn plan<'a>(out: &'a Value, kind: &str) -> &'a Value {
    out["repayment_options"]
        .as_array()
        .unwrap()
        .iter()
        .find(|o| o["repayment_plan"]["type"] == kind)
        .unwrap_or_else(|| panic!("no {kind} option"))
}

#[tokio::test]
async fn official_scenarios_reproduce_to_the_cent_through_the_api() {
    let cases: Vec<Value> = vectors()
        .into_iter()
        .filter(|c| c.get("plan").is_some())
        .collect();
    assert!(cases.len() >= 5);
    for case in cases {
        let t = app().await;
        let id = case["id"].as_str().unwrap();
        let b = &case["borrower"];
        let me = post(&t.ctx, b.clone()).await;
        add_loans(&t.ctx, &me["id"], &case["loans"]).await;
        if let Some(spouse_loans) = case.get("spouse_loans") {
            let spouse = post(&t.ctx, json!({
                "agi": b["spouse_agi"], "filing_status": b["filing_status"], "family_size": b["family_size"],
                "state_of_residence": b["state_of_residence"],
            }))
            .await;
            add_loans(&t.ctx, &spouse["id"], spouse_loans).await;
            let (s, linked) = send(
                &t.ctx,
                borrowers::update,
                call("PATCH", "/")
                    .id(&me["id"])
                    .json(json!({"borrower": {"spouse_id": spouse["id"]}})),
            )
            .await;
            assert_eq!(s, 200, "{id}: {linked}");
        }
        let out = options(&t.ctx, &me["id"], case["as_of"].as_str().unwrap()).await;
        let option = plan(&out, case["plan"].as_str().unwrap());
        assert_eq!(
            option["starting_monthly_payment"].to_string(),
            case["expect"]["starting_monthly_payment"].as_str().unwrap(),
            "{id}: {}",
            case["source"]
        );
        assert!(
            option["ineligible_reasons"].as_array().unwrap().is_empty(),
            "{id}: {option}"
        );
    }
}

#[tokio::test]
async fn every_plan_is_listed_with_consistent_totals() {
    let t = app().await;
    let b = post(&t.ctx, json!({"agi": 35000, "filing_status": "single", "family_size": 1, "state_of_residence": "NY"})).await;
    add_loans(&t.ctx, &b["id"], &json!([
        {"loan_type": "D2", "interest_rate": 6.8, "outstanding_principal": 30000, "origination_date": "2016-09-01", "monthly_payment": 345.24, "repayment_plan_type": "standard"},
        {"loan_type": "D1", "interest_rate": 4.5, "outstanding_principal": 12500.55, "outstanding_interest": 120.10, "origination_date": "2015-09-01"}
    ])).await;
    let out = options(&t.ctx, &b["id"], "2026-11-22").await;
    assert_eq!(out["as_of"], "2026-11-22");
    assert!(out["rules_version"].as_str().unwrap().len() > 4);
    assert!(!out["assumptions"].as_array().unwrap().is_empty());
    let types: Vec<&str> = out["repayment_options"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["repayment_plan"]["type"].as_str().unwrap())
        .collect();
    let mut sorted = types.clone();
    sorted.sort();
    assert_eq!(
        sorted,
        vec![
            "extended",
            "extended_graduated",
            "graduated",
            "ibr",
            "icr",
            "new_ibr",
            "paye",
            "rap",
            "repaye",
            "save",
            "standard",
            "tiered_standard"
        ]
    );
    for o in out["repayment_options"].as_array().unwrap() {
        let n = |k: &str| o[k].to_string().parse::<rust_decimal::Decimal>().unwrap();
        assert_eq!(
            n("total_cost"),
            n("total_paid") + n("estimated_tax_liability"),
            "{}",
            o["name"]
        );
        assert!(n("starting_monthly_payment") >= rust_decimal::Decimal::ZERO);
        for k in ["starting_monthly_payment", "total_paid", "total_cost"] {
            let text = o[k].to_string();
            assert_eq!(
                text.split('.').nth(1).map(str::len),
                Some(2),
                "{k} = {text} has two decimals"
            );
        }
    }
    for ended in ["save", "repaye"] {
        let o = plan(&out, ended);
        assert!(o["eligible_loans"].as_array().unwrap().is_empty());
        let why = o["ineligible_reasons"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r.as_str().unwrap())
            .collect::<Vec<_>>()
            .join(" ");
        assert!(
            why.contains("2026-03-10") || why.contains("March 10, 2026"),
            "{ended}: {why}"
        );
    }
    let ibr_ok = plan(&out, "ibr")["ineligible_reasons"]
        .as_array()
        .unwrap()
        .is_empty();
    let new_ibr_ok = plan(&out, "new_ibr")["ineligible_reasons"]
        .as_array()
        .unwrap()
        .is_empty();
    assert!(!(ibr_ok && new_ibr_ok), "at most one of ibr and new_ibr");
    let standard = plan(&out, "standard");
    assert_eq!(standard["eligible_loans"].as_array().unwrap().len(), 2);
    assert_eq!(standard["estimated_tax_liability"].to_string(), "0.00");
    assert!(!standard["annual_snapshots"].as_array().unwrap().is_empty());
    assert_eq!(
        out["original"]["outstanding_principal"].to_string(),
        "42500.55"
    );
    assert_eq!(
        out["original"]["outstanding_interest"].to_string(),
        "120.10"
    );
}

#[tokio::test]
async fn the_law_on_as_of_decides_which_plans_are_open() {
    let t = app().await;
    let b = post(
        &t.ctx,
        json!({"agi": 60000, "family_size": 1, "state_of_residence": "TX"}),
    )
    .await;
    add_loans(&t.ctx, &b["id"], &json!([
        {"loan_type": "D2", "interest_rate": 6.39, "outstanding_principal": 20500, "origination_date": "2026-08-15", "disbursement_dates": ["2026-08-15"]}
    ])).await;
    let out = options(&t.ctx, &b["id"], "2026-11-22").await;
    for open in ["rap", "tiered_standard"] {
        assert!(
            plan(&out, open)["ineligible_reasons"]
                .as_array()
                .unwrap()
                .is_empty(),
            "{open} is open to a new loan"
        );
    }
    for closed in ["standard", "ibr", "paye", "icr", "graduated", "extended"] {
        assert!(
            !plan(&out, closed)["ineligible_reasons"]
                .as_array()
                .unwrap()
                .is_empty(),
            "{closed} is closed to a loan made after 2026-07-01"
        );
    }
}

#[tokio::test]
async fn a_linked_spouse_supplies_a_missing_spouse_agi() {
    let t = app().await;
    let spouse = post(&t.ctx, json!({"agi": 27500, "filing_status": "married_filing_jointly", "family_size": 2, "state_of_residence": "OH"})).await;
    let me = post(&t.ctx, json!({"agi": 27500, "filing_status": "married_filing_jointly", "family_size": 2, "state_of_residence": "OH", "spouse_id": spouse["id"]})).await;
    let loan = json!([{"loan_type": "D2", "interest_rate": 5.5, "outstanding_principal": 20000, "origination_date": "2019-09-01"}]);
    add_loans(&t.ctx, &me["id"], &loan).await;
    add_loans(&t.ctx, &spouse["id"], &loan).await;
    let out = options(&t.ctx, &me["id"], "2026-11-22").await;
    assert_eq!(
        plan(&out, "rap")["starting_monthly_payment"].to_string(),
        "114.58"
    );
    assert!(out["assumptions"]
        .as_array()
        .unwrap()
        .iter()
        .any(|a| a["code"] == "spouse_agi_from_spouse"));
}

#[tokio::test]
async fn a_linked_spouse_who_disagrees_is_said_not_settled_in_silence() {
    let t = app().await;
    let spouse = post(&t.ctx, json!({"agi": 30000, "filing_status": "single", "family_size": 1, "state_of_residence": "OH"})).await;
    let me = post(&t.ctx, json!({"agi": 27500, "spouse_agi": 31000, "filing_status": "married_filing_jointly", "family_size": 2, "state_of_residence": "OH", "spouse_id": spouse["id"]})).await;
    let loan = json!([{"loan_type": "D2", "interest_rate": 5.5, "outstanding_principal": 20000, "origination_date": "2019-09-01"}]);
    add_loans(&t.ctx, &me["id"], &loan).await;
    let out = options(&t.ctx, &me["id"], "2026-11-22").await;
    let notes: Vec<(&str, &str)> = out["assumptions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| {
            (
                a["code"].as_str().unwrap(),
                a["description"].as_str().unwrap(),
            )
        })
        .collect();
    let said = |code: &str| notes.iter().find(|(c, _)| *c == code).map(|(_, d)| *d);
    assert_eq!(
        said("spouse_filing_status_differs"),
        Some(format!("The borrower files married_filing_jointly, but the linked spouse (borrower {}) is on file as single; this assessment uses the borrower's filing status. Correct one of the two.", spouse["id"]).as_str()),
        "{notes:?}"
    );
    assert_eq!(
        said("spouse_agi_differs"),
        Some(format!("spouse_agi is 31000.00, but the linked spouse (borrower {}) has agi 30000.00 on file; this assessment uses spouse_agi.", spouse["id"]).as_str()),
        "{notes:?}"
    );
    // The borrower's figures are the ones used: the same answer as with no spouse linked.
    let alone = post(&t.ctx, json!({"agi": 27500, "spouse_agi": 31000, "filing_status": "married_filing_jointly", "family_size": 2, "state_of_residence": "OH"})).await;
    add_loans(&t.ctx, &alone["id"], &loan).await;
    let unlinked = options(&t.ctx, &alone["id"], "2026-11-22").await;
    let payments = |v: &Value| -> Vec<(String, String, String)> {
        v["repayment_options"]
            .as_array()
            .unwrap()
            .iter()
            .map(|o| {
                (
                    o["repayment_plan"]["type"].to_string(),
                    o["starting_monthly_payment"].to_string(),
                    o["total_paid"].to_string(),
                )
            })
            .collect()
    };
    assert_eq!(payments(&out), payments(&unlinked));
    assert_eq!(payments(&out).len(), 12);
    assert!(payments(&out)
        .iter()
        .all(|(plan, pay, _)| plan != "null" && pay != "null"));
    // A spouse who agrees draws neither note.
    let agreeing = post(&t.ctx, json!({"agi": 31000, "filing_status": "married_filing_jointly", "family_size": 2, "state_of_residence": "OH"})).await;
    let other = post(&t.ctx, json!({"agi": 27500, "spouse_agi": 31000, "filing_status": "married_filing_jointly", "family_size": 2, "state_of_residence": "OH", "spouse_id": agreeing["id"]})).await;
    add_loans(&t.ctx, &other["id"], &loan).await;
    let out = options(&t.ctx, &other["id"], "2026-11-22").await;
    assert!(
        !out["assumptions"].to_string().contains("spouse_"),
        "{}",
        out["assumptions"]
    );
}

#[tokio::test]
async fn assessments_reject_bad_input_by_name() {
    let t = app().await;
    post(&t.ctx, json!({"first_name": "No AGI"})).await;
    let (s, err) = send(
        &t.ctx,
        assessments::repayment_options,
        call("GET", "/").id(1),
    )
    .await;
    assert_eq!(s, 422, "{err}");
    assert!(err["error"]["fields"]["agi"].is_string());
    let (s, err) = send(
        &t.ctx,
        assessments::repayment_options,
        call("GET", "/").id(1).query("as_of", "22/11/2026"),
    )
    .await;
    assert_eq!(s, 422);
    assert!(err["error"]["fields"]["as_of"].is_string());
    // Strict, and within the documented 2024-01-01 to 2100-12-31 (it took any year, and spaces;
    // then 1990 to 2023 passed the parser and met the engine's other range and message).
    for bad in [
        "1989-12-31",
        "2000-01-01",
        "2023-12-31",
        "2101-01-01",
        " 2026-11-22",
        "2026-11-31",
        "2026-1-05",
    ] {
        let (s, err) = send(
            &t.ctx,
            assessments::repayment_options,
            call("GET", "/").id(1).query("as_of", bad),
        )
        .await;
        assert_eq!(s, 422, "{bad}: {err}");
        assert!(err["error"]["fields"]["as_of"].is_string(), "{bad}: {err}");
        if bad.len() == 10 && !bad.starts_with(' ') && bad != "2026-11-31" {
            assert_eq!(
                err["error"]["fields"]["as_of"],
                format!("must be from 2024-01-01 to 2100-12-31 (the rules tables start in 2024); got {bad}"),
                "{bad}"
            );
        }
    }
    post(
        &t.ctx,
        json!({"agi": 50000, "filing_status": "married_filing_jointly", "family_size": 2}),
    )
    .await;
    let (s, err) = send(
        &t.ctx,
        assessments::repayment_options,
        call("GET", "/").id(2),
    )
    .await;
    assert_eq!(s, 422, "{err}");
    assert!(err["error"]["fields"]["spouse_agi"].is_string());
    let (s, _) = send(
        &t.ctx,
        assessments::repayment_options,
        call("GET", "/").id(1).key(OTHER_KEY),
    )
    .await;
    assert_eq!(s, 404);
    let (s, _) = send(
        &t.ctx,
        assessments::forgiveness_options,
        call("GET", "/").id(1).key(OTHER_KEY),
    )
    .await;
    assert_eq!(s, 404);
}

#[tokio::test]
async fn pslf_forgiveness_counts_payments_already_made_and_is_tax_free() {
    let t = app().await;
    let b = post(
        &t.ctx,
        json!({"agi": 55000, "family_size": 1, "state_of_residence": "CA", "pslf": true}),
    )
    .await;
    add_loans(&t.ctx, &b["id"], &json!([
        {"loan_type": "D2", "interest_rate": 6.8, "outstanding_principal": 80000, "origination_date": "2016-09-01", "pslf_cumulative_periods": 100}
    ])).await;
    let (s, out) = send(
        &t.ctx,
        assessments::forgiveness_options,
        call("GET", "/")
            .id(b["uuid"].as_str().unwrap())
            .query("as_of", "2026-11-22"),
    )
    .await;
    assert_eq!(s, 200, "{out}");
    let pslf = out["forgiveness_options"]
        .as_array()
        .unwrap()
        .iter()
        .find(|o| o["type"] == "pslf")
        .expect("a PSLF option");
    assert_eq!(pslf["remaining_qualifying_payments"], 20);
    assert_eq!(pslf["estimated_tax_liability"].to_string(), "0.00");
    // Its loans are Loan objects, as Payitoff's ForgivenessOption documents (`[Loan]`); they
    // were uuid strings.
    let loan = &pslf["eligible_loans"][0];
    assert_eq!(loan["borrower_id"], b["id"], "{pslf}");
    assert_eq!(loan["borrower_uuid"], b["uuid"]);
    assert_eq!(loan["loan_type_code"], "D2");
    assert_eq!(loan["outstanding_principal"].to_string(), "80000.00");
    assert_eq!(pslf["ineligible_loans"], json!([]));
    assert!(
        pslf["amount_forgiven"]
            .to_string()
            .parse::<rust_decimal::Decimal>()
            .unwrap()
            > rust_decimal::Decimal::ZERO
    );
    assert!(out["forgiveness_options"]
        .as_array()
        .unwrap()
        .iter()
        .any(|o| o["type"] == "tcli"));
}
