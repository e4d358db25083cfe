//! Issue 11 §3: bad input never becomes wrong data. Each test here failed before its fix.

use loanpath_tests::{app, call, send};
use serde_json::{json, Value};
use shared::api::{assessments, borrowers, enrollments, loans, webhooks};
use shared::AppContext;

async fn create(ctx: &AppContext, body: Value) -> (u16, Value) {
    send(
        ctx,
        borrowers::create,
        call("POST", "/api/v1/borrowers").json(json!({ "borrower": body })),
    )
    .await
}

fn problem<'a>(out: &'a Value, field: &str) -> &'a str {
    out["error"]["fields"][field]
        .as_str()
        .unwrap_or_else(|| panic!("no problem for {field} in {out}"))
}

#[tokio::test]
async fn control_characters_are_refused_in_every_text_field() {
    let t = app().await;
    for (body, field) in [
        (json!({"first_name": "Ja\u{0}mes"}), "first_name"),
        (json!({"last_name": "\u{1b}[31mKirk"}), "last_name"),
        (json!({"employer": "Star\u{7}fleet"}), "employer"),
        (json!({"first_name": "Kirk\u{202e}"}), "first_name"),
        (
            json!({"address": {"city": "River\u{0}side"}}),
            "address.city",
        ),
    ] {
        let (s, out) = create(&t.ctx, body.clone()).await;
        assert_eq!(s, 422, "{body}: {out}");
        assert_eq!(
            problem(&out, field),
            "must not contain control characters (such as NUL, tab or escape)"
        );
    }
    let (s, b) = create(&t.ctx, json!({"first_name": "James"})).await;
    assert_eq!(s, 201);
    let (s, out) = send(
        &t.ctx,
        loans::create,
        call("POST", "/").id(&b["id"]).json(json!({"loans": [{
            "loan_type": "D2", "interest_rate": 6.8, "outstanding_principal": 1000,
            "original_principal": 1000, "outstanding_interest": 0, "loan_status": "RP",
            "servicer_name": "Nel\u{0}net", "origination_date": "2016-09-01"
        }]})),
    )
    .await;
    assert_eq!(s, 422, "{out}");
    assert!(
        out.to_string()
            .contains("must not contain control characters"),
        "{out}"
    );
}

#[tokio::test]
async fn ssn_and_huge_numbers_get_the_real_reason() {
    let t = app().await;
    for (ssn, want) in [
        (
            "900-12-3456",
            "is not a valid SSN: area numbers 900-999 are never issued as SSNs (ITINs use them)",
        ),
        (
            "000-12-3456",
            "is not a valid SSN: area number 000 is never issued",
        ),
        (
            "666123456",
            "is not a valid SSN: area number 666 is never issued",
        ),
        (
            "123-00-4567",
            "is not a valid SSN: group number 00 is never issued",
        ),
        (
            "123-45-0000",
            "is not a valid SSN: serial number 0000 is never issued",
        ),
        (
            "12345",
            "must be 9 digits, written 123456789 or 123-45-6789",
        ),
    ] {
        let (s, out) = create(&t.ctx, json!({ "ssn": ssn })).await;
        assert_eq!(s, 422);
        assert_eq!(problem(&out, "ssn"), want, "{ssn}");
    }
    for (raw, want) in [
        (
            r#"{"borrower":{"agi":1e308}}"#,
            "is far too large to be an amount; got 1e+308",
        ),
        (
            r#"{"borrower":{"agi":1e-300}}"#,
            "has more digits than can be kept exactly (at most 28); got 1e-300",
        ),
    ] {
        let (s, out) = send(&t.ctx, borrowers::create, call("POST", "/").raw(raw)).await;
        assert_eq!(s, 422, "{raw}");
        assert_eq!(problem(&out, "agi"), want);
    }
}

#[tokio::test]
async fn money_in_fractions_of_a_cent_is_refused_not_rounded() {
    let t = app().await;
    let (s, out) = create(&t.ctx, json!({"agi": "50000.005"})).await;
    assert_eq!(s, 422);
    assert_eq!(
        problem(&out, "agi"),
        "must be in whole cents (at most 2 decimal places); got 50000.005"
    );
    let (s, out) = create(&t.ctx, json!({"agi": "50000.500"})).await;
    assert_eq!(s, 201, "trailing zeros are whole cents: {out}");
    assert_eq!(out["financial_details"]["agi"].to_string(), "50000.50");
    let (s, out) = send(
        &t.ctx,
        loans::create,
        call("POST", "/").id(&out["id"]).json(json!({"loans": [{
            "loan_type": "D2", "interest_rate": 6.8, "outstanding_principal": "1000.001",
            "original_principal": 1000, "outstanding_interest": 0, "loan_status": "RP",
            "servicer_name": "Nelnet", "origination_date": "2016-09-01"
        }]})),
    )
    .await;
    assert_eq!(s, 422, "{out}");
    assert!(out.to_string().contains("whole cents"), "{out}");
    // A rate is a percent, not money: three decimals are fine, a fraction is not.
    let (s, out) = create(&t.ctx, json!({"refinance_rate": 0.055})).await;
    assert_eq!(s, 422);
    assert_eq!(
        problem(&out, "refinance_rate"),
        "0.055 looks like a fraction: send the percent (5.5 for 5.5%)"
    );
    let (s, _) = create(&t.ctx, json!({"refinance_rate": 5.125})).await;
    assert_eq!(s, 201);
}

#[tokio::test]
async fn borrower_dates_are_bounded() {
    let t = app().await;
    let (s, out) = create(&t.ctx, json!({"new_borrower_date": "2999-01-01"})).await;
    assert_eq!(s, 422);
    assert!(problem(&out, "new_borrower_date").starts_with("must be from 1965-01-01 to "));
    let (s, out) = create(&t.ctx, json!({"employer_start_date": "1850-06-01"})).await;
    assert_eq!(s, 422);
    assert!(problem(&out, "employer_start_date").starts_with("must be from 1900-01-01 to "));
    let (s, _) = create(&t.ctx, json!({"new_borrower_date": "2012-05-01"})).await;
    assert_eq!(s, 201);
}

#[tokio::test]
async fn a_rejected_create_uses_up_no_id() {
    let t = app().await;
    let (s, out) = create(&t.ctx, json!({"spouse_id": 999})).await;
    assert_eq!(s, 422, "{out}");
    let (s, out) = create(&t.ctx, json!({"agi": "1,5"})).await;
    assert_eq!(s, 422, "{out}");
    let (s, first) = create(&t.ctx, json!({"external_id": "emp-1"})).await;
    assert_eq!(s, 201);
    assert_eq!(first["id"], 1);
    let (s, out) = create(&t.ctx, json!({"external_id": "emp-1"})).await;
    assert_eq!(s, 409, "{out}");
    assert_eq!(
        out["error"]["detail"],
        "external_id emp-1 is already used by another of your borrowers."
    );
    let (s, second) = create(&t.ctx, json!({})).await;
    assert_eq!(s, 201);
    assert_eq!(
        second["id"], 2,
        "ids are consecutive: no rejected request took one"
    );
}

#[tokio::test]
async fn unknown_query_parameters_are_named() {
    let t = app().await;
    let (_, b) = create(&t.ctx, json!({"agi": 50000})).await;
    let (s, out) = send(&t.ctx, borrowers::list, call("GET", "/").query("limt", 5)).await;
    assert_eq!(s, 422);
    assert_eq!(
        problem(&out, "limt"),
        "is not a parameter of this route (use limit, cursor, external_id)"
    );
    let (s, out) = send(
        &t.ctx,
        loans::list,
        call("GET", "/").id(&b["id"]).query("page", 2),
    )
    .await;
    assert_eq!(
        (s, problem(&out, "page")),
        (422, "is not a parameter of this route (it takes none)")
    );
    let (s, _) = send(
        &t.ctx,
        enrollments::list,
        call("GET", "/").id(&b["id"]).query("page", 2),
    )
    .await;
    assert_eq!(s, 422);
    let (s, _) = send(&t.ctx, webhooks::list, call("GET", "/").query("page", 2)).await;
    assert_eq!(s, 422);
    let (s, out) = send(
        &t.ctx,
        assessments::repayment_options,
        call("GET", "/").id(&b["id"]).query("asof", "2026-01-01"),
    )
    .await;
    assert_eq!(
        (s, problem(&out, "asof")),
        (422, "is not a parameter of this route (use as_of)")
    );
}

#[tokio::test]
async fn a_body_that_is_not_json_is_415_and_a_huge_one_413() {
    let t = app().await;
    let (s, out) = send(
        &t.ctx,
        borrowers::create,
        call("POST", "/")
            .raw(r#"{"borrower":{}}"#)
            .header("content-type", "text/plain"),
    )
    .await;
    assert_eq!(s, 415, "{out}");
    assert!(out["error"]["detail"]
        .as_str()
        .unwrap()
        .starts_with("This route takes a JSON body"));
    for ok in [
        "application/json; charset=utf-8",
        "application/merge-patch+json",
    ] {
        let (s, _) = send(
            &t.ctx,
            borrowers::create,
            call("POST", "/")
                .raw(r#"{"borrower":{}}"#)
                .header("content-type", ok),
        )
        .await;
        assert_eq!(s, 201, "{ok}");
    }
    let big = format!(
        r#"{{"borrower":{{"first_name":"{}"}}}}"#,
        "x".repeat(7_000_000)
    );
    let (s, out) = send(&t.ctx, borrowers::create, call("POST", "/").raw(&big)).await;
    assert_eq!(s, 413, "{out}");
    assert!(out["error"]["detail"]
        .as_str()
        .unwrap()
        .contains("limited to 6000000 bytes (6 MB)"));
}

/// Counts are JSON whole numbers: `2` and `2.0` (JSON Schema's integers, which generated
/// clients send), never a string or a fraction, as the OpenAPI document says.
#[tokio::test]
async fn counts_are_whole_json_numbers() {
    let t = app().await;
    // Straight to the handler: the test's JSON Schema validator (jsonschema with serde_json's
    // arbitrary_precision) reads 3.0 as a non-integer, though JSON Schema counts it as one.
    let req = call("POST", "/api/v1/borrowers")
        .json(json!({"borrower": {"family_size": 3.0, "children": 2.0}}))
        .request();
    let (s, b) = loanpath_tests::split(borrowers::create(&t.ctx, req).await);
    assert_eq!(s, 201, "{b}");
    assert_eq!(b["financial_details"]["family_size"], json!(3));
    assert_eq!(b["financial_details"]["children"], json!(2));
    for bad in [json!("3"), json!(2.5), json!(true)] {
        let (s, b) = create(&t.ctx, json!({ "family_size": bad })).await;
        assert_eq!(s, 422, "{bad}: {b}");
        assert_eq!(problem(&b, "family_size"), "must be a whole number");
    }
}

/// A parameter given twice is a 422 that names it, on every route, as the local gateway
/// (`scripts/dev`, `loanpath serve`) hands it on: the values joined with a comma into one
/// (`q=a&q=b` as `q: "a,b"`), the raw query string showing the repeat. Before, only routes
/// whose parser choked on the joined value refused it there (with a misleading message); the
/// others searched for "a,b".
#[tokio::test]
async fn a_parameter_given_twice_is_refused_as_api_gateway_hands_it_on() {
    use shared::api::employers;
    let t = app().await;
    let (_, b) = create(&t.ctx, json!({"first_name": "Twice"})).await;
    let uuid = b["uuid"].as_str().unwrap().to_string();
    let twice = |field: &str, out: &Value| {
        assert!(
            out["error"]["fields"][field]
                .as_str()
                .unwrap_or_default()
                .starts_with("is given more than once"),
            "{field}: {out}"
        );
    };
    let (s, out) = send(
        &t.ctx,
        borrowers::list,
        call("GET", "/api/v1/borrowers").raw_query("external_id=a&external_id=b"),
    )
    .await;
    assert_eq!(s, 422, "{out}");
    twice("external_id", &out);
    let (s, out) = send(
        &t.ctx,
        employers::search,
        call("GET", "/api/v1/pslf/employers").raw_query("q=red%20cross&q=red+cross"),
    )
    .await;
    assert_eq!(s, 422, "{out}");
    twice("q", &out);
    let (s, out) = send(
        &t.ctx,
        assessments::repayment_options,
        call("GET", "/")
            .id(&uuid)
            .raw_query("as_of=2026-07-01&as_of=2030-01-01"),
    )
    .await;
    assert_eq!(s, 422, "{out}");
    twice("as_of", &out);
    let loan = json!({"loans": [{"loan_type": "D2", "interest_rate": 6.8,
        "outstanding_principal": 1000, "outstanding_interest": 0, "original_principal": 1000,
        "origination_date": "2018-09-01", "servicer_name": "Nelnet"}]});
    let (s, out) = send(
        &t.ctx,
        loans::create,
        call("POST", "/")
            .id(&uuid)
            .raw_query("summary=true&summary=false")
            .json(loan.clone()),
    )
    .await;
    assert_eq!(s, 422, "{out}");
    twice("summary", &out);
    // `summary` is true or false, nothing else (it fell back to the plain list in silence).
    let (s, out) = send(
        &t.ctx,
        loans::create,
        call("POST", "/")
            .id(&uuid)
            .query("summary", "yes")
            .json(loan.clone()),
    )
    .await;
    assert_eq!(s, 422, "{out}");
    assert_eq!(out["error"]["fields"]["summary"], "must be true or false");
    // Rejected requests change nothing; the same body with one summary works.
    let (s, out) = send(
        &t.ctx,
        loans::create,
        call("POST", "/")
            .id(&uuid)
            .raw_query("summary=true")
            .json(loan),
    )
    .await;
    assert_eq!((s, out["created"].as_u64()), (201, Some(1)), "{out}");
    // An invalid income document type says so; it is not "required".
    let (s, out) = send(
        &t.ctx,
        borrowers::upload_income_certification,
        call("POST", "/")
            .id(&uuid)
            .query("type", "bogus")
            .header("content-type", "application/pdf")
            .raw("%PDF-1.4"),
    )
    .await;
    assert_eq!(s, 422, "{out}");
    assert!(
        out["error"]["fields"]["type"]
            .as_str()
            .unwrap()
            .starts_with("must be one of pay_stub"),
        "{out}"
    );
}

/// What the money parser accepts, the request schema accepts too (`send` validates every
/// accepted body against it): the documented maximum as a string, surrounding JSON
/// whitespace and a negative zero were accepted but broke the schema's pattern. A Unicode
/// space is not JSON whitespace, and is refused.
#[tokio::test]
async fn money_strings_the_parser_takes_match_the_schema() {
    let t = app().await;
    for (agi, kept) in [
        ("1000000000", "1000000000.00"),
        (" 100 ", "100.00"),
        ("\t65000.5\n", "65000.50"),
        ("-0", "0.00"),
        ("0042", "42.00"),
    ] {
        let (s, b) = create(&t.ctx, json!({"agi": agi})).await;
        assert_eq!(s, 201, "{agi:?}: {b}");
        assert_eq!(
            b["financial_details"]["agi"].to_string(),
            kept,
            "{agi:?}: {b}"
        );
    }
    for bad in ["\u{a0}100", "1000000000.01", "1 000"] {
        let (s, b) = create(&t.ctx, json!({"agi": bad})).await;
        assert_eq!(s, 422, "{bad:?}: {b}");
        assert!(b["error"]["fields"]["agi"].is_string(), "{bad:?}: {b}");
    }
}

/// The edges of the money and rate patterns: what the schema takes, the parser takes, and the
/// other way round (`send` checks every accepted body against the schema; a schema-valid body
/// the parser refuses is checked here against the pattern itself).
#[tokio::test]
async fn money_and_rate_pattern_edges_agree_with_the_parser() {
    let t = app().await;
    let doc = shared::api::openapi::document();
    let pattern = |at: &str| {
        let p = doc["components"]["schemas"]["BorrowerPayload"]["properties"][at]["pattern"]
            .as_str()
            .unwrap_or_else(|| panic!("{at} has a string pattern"))
            .to_string();
        jsonschema::validator_for(&json!({"type": "string", "pattern": p, "maxLength": 40}))
            .unwrap()
    };
    let agi = pattern("agi");
    // 40 characters is the parser's limit (and the schema's maxLength).
    for (text, ok) in [
        (format!("{}1", "0".repeat(39)), true),
        (format!("{}1", "0".repeat(40)), false),
        ("1.00".to_string() + &"0".repeat(24), true),
        // Trailing zeros change no value: read without them when the digits would not fit.
        ("1.00".to_string() + &"0".repeat(27), true),
        ("65000.".to_string() + &"0".repeat(26), true),
        ("-0.00".to_string(), true),
        (".5".to_string(), false),
    ] {
        assert_eq!(agi.is_valid(&json!(text)), ok, "schema on {text:?}");
        let (s, b) = create(&t.ctx, json!({"agi": text})).await;
        assert_eq!(s == 201, ok, "parser on {text:?}: {b}");
    }
}

/// Messages that give the real reason: a family size of 1e20 is out of range (it said "must
/// be a whole number"); an origination in 1800 gets the same range as one in 2030 (it said
/// "a year from 1900 to 2100").
#[tokio::test]
async fn out_of_range_counts_and_loan_dates_say_their_range() {
    let t = app().await;
    for n in [json!(1e20), json!(1e300), json!(51)] {
        let (s, out) = create(&t.ctx, json!({"family_size": n})).await;
        assert_eq!(s, 422, "{out}");
        assert_eq!(
            problem(&out, "family_size"),
            "must be between 1 and 50",
            "{n}"
        );
    }
    let (s, out) = create(&t.ctx, json!({"family_size": 2.5})).await;
    assert_eq!(
        (s, problem(&out, "family_size")),
        (422, "must be a whole number")
    );
    let (_, b) = create(&t.ctx, json!({})).await;
    for date in ["1800-01-01", "2099-01-01"] {
        let (s, out) = send(
            &t.ctx,
            loans::create,
            call("POST", "/")
                .id(b["uuid"].as_str().unwrap())
                .json(json!({"loans": [{
                    "loan_type": "D2", "interest_rate": 6.8, "outstanding_principal": 1000,
                    "outstanding_interest": 0, "original_principal": 1000,
                    "origination_date": date, "servicer_name": "Nelnet"
                }]})),
        )
        .await;
        assert_eq!(s, 422, "{out}");
        assert!(
            problem(&out, "loans[0].origination_date")
                .starts_with("must be from 1965-01-01 to a year from today"),
            "{date}: {out}"
        );
    }
}

/// Found by generating a client from the document: a state in any case, and rate strings with
/// leading or trailing zeros, are accepted by the server and now by the schema too (`send`
/// validates every accepted body); an email with an empty domain label is refused by both.
#[tokio::test]
async fn states_in_any_case_and_zero_padded_rates_match_the_schema() {
    let t = app().await;
    for state in ["IA", "ia", "Ia", "iA"] {
        let (s, b) = create(
            &t.ctx,
            json!({"state_of_residence": state, "address": {"state": state}}),
        )
        .await;
        assert_eq!(s, 201, "{state}: {b}");
        assert_eq!(b["financial_details"]["state_of_residence"], "IA");
    }
    for rate in ["0", "06.8", "6.80000", "0.10000", "100"] {
        let (s, b) = create(&t.ctx, json!({"refinance_rate": rate})).await;
        assert_eq!(s, 201, "{rate}: {b}");
    }
    let (s, b) = create(&t.ctx, json!({"email": "a@b..c"})).await;
    assert_eq!(s, 422, "{b}");
    assert!(b["error"]["fields"]["email"].is_string());
    // The schema's one-of-two SSN forms, as the parser reads them.
    let doc = shared::api::openapi::document();
    let ssn = jsonschema::validator_for(
        &doc["components"]["schemas"]["BorrowerPayload"]["properties"]["ssn"],
    )
    .unwrap();
    for (text, ok) in [
        ("123-45-6789", true),
        ("123456789", true),
        ("123-456789", false),
        ("12345-6789", false),
    ] {
        assert_eq!(ssn.is_valid(&json!(text)), ok, "{text}");
    }
}
