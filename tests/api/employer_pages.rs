//! Issue 10: a search makes at most two DynamoDB requests. Dense prefixes (more than 100
//! records) are answered from their result page, every other prefix from one Query; a dense
//! prefix whose pages were never built is still answered correctly, from the index. The
//! requests are counted by an SDK interceptor on the real client.

use std::sync::{Arc, Mutex};

use aws_sdk_dynamodb::config::interceptors::BeforeTransmitInterceptorContextRef;
use aws_sdk_dynamodb::config::{ConfigBag, Intercept, RuntimeComponents};
use loanpath_tests::{app, test_cipher};
use serde_json::{json, Value};
use shared::employers::load::load;
use shared::employers::pages::{rebuild, PagesReport};
use shared::employers::sources::{SourceKind, BMF_COLUMNS};
use shared::AppContext;

use crate::employers::{day, load_file, load_fixtures, names, search};

type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// Records the operation (`x-amz-target` suffix) of every DynamoDB request.
#[derive(Debug, Clone, Default)]
struct Count(Arc<Mutex<Vec<String>>>);

impl Intercept for Count {
    fn name(&self) -> &'static str {
        "count-dynamodb-requests"
    }
    fn read_before_transmit(
        &self,
        ctx: &BeforeTransmitInterceptorContextRef<'_>,
        _rc: &RuntimeComponents,
        _cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        let op = loanpath_tests::dynamodb_operation(ctx).unwrap_or_default();
        self.0.lock().unwrap().push(op);
        Ok(())
    }
}

impl Count {
    fn take(&self) -> Vec<String> {
        let mut ops = std::mem::take(&mut *self.0.lock().unwrap());
        ops.sort();
        ops
    }
}

/// The test app's table through a client that counts its requests.
fn counted(endpoint: &str) -> (AppContext, Count) {
    let count = Count::default();
    let conf = loanpath_tests::client_config(endpoint)
        .interceptor(count.clone())
        .build();
    let ctx = AppContext::new(
        aws_sdk_dynamodb::Client::from_conf(conf),
        "loanpath-test",
        test_cipher(),
    );
    (ctx, count)
}

/// A search and the DynamoDB requests it made (the API key is cached after the first).
async fn counted_search(
    ctx: &AppContext,
    count: &Count,
    params: &[(&str, &str)],
) -> (Value, Vec<String>) {
    count.take();
    let (status, out) = search(ctx, params).await;
    assert_eq!(status, 200, "{out}");
    (out, count.take())
}

const TWO: [&str; 2] = ["BatchGetItem", "Query"];

/// `n` synthetic IRS rows "FEDERATED ACORN FUND 000".., in OH (even) and TX (odd), 501(c)(3),
/// EINs from `first_ein`; the name is `name(i)`.
fn bmf(n: u32, first_ein: u32, name: impl Fn(u32) -> String) -> String {
    let mut out = format!("{}\n", BMF_COLUMNS.join(","));
    for i in 0..n {
        let state = if i % 2 == 0 { "OH" } else { "TX" };
        out.push_str(&format!(
            "{:09},{},,1 MAIN ST,SPRINGFIELD,{state},43004,0000,03,3,1000,200001,1,15,\
             000000000,1,01,202412,1,1,01,0,12,0,0,0,P20,\n",
            first_ein + i,
            name(i)
        ));
    }
    out
}

fn acorn(i: u32) -> String {
    format!("FEDERATED ACORN FUND {i:03}")
}

async fn load_text(ctx: &AppContext, text: &str, file: &str, pages: bool) -> PagesReport {
    let r = load(
        &ctx.store,
        SourceKind::Bmf,
        text.as_bytes(),
        file,
        day(),
        &mut |_| {},
    )
    .await
    .unwrap();
    if pages {
        rebuild(&ctx.store, &r.touched, &mut |_| {}).await.unwrap()
    } else {
        PagesReport::default()
    }
}

#[tokio::test]
async fn dense_and_sparse_prefixes_take_two_requests_and_agree_with_the_index() {
    let t = app().await;
    let (ctx, count) = counted(&t.endpoint);
    load_fixtures(&ctx.store).await;
    let pages = load_text(&ctx, &bmf(150, 860_000_000, acorn), "eo_acorn.csv", true).await;
    // Dense in all states: "f" to "federated" (9) and "federated a" to "federated acorn fund"
    // (9; a prefix that ends in a space has none). In OH and TX (75 each), none.
    assert_eq!((pages.partitions, pages.pages), (3, 18), "{pages:?}");
    assert_eq!(pages.written, pages.pages);
    search(&ctx, &[("q", "warm the key cache")]).await;

    // A dense prefix: its page. 25 non-profits of 150 + the fixtures', and has_more.
    let (fed, ops) = counted_search(&ctx, &count, &[("q", "fed")]).await;
    assert_eq!(ops, TWO);
    let np = names(&fed, "non_profits");
    assert_eq!(np.len(), 25);
    // "federal employees .." sorts before "federated ..".
    assert_eq!(
        (np[0].as_str(), np[1].as_str(), np[24].as_str()),
        (
            "FEDERAL EMPLOYEES RECREATION CLUB",
            "FEDERATED ACORN FUND 000",
            "FEDERATED ACORN FUND 023"
        )
    );
    assert_eq!(fed["has_more"]["non_profits"], true);
    assert_eq!(
        names(&fed, "government_agencies"),
        [
            "Federal Aviation Administration",
            "Federal Bureau of Investigation",
            "Federal Emergency Management Agency"
        ]
    );
    assert_eq!(fed["has_more"]["government_agencies"], false);
    // limit 100: the page holds 101 of each type.
    let (fed100, ops) = counted_search(&ctx, &count, &[("q", "fed"), ("limit", "100")]).await;
    assert_eq!(ops, TWO);
    let np100 = names(&fed100, "non_profits");
    assert_eq!(
        (np100.len(), np100[99].as_str()),
        (100, "FEDERATED ACORN FUND 098")
    );
    assert_eq!(fed100["has_more"]["non_profits"], true);
    // A sparse prefix: the Query holds every match.
    let (one, ops) = counted_search(&ctx, &count, &[("q", "federated acorn fund 14")]).await;
    assert_eq!(ops, TWO);
    assert_eq!(names(&one, "non_profits").len(), 10);
    assert_eq!(one["has_more"]["non_profits"], false);
    // With a state: OH has 75 of them, not dense, so the Query answers.
    let (oh, ops) = counted_search(
        &ctx,
        &count,
        &[("q", "fed"), ("state", "OH"), ("limit", "100")],
    )
    .await;
    assert_eq!(ops, TWO);
    let oh_np = names(&oh, "non_profits");
    assert!(oh_np.contains(&"FEDERATED ACORN FUND 148".to_string()));
    assert!(!oh_np.contains(&"FEDERATED ACORN FUND 149".to_string()));
    assert_eq!(oh["has_more"]["non_profits"], false);
    // type= reads the same page.
    let (gov, ops) = counted_search(
        &ctx,
        &count,
        &[("q", "fed"), ("type", "government_agencies")],
    )
    .await;
    assert_eq!(ops, TWO);
    assert_eq!(gov["government_agencies"], fed["government_agencies"]);
    assert_eq!(gov["non_profits"], json!([]));
    // "St" is also "saint": both pages in one BatchGetItem, one Query of "s".
    let (_, ops) = counted_search(&ctx, &count, &[("q", "St")]).await;
    assert_eq!(ops, TWO);

    // The same data with no pages at all: the same answers, read from the index.
    let u = app().await;
    let (bare, bare_count) = counted(&u.endpoint);
    for (kind, name) in [
        (SourceKind::Bmf, "eo_sample.csv"),
        (SourceKind::Schools, "ccd_sch_sample.csv"),
        (SourceKind::LowIncome, "low_income_schools.csv"),
        (SourceKind::Government, "government_agencies.csv"),
    ] {
        let f = std::fs::File::open(crate::employers::fixture(name)).unwrap();
        load(&bare.store, kind, f, name, day(), &mut |_| {})
            .await
            .unwrap();
    }
    load_text(&bare, &bmf(150, 860_000_000, acorn), "eo_acorn.csv", false).await;
    search(&bare, &[("q", "warm")]).await;
    for (params, answer) in [
        (vec![("q", "fed")], &fed),
        (vec![("q", "fed"), ("limit", "100")], &fed100),
        (vec![("q", "federated acorn fund 14")], &one),
        (vec![("q", "fed"), ("state", "OH"), ("limit", "100")], &oh),
    ] {
        let (out, ops) = counted_search(&bare, &bare_count, &params).await;
        assert_eq!(&out, answer, "{params:?}");
        // Complete ranges need no page: still two requests; "fed" alone needs more.
        assert!(ops.len() >= 2, "{ops:?}");
    }
    let (c_pages, _) = counted_search(&ctx, &count, &[("q", "c"), ("limit", "100")]).await;
    let (c_index, _) = counted_search(&bare, &bare_count, &[("q", "c"), ("limit", "100")]).await;
    assert_eq!(c_pages, c_index);
    // Without its page, a dense prefix takes more Queries: the range is read until each type
    // has enough.
    let (_, ops) = counted_search(&bare, &bare_count, &[("q", "fed")]).await;
    assert!(ops.len() > 2, "{ops:?}");
}

#[tokio::test]
async fn a_reload_writes_no_page_and_a_prefix_that_stops_being_dense_loses_its_page() {
    let t = app().await;
    let (ctx, count) = counted(&t.endpoint);
    let text = bmf(150, 860_000_000, acorn);
    let first = load_text(&ctx, &text, "eo_acorn.csv", true).await;
    let again = load_text(&ctx, &text, "eo_acorn.csv", true).await;
    // Nothing changed, so no partition was touched and nothing was read or written.
    assert_eq!(again, PagesReport::default());
    // Rebuilding the partitions the first load touched finds the same pages, unchanged.
    let parts = shared::employers::pages::Partition::of_name("federated acorn fund", Some("OH"))
        .into_iter()
        .chain(shared::employers::pages::Partition::of_name(
            "f",
            Some("TX"),
        ))
        .collect();
    let same = rebuild(&ctx.store, &parts, &mut |_| {}).await.unwrap();
    assert_eq!(
        (same.pages, same.written, same.unchanged, same.deleted),
        (first.pages, 0, first.pages, 0)
    );

    // 100 of the 150 are renamed "ZEPHYR ...": "federated.." has 50 left, not dense, so its
    // pages go; "zephyr.." (100) is not dense either.
    let renamed = bmf(150, 860_000_000, |i| {
        if i < 100 {
            format!("ZEPHYR FUND {i:03}")
        } else {
            acorn(i)
        }
    });
    let after = load_text(&ctx, &renamed, "eo_acorn.csv", true).await;
    assert_eq!(
        (after.pages, after.written, after.deleted),
        (0, 0, first.pages)
    );
    search(&ctx, &[("q", "warm")]).await;
    let (out, ops) = counted_search(&ctx, &count, &[("q", "fed"), ("limit", "100")]).await;
    assert_eq!(ops, TWO);
    let np = names(&out, "non_profits");
    assert_eq!((np.len(), np[0].as_str()), (50, "FEDERATED ACORN FUND 100"));
    let (z, _) = counted_search(&ctx, &count, &[("q", "zeph"), ("limit", "100")]).await;
    assert_eq!(names(&z, "non_profits").len(), 100);
    assert_eq!(z["has_more"]["non_profits"], false);
    // The fixtures' loader path rebuilds too (load_file).
    let r = load_file(
        &ctx.store,
        SourceKind::Bmf,
        &crate::employers::fixture("eo_sample.csv"),
        day(),
    )
    .await;
    assert_eq!(r.rows, 301);
}

#[tokio::test]
async fn a_query_ending_in_st_stays_at_two_requests_when_its_s_is_dense() {
    let t = app().await;
    let (ctx, count) = counted(&t.endpoint);
    let saints = |i: u32| {
        if i < 105 {
            format!("CHURCH OF SAINT PAUL {i:03}")
        } else {
            format!("CHURCH OF STONE {i}")
        }
    };
    let text = bmf(107, 870_000_000, saints);
    let pages = load_text(&ctx, &text, "eo_church.csv", true).await;
    assert!(pages.pages > 0);
    search(&ctx, &[("q", "warm")]).await;
    // "church of s" (107) is dense: the Query of it is incomplete, and both forms have pages.
    let (out, ops) =
        counted_search(&ctx, &count, &[("q", "Church of St."), ("limit", "100")]).await;
    assert_eq!(ops, TWO);
    let np = names(&out, "non_profits");
    assert_eq!(
        (np.len(), np[0].as_str()),
        (100, "CHURCH OF SAINT PAUL 000")
    );
    assert_eq!(out["has_more"]["non_profits"], true);
    let (stone, ops) = counted_search(&ctx, &count, &[("q", "church of sto")]).await;
    assert_eq!(ops, TWO);
    assert_eq!(
        names(&stone, "non_profits"),
        ["CHURCH OF STONE 105", "CHURCH OF STONE 106"]
    );
    // The same answer from the index alone.
    let u = app().await;
    let (bare, bare_count) = counted(&u.endpoint);
    load_text(&bare, &text, "eo_church.csv", false).await;
    search(&bare, &[("q", "warm")]).await;
    let (same, _) = counted_search(
        &bare,
        &bare_count,
        &[("q", "Church of St."), ("limit", "100")],
    )
    .await;
    assert_eq!(same, out);
}

#[tokio::test]
async fn a_load_that_stops_before_its_rebuild_leaves_its_partitions_to_the_next() {
    let t = app().await;
    let (ctx, count) = counted(&t.endpoint);
    let text = bmf(150, 860_000_000, acorn);
    // The records are written, the rebuild never runs (the process stopped).
    load_text(&ctx, &text, "eo_acorn.csv", false).await;
    // The next load changes no record, but the marks in the table name the three partitions.
    let next = load_text(&ctx, &text, "eo_acorn.csv", true).await;
    assert_eq!(
        (next.partitions, next.pages, next.written),
        (3, 18, 18),
        "{next:?}"
    );
    // Rebuilt, the marks are gone.
    let after = rebuild(&ctx.store, &Default::default(), &mut |_| {})
        .await
        .unwrap();
    assert_eq!(after, PagesReport::default());
    search(&ctx, &[("q", "warm")]).await;
    let (_, ops) = counted_search(&ctx, &count, &[("q", "fed")]).await;
    assert_eq!(ops, TWO);
}
