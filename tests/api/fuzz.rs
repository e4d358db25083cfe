//! Hostile input never gets a 5xx or a panic, and each refusal is the one the input deserves:
//! deterministic mutations of valid payloads go to every write route (JSON and files), each
//! status must be one that route gives for bad input, a value no field accepts must be a 422
//! naming that field, and extreme but valid values go through the assessment and the
//! Portfolio.

use loanpath_tests::{app, call, send};
use serde_json::{json, Map, Value};
use shared::api::{assessments, borrowers, loans};

/// A tiny deterministic generator (no dependency; the same cases every run).
struct Lcg(u64);
impl Lcg {
    fn next(&mut self) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        self.0 >> 33
    }
    fn pick<'a, T>(&mut self, xs: &'a [T]) -> &'a T {
        &xs[(self.next() as usize) % xs.len()]
    }
}

fn nasty_values() -> Vec<Value> {
    vec![
        Value::Null,
        json!(true),
        json!(0),
        json!(-1),
        json!(1e308),
        json!(-0.000001),
        json!(9223372036854775807i64),
        json!(18446744073709551615u64),
        json!("1e400"),
        json!("79228162514264337593543950336"),
        json!("NaN"),
        json!(""),
        json!(" "),
        json!("2026-02-30"),
        json!("0000-00-00"),
        json!("\u{0000}\u{202e}💸"),
        json!("x".repeat(5000)),
        json!([]),
        json!([1, "a", null]),
        json!({}),
        json!({"nested": {"deeper": [1, 2, {"x": null}]}}),
    ]
}

/// A mutated payload and the keys whose new value no field accepts.
fn mutate(rng: &mut Lcg, base: &Map<String, Value>, extra_keys: &[&str]) -> (Value, Vec<String>) {
    let mut m = base.clone();
    let values = nasty_values();
    let keys: Vec<String> = base
        .keys()
        .cloned()
        .chain(extra_keys.iter().map(|k| k.to_string()))
        .collect();
    let mut invalid = Vec::new();
    for _ in 0..(1 + rng.next() % 4) {
        let k = rng.pick(&keys).clone();
        match rng.next() % 5 {
            0 => {
                m.remove(&k);
                invalid.retain(|x| x != &k);
            }
            _ => {
                let v = rng.pick(&values).clone();
                invalid.retain(|x| x != &k);
                if invalid_everywhere(&v) || invalid_for(&k, &v) {
                    invalid.push(k.clone());
                }
                m.insert(k, v);
            }
        }
    }
    (Value::Object(m), invalid)
}

/// Values no scalar field of any payload accepts: a list or an object where a scalar
/// belongs, a control character, 5,000 characters.
fn invalid_everywhere(v: &Value) -> bool {
    match v {
        Value::Array(_) => true,
        Value::Object(o) => !o.is_empty(),
        Value::String(s) => s.chars().count() > 1000 || s.chars().any(char::is_control),
        _ => false,
    }
}

/// Values the field's type refuses, for the typed borrower fields (the oracle knows each
/// nasty value): money only takes null or 0 from the list, a date or a state only null, a flag
/// only null or true.
fn invalid_for(key: &str, v: &Value) -> bool {
    let zero = v.as_i64() == Some(0);
    match key {
        // Borrower: money, and counts that may be 0.
        "agi"
        | "spouse_agi"
        | "extra_monthly_payment"
        | "refinance_rate"
        | "children"
        | "dependents" => !(v.is_null() || zero),
        // Borrower: a value of its own kind only (none in the list is one).
        "new_borrower_date"
        | "date_of_birth"
        | "employer_start_date"
        | "state_of_residence"
        | "employer_state"
        | "family_size"
        | "filing_status"
        | "tcli_start_year"
        | "ssn" => !v.is_null(),
        "pslf" | "collecting_unemployment" => !(v.is_null() || v == &json!(true)),
        // Blank text clears these; anything else in the list is not an email or a phone.
        "email" | "phone" => !(v.is_null() || v.as_str().is_some_and(|s| s.trim().is_empty())),
        // Loan: money and rates take 0, dates only null (a required one is refused anyway).
        "original_principal"
        | "outstanding_interest"
        | "outstanding_principal"
        | "monthly_payment"
        | "interest_rate"
        | "capitalized_amount"
        | "pslf_cumulative_periods" => !(v.is_null() || zero),
        "origination_date" | "last_payment_date" => !v.is_null(),
        _ => false,
    }
}

/// Keys whose value is an object or a list by design (an invalid scalar there is their own
/// kind of 422), or that are ignored with a warning.
const NOT_SCALAR: &[&str] = &[
    "address",
    "income_certification",
    "spouse",
    "id",
    "uuid",
    "disbursement_dates",
    "loan_status_history",
];

/// The statuses each route may answer to bad input (anything else is a defect).
fn allowed(route: &str, status: u16) -> bool {
    match route {
        // A create is made or refused; 409 for the payload's fixed external_id taken.
        "create" => matches!(status, 201 | 409 | 422),
        "update" => matches!(status, 200 | 409 | 422),
        "loans" => matches!(status, 200 | 201 | 409 | 422),
        "file" => matches!(status, 200 | 201 | 422),
        "read" => matches!(status, 200 | 422),
        _ => false,
    }
}

/// A 422 for a payload with a value no field accepts, naming that field (or a part of it).
fn names_the_invalid(out: &Value, prefix: &str, invalid: &[String]) -> Result<(), String> {
    let fields = out["error"]["fields"]
        .as_object()
        .cloned()
        .unwrap_or_default();
    for k in invalid.iter().filter(|k| !NOT_SCALAR.contains(&k.as_str())) {
        let named = fields
            .keys()
            .any(|f| f == &format!("{prefix}{k}") || f.starts_with(&format!("{prefix}{k}.")));
        if !named {
            return Err(format!("{k} is not named in {out}"));
        }
    }
    Ok(())
}

#[tokio::test]
async fn mutated_payloads_never_get_a_5xx() {
    let t = app().await;
    let mut rng = Lcg(20261122);
    let borrower = json!({
        "first_name": "A", "last_name": "B", "email": "a@b.example", "phone": "5555550100", "ssn": "123-45-6789",
        "agi": 50000, "spouse_agi": 1000, "filing_status": "single", "family_size": 2, "children": 1, "dependents": 0,
        "state_of_residence": "NY", "income_growth": 5, "pslf": true, "new_borrower_date": "2015-01-01",
        "address": {"street1": "1 Main", "city": "X", "state": "NY", "zipcode": "10001"}, "external_id": "e",
        "date_of_birth": "1990-01-01", "employer_start_date": "2020-01-01", "income_certification": {"type": "pay_stub", "file": "aGk="}
    });
    let base = borrower.as_object().unwrap().clone();
    let extra = [
        "spouse_id",
        "spouse",
        "id",
        "uuid",
        "tcli_start_year",
        "refinance_rate",
        "employer_state",
    ];
    let (s, seed) = send(
        &t.ctx,
        borrowers::create,
        call("POST", "/").json(json!({"borrower": {"agi": 40000}})),
    )
    .await;
    assert_eq!(s, 201);
    let id = seed["id"].as_i64().unwrap();
    let mut refused = 0;
    for i in 0..150 {
        let (payload, invalid) = mutate(&mut rng, &base, &extra);
        let scalar_invalid = invalid.iter().any(|k| !NOT_SCALAR.contains(&k.as_str()));
        let body = json!({ "borrower": payload });
        let (s, out) = send(
            &t.ctx,
            borrowers::create,
            call("POST", "/").json(body.clone()),
        )
        .await;
        assert!(allowed("create", s), "POST #{i} {body} -> {s} {out}");
        if scalar_invalid {
            assert_eq!(s, 422, "POST #{i} {body} -> {out}");
            names_the_invalid(&out, "", &invalid).unwrap_or_else(|e| panic!("POST #{i}: {e}"));
            refused += 1;
        }
        let method = if i % 2 == 0 { "PATCH" } else { "PUT" };
        let (s, out) = send(
            &t.ctx,
            borrowers::update,
            call(method, "/").id(id).json(body.clone()),
        )
        .await;
        assert!(allowed("update", s), "{method} #{i} {body} -> {s} {out}");
        if scalar_invalid {
            assert_eq!(s, 422, "{method} #{i} {body} -> {out}");
            names_the_invalid(&out, "", &invalid).unwrap_or_else(|e| panic!("{method} #{i}: {e}"));
        }
    }
    assert!(
        refused >= 30,
        "only {refused} payloads had an invalid value"
    );

    let loan: Value = json!({
        "loan_type": "D2", "interest_rate": 6.8, "original_principal": 10000, "origination_date": "2018-01-01",
        "outstanding_interest": 10, "outstanding_principal": 9000, "servicer_name": "Nelnet", "loan_status": "RP",
        "repayment_plan_type": "ibr", "monthly_payment": 100, "disbursement_dates": ["2018-01-01"],
        "loan_status_history": {"2018-01-01": "RP"}, "external_id": "x", "pslf_cumulative_periods": 12
    });
    let lbase = loan.as_object().unwrap().clone();
    for i in 0..150 {
        let (a, a_invalid) = mutate(
            &mut rng,
            &lbase,
            &["capitalized_amount", "last_payment_date"],
        );
        let (b, b_invalid) = mutate(&mut rng, &lbase, &[]);
        let body = json!({ "loans": [a, b] });
        let (s, out) = send(
            &t.ctx,
            loans::create,
            call("POST", "/")
                .query("summary", "true")
                .id(id)
                .json(body.clone()),
        )
        .await;
        assert!(allowed("loans", s), "loans #{i} {body} -> {s} {out}");
        let scalar = |v: &[String]| v.iter().any(|k| !NOT_SCALAR.contains(&k.as_str()));
        if scalar(&a_invalid) || scalar(&b_invalid) {
            assert_eq!(s, 422, "loans #{i} {body} -> {out}");
            names_the_invalid(&out, "loans[0].", &a_invalid)
                .and_then(|_| names_the_invalid(&out, "loans[1].", &b_invalid))
                .unwrap_or_else(|e| panic!("loans #{i}: {e}"));
        }
        // Whatever was stored, the Portfolio reads it.
        if i % 10 == 0 {
            let (s, out) = send(
                &t.ctx,
                loans::portfolio,
                call("GET", "/").id(seed["uuid"].as_str().unwrap()),
            )
            .await;
            assert_eq!(s, 200, "portfolio after loans #{i}: {out}");
        }
    }
    // Whatever the fuzzing stored, an assessment answers without a 5xx.
    let (s, out) = send(
        &t.ctx,
        assessments::repayment_options,
        call("GET", "/").id(id),
    )
    .await;
    assert!(allowed("read", s), "{s} {out}");
    let (s, out) = send(
        &t.ctx,
        assessments::forgiveness_options,
        call("GET", "/").id(id),
    )
    .await;
    assert!(allowed("read", s), "{s} {out}");
}

/// A MyStudentData.txt file with lines corrupted: imported, or a 422 that names a line.
#[tokio::test]
async fn mutated_files_are_imported_or_refused_by_line() {
    use base64::Engine;
    let t = app().await;
    let (s, b) = send(
        &t.ctx,
        borrowers::create,
        call("POST", "/").json(json!({"borrower": {"agi": 40000}})),
    )
    .await;
    assert_eq!(s, 201);
    let file = std::fs::read_to_string(format!(
        "{}/fixtures/mystudentdata/modern.txt",
        env!("CARGO_MANIFEST_DIR")
    ))
    .unwrap();
    let lines: Vec<&str> = file.lines().collect();
    let junk = [
        "Loan Outstanding Principal Balance:$79,228,162,514,264,337,593,543,950",
        "Loan Interest Rate:100.00%",
        "Loan Date:08/22/9999",
        "Loan Date:13/45/2020",
        "\u{0}\u{1b}[31m",
        "Loan Disbursement Amount:$-5.00",
    ];
    let mut rng = Lcg(20261201);
    let (mut imported, mut refused) = (0, 0);
    // The first loan starts here; an absurd value (the first four junk lines) written after
    // it belongs to a loan and must be refused.
    let first_loan = lines
        .iter()
        .position(|l| l.starts_with("Loan Type Code:"))
        .unwrap();
    for i in 0..60 {
        let mut l: Vec<String> = lines.iter().map(|s| s.to_string()).collect();
        let mut absurd_in_a_loan = false;
        for _ in 0..(1 + rng.next() % 3) {
            let at = (rng.next() as usize) % l.len();
            match rng.next() % 3 {
                0 => {
                    l.remove(at);
                }
                _ => {
                    let j = (rng.next() as usize) % junk.len();
                    l[at] = junk[j].to_string();
                    // (a later removal can only shift it down, never before the first loan
                    // unless it was the line right after it; stay on the safe side)
                    absurd_in_a_loan |= j < 4 && at > first_loan + 3;
                }
            }
        }
        // Decided on the file as sent: an absurd value after a loan has started.
        let absurd_in_a_loan = absurd_in_a_loan
            && l.iter()
                .position(|x| x.starts_with("Loan Type Code:"))
                .is_some_and(|fl| {
                    l.iter()
                        .enumerate()
                        .any(|(k, x)| k > fl && junk[..4].contains(&x.as_str()))
                });
        let text = l.join("\n");
        let b64 = base64::engine::general_purpose::STANDARD.encode(text.as_bytes());
        let (s, out) = send(
            &t.ctx,
            loans::create,
            call("POST", "/").id(&b["id"]).json(json!({ "loans": b64 })),
        )
        .await;
        assert!(allowed("file", s), "file #{i} -> {s} {out}");
        if absurd_in_a_loan {
            assert_eq!(
                s, 422,
                "file #{i}: an absurd loan value was imported: {out}"
            );
        }
        if s == 422 {
            refused += 1;
            let detail = out["error"].to_string();
            assert!(
                detail.contains("line"),
                "file #{i}: a 422 that names no line: {out}"
            );
        } else {
            imported += 1;
        }
        let (s, out) = send(
            &t.ctx,
            loans::portfolio,
            call("GET", "/").id(b["uuid"].as_str().unwrap()),
        )
        .await;
        assert_eq!(s, 200, "portfolio after file #{i}: {out}");
    }
    assert!(
        refused > 0 && imported > 0,
        "{imported} imported, {refused} refused"
    );
}

#[tokio::test]
async fn extreme_valid_values_assess_without_a_5xx() {
    let t = app().await;
    let households = [
        json!({"agi": 0, "family_size": 1}),
        json!({"agi": "999999999.99", "family_size": 1, "state_of_residence": "AK"}),
        json!({"agi": 1, "family_size": 50, "children": 30, "dependents": 19, "state_of_residence": "HI", "filing_status": "head_of_household"}),
        json!({"agi": 50000, "spouse_agi": "999999999.99", "filing_status": "married_filing_jointly", "family_size": 2, "income_growth": 25}),
        json!({"agi": 50000, "family_size": 1, "income_growth": -50}),
    ];
    let loan_sets = [
        json!([{"loan_type": "D2", "interest_rate": 0, "original_principal": 0.01, "origination_date": "2010-01-01", "outstanding_interest": 0, "outstanding_principal": 0.01, "servicer_name": "x"}]),
        json!([{"loan_type": "D3", "interest_rate": 99.99, "original_principal": "999999999.99", "origination_date": "2010-01-01", "outstanding_interest": "999999999.99", "outstanding_principal": "999999999.99", "servicer_name": "x"}]),
        json!([{"loan_type": "D4", "interest_rate": 8.5, "original_principal": 50000, "origination_date": "2026-09-01", "outstanding_interest": 0, "outstanding_principal": 50000, "servicer_name": "x", "loan_status": "DF"}]),
        json!([{"loan_type": "SF", "interest_rate": 3.4, "original_principal": 5000, "origination_date": "1999-01-01", "outstanding_interest": 0, "outstanding_principal": 0, "servicer_name": "x", "loan_status": "PC"}]),
    ];
    let dates = [
        "2024-01-01",
        "2026-06-30",
        "2026-07-01",
        "2028-06-30",
        "2028-07-01",
        "2040-12-31",
        "1990-01-01",
        "2200-01-01",
    ];
    let (mut n, mut assessed) = (0, 0);
    for (hi, h) in households.iter().enumerate() {
        let (s, b) = send(
            &t.ctx,
            borrowers::create,
            call("POST", "/").json(json!({"borrower": h})),
        )
        .await;
        assert_eq!(s, 201, "{h} -> {b}");
        for l in &loan_sets {
            let (s, out) = send(
                &t.ctx,
                loans::create,
                call("POST", "/")
                    .query("summary", "true")
                    .id(&b["id"])
                    .json(json!({"loans": l})),
            )
            .await;
            assert!(allowed("loans", s), "{l} -> {s} {out}");
        }
        for d in dates {
            let (s, out) = send(
                &t.ctx,
                assessments::repayment_options,
                call("GET", "/").id(&b["id"]).query("as_of", d),
            )
            .await;
            assert!(allowed("read", s), "household {hi} as_of {d} -> {s} {out}");
            if s == 200 {
                assessed += 1;
                for o in out["repayment_options"].as_array().unwrap() {
                    let paid: rust_decimal::Decimal = o["total_paid"].to_string().parse().unwrap();
                    assert!(paid >= rust_decimal::Decimal::ZERO, "{o}");
                }
            } else {
                eprintln!("household {hi} as_of {d}: {s} {}", out["error"]["detail"]);
            }
            let (s, out) = send(
                &t.ctx,
                assessments::forgiveness_options,
                call("GET", "/").id(&b["id"]).query("as_of", d),
            )
            .await;
            assert!(
                allowed("read", s),
                "household {hi} forgiveness as_of {d} -> {s} {out}"
            );
            n += 1;
        }
    }
    // Extreme is not invalid: most of these must really be assessed, not refused.
    assert!(assessed * 4 >= n * 3, "only {assessed} of {n} assessed");
}
