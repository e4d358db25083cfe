//! The assess and enroll routes behind a session.

use super::*;
#[allow(unused_imports)]
use loanpath_tests::{
    app, call, send, split, OTHER_KEY, OTHER_NEXUS_KEY, SANDBOX_KEY, SANDBOX_NEXUS_KEY,
};
#[allow(unused_imports)]
use serde_json::{json, Value};
#[allow(unused_imports)]
use shared::api::{borrowers, loans, nexus};

#[tokio::test]
async fn assess_inputs_are_saved_and_the_what_if_is_not() {
    let t = app().await;
    let (tok, uuid) = session_for(&t, "assess-1").await;
    link(&t, &tok, "Nelnet", "spock").await;
    // Without an AGI there is nothing to assess yet.
    let (s, e) = send(
        &t.ctx,
        nexus::repayment_options,
        call("GET", "/").session(&tok),
    )
    .await;
    assert_eq!(s, 422, "{e}");
    assert!(e["error"]["fields"]["agi"].is_string());
    let (s, e) = send(
        &t.ctx,
        nexus::borrower_update,
        call("PATCH", "/")
            .session(&tok)
            .json(json!({"agi": 70000, "external_id": "someone-else"})),
    )
    .await;
    assert_eq!(s, 422);
    assert!(e["error"]["fields"]["external_id"]
        .as_str()
        .unwrap()
        .contains("cannot be changed"));
    let (s, e) = send(
        &t.ctx,
        nexus::borrower_update,
        call("PATCH", "/")
            .session(&tok)
            .json(json!({"family_size": 0})),
    )
    .await;
    assert_eq!(s, 422, "{e}");
    let (s, saved) = send(
        &t.ctx,
        nexus::borrower_update,
        call("PATCH", "/").session(&tok).json(json!({"agi": "70000", "filing_status": "single", "family_size": 2, "state_of_residence": "ny"})),
    )
    .await;
    assert_eq!(s, 200, "{saved}");
    assert_eq!(
        saved["financial"],
        json!({"agi": "70000.00", "spouse_agi": null, "filing_status": "single", "family_size": 2, "state_of_residence": "NY"})
    );
    // This is an enroll session: the answer holds the profile. An assess session never reads
    // the identity and contact details, not even in the answer to its own change (GET
    // /nexus/session gives it no profile either).
    assert!(saved["profile"]["phone"].is_string(), "{saved}");
    let (assess_tok, _) = session_of(&t, "assess-1", "assess").await;
    let (s, v) = send(
        &t.ctx,
        nexus::borrower_update,
        call("PATCH", "/")
            .session(&assess_tok)
            .json(json!({"family_size": 2})),
    )
    .await;
    assert_eq!(s, 200, "{v}");
    assert_eq!(v["profile"], Value::Null, "{v}");
    assert_eq!(v["financial"]["family_size"], 2);
    let (s, saved_view) = send(&t.ctx, nexus::session_get, call("GET", "/").session(&tok)).await;
    assert_eq!(s, 200);
    assert_eq!(saved_view["borrower"]["financial"]["agi"], "70000.00");
    let (_, base) = send(
        &t.ctx,
        nexus::repayment_options,
        call("GET", "/").session(&tok),
    )
    .await;
    let (s, what_if) = send(
        &t.ctx,
        nexus::repayment_options,
        call("GET", "/")
            .session(&tok)
            .query("agi", "20000")
            .query("family_size", "4"),
    )
    .await;
    assert_eq!(s, 200, "{what_if}");
    assert_eq!(
        what_if["what_if"],
        json!({"agi": "20000.00", "family_size": 4, "saved": false})
    );
    let ibr = |v: &Value| {
        v["repayment_options"]
            .as_array()
            .unwrap()
            .iter()
            .find(|o| o["repayment_plan"]["type"] == "rap")
            .map(|o| o["starting_monthly_payment"].as_f64().unwrap())
            .unwrap()
    };
    assert!(
        ibr(&what_if) < ibr(&base),
        "{} vs {}",
        ibr(&what_if),
        ibr(&base)
    );
    // Nothing was saved.
    let (_, b) = send(&t.ctx, borrowers::get, call("GET", "/").id(&uuid)).await;
    assert_eq!(b["financial_details"]["agi"], 70000.0);
    assert_eq!(b["financial_details"]["family_size"], 2);
    for (k, v) in [
        ("agi", "1e5"),
        ("agi", "$100"),
        ("agi", "-5"),
        ("family_size", "0"),
        ("family_size", "x"),
        ("bogus", "1"),
    ] {
        let (s, e) = send(
            &t.ctx,
            nexus::repayment_options,
            call("GET", "/").session(&tok).query(k, v),
        )
        .await;
        assert_eq!(s, 422, "{k}={v}: {e}");
        assert!(e["error"]["fields"].get(k).is_some(), "{e}");
    }
}

#[tokio::test]
async fn a_what_if_with_the_saved_family_size_changes_nothing_and_joint_filers_give_spouse_agi() {
    let t = app().await;
    let (tok, _) = session_for(&t, "whatif-1").await;
    link(&t, &tok, "Nelnet", "spock").await;
    let (s, e) = send(
        &t.ctx,
        nexus::borrower_update,
        call("PATCH", "/").session(&tok).json(json!({"agi": 60000, "filing_status": "married_filing_jointly", "family_size": 3, "state_of_residence": "NY"})),
    )
    .await;
    assert_eq!(s, 200, "{e}");
    // Joint filers need the spouse's AGI: the widget sends it through the same route.
    let (s, e) = send(
        &t.ctx,
        nexus::repayment_options,
        call("GET", "/").session(&tok),
    )
    .await;
    assert_eq!(s, 422, "{e}");
    assert!(e["error"]["fields"]["spouse_agi"].is_string());
    let (s, saved) = send(
        &t.ctx,
        nexus::borrower_update,
        call("PATCH", "/")
            .session(&tok)
            .json(json!({"spouse_agi": "30000.00"})),
    )
    .await;
    assert_eq!(
        (s, saved["financial"]["spouse_agi"].as_str()),
        (200, Some("30000.00")),
        "{saved}"
    );
    let (s, base) = send(
        &t.ctx,
        nexus::repayment_options,
        call("GET", "/").session(&tok),
    )
    .await;
    assert_eq!(s, 200, "{base}");
    let (_, same) = send(
        &t.ctx,
        nexus::repayment_options,
        call("GET", "/").session(&tok).query("family_size", "3"),
    )
    .await;
    assert_eq!(same["repayment_options"], base["repayment_options"]);
    let (_, bigger) = send(
        &t.ctx,
        nexus::repayment_options,
        call("GET", "/").session(&tok).query("family_size", "5"),
    )
    .await;
    assert_ne!(bigger["repayment_options"], base["repayment_options"]);
}

#[tokio::test]
async fn the_enroll_workflow_saves_the_profile_and_files_the_request() {
    let t = app().await;
    let (tok, uuid) = session_for(&t, "enroll-1").await;
    link(&t, &tok, "Nelnet", "kirk").await;
    // Not ready yet: every reason comes back for the widget to show.
    let (s, e) = send(
        &t.ctx,
        nexus::enrollments_create,
        call("POST", "/nexus/enrollments")
            .session(&tok)
            .json(json!({"repayment_plan": "rap", "signature": true})),
    )
    .await;
    assert_eq!(s, 409, "{e}");
    let reasons = e["error"]["reasons"].as_array().unwrap();
    assert!(
        reasons
            .iter()
            .any(|r| r == shared::enrollments::preconditions::PROFILE),
        "{e}"
    );
    // The widget saves what the borrower confirmed; the SSN is sealed and never shown.
    let (s, saved) = send(
        &t.ctx,
        nexus::borrower_update,
        call("PATCH", "/nexus/borrower").session(&tok).json(json!({
            "ssn": "123-45-6789", "phone": "515-555-0199", "date_of_birth": "1988-07-04",
            "agi": 52000, "filing_status": "single", "family_size": 1, "state_of_residence": "IA",
            "income_certification": {"type": "pay_stub", "file": "JVBERi0xLjQK"},
        })),
    )
    .await;
    assert_eq!(s, 200, "{saved}");
    assert_eq!(saved["profile"]["has_ssn"], true);
    assert!(!saved.to_string().contains("6789"));
    assert_eq!(
        saved["profile"]["income_certifications"][0]["type"],
        "pay_stub"
    );
    let (s, e) = send(
        &t.ctx,
        nexus::enrollments_create,
        call("POST", "/nexus/enrollments")
            .session(&tok)
            .json(json!({"repayment_plan": "rap", "signature": true})),
    )
    .await;
    assert_eq!(s, 201, "{e}");
    assert_eq!(e["history"][0]["reason"], "Requested through Nexus.");
    let (_, v) = send(&t.ctx, nexus::session_get, call("GET", "/").session(&tok)).await;
    assert_eq!(v["enrollments"][0]["uuid"], e["uuid"]);
    assert_eq!(v["profile"]["has_ssn"], true);
    assert!(!v.to_string().contains("123-45") && !v.to_string().contains("123456789"));
    // The API sees the same enrollment.
    let (_, list) = send(
        &t.ctx,
        shared::api::enrollments::list,
        call("GET", "/").id(&uuid),
    )
    .await;
    assert_eq!(list["enrollments"][0]["uuid"], e["uuid"]);
}
