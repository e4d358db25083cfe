//! PSLF employer search and employer matching, through the real handlers and the real loader
//! against dynoxide, on the synthetic fixtures in the real file layouts
//! (tests/fixtures/employers).

use chrono::NaiveDate;
use loanpath_tests::{app, call, send, OTHER_KEY, SANDBOX_NEXUS_KEY};
use serde_json::{json, Value};
use shared::api::{assessments, borrowers, employers, loans};
use shared::employers::load::{check, load, LoadReport};
use shared::employers::pages::rebuild;
use shared::employers::sources::SourceKind;
use shared::store::Store;
use shared::AppContext;

const FIXTURES: &[(SourceKind, &str, u64)] = &[
    (SourceKind::Bmf, "eo_sample.csv", 301),
    (SourceKind::Schools, "ccd_sch_sample.csv", 120),
    (SourceKind::LowIncome, "low_income_schools.csv", 61),
    (SourceKind::Government, "government_agencies.csv", 110),
];

pub(crate) fn fixture(name: &str) -> String {
    format!("{}/fixtures/employers/{name}", env!("CARGO_MANIFEST_DIR"))
}

pub(crate) fn day() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 12, 1).unwrap()
}

/// Loads one file, then rebuilds the result pages it changed, as `load-employers` does.
pub(crate) async fn load_file(
    store: &Store,
    kind: SourceKind,
    path: &str,
    on: NaiveDate,
) -> LoadReport {
    let file = std::fs::File::open(path).unwrap();
    let r = load(store, kind, file, path, on, &mut |_| {})
        .await
        .unwrap_or_else(|e| panic!("{path}: {e}"));
    rebuild(store, &r.touched, &mut |_| {}).await.unwrap();
    r
}

pub(crate) async fn load_fixtures(store: &Store) -> Vec<LoadReport> {
    let mut out = Vec::new();
    for (kind, name, _) in FIXTURES {
        out.push(load_file(store, *kind, &fixture(name), day()).await);
    }
    out
}

pub(crate) async fn search(ctx: &AppContext, params: &[(&str, &str)]) -> (u16, Value) {
    let mut c = call("GET", "/api/v1/pslf/employers");
    for (k, v) in params {
        c = c.query(k, v);
    }
    send(ctx, employers::search, c).await
}

pub(crate) fn names(out: &Value, group: &str) -> Vec<String> {
    out[group]
        .as_array()
        .unwrap_or_else(|| panic!("{group} in {out}"))
        .iter()
        .map(|e| e["name"].as_str().unwrap().to_string())
        .collect()
}

#[tokio::test]
async fn the_fixtures_load_once_and_a_reload_changes_nothing() {
    let t = app().await;
    let first = load_fixtures(&t.ctx.store).await;
    for (r, (_, name, rows)) in first.iter().zip(FIXTURES) {
        assert_eq!(r.file, *name);
        assert_eq!(
            (r.rows, r.inserted, r.updated, r.unchanged),
            (*rows, *rows, 0, 0),
            "{r:?}"
        );
    }
    // 501(c)(4), (6) and (7) rows are kept, as not eligible.
    assert_eq!(first[0].not_eligible, 55);
    let (_, before) = search(&t.ctx, &[("q", "f"), ("limit", "100")]).await;
    // Another day, the same files: nothing is written, the load dates stay.
    let later = NaiveDate::from_ymd_opt(2027, 1, 5).unwrap();
    for (kind, name, rows) in FIXTURES {
        let r = load_file(&t.ctx.store, *kind, &fixture(name), later).await;
        assert_eq!((r.inserted, r.updated, r.unchanged), (0, 0, *rows), "{r:?}");
    }
    let (_, after) = search(&t.ctx, &[("q", "f"), ("limit", "100")]).await;
    assert_eq!(before, after);
    assert_eq!(
        after["government_agencies"][0]["source"],
        json!({"file": "government_agencies.csv", "loaded_on": "2026-12-01"})
    );
}

#[tokio::test]
async fn a_changed_record_is_rewritten_in_place_and_its_name_index_follows() {
    let t = app().await;
    load_fixtures(&t.ctx.store).await;
    let dir = std::env::temp_dir().join(format!("employers-{}", uuid::Uuid::new_v4()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("government_agencies.csv");
    let text = std::fs::read_to_string(fixture("government_agencies.csv"))
        .unwrap()
        .replace(
            "US-FEMA,Federal Emergency Management Agency,federal",
            "US-FEMA,Emergency Management Agency of the United States,federal",
        );
    std::fs::write(&path, text).unwrap();
    let later = NaiveDate::from_ymd_opt(2027, 1, 5).unwrap();
    let r = load_file(
        &t.ctx.store,
        SourceKind::Government,
        path.to_str().unwrap(),
        later,
    )
    .await;
    assert_eq!((r.inserted, r.updated, r.unchanged), (0, 1, 109));
    let (_, out) = search(&t.ctx, &[("q", "federal e")]).await;
    assert!(names(&out, "government_agencies").is_empty(), "{out}");
    let (_, out) = search(&t.ctx, &[("q", "emergency")]).await;
    let g = &out["government_agencies"][0];
    assert_eq!(
        g["name"],
        "Emergency Management Agency of the United States"
    );
    assert_eq!(g["source"]["loaded_on"], "2027-01-05");
    std::fs::remove_dir_all(dir).unwrap();
}

#[tokio::test]
async fn fed_finds_federal_agencies_and_not_dwarfed_foundation() {
    let t = app().await;
    load_fixtures(&t.ctx.store).await;
    let (s, out) = search(&t.ctx, &[("q", "fed")]).await;
    assert_eq!(s, 200, "{out}");
    assert_eq!(
        names(&out, "government_agencies"),
        [
            "Federal Aviation Administration",
            "Federal Bureau of Investigation",
            "Federal Emergency Management Agency"
        ]
    );
    assert_eq!(
        names(&out, "non_profits"),
        [
            "FEDERAL EMPLOYEES RECREATION CLUB",
            "FEDERATED CHAMBER OF COMMERCE",
            "FEDERATION OF ANIMAL WELFARE"
        ]
    );
    assert_eq!(
        names(&out, "public_schools"),
        ["Federal Hocking High School"]
    );
    assert!(names(&out, "low_income_schools").is_empty());
    let all = out.to_string();
    assert!(!all.contains("DWARFED"), "{all}");
    assert_eq!(
        out["government_agencies"][1],
        json!({
            "type": "government_agency",
            "name": "Federal Bureau of Investigation",
            "ein": null,
            "city": "Washington",
            "state": "DC",
            "state_code": "DC",
            "is_school": false,
            "pslf_eligible": true,
            "reason": "Government agency (federal)",
            "government_level": "federal",
            "source": {"file": "government_agencies.csv", "loaded_on": "2026-12-01"},
        })
    );
    let np = &out["non_profits"];
    assert_eq!(
        (
            np[2]["ein"].as_str(),
            np[2]["pslf_eligible"].as_bool(),
            np[2]["reason"].as_str()
        ),
        (
            Some("810000002"),
            Some(true),
            Some("501(c)(3) organization")
        )
    );
    assert_eq!(np[1]["pslf_eligible"], false);
    assert_eq!(np[1]["irs_subsection"], "06");
    assert!(np[1]["reason"]
        .as_str()
        .unwrap()
        .starts_with("501(c)(6) organization, not a 501(c)(3)"));
    assert_eq!(out["q"], "fed");
    assert_eq!(out["limit"], 25);
    assert_eq!(out["has_more"]["non_profits"], false);
    assert!(out["notice"]
        .as_str()
        .unwrap()
        .starts_with("Not finding an employer"));
    // Upper case, and a dwarf still finds its foundation.
    let (_, out) = search(&t.ctx, &[("q", "DWARF")]).await;
    assert_eq!(names(&out, "non_profits"), ["DWARFED FOUNDATION"]);
}

#[tokio::test]
async fn state_limit_and_type_narrow_the_search() {
    let t = app().await;
    load_fixtures(&t.ctx.store).await;
    let (_, out) = search(&t.ctx, &[("q", "riverside")]).await;
    let states: Vec<&str> = out["non_profits"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["state"].as_str().unwrap())
        .collect();
    assert_eq!(states, ["OH", "OR"]);
    let (_, out) = search(&t.ctx, &[("q", "riverside"), ("state", "oh")]).await;
    assert_eq!(out["state"], "OH");
    assert_eq!(out["non_profits"].as_array().unwrap().len(), 1);
    assert_eq!(out["non_profits"][0]["city"], "DAYTON");
    // limit is per type, and has_more says where more wait.
    let (_, out) = search(&t.ctx, &[("q", "c"), ("limit", "2")]).await;
    for g in ["public_schools", "non_profits", "government_agencies"] {
        assert_eq!(out[g].as_array().unwrap().len(), 2, "{g}");
        assert_eq!(out["has_more"][g], true, "{g}");
    }
    let (_, all) = search(&t.ctx, &[("q", "c"), ("limit", "100")]).await;
    assert_eq!(out["non_profits"][0], all["non_profits"][0]);
    assert_eq!(out["non_profits"][1], all["non_profits"][1]);
    let n = all["government_agencies"].as_array().unwrap().len();
    assert!(n > 40 && n < 100, "{n}");
    assert_eq!(all["has_more"]["government_agencies"], false);
    // Every result in one state really is in it, for every type.
    let (_, tx) = search(&t.ctx, &[("q", "c"), ("state", "TX"), ("limit", "100")]).await;
    for g in [
        "public_schools",
        "non_profits",
        "government_agencies",
        "low_income_schools",
    ] {
        for e in tx[g].as_array().unwrap() {
            assert_eq!(e["state"], "TX", "{e}");
        }
    }
    assert!(!tx["government_agencies"].as_array().unwrap().is_empty());
    let (_, out) = search(&t.ctx, &[("q", "fed"), ("type", "government_agencies")]).await;
    assert_eq!(out["government_agencies"].as_array().unwrap().len(), 3);
    assert_eq!(out["non_profits"], json!([]));
}

#[tokio::test]
async fn articles_punctuation_and_saints_are_ignored() {
    let t = app().await;
    load_fixtures(&t.ctx.store).await;
    for (q, group, want) in [
        ("hope clinic", "non_profits", "THE HOPE CLINIC"),
        ("The Hope", "non_profits", "THE HOPE CLINIC"),
        ("st. jude", "non_profits", "ST JUDE COMMUNITY HOSPITAL"),
        ("Saint Jude", "non_profits", "ST JUDE COMMUNITY HOSPITAL"),
        ("St Mary's", "non_profits", "SAINT MARYS HEALTH CENTER"),
        ("a place to", "non_profits", "A PLACE TO GROW INC"),
        ("city of alb", "government_agencies", "City of Albemarle"),
        ("lincoln", "low_income_schools", "Lincoln Elementary School"),
        // A last "St" is also read as "Saint".
        ("St", "non_profits", "ST JUDE COMMUNITY HOSPITAL"),
        ("St.", "non_profits", "SAINT MARYS HEALTH CENTER"),
        // A trailing legal form doesn't count.
        (
            "a place to grow, inc.",
            "non_profits",
            "A PLACE TO GROW INC",
        ),
    ] {
        let (s, out) = search(&t.ctx, &[("q", q)]).await;
        assert_eq!(s, 200);
        assert!(names(&out, group).contains(&want.to_string()), "{q}: {out}");
    }
    let (_, out) = search(&t.ctx, &[("q", "lincoln")]).await;
    let lis = &out["low_income_schools"][0];
    assert_eq!(lis["is_school"], true);
    assert_eq!(lis["school_years"], "2019-20;2020-21;2021-22;2024-25");
    assert_eq!(
        out["public_schools"][0]["name"],
        "Lincoln Elementary School"
    );
}

#[tokio::test]
async fn a_repeated_parameter_is_a_422_not_a_silent_choice() {
    use lambda_http::RequestExt;
    let t = app().await;
    load_fixtures(&t.ctx.store).await;
    let query = std::collections::HashMap::from([
        ("q".to_string(), vec!["fed".to_string()]),
        (
            "type".to_string(),
            vec!["non_profits".to_string(), "public_schools".to_string()],
        ),
    ]);
    let req = call("GET", "/api/v1/pslf/employers")
        .request()
        .with_query_string_parameters(query);
    let (s, out) = loanpath_tests::send_request(&t.ctx, employers::search, req).await;
    assert_eq!(s, 422, "{out}");
    assert!(
        out["error"]["fields"]["type"]
            .as_str()
            .unwrap()
            .starts_with("is given more than once"),
        "{out}"
    );
    // The list form is the documented one.
    let (s, out) = search(
        &t.ctx,
        &[("q", "fed"), ("type", "non_profits,public_schools")],
    )
    .await;
    assert_eq!(s, 200);
    assert_eq!(
        names(&out, "public_schools"),
        ["Federal Hocking High School"]
    );
    assert!(!names(&out, "non_profits").is_empty());
}

#[tokio::test]
async fn bad_parameters_are_422s_that_name_them() {
    let t = app().await;
    for (params, field, problem) in [
        (vec![], "q", "is required: the start of the employer's name"),
        (
            vec![("q", " ")],
            "q",
            "is required: the start of the employer's name",
        ),
        (vec![("q", "...")], "q", "must contain a letter or a digit"),
        (
            vec![("q", "fed"), ("state", "XX")],
            "state",
            "must be a two-letter US state or territory code, such as OH",
        ),
        (
            vec![("q", "fed"), ("limit", "0")],
            "limit",
            "must be a whole number from 1 to 100 (results per type)",
        ),
        (
            vec![("q", "fed"), ("limit", "101")],
            "limit",
            "must be a whole number from 1 to 100 (results per type)",
        ),
        (
            vec![("q", "fed"), ("limit", "abc")],
            "limit",
            "must be a whole number from 1 to 100 (results per type)",
        ),
        (
            vec![("q", "fed"), ("name", "x")],
            "name",
            "is not a parameter of this route (use q, state, limit, type)",
        ),
    ] {
        let (s, out) = search(&t.ctx, &params).await;
        assert_eq!(s, 422, "{params:?}: {out}");
        assert_eq!(out["error"]["fields"][field], problem, "{params:?}");
    }
}

#[tokio::test]
async fn the_search_needs_a_secret_key_and_every_client_sees_the_same_data() {
    let t = app().await;
    load_fixtures(&t.ctx.store).await;
    let (s, _) = send(
        &t.ctx,
        employers::search,
        call("GET", "/").query("q", "fed").auth(None),
    )
    .await;
    assert_eq!(s, 401);
    let (s, _) = send(
        &t.ctx,
        employers::search,
        call("GET", "/").query("q", "fed").key(SANDBOX_NEXUS_KEY),
    )
    .await;
    assert_eq!(s, 401, "a public Nexus key opens no API route");
    let (s, other) = send(
        &t.ctx,
        employers::search,
        call("GET", "/").query("q", "fed").key(OTHER_KEY),
    )
    .await;
    assert_eq!(s, 200);
    let (_, mine) = search(&t.ctx, &[("q", "fed")]).await;
    assert_eq!(other, mine);
}

#[tokio::test]
async fn a_malformed_file_is_refused_with_its_line_before_anything_is_written() {
    let t = app().await;
    let text = std::fs::read_to_string(fixture("eo_sample.csv")).unwrap();
    let mut lines: Vec<String> = text.lines().map(str::to_string).collect();
    // The bad row comes after 2 waves of good ones: a loader that did not check first would
    // have written 3,200 rows by then.
    let good = lines[1].clone();
    let mut more = Vec::new();
    for i in 0..4000 {
        more.push(good.replacen("810000001", &format!("{}", 820_000_000 + i), 1));
    }
    lines.splice(1..1, more);
    lines.push(lines[5].replacen("8200000", "8200X00", 1));
    let dir = std::env::temp_dir().join(format!("employers-{}", uuid::Uuid::new_v4()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("eo2.csv");
    std::fs::write(&path, lines.join("\n")).unwrap();
    let path = path.to_str().unwrap();
    let e =
        shared::employers::load::load_file(&t.ctx.store, SourceKind::Bmf, path, day(), &mut |_| {})
            .await
            .unwrap_err();
    let line = lines.len();
    assert_eq!(
        e.to_string(),
        format!("line {line}: EIN \"8200X0004\" is not 9 digits")
    );
    let (_, out) = search(&t.ctx, &[("q", "d"), ("type", "non_profits")]).await;
    assert_eq!(out["non_profits"], json!([]), "nothing was written");
    // A file in another layout is refused on its header.
    let e = check(
        SourceKind::Bmf,
        std::fs::File::open(fixture("ccd_sch_sample.csv")).unwrap(),
        "ccd.csv",
    )
    .unwrap_err();
    assert_eq!(e.line, 1);
    // Without the check, the loader stops at the bad row too.
    let e = load(
        &t.ctx.store,
        SourceKind::Bmf,
        lines.join("\n").as_bytes(),
        "eo2.csv",
        day(),
        &mut |_| {},
    )
    .await
    .unwrap_err();
    assert!(e.to_string().starts_with(&format!("line {line}: EIN")));
    std::fs::remove_dir_all(dir).unwrap();
}

#[tokio::test]
async fn duplicates_a_bom_and_windows_1252_text_are_handled() {
    let t = app().await;
    let mut text = "\u{feff}".to_string();
    text.push_str(&std::fs::read_to_string(fixture("eo_sample.csv")).unwrap());
    let lines: Vec<&str> = text.lines().collect();
    // The same EIN twice, the second with a new name: the later row wins.
    let again = lines[1].replacen("DWARFED FOUNDATION", "DWARFED FOUNDATION OF NEVADA", 1);
    let mut bytes = lines.join("\n").into_bytes();
    bytes.extend_from_slice(format!("\n{again}\n").as_bytes());
    // A Windows-1252 curly apostrophe (byte 0x92) in a name: not UTF-8.
    let row = lines[2]
        .replacen("FEDERATION OF ANIMAL WELFARE", "CHILDREN\u{fffd}S FUND", 1)
        .replacen("810000002", "899999999", 1);
    let mut row = row.into_bytes();
    let at = row
        .windows(3)
        .position(|w| w == "\u{fffd}".as_bytes())
        .unwrap();
    row.splice(at..at + 3, [0x92u8]);
    bytes.extend_from_slice(&row);
    bytes.push(b'\n');
    let r = load(
        &t.ctx.store,
        SourceKind::Bmf,
        bytes.as_slice(),
        "eo_x.csv",
        day(),
        &mut |_| {},
    )
    .await
    .unwrap();
    assert_eq!((r.rows, r.duplicates, r.inserted), (303, 1, 302), "{r:?}");
    let (_, out) = search(&t.ctx, &[("q", "dwarfed")]).await;
    assert_eq!(names(&out, "non_profits"), ["DWARFED FOUNDATION OF NEVADA"]);
    let (_, out) = search(&t.ctx, &[("q", "childrens fund")]).await;
    assert_eq!(names(&out, "non_profits"), ["CHILDREN’S FUND"]);
}

async fn borrower_with_loan(ctx: &AppContext, b: Value) -> Value {
    let (s, created) = send(
        ctx,
        borrowers::create,
        call("POST", "/").json(json!({ "borrower": b })),
    )
    .await;
    assert_eq!(s, 201, "{created}");
    let (s, out) = send(
        ctx,
        loans::create,
        call("POST", "/").id(&created["id"]).json(json!({"loans": [{
            "loan_type": "D2", "interest_rate": 6.8, "outstanding_principal": 40000,
            "original_principal": 40000, "outstanding_interest": 0, "loan_status": "RP",
            "servicer_name": "Nelnet", "origination_date": "2016-09-01",
            "pslf_cumulative_periods": 24
        }]})),
    )
    .await;
    assert_eq!(s, 201, "{out}");
    created
}

async fn forgiveness(ctx: &AppContext, id: &Value) -> (Value, Value) {
    let (s, out) = send(
        ctx,
        assessments::forgiveness_options,
        call("GET", "/").id(id).query("as_of", "2026-11-22"),
    )
    .await;
    assert_eq!(s, 200, "{out}");
    let pick = |t: &str| {
        out["forgiveness_options"]
            .as_array()
            .unwrap()
            .iter()
            .find(|o| o["type"] == t)
            .unwrap()
            .clone()
    };
    (pick("pslf"), pick("tcli"))
}

#[tokio::test]
async fn forgiveness_options_name_the_matching_institutions() {
    let t = app().await;
    load_fixtures(&t.ctx.store).await;
    let base = json!({"agi": 50000, "family_size": 1, "state_of_residence": "OH", "pslf": true});
    let with = |extra: Value| {
        let mut b = base.clone();
        b.as_object_mut()
            .unwrap()
            .extend(extra.as_object().unwrap().clone());
        b
    };

    // A 501(c)(3) in the borrower's employer state.
    let b = borrower_with_loan(
        &t.ctx,
        with(json!({"employer": "Riverside Community Health", "employer_state": "OH"})),
    )
    .await;
    let (pslf, tcli) = forgiveness(&t.ctx, &b["id"]).await;
    let m = pslf["matching_institutions"].as_array().unwrap();
    assert_eq!(m.len(), 1, "{pslf}");
    assert_eq!(
        (
            m[0]["name"].as_str(),
            m[0]["city"].as_str(),
            m[0]["ein"].as_str()
        ),
        (
            Some("RIVERSIDE COMMUNITY HEALTH"),
            Some("DAYTON"),
            Some("810000005")
        )
    );
    assert_eq!(pslf["employer_match"]["status"], "matched");
    assert!(pslf["employer_match"]["detail"]
        .as_str()
        .unwrap()
        .contains("501(c)(3) organization"));
    assert_eq!(tcli["matching_institutions"], json!([]));
    assert_eq!(tcli["employer_match"]["status"], "not_low_income_school");

    // A teacher at a listed low-income school: both options see it.
    let b = borrower_with_loan(
        &t.ctx,
        with(json!({"employer": "lincoln elementary school", "employer_state": "OH"})),
    )
    .await;
    let (pslf, tcli) = forgiveness(&t.ctx, &b["id"]).await;
    let kinds: Vec<&str> = pslf["matching_institutions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["type"].as_str().unwrap())
        .collect();
    assert_eq!(kinds, ["low_income_school", "public_school"]);
    assert_eq!(tcli["matching_institutions"].as_array().unwrap().len(), 1);
    assert_eq!(tcli["employer_match"]["status"], "matched");
    assert!(tcli["employer_match"]["detail"]
        .as_str()
        .unwrap()
        .contains("listed for 2019-20, 2020-21, 2021-22, 2024-25"));

    // Found, but not a 501(c)(3).
    let b = borrower_with_loan(
        &t.ctx,
        with(json!({"employer": "Federated Chamber of Commerce"})),
    )
    .await;
    let (pslf, _) = forgiveness(&t.ctx, &b["id"]).await;
    assert_eq!(pslf["employer_match"]["status"], "matched_not_eligible");
    assert_eq!(pslf["matching_institutions"][0]["pslf_eligible"], false);
    let detail = pslf["employer_match"]["detail"].as_str().unwrap();
    assert!(
        detail.starts_with(
            "Federated Chamber of Commerce matches FEDERATED CHAMBER OF COMMERCE, which is \
             listed as: 501(c)(6) organization, not a 501(c)(3)"
        ),
        "{detail}"
    );
    assert!(!detail.contains("Not finding"), "{detail}");

    // A legal form on one side only still matches; a public school is not a low-income one.
    let b = borrower_with_loan(&t.ctx, with(json!({"employer": "A Place To Grow"}))).await;
    let (pslf, _) = forgiveness(&t.ctx, &b["id"]).await;
    assert_eq!(
        pslf["matching_institutions"][0]["name"],
        "A PLACE TO GROW INC"
    );
    let b = borrower_with_loan(
        &t.ctx,
        with(json!({"employer": "Federal Hocking High School", "employer_state": "OH"})),
    )
    .await;
    let (pslf, tcli) = forgiveness(&t.ctx, &b["id"]).await;
    assert_eq!(pslf["employer_match"]["status"], "matched");
    assert!(pslf["employer_match"]["detail"]
        .as_str()
        .unwrap()
        .contains("Public school (a government employer)"));
    assert_eq!(tcli["employer_match"]["status"], "not_low_income_school");
    assert_eq!(
        tcli["employer_match"]["detail"],
        "Federal Hocking High School matches Federal Hocking High School (public school), which \
         is not in the low-income school list. Check the Teacher Cancellation Low Income \
         directory (studentaid.gov/app/tcli.action)."
    );

    // By EIN alone (with the dash), and a federal agency listed in another state.
    let b = borrower_with_loan(&t.ctx, with(json!({"employer_ein": "81-0000001"}))).await;
    assert_eq!(b["employer_ein"], "810000001");
    let (pslf, _) = forgiveness(&t.ctx, &b["id"]).await;
    assert_eq!(
        pslf["matching_institutions"][0]["name"],
        "DWARFED FOUNDATION"
    );
    assert_eq!(pslf["employer_match"]["status"], "matched");
    let b = borrower_with_loan(
        &t.ctx,
        with(json!({"employer": "Federal Bureau of Investigation", "employer_state": "OH"})),
    )
    .await;
    let (pslf, _) = forgiveness(&t.ctx, &b["id"]).await;
    assert_eq!(pslf["matching_institutions"][0]["state"], "DC");
    assert!(pslf["employer_match"]["detail"]
        .as_str()
        .unwrap()
        .contains("(a federal agency, listed outside OH)"));

    // A city of the same name in another state is another employer: no match.
    let b = borrower_with_loan(
        &t.ctx,
        with(json!({"employer": "City of Columbus", "employer_state": "OH"})),
    )
    .await;
    let (pslf, _) = forgiveness(&t.ctx, &b["id"]).await;
    assert_eq!(pslf["matching_institutions"], json!([]), "{pslf}");
    assert_eq!(pslf["employer_match"]["status"], "not_found");

    // One name, organisations that disagree: ambiguous, and each is named.
    let b = borrower_with_loan(&t.ctx, with(json!({"employer": "Acorn Meadow Ministries"}))).await;
    let (pslf, _) = forgiveness(&t.ctx, &b["id"]).await;
    assert_eq!(pslf["employer_match"]["status"], "ambiguous", "{pslf}");
    let detail = pslf["employer_match"]["detail"].as_str().unwrap();
    assert!(
        detail.contains("ACORN MEADOW MINISTRIES (NE)") && detail.contains("(WY)"),
        "{detail}"
    );
    assert!(
        detail.contains("2 listed organisations have this name"),
        "{detail}"
    );

    // The EIN decides; a name that belongs to someone else is flagged, and an unknown EIN
    // is said to be unknown.
    let b = borrower_with_loan(
        &t.ctx,
        with(json!({"employer": "Federal Bureau of Investigation", "employer_ein": "810000003"})),
    )
    .await;
    let (pslf, _) = forgiveness(&t.ctx, &b["id"]).await;
    assert_eq!(pslf["matching_institutions"].as_array().unwrap().len(), 1);
    assert_eq!(
        pslf["matching_institutions"][0]["name"],
        "FEDERATED CHAMBER OF COMMERCE"
    );
    assert_eq!(pslf["employer_match"]["status"], "matched_not_eligible");
    assert!(pslf["employer_match"]["detail"]
        .as_str()
        .unwrap()
        .contains("The employer's EIN belongs to FEDERATED CHAMBER OF COMMERCE, not to an organisation named Federal Bureau of Investigation"));
    let b = borrower_with_loan(
        &t.ctx,
        with(json!({"employer": "Federation of Animal Welfare", "employer_ein": "99-9999999"})),
    )
    .await;
    let (pslf, _) = forgiveness(&t.ctx, &b["id"]).await;
    assert_eq!(pslf["employer_match"]["status"], "matched");
    assert!(pslf["employer_match"]["detail"]
        .as_str()
        .unwrap()
        .contains("EIN 999999999 is not in the IRS list"));

    // A match the borrower's own pslf flag contradicts says what to do.
    let b = borrower_with_loan(
        &t.ctx,
        json!({"agi": 50000, "family_size": 1, "pslf": false,
               "employer": "Riverside Community Health", "employer_state": "OH"}),
    )
    .await;
    let (pslf, _) = forgiveness(&t.ctx, &b["id"]).await;
    assert!(pslf["employer_match"]["detail"]
        .as_str()
        .unwrap()
        .ends_with("set pslf to true if they work there full time."));

    // No match is not ineligibility, and no employer says what to set.
    let b = borrower_with_loan(
        &t.ctx,
        with(json!({"employer": "Acme Widgets LLC", "employer_state": "OH"})),
    )
    .await;
    let (pslf, _) = forgiveness(&t.ctx, &b["id"]).await;
    assert_eq!(pslf["matching_institutions"], json!([]));
    assert_eq!(pslf["employer_match"]["status"], "not_found");
    assert!(pslf["employer_match"]["detail"]
        .as_str()
        .unwrap()
        .starts_with("No employer matching Acme Widgets LLC was found in OH (nor a federal agency of that name in another state; employer_state limits the match to OH)."));
    assert!(pslf["employer_match"]["detail"]
        .as_str()
        .unwrap()
        .contains("does not mean it does not qualify"));
    let b = borrower_with_loan(&t.ctx, base.clone()).await;
    let (pslf, _) = forgiveness(&t.ctx, &b["id"]).await;
    assert_eq!(pslf["employer_match"]["status"], "no_employer");
}

#[tokio::test]
async fn employer_ein_is_checked() {
    let t = app().await;
    for bad in ["12345678", "1234567890", "12-34567-8", "AB-CDEFGHI"] {
        let (s, out) = send(
            &t.ctx,
            borrowers::create,
            call("POST", "/").json(json!({"borrower": {"employer_ein": bad}})),
        )
        .await;
        assert_eq!(s, 422, "{bad}");
        assert_eq!(
            out["error"]["fields"]["employer_ein"],
            "must be an EIN: 9 digits, as 123456789 or 12-3456789 (no EIN begins with 00)"
        );
    }
}
