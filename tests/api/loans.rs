use base64::{engine::general_purpose::STANDARD as B64, Engine};
use loanpath_tests::{app, call, send, OTHER_KEY};
use serde_json::{json, Value};
use shared::api::{borrowers, loans};

const SEED_LOAN: &str = r#"{
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

fn fixture(name: &str) -> String {
    let path = format!(
        "{}/fixtures/mystudentdata/{name}",
        env!("CARGO_MANIFEST_DIR")
    );
    B64.encode(std::fs::read(path).unwrap())
}

async fn borrower(ctx: &shared::AppContext, body: Value) -> Value {
    let (s, b) = send(
        ctx,
        borrowers::create,
        call("POST", "/").json(json!({"borrower": body})),
    )
    .await;
    assert_eq!(s, 201);
    b
}

async fn loan_list(ctx: &shared::AppContext, id: &Value) -> Vec<Value> {
    let id = id
        .as_str()
        .map(str::to_string)
        .unwrap_or_else(|| id.to_string());
    let (s, l) = send(ctx, loans::list, call("GET", "/").id(id)).await;
    assert_eq!(s, 200, "{l}");
    l["loans"].as_array().unwrap().clone()
}

#[tokio::test]
async fn the_seed_loan_payload_is_accepted_as_is() {
    let t = app().await;
    let b = borrower(&t.ctx, json!({"first_name": "James"})).await;
    let seed: Value = serde_json::from_str(SEED_LOAN).unwrap();
    let (s, out) = send(
        &t.ctx,
        loans::create,
        call("POST", "/")
            .query("summary", "true")
            .id(&b["id"])
            .json(json!({"loans": [seed]})),
    )
    .await;
    assert_eq!(s, 201, "{out}");
    assert_eq!(out["created"], 1);
    let listed = loan_list(&t.ctx, &b["uuid"]).await;
    assert_eq!(listed.len(), 1);
    let l = &listed[0];
    assert_eq!(l["borrower_id"], b["id"]);
    assert_eq!(l["loan_type_code"], "D2");
    assert_eq!(l["loan_status_code"], "RP");
    assert_eq!(l["servicer_name"], "Nelnet");
    assert_eq!(l["outstanding_principal"].to_string(), "20000.00");
    assert_eq!(l["interest_rate"].to_string(), "7.08");
    assert_eq!(l["monthly_payment"].to_string(), "300.00");
}

#[tokio::test]
async fn a_bad_item_rejects_the_whole_batch() {
    let t = app().await;
    let b = borrower(&t.ctx, json!({})).await;
    let good: Value = serde_json::from_str(SEED_LOAN).unwrap();
    let mut no_servicer = good.clone();
    no_servicer.as_object_mut().unwrap().remove("servicer_name");
    let mut bad_type = good.clone();
    bad_type["loan_type"] = json!("Car loan");
    bad_type["outstanding_principal"] = json!(-1);
    let (s, err) = send(
        &t.ctx,
        loans::create,
        call("POST", "/")
            .query("summary", "true")
            .id(1)
            .json(json!({"loans": [good, no_servicer, bad_type]})),
    )
    .await;
    assert_eq!(s, 422, "{err}");
    let fields = err["error"]["fields"].as_object().unwrap();
    assert!(fields.contains_key("loans[1].servicer_name"), "{err}");
    assert!(
        fields.contains_key("loans[2].outstanding_principal"),
        "{err}"
    );
    assert!(
        fields["loans[2].loan_type"]
            .as_str()
            .unwrap()
            .contains("D2"),
        "lists the accepted values: {err}"
    );
    assert!(
        loan_list(&t.ctx, &b["id"]).await.is_empty(),
        "nothing written"
    );
    // Wrong envelopes are named too.
    for body in [
        json!({}),
        json!({"loans": 5}),
        json!({"loans": []}),
        json!({"loans": "%%%not base64"}),
    ] {
        let (s, err) = send(
            &t.ctx,
            loans::create,
            call("POST", "/")
                .query("summary", "true")
                .id(1)
                .json(body.clone()),
        )
        .await;
        assert_eq!(s, 422, "{body} -> {err}");
        assert!(
            err["error"]["fields"]["loans"].is_string(),
            "{body} -> {err}"
        );
    }
    assert!(
        loan_list(&t.ctx, &b["id"]).await.is_empty(),
        "no rejected envelope wrote a loan"
    );
}

#[tokio::test]
async fn external_id_makes_creation_idempotent_and_coercion_is_tolerant() {
    let t = app().await;
    borrower(&t.ctx, json!({})).await;
    let first = json!({"loans": [{
        "external_id": "plaid-acct-1", "loan_type": "DIRECT STAFFORD UNSUBSIDIZED", "loan_status": "forbearance",
        "repayment_plan_type": "pay as you earn", "interest_rate": "5.5", "original_principal": "10000",
        "origination_date": "2018-08-01", "outstanding_interest": "12.34", "outstanding_principal": "9000.10",
        "servicer_name": "great lakes educational loan services"
    }]});
    let (s, out) = send(
        &t.ctx,
        loans::create,
        call("POST", "/")
            .query("summary", "true")
            .id(1)
            .json(first.clone()),
    )
    .await;
    assert_eq!(s, 201, "{out}");
    let l = &out["loans"][0];
    assert_eq!(
        (l["loan_type_code"].as_str(), l["loan_status_code"].as_str()),
        (Some("D2"), Some("FB"))
    );
    assert_eq!(l["repayment_plan"]["type"], "paye");
    let mut again = first.clone();
    again["loans"][0]["outstanding_principal"] = json!("8500.00");
    let (s, out) = send(
        &t.ctx,
        loans::create,
        call("POST", "/").query("summary", "true").id(1).json(again),
    )
    .await;
    assert_eq!(s, 200, "{out}");
    assert_eq!(
        (out["created"].as_i64(), out["updated"].as_i64()),
        (Some(0), Some(1))
    );
    let listed = loan_list(&t.ctx, &json!(1)).await;
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0]["outstanding_principal"].to_string(), "8500.00");
    let (s, out) = send(
        &t.ctx,
        loans::create,
        call("POST", "/").query("summary", "true").id(1).json(first),
    )
    .await;
    assert_eq!((s, out["updated"].as_i64()), (200, Some(1)));
}

/// A loan saved without `loan_status` has a status object of nulls (the canonical object is
/// never null; its fields may be). The Portfolio's schema, derived from the view's types, says
/// so: `send` validates this response against it (it said `string` when it was written by hand).
#[tokio::test]
async fn a_loan_without_a_status_has_a_status_of_nulls_and_the_schema_allows_it() {
    let t = app().await;
    let b = borrower(&t.ctx, json!({})).await;
    let (s, body) = send(
        &t.ctx,
        loans::create,
        call("POST", "/")
            .id(b["uuid"].as_str().unwrap())
            .json(json!({"loans": [{
                "loan_type": "D2", "interest_rate": 6.8, "outstanding_principal": 1000,
                "outstanding_interest": 0, "original_principal": 1000,
                "origination_date": "2018-09-01", "servicer_name": "Nelnet"
            }]})),
    )
    .await;
    assert_eq!(s, 201, "{body}");
    let (s, p) = send(
        &t.ctx,
        loans::portfolio,
        call("GET", "/").id(b["uuid"].as_str().unwrap()),
    )
    .await;
    assert_eq!(s, 200, "{p}");
    assert_eq!(
        p["loans"][0]["status"],
        json!({"code": null, "description": null})
    );
    assert_eq!(p["loans"][0]["outstanding_principal"], "1000.00");
}

#[tokio::test]
async fn the_portfolio_takes_uuids_only_and_renders_decimal_strings() {
    let t = app().await;
    let b = borrower(&t.ctx, json!({})).await;
    let seed: Value = serde_json::from_str(SEED_LOAN).unwrap();
    send(
        &t.ctx,
        loans::create,
        call("POST", "/")
            .query("summary", "true")
            .id(1)
            .json(json!({"loans": [seed]})),
    )
    .await;
    let (s, err) = send(&t.ctx, loans::portfolio, call("GET", "/").id(1)).await;
    assert_eq!(s, 400);
    assert!(
        err["error"]["detail"]
            .as_str()
            .unwrap()
            .contains("uuid only"),
        "{err}"
    );
    let (s, p) = send(
        &t.ctx,
        loans::portfolio,
        call("GET", "/").id(b["uuid"].as_str().unwrap()),
    )
    .await;
    assert_eq!(s, 200, "{p}");
    let l = &p["loans"][0];
    let mut keys: Vec<&str> = l.as_object().unwrap().keys().map(String::as_str).collect();
    keys.sort();
    for k in [
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
    ] {
        assert!(keys.contains(&k), "PortfolioLoan lacks {k}: {keys:?}");
    }
    assert_eq!(l["outstanding_principal"], "20000.00");
    assert_eq!(l["outstanding_interest"], "0.00");
    assert_eq!(l["interest_rate"]["effective"], "7.08");
    assert_eq!(
        l["origination"],
        json!({"amount": "20000.00", "date": "2019-09-22"})
    );
    assert_eq!(
        l["status"],
        json!({"code": "RP", "description": "In Repayment"})
    );
    assert_eq!(l["type"]["code"], "D2");
    assert_eq!(l["type"]["federal"], true);
    assert_eq!(l["servicer"]["name"], "Nelnet");
    assert_eq!(l["monthly_payment"]["scheduled_amount"], "300.00");
    assert_eq!(l["id"].as_str().unwrap().len(), 36);
    assert!(
        l["pslf"].is_object() && l["repayment_plan"].is_object(),
        "canonical objects are never null"
    );
    assert_eq!(p["summary"]["current_principal"], "20000.00");
    assert_eq!(p["servicers"][0]["servicer"]["name"], "Nelnet");
    let (s, _) = send(
        &t.ctx,
        loans::portfolio,
        call("GET", "/")
            .id(b["uuid"].as_str().unwrap())
            .key(OTHER_KEY),
    )
    .await;
    assert_eq!(s, 404);
}

#[tokio::test]
async fn mystudentdata_import_matches_the_file_to_the_cent_and_is_idempotent() {
    let t = app().await;
    let b = borrower(&t.ctx, json!({"email": "mine@example.com"})).await;
    let (s, out) = send(
        &t.ctx,
        loans::create,
        call("POST", "/")
            .query("summary", "true")
            .id(1)
            .json(json!({"loans": fixture("modern.txt")})),
    )
    .await;
    assert_eq!(s, 201, "{out}");
    assert_eq!(out["created"], 6);
    let filled: Vec<&str> = out["profile_fields_filled"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap())
        .collect();
    assert!(
        filled.contains(&"first_name") && filled.contains(&"address") && !filled.contains(&"email"),
        "{filled:?}"
    );
    let (_, me) = send(&t.ctx, borrowers::get, call("GET", "/").id(1)).await;
    assert_eq!(me["first_name"], "TESTY");
    assert_eq!(
        me["email"], "mine@example.com",
        "filled fields never overwrite"
    );
    assert_eq!(me["address"]["city"], "SAMPLEVILLE");

    let (_, p) = send(
        &t.ctx,
        loans::portfolio,
        call("GET", "/").id(b["uuid"].as_str().unwrap()),
    )
    .await;
    assert_eq!(p["summary"]["current_principal"], "98765.43");
    assert_eq!(p["summary"]["accrued_interest"], "1234.56");
    let by_type = |code: &str| {
        p["loans"]
            .as_array()
            .unwrap()
            .iter()
            .find(|l| l["type"]["code"] == code)
            .unwrap()
            .clone()
    };
    assert_eq!(by_type("D1")["outstanding_principal"], "2104.17");
    assert_eq!(by_type("D1")["interest_rate"]["effective"], "3.86");
    assert_eq!(by_type("D3")["outstanding_principal"], "23456.78");
    assert_eq!(by_type("D5")["interest_rate"]["effective"], "6.875");
    assert_eq!(by_type("D6")["outstanding_principal"], "61340.29");
    assert_eq!(
        by_type("D4")["status"]["code"],
        "PC",
        "a consolidated loan is kept, closed"
    );
    assert_eq!(by_type("D4")["outstanding_principal"], "0.00");

    // Importing the same file again changes nothing.
    let before = loan_list(&t.ctx, &json!(1)).await;
    // One counter update hands the six new loans consecutive ids.
    let ids: Vec<i64> = before.iter().map(|l| l["id"].as_i64().unwrap()).collect();
    assert_eq!(ids, vec![1, 2, 3, 4, 5, 6]);
    let (s, again) = send(
        &t.ctx,
        loans::create,
        call("POST", "/")
            .query("summary", "true")
            .id(1)
            .json(json!({"loans": fixture("modern.txt")})),
    )
    .await;
    assert_eq!(s, 200, "{again}");
    assert_eq!(
        (
            again["created"].as_i64(),
            again["updated"].as_i64(),
            again["unchanged"].as_i64()
        ),
        (Some(0), Some(0), Some(6))
    );
    assert_eq!(loan_list(&t.ctx, &json!(1)).await, before);

    // Imported loans can't be deleted through the API; API loans can.
    let imported = before[0]["id"].clone();
    let (s, _) = send(
        &t.ctx,
        loans::delete,
        call("DELETE", "/").id(1).param("loan_id", &imported),
    )
    .await;
    assert_eq!(s, 409);
    let seed: Value = serde_json::from_str(SEED_LOAN).unwrap();
    let (_, made) = send(
        &t.ctx,
        loans::create,
        call("POST", "/")
            .query("summary", "true")
            .id(1)
            .json(json!({"loans": [seed]})),
    )
    .await;
    let uuid = made["loans"][0]["uuid"].as_str().unwrap().to_string();
    let (s, _) = send(
        &t.ctx,
        loans::delete,
        call("DELETE", "/").id(1).param("loan_id", &uuid),
    )
    .await;
    assert_eq!(s, 204);
    let (s, _) = send(
        &t.ctx,
        loans::delete,
        call("DELETE", "/").id(1).param("loan_id", &uuid),
    )
    .await;
    assert_eq!(s, 404);
    assert_eq!(loan_list(&t.ctx, &json!(1)).await.len(), 6);

    // Deleting the borrower removes its loans.
    let pk = format!("BORROWER#{}", b["uuid"].as_str().unwrap());
    assert_eq!(t.ctx.store.collection(&pk).await.unwrap().len(), 7);
    send(&t.ctx, borrowers::delete, call("DELETE", "/").id(1)).await;
    assert!(t.ctx.store.collection(&pk).await.unwrap().is_empty());
}

#[tokio::test]
async fn the_legacy_upper_case_layout_imports() {
    let t = app().await;
    borrower(&t.ctx, json!({})).await;
    let (s, out) = send(
        &t.ctx,
        loans::create,
        call("POST", "/")
            .query("summary", "true")
            .id(1)
            .json(json!({"loans": fixture("legacy_uppercase.txt")})),
    )
    .await;
    assert_eq!(s, 201, "{out}");
    assert!(out["created"].as_i64().unwrap() >= 3);
}

#[tokio::test]
async fn a_bad_file_names_its_line_and_writes_nothing() {
    let t = app().await;
    borrower(&t.ctx, json!({})).await;
    for (file, line) in [
        ("broken_money.txt", "line 10"),
        ("not_mystudentdata.txt", "line 1"),
    ] {
        let (s, err) = send(
            &t.ctx,
            loans::create,
            call("POST", "/")
                .query("summary", "true")
                .id(1)
                .json(json!({"loans": fixture(file)})),
        )
        .await;
        assert_eq!(s, 422, "{file}: {err}");
        assert!(
            err["error"]["fields"]["loans"]
                .as_str()
                .unwrap()
                .starts_with(line),
            "{file}: {err}"
        );
    }
    assert!(loan_list(&t.ctx, &json!(1)).await.is_empty());
    let (_, me) = send(&t.ctx, borrowers::get, call("GET", "/").id(1)).await;
    assert_eq!(
        me["first_name"],
        Value::Null,
        "the profile was not filled from a rejected file"
    );
}

/// Issue 12: a file could store values that broke the borrower for good (every assessment
/// answered 422 from then on). Each is now refused with the line, and nothing is written.
#[tokio::test]
async fn absurd_file_values_are_refused_with_their_line_and_the_borrower_stays_assessable() {
    let t = app().await;
    borrower(
        &t.ctx,
        json!({"agi": 50000, "filing_status": "single", "family_size": 1, "state_of_residence": "NY"}),
    )
    .await;
    let path = format!(
        "{}/fixtures/mystudentdata/modern.txt",
        env!("CARGO_MANIFEST_DIR")
    );
    let good = std::fs::read_to_string(path).unwrap();
    let swap = |from: &str, to: &str| {
        assert!(good.contains(from), "{from}");
        B64.encode(good.replacen(from, to, 1))
    };
    let line_of = |needle: &str| good.lines().position(|l| l.starts_with(needle)).unwrap() + 1;
    for (file, line, why) in [
        (
            swap(
                "Loan Outstanding Principal Balance:$2,104.17",
                "Loan Outstanding Principal Balance:$79,228,162,514,264,337,593,543,950",
            ),
            line_of("Loan Outstanding Principal Balance:$2,104.17"),
            "over the limit",
        ),
        (
            swap("Loan Interest Rate:3.86%", "Loan Interest Rate:100.00%"),
            line_of("Loan Interest Rate:3.86%"),
            "under 100%",
        ),
        (
            swap("Loan Date:08/15/2012", "Loan Date:08/22/9999"),
            line_of("Loan Date:08/15/2012"),
            "out of range",
        ),
        (
            swap(
                "Loan Outstanding Principal Balance:$2,104.17",
                "Loan Outstanding Principal Balance:-$2,104.17",
            ),
            line_of("Loan Outstanding Principal Balance:$2,104.17"),
            "must not be negative",
        ),
        (
            swap(
                "Student First Name:TESTY",
                &format!("Student First Name:{}", "T".repeat(501)),
            ),
            line_of("Student First Name:TESTY"),
            "longer than 500",
        ),
    ] {
        let (s, err) = send(
            &t.ctx,
            loans::create,
            call("POST", "/").id(1).json(json!({"loans": file})),
        )
        .await;
        assert_eq!(s, 422, "{why}: {err}");
        let msg = err["error"]["fields"]["loans"].as_str().unwrap();
        assert!(msg.starts_with(&format!("line {line}:")), "{why}: {msg}");
        assert!(msg.contains(why), "{why}: {msg}");
    }
    assert!(
        loan_list(&t.ctx, &json!(1)).await.is_empty(),
        "nothing written"
    );
    // The real file imports, and the borrower can be assessed.
    let (s, _) = send(
        &t.ctx,
        loans::create,
        call("POST", "/")
            .id(1)
            .json(json!({"loans": B64.encode(&good)})),
    )
    .await;
    assert_eq!(s, 201);
    let (s, out) = send(
        &t.ctx,
        shared::api::assessments::repayment_options,
        call("GET", "/").id(1),
    )
    .await;
    assert_eq!(s, 200, "{out}");
}

/// A borrower holds at most 200 loans, however they arrive.
#[tokio::test]
async fn a_borrower_holds_at_most_200_loans() {
    let t = app().await;
    borrower(&t.ctx, json!({})).await;
    let loan = |i: usize| {
        json!({"external_id": format!("cap-{i}"), "loan_type": "D2", "interest_rate": 5,
               "original_principal": 1000, "origination_date": "2018-01-01",
               "outstanding_interest": 0, "outstanding_principal": 1000, "servicer_name": "Nelnet"})
    };
    for batch in 0..2 {
        let list: Vec<Value> = (batch * 99..batch * 99 + 99).map(loan).collect();
        let (s, b) = send(
            &t.ctx,
            loans::create,
            call("POST", "/").id(1).json(json!({"loans": list})),
        )
        .await;
        assert_eq!(s, 201, "{b}");
    }
    let list: Vec<Value> = (198..201).map(loan).collect();
    let (s, err) = send(
        &t.ctx,
        loans::create,
        call("POST", "/").id(1).json(json!({"loans": list})),
    )
    .await;
    assert_eq!(s, 422, "{err}");
    assert!(
        err["error"]["fields"]["loans"]
            .as_str()
            .unwrap()
            .contains("at most 200 loans; this one has 198 and the request adds 3"),
        "{err}"
    );
    let list: Vec<Value> = (198..200).map(loan).collect();
    let (s, _) = send(
        &t.ctx,
        loans::create,
        call("POST", "/").id(1).json(json!({"loans": list})),
    )
    .await;
    assert_eq!(s, 201, "exactly 200 is allowed");
    assert_eq!(loan_list(&t.ctx, &json!(1)).await.len(), 200);
}

#[tokio::test]
async fn loans_of_another_client_are_not_found() {
    let t = app().await;
    borrower(&t.ctx, json!({})).await;
    let seed: Value = serde_json::from_str(SEED_LOAN).unwrap();
    let (s, _) = send(
        &t.ctx,
        loans::create,
        call("POST", "/")
            .query("summary", "true")
            .id(1)
            .key(OTHER_KEY)
            .json(json!({"loans": [seed]})),
    )
    .await;
    assert_eq!(s, 404);
    let (s, _) = send(&t.ctx, loans::list, call("GET", "/").id(1).key(OTHER_KEY)).await;
    assert_eq!(s, 404);
    assert!(loan_list(&t.ctx, &json!(1)).await.is_empty());
}

/// Two loans with the same import key (no award ids; same type, date and
/// amount) must each be kept, and re-importing must change neither.
#[tokio::test]
async fn a_file_with_twin_loans_reimports_without_merging_them() {
    let t = app().await;
    borrower(&t.ctx, json!({})).await;
    let twin = |principal: &str| {
        format!(
            "LOAN TYPE:STAFFORD SUBSIDIZED\nLOAN DATE:09/15/2007\nLOAN DISBURSED AMOUNT:$2,625\n\
             LOAN OUTSTANDING PRINCIPAL BALANCE:{principal}\nLOAN OUTSTANDING INTEREST BALANCE:$0\n\
             LOAN INTEREST RATE:6.8%\nLOAN STATUS:RP\n"
        )
    };
    let text = format!(
        "FILE SOURCE:NATIONAL STUDENT LOAN DATA SYSTEM (NSLDS)\n{}{}",
        twin("$1,000.00"),
        twin("$2,000.00")
    );
    let body = json!({"loans": B64.encode(text)});
    let (s, out) = send(
        &t.ctx,
        loans::create,
        call("POST", "/")
            .query("summary", "true")
            .id(1)
            .json(body.clone()),
    )
    .await;
    assert_eq!(s, 201, "{out}");
    assert_eq!(out["created"], 2);
    let before = loan_list(&t.ctx, &json!(1)).await;
    let (s, again) = send(
        &t.ctx,
        loans::create,
        call("POST", "/").query("summary", "true").id(1).json(body),
    )
    .await;
    assert_eq!(s, 200, "{again}");
    assert_eq!(
        (
            again["created"].as_i64(),
            again["updated"].as_i64(),
            again["unchanged"].as_i64()
        ),
        (Some(0), Some(0), Some(2)),
        "{again}"
    );
    let after = loan_list(&t.ctx, &json!(1)).await;
    assert_eq!(after, before);
    let principals: Vec<String> = after
        .iter()
        .map(|l| l["outstanding_principal"].to_string())
        .collect();
    assert_eq!(principals, ["1000.00", "2000.00"]);
}

/// What browsers and real downloads produce: a `data:` URL from
/// `FileReader.readAsDataURL`, CRLF line ends, blank lines, trailing spaces,
/// timestamps after dates, 35 loans over five servicers.
#[tokio::test]
async fn a_large_windows_file_sent_as_a_data_url_imports_to_the_cent() {
    let t = app().await;
    let b = borrower(&t.ctx, json!({})).await;
    let servicers = [
        "NELNET",
        "DEPT OF ED/MOHELA",
        "AIDVANTAGE",
        "EDFINANCIAL SERVICES",
        "DEPT OF ED/ CRI",
    ];
    let mut text = String::from(
        "File Source:U.S. DEPARTMENT OF EDUCATION, NATIONAL STUDENT LOAN DATA SYSTEM (NSLDS)  \r\n\
         File Request Date:11/02/2026 10:15:03 AM\r\n\r\nStudent First Name:WIN\r\n",
    );
    for i in 0..35 {
        text.push_str(&format!(
            "Loan Type Code:{}  \r\nLoan Award ID:*********X{i:02}G12345{i:03}\r\nLoan Date:{}/{}/2015\r\n\
             Loan Disbursed Amount:$1,000\r\nLoan Outstanding Principal Balance:$1,000.{i:02}\r\n\
             Loan Outstanding Principal Balance as of Date:10/31/2026 12:00:00 AM\r\n\
             Loan Outstanding Interest Balance:$0\r\nLoan Interest Rate:6.800%\r\n\
             Current Loan Status:RP\r\n\r\nLoan Contact Type:Current ED Servicer\r\n\
             Loan Contact Name:{}\r\nLoan Contact Web Site Address:https://example.invalid:8443/x\r\n\
             Most Relevant:Yes\r\n",
            ["D1", "D2"][i % 2],
            1 + i % 9,
            1 + i % 28,
            servicers[i % servicers.len()],
        ));
    }
    let url = format!("data:text/plain;base64,{}", B64.encode(&text));
    let (s, out) = send(
        &t.ctx,
        loans::create,
        call("POST", "/")
            .query("summary", "true")
            .id(1)
            .json(json!({"loans": url})),
    )
    .await;
    assert_eq!(s, 201, "{out}");
    assert_eq!(out["created"], 35);
    assert_eq!(out["warnings"], json!([]));
    let (_, p) = send(
        &t.ctx,
        loans::portfolio,
        call("GET", "/").id(b["uuid"].as_str().unwrap()),
    )
    .await;
    // 35 × 1000 + (0 + 1 + … + 34) cents = 35005.95
    assert_eq!(p["summary"]["current_principal"], "35005.95");
    let names: Vec<&str> = p["servicers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["servicer"]["name"].as_str().unwrap())
        .collect();
    assert_eq!(
        names,
        ["Nelnet", "MOHELA", "Aidvantage", "EdFinancial", "CRI"]
    );
}

#[tokio::test]
async fn create_loans_answers_payitoffs_array_of_loan_with_counts_in_headers() {
    let t = app().await;
    borrower(&t.ctx, json!({})).await;
    let seed: Value = serde_json::from_str(SEED_LOAN).unwrap();
    let req = call("POST", "/")
        .id(1)
        .json(json!({"loans": [seed.clone()]}))
        .request();
    let resp = loans::create(&t.ctx, req).await;
    assert_eq!(resp.status(), 201);
    assert_eq!(resp.headers()["loanpath-loans-created"], "1");
    assert_eq!(resp.headers()["loanpath-loans-unchanged"], "0");
    let (_, body) = loanpath_tests::split(resp);
    let list = body
        .as_array()
        .expect("a bare array of Loan, as Payitoff documents");
    assert_eq!(list.len(), 1);
    assert_eq!(list[0]["loan_type_code"], "D2");
    // The same loan again (no external_id, so it is a second loan): still an array.
    let req = call("POST", "/")
        .id(1)
        .json(json!({"loans": [seed]}))
        .request();
    let (s, body) = loanpath_tests::send_request(&t.ctx, loans::create, req).await;
    assert_eq!(s, 201);
    assert!(body.is_array());
}

#[tokio::test]
async fn a_stale_loan_batch_cannot_commit_after_another_one() {
    use shared::loans::service::{add_loans, parse_loans_body};
    use shared::model::{payload::BorrowerRef, Tenant};
    use shared::store::{keys, Tx, TxError};
    let t = app().await;
    let b = borrower(&t.ctx, json!({})).await;
    let tenant = Tenant {
        client_id: "sandbox-client".into(),
        mode: shared::model::ClientMode::Sandbox,
    };
    let uuid: uuid::Uuid = b["uuid"].as_str().unwrap().parse().unwrap();
    let version = |ctx: &'static shared::AppContext| async move {
        loanpath_tests::raw_borrower(ctx, &uuid)
            .await
            .unwrap()
            .version
    };
    let ctx: &'static shared::AppContext = Box::leak(Box::new(t.ctx.clone()));
    let body = json!({"loans": [{"external_id": "plaid-1", "loan_type": "D2", "interest_rate": 5,
        "original_principal": 1000, "origination_date": "2018-01-01", "outstanding_interest": 0,
        "outstanding_principal": 1000, "servicer_name": "Nelnet"}]});
    // A second request read the borrower at this version before the first one committed.
    let seen = version(ctx).await;
    add_loans(
        ctx,
        &tenant,
        &BorrowerRef::Id(1),
        parse_loans_body(body.as_object().unwrap()).unwrap(),
    )
    .await
    .unwrap();
    assert_eq!(
        version(ctx).await,
        seen + 1,
        "a loan write moves the borrower's version"
    );
    // So the stale request's own write (its loan plus the same version move) cannot commit.
    let mut stale = Tx::new();
    stale.bump_version(
        &ctx.store,
        "borrower",
        &keys::borrower(&uuid),
        keys::PROFILE_SK,
        seen,
    );
    assert!(matches!(
        stale.commit(&ctx.store).await,
        Err(TxError::Conflict(_))
    ));
    assert_eq!(loan_list(ctx, &json!(1)).await.len(), 1);
    // Deleting a loan moves it too (a delete of the borrower racing it can't orphan anything).
    let before = version(ctx).await;
    let loan_id = loan_list(ctx, &json!(1)).await[0]["id"].clone();
    let (s, _) = send(
        ctx,
        loans::delete,
        call("DELETE", "/").id(1).param("loan_id", &loan_id),
    )
    .await;
    assert_eq!(s, 204);
    assert_eq!(version(ctx).await, before + 1);
}

/// Issue 12 §6: loan batches raced on several worker threads, through the real handler:
/// at least one wins, the others get a 409 (they read a version that moved), and the stored
/// loans are exactly the acknowledged ones, each once; a batch retried with the same
/// external_id never duplicates.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn raced_loan_batches_lose_nothing_and_duplicate_nothing() {
    let t = app().await;
    borrower(&t.ctx, json!({})).await;
    let ctx: &'static shared::AppContext = Box::leak(Box::new(t.ctx.clone()));
    let batch = |ext: &str| {
        json!({"loans": [{"external_id": ext, "loan_type": "D2", "interest_rate": 5,
            "original_principal": 1000, "origination_date": "2018-01-01", "outstanding_interest": 0,
            "outstanding_principal": 1000, "servicer_name": "Nelnet"}]})
    };
    let mut acknowledged = std::collections::BTreeSet::new();
    for round in 0..4 {
        // Five different loans, and the first one sent twice more (a client's retries).
        let mut exts: Vec<String> = (0..5).map(|i| format!("r{round}-{i}")).collect();
        exts.push(format!("r{round}-0"));
        exts.push(format!("r{round}-0"));
        let start = std::sync::Arc::new(tokio::sync::Barrier::new(exts.len()));
        let tasks: Vec<_> = exts
            .iter()
            .map(|ext| {
                let (start, body, ext) = (start.clone(), batch(ext), ext.clone());
                tokio::spawn(async move {
                    start.wait().await;
                    let (s, _) = send(ctx, loans::create, call("POST", "/").id(1).json(body)).await;
                    (s, ext)
                })
            })
            .collect();
        let mut won = 0;
        for task in tasks {
            let (s, ext) = task.await.unwrap();
            match s {
                200 | 201 => {
                    won += 1;
                    acknowledged.insert(ext);
                }
                409 => {}
                other => panic!("round {round}: {ext} -> {other}"),
            }
        }
        assert!(won >= 1, "round {round}: no batch won");
    }
    let stored: Vec<String> = loan_list(ctx, &json!(1))
        .await
        .iter()
        .map(|l| l["external_id"].as_str().unwrap().to_string())
        .collect();
    let unique: std::collections::BTreeSet<String> = stored.iter().cloned().collect();
    assert_eq!(
        unique.len(),
        stored.len(),
        "a loan was stored twice: {stored:?}"
    );
    assert_eq!(
        unique, acknowledged,
        "stored loans are exactly the acknowledged ones"
    );
}

/// Issue 12 §1: a file's disbursements may hold a reversal, but never add up to less than
/// zero (a negative original principal would break the borrower for good); amounts are in
/// whole cents and rates are percents, as on the JSON routes.
#[tokio::test]
async fn file_amounts_are_bounded_like_the_json_routes() {
    use base64::Engine;
    let t = app().await;
    borrower(&t.ctx, json!({})).await;
    let file = std::fs::read_to_string(format!(
        "{}/fixtures/mystudentdata/modern.txt",
        env!("CARGO_MANIFEST_DIR")
    ))
    .unwrap();
    let many: String = (0..201)
        .map(|_| "Loan Disbursement Date:01/14/2013\nLoan Disbursement Amount:$1\n")
        .collect();
    let huge = "Loan Disbursement Date:01/14/2013\nLoan Disbursement Amount:$600,000,000\n\
                Loan Disbursement Date:01/15/2013\nLoan Disbursement Amount:$600,000,000";
    let cases: [(&[(&str, &str)], &str); 4] = [
        (
            &[(
                "Loan Disbursement Date:01/14/2013\nLoan Disbursement Amount:$1,750\n",
                many.as_str(),
            )],
            "at most 200 times",
        ),
        (
            &[
                ("Loan Disbursed Amount:$3,500\n", ""),
                (
                    "Loan Disbursement Date:01/14/2013\nLoan Disbursement Amount:$1,750",
                    huge,
                ),
            ],
            "add up to more than 1000000000",
        ),
        (
            &[
                ("Loan Disbursed Amount:$3,500\n", ""),
                (
                    "Loan Disbursement Date:01/14/2013\nLoan Disbursement Amount:$1,750",
                    "Loan Disbursement Date:01/14/2013\nLoan Disbursement Amount:-$9,750",
                ),
            ],
            "add up to less than zero",
        ),
        (
            &[(
                "Loan Disbursed Amount:$3,500",
                "Loan Disbursed Amount:$3,500.005",
            )],
            "whole cents",
        ),
    ];
    for (edits, problem) in cases {
        let mut text = file.clone();
        for (from, to) in edits {
            assert!(text.contains(from), "{from}");
            text = text.replacen(from, to, 1);
        }
        let b64 = base64::engine::general_purpose::STANDARD.encode(text.as_bytes());
        let (s, out) = send(
            &t.ctx,
            loans::create,
            call("POST", "/").id(1).json(json!({ "loans": b64 })),
        )
        .await;
        assert_eq!(s, 422, "{problem}: {out}");
        assert!(out.to_string().contains(problem), "{out}");
        assert!(out.to_string().contains("line"), "{out}");
    }
    assert!(
        loan_list(&t.ctx, &json!(1)).await.is_empty(),
        "nothing was imported"
    );
}

#[tokio::test]
async fn oversized_loan_fields_are_a_named_422_not_a_500() {
    let t = app().await;
    borrower(&t.ctx, json!({})).await;
    let mut loan: Value = serde_json::from_str(SEED_LOAN).unwrap();
    loan["servicer_name"] = json!("N".repeat(600_000));
    loan["disbursement_dates"] = json!(vec!["2019-09-22"; 1000]);
    let (s, err) = send(
        &t.ctx,
        loans::create,
        call("POST", "/").id(1).json(json!({"loans": [loan]})),
    )
    .await;
    assert_eq!(
        s,
        422,
        "{}",
        &err.to_string()[..300.min(err.to_string().len())]
    );
    assert!(err["error"]["fields"]["loans[0].servicer_name"].is_string());
    assert!(err["error"]["fields"]["loans[0].disbursement_dates"].is_string());
    assert!(loan_list(&t.ctx, &json!(1)).await.is_empty());
}

/// Issue 12: a loan stored by an older version with an absurd balance made the Portfolio's
/// totals overflow (a panic). It is now a 422 that names the loan; the list still shows it.
#[tokio::test]
async fn a_stored_loan_beyond_the_bounds_is_a_clear_error_not_a_panic() {
    let t = app().await;
    borrower(&t.ctx, json!({})).await;
    let seed: Value = serde_json::from_str(SEED_LOAN).unwrap();
    let (s, _) = send(
        &t.ctx,
        loans::create,
        call("POST", "/")
            .id(1)
            .json(json!({"loans": [seed.clone(), seed]})),
    )
    .await;
    assert_eq!(s, 201);
    let list = loan_list(&t.ctx, &json!(1)).await;
    let uuid = list[0]["borrower_uuid"].as_str().unwrap().to_string();
    // What an older version let a file store: two balances near Decimal's limit.
    for l in &list {
        t.ctx
            .store
            .db_client()
            .update_item()
            .table_name(t.ctx.store.table_name())
            .key(
                "PK",
                aws_sdk_dynamodb::types::AttributeValue::S(format!("BORROWER#{uuid}")),
            )
            .key(
                "SK",
                aws_sdk_dynamodb::types::AttributeValue::S(format!(
                    "LOAN#{}",
                    l["uuid"].as_str().unwrap()
                )),
            )
            .update_expression("SET #d.outstanding_principal = :big")
            .expression_attribute_names("#d", "data")
            .expression_attribute_values(
                ":big",
                aws_sdk_dynamodb::types::AttributeValue::S("79228162514264337593543950000".into()),
            )
            .send()
            .await
            .unwrap();
    }
    let (s, err) = send(&t.ctx, loans::portfolio, call("GET", "/").id(&uuid)).await;
    assert_eq!(s, 422, "{err}");
    assert!(
        err["error"]["fields"]["loans"]
            .as_str()
            .unwrap()
            .contains("outstanding_principal"),
        "{err}"
    );
    assert_eq!(
        loan_list(&t.ctx, &json!(1)).await.len(),
        2,
        "the list still shows them"
    );
}

/// Issue 11: an origination in 2999 made every legacy plan ineligible. Loans are made from 1965
/// to a year from today; other dates stay within the years 1900 to 2100.
#[tokio::test]
async fn loan_dates_are_bounded_with_422s_that_name_the_field() {
    let t = app().await;
    borrower(&t.ctx, json!({})).await;
    let base = json!({"external_id": "dates", "loan_type": "D2", "interest_rate": 5,
        "original_principal": 1000, "origination_date": "2018-01-01", "outstanding_interest": 0,
        "outstanding_principal": 1000, "servicer_name": "Nelnet"});
    let next_year = (chrono::Utc::now().date_naive() + chrono::Duration::days(400)).to_string();
    for (field, value) in [
        ("origination_date", json!("2999-01-01")),
        ("origination_date", json!(next_year)),
        ("origination_date", json!("1964-12-31")),
        ("disbursement_dates", json!(["2018-01-01", "1900-06-01"])),
        ("due_date", json!("9999-01-01")),
    ] {
        let mut l = base.clone();
        l[field] = value.clone();
        let (s, err) = send(
            &t.ctx,
            loans::create,
            call("POST", "/").id(1).json(json!({"loans": [l]})),
        )
        .await;
        assert_eq!(s, 422, "{field} {value}: {err}");
        assert!(
            err["error"]["fields"][format!("loans[0].{field}")].is_string(),
            "{field}: {err}"
        );
    }
    let (s, b) = send(
        &t.ctx,
        loans::create,
        call("POST", "/").id(1).json(json!({"loans": [base]})),
    )
    .await;
    assert_eq!(s, 201, "{b}");

    // Every calendar day, and dates years ahead where the parser takes them, are accepted by
    // the API and by its published schema (`send` validates the request against it): the
    // schema's date patterns once stopped at day 28 and the year 2026, so a strict generated
    // client would have refused a maturity in 2040 or a payment on the 31st.
    let mut l = base.clone();
    l["external_id"] = json!("dates-wide");
    l["origination_date"] = json!("2016-01-31");
    l["disbursement_dates"] = json!(["2016-01-31", "2016-02-29", "2016-08-30"]);
    l["maturity_date"] = json!("2041-01-31");
    l["due_date"] = json!("2026-12-31");
    l["last_payment_date"] = json!("2026-10-30");
    let (s, b) = send(
        &t.ctx,
        loans::create,
        call("POST", "/").id(1).json(json!({"loans": [l]})),
    )
    .await;
    assert_eq!(s, 201, "{b}");
    let loan = &b[0];
    assert_eq!(loan["maturity_date"], "2041-01-31", "{b}");
    assert_eq!(loan["disbursement_dates"][1], "2016-02-29", "{b}");
    assert_eq!(loan["due_date"], "2026-12-31", "{b}");
}

/// Issue 12: the profile a file fills goes through the BorrowerPayload validators. A bad
/// e-mail or ZIP code in the file is not stored; the summary's warnings say so.
#[tokio::test]
async fn a_files_profile_values_pass_the_borrower_validators_or_are_not_filled() {
    let t = app().await;
    borrower(&t.ctx, json!({})).await;
    let path = format!(
        "{}/fixtures/mystudentdata/modern.txt",
        env!("CARGO_MANIFEST_DIR")
    );
    let text = std::fs::read_to_string(path)
        .unwrap()
        .replacen(
            "Student Email Address:TESTY.FIXTURE@EXAMPLE.INVALID",
            "Student Email Address:not an email",
            1,
        )
        .replacen("Student Zip Code:43004", "Student Zip Code:4300", 1);
    let (s, out) = send(
        &t.ctx,
        loans::create,
        call("POST", "/")
            .query("summary", "true")
            .id(1)
            .json(json!({"loans": B64.encode(&text)})),
    )
    .await;
    assert_eq!(s, 201, "{out}");
    let warnings = out["warnings"].to_string();
    assert!(warnings.contains("email was not filled"), "{warnings}");
    assert!(warnings.contains("address was not filled"), "{warnings}");
    let (_, me) = send(&t.ctx, borrowers::get, call("GET", "/").id(1)).await;
    assert_eq!(me["first_name"], "TESTY", "{me}");
    assert_eq!(me["email"], Value::Null);
    assert!(me["address"]["zipcode"].is_null(), "{me}");
}

/// A field no LoanPayload has is ignored and said so in the summary's warnings, as for
/// borrowers (it was ignored in silence: a misspelt `outstanding_principle` lost its value).
#[tokio::test]
async fn unknown_loan_fields_are_ignored_with_a_warning() {
    let t = app().await;
    let b = borrower(&t.ctx, json!({})).await;
    let (s, out) = send(
        &t.ctx,
        loans::create,
        call("POST", "/")
            .id(b["uuid"].as_str().unwrap())
            .query("summary", "true")
            .json(json!({"loans": [{
                "loan_type": "D2", "interest_rate": 6.8, "outstanding_principal": 1000,
                "outstanding_interest": 0, "original_principal": 1000,
                "origination_date": "2018-09-01", "servicer_name": "Nelnet",
                "outstanding_principle": 900, "loan_status": "RP"
            }]})),
    )
    .await;
    assert_eq!(s, 201, "{out}");
    assert_eq!(
        out["warnings"],
        json!(["Unknown field loans[0].outstanding_principle was ignored."])
    );
    assert_eq!(
        out["loans"][0]["outstanding_principal"].to_string(),
        "1000.00"
    );
}
