//! `loanpath load-employers` and `loanpath bench-employers`.

use std::io::{BufReader, BufWriter, Write};
use std::sync::Arc;
use std::time::Instant;

use chrono::NaiveDate;
use lambda_http::{Body, RequestExt};
use serde_json::json;
use std::collections::BTreeSet;

use shared::employers::load::{check, load, LoadReport};
use shared::employers::pages::{self, PagesReport, Partition};
use shared::employers::sources::{SourceKind, BMF_COLUMNS};
use shared::store::Store;

use crate::sync::{percentile, Counter, Counting};

/// The fixtures `scripts/dev` and `loanpath serve` load: synthetic rows in the real layouts.
pub const FIXTURES: &[(SourceKind, &str)] = &[
    (SourceKind::Bmf, "tests/fixtures/employers/eo_sample.csv"),
    (
        SourceKind::Schools,
        "tests/fixtures/employers/ccd_sch_sample.csv",
    ),
    (
        SourceKind::LowIncome,
        "tests/fixtures/employers/low_income_schools.csv",
    ),
    (
        SourceKind::Government,
        "tests/fixtures/employers/government_agencies.csv",
    ),
];

/// The fixture files, as paths from the repository root.
pub fn fixture_files() -> Vec<(SourceKind, String)> {
    FIXTURES
        .iter()
        .map(|(k, p)| (*k, format!("{}/../{p}", env!("CARGO_MANIFEST_DIR"))))
        .collect()
}

fn open(path: &str) -> Result<BufReader<std::fs::File>, String> {
    shared::employers::load::open_file(path).map_err(|e| format!("{path}: {e}"))
}

/// Checks every file, then loads each, then (after `settle`) rebuilds the result pages of the
/// name-index partitions the loads changed; progress on stderr (unless `quiet`).
pub async fn load_files(
    store: &Store,
    files: &[(SourceKind, String)],
    loaded_on: NaiveDate,
    quiet: bool,
    settle: std::time::Duration,
) -> Result<(Vec<LoadReport>, PagesReport), String> {
    for (kind, path) in files {
        let n = check(*kind, open(path)?, path).map_err(|e| format!("{path}: {e}"))?;
        if !quiet {
            eprintln!("{path}: {n} rows checked ({} layout)", kind.flag());
        }
    }
    let mut reports = Vec::new();
    for (kind, path) in files {
        let started = Instant::now();
        let mut last = 0u64;
        let mut progress = |r: &LoadReport| {
            if !quiet && r.rows / 100_000 > last / 100_000 {
                eprintln!(
                    "{path}: {} rows ({} new, {} changed, {} unchanged) in {:.1} s",
                    r.rows,
                    r.inserted,
                    r.updated,
                    r.unchanged,
                    started.elapsed().as_secs_f64()
                );
            }
            last = r.rows;
        };
        let report = load(store, *kind, open(path)?, path, loaded_on, &mut progress)
            .await
            .map_err(|e| format!("{path}: {e}"))?;
        reports.push(report);
    }
    let touched: BTreeSet<Partition> = reports
        .iter()
        .flat_map(|r| r.touched.iter().cloned())
        .collect();
    // DynamoDB's GSIs are eventually consistent (usually well under a second): `settle`
    // gives the last writes time to reach the indexes the pages are built from.
    if !touched.is_empty() {
        tokio::time::sleep(settle).await;
    }
    let pages = rebuild_pages(store, &touched, quiet).await.map_err(|e| {
        format!(
            "{e}. The records are loaded; the partitions left are marked, and running the \
             same command again (or load-employers --rebuild-pages) rebuilds them"
        )
    })?;
    Ok((reports, pages))
}

/// The pause between a load's last write and its page rebuild on DynamoDB.
pub const SETTLE: std::time::Duration = std::time::Duration::from_secs(3);

/// Every name-index partition: all states and each state, by every first character.
pub fn all_partitions() -> BTreeSet<Partition> {
    let scopes = std::iter::once(None).chain(
        shared::model::states::STATE_CODES
            .iter()
            .map(|s| Some(s.to_string())),
    );
    let buckets: Vec<char> = ('a'..='z').chain('0'..='9').chain(['_']).collect();
    scopes
        .flat_map(|state| {
            buckets.iter().map(move |&bucket| Partition {
                state: state.clone(),
                bucket,
            })
        })
        .collect()
}

/// Rebuilds the result pages of `parts`; progress on stderr (unless `quiet`).
pub async fn rebuild_pages(
    store: &Store,
    parts: &BTreeSet<Partition>,
    quiet: bool,
) -> Result<PagesReport, String> {
    let started = Instant::now();
    let total = parts.len();
    let mut last = 0u64;
    let mut progress = |r: &PagesReport| {
        if !quiet && (r.partitions as usize == total || r.partitions / 200 > last / 200) {
            eprintln!(
                "result pages: {} of {total} partitions, {} records read, {} pages ({} written, \
                 {} unchanged, {} deleted) in {:.1} s",
                r.partitions,
                r.records,
                r.pages,
                r.written,
                r.unchanged,
                r.deleted,
                started.elapsed().as_secs_f64()
            );
        }
        last = r.partitions;
    };
    pages::rebuild(store, parts, &mut progress)
        .await
        .map_err(|e| format!("result pages: {e}"))
}

/// `loanpath load-employers [--bmf FILE]... [--schools FILE]... [--low-income FILE]...
/// [--government FILE]... [--date YYYY-MM-DD] [--check] [--fixtures] [--quiet]`
pub async fn load_cmd(args: &[String]) -> Result<(), String> {
    let mut files = Vec::new();
    let mut date = chrono::Utc::now().date_naive();
    let mut only_check = false;
    let mut quiet = false;
    let mut rebuild_all = false;
    let mut it = args.iter().skip(1);
    while let Some(a) = it.next() {
        match a.as_str() {
            "--check" => only_check = true,
            "--quiet" => quiet = true,
            "--rebuild-pages" => rebuild_all = true,
            "--allow-remote" => {}
            // Made-up employers must never reach a real table's shared reference data.
            "--fixtures"
                if !crate::local_endpoint() && !args.iter().any(|a| a == "--allow-remote") =>
            {
                return Err(
                    "--fixtures loads made-up employers, so it only runs against a local \
                            emulator (AWS_ENDPOINT_URL_DYNAMODB on localhost). Pass \
                            --allow-remote to load them into a real sandbox table on purpose."
                        .into(),
                )
            }
            "--fixtures" => files.extend(fixture_files()),
            "--date" => {
                let d = it.next().ok_or("--date YYYY-MM-DD")?;
                date = d
                    .parse()
                    .map_err(|_| format!("--date {d:?} is not YYYY-MM-DD"))?;
            }
            flag => {
                let kind = SourceKind::from_flag(flag).ok_or_else(|| {
                    format!(
                        "unknown argument {flag:?}: use --bmf, --schools, --low-income, \
                         --government FILE, --fixtures, --date, --check, --rebuild-pages"
                    )
                })?;
                let path = it.next().ok_or_else(|| format!("{flag} needs a FILE"))?;
                files.push((kind, path.clone()));
            }
        }
    }
    if files.is_empty() && rebuild_all {
        let store = crate::store().await;
        let r = rebuild_pages(&store, &all_partitions(), quiet).await?;
        println!("{}", json!({ "pages": r }));
        return Ok(());
    }
    if files.is_empty() {
        return Err(
            "name at least one file: --bmf FILE, --schools FILE, --low-income FILE, \
                    --government FILE (or --fixtures), or --rebuild-pages"
                .into(),
        );
    }
    if only_check {
        for (kind, path) in &files {
            let n = check(*kind, open(path)?, path).map_err(|e| format!("{path}: {e}"))?;
            println!(
                "{}",
                json!({"file": path, "layout": kind.flag(), "rows": n})
            );
        }
        return Ok(());
    }
    let store = crate::store().await;
    // DynamoDB itself: a pause for its GSIs before the pages are built. An emulator has no lag.
    let settle = if crate::local_endpoint() {
        std::time::Duration::ZERO
    } else {
        SETTLE
    };
    let (reports, pages) = load_files(&store, &files, date, quiet, settle).await?;
    for r in reports {
        println!("{}", serde_json::to_string(&r).map_err(|e| e.to_string())?);
    }
    println!("{}", json!({ "pages": pages }));
    Ok(())
}

/// A small deterministic generator (xorshift64*), so every benchmark run loads the same rows.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    fn pick<'a>(&mut self, xs: &[&'a str]) -> &'a str {
        xs[(self.next() % xs.len() as u64) as usize]
    }
}

const WORDS: &[&str] = &[
    "ABLE", "ACORN", "ALPINE", "AMBER", "ANCHOR", "ASPEN", "BEACON", "BIRCH", "BRIGHT", "BROOK",
    "CANYON", "CEDAR", "CENTRAL", "CIVIC", "CLEAR", "COASTAL", "COMMON", "CORAL", "CREST", "DAWN",
    "DELTA", "EAGLE", "EAST", "ELM", "EMBER", "FAIR", "FALCON", "FEDERAL", "FERN", "FIRST",
    "FOREST", "FRONTIER", "GARDEN", "GOLDEN", "GRACE", "GRANITE", "HARBOR", "HAVEN", "HERITAGE",
    "HOPE", "IRON", "IVY", "JADE", "JUNIPER", "KEY", "LAKE", "LANTERN", "LIBERTY", "MAPLE",
    "MEADOW", "MERCY", "MESA", "NORTH", "OAK", "OPAL", "ORCHARD", "PEAK", "PINE", "PRAIRIE",
    "QUAIL", "QUARRY", "RIDGE", "RIVER", "SAGE", "SILVER", "SOUTH", "SPRING", "SUMMIT", "TIMBER",
    "TRINITY", "UNION", "UNITY", "VALLEY", "VISTA", "WEST", "WILLOW", "XENIA", "YARROW", "YOUTH",
    "ZENITH", "ZION",
];
const KINDS: &[&str] = &[
    "FOUNDATION",
    "ASSOCIATION",
    "CHURCH",
    "FUND",
    "SOCIETY",
    "ALLIANCE",
    "CENTER",
    "CLINIC",
    "LEAGUE",
    "TRUST",
    "COUNCIL",
    "INSTITUTE",
    "MINISTRIES",
    "PTA",
    "CLUB",
    "HOSPITAL",
];
const STATES: &[&str] = &[
    "AL", "AK", "AZ", "AR", "CA", "CO", "CT", "DE", "FL", "GA", "HI", "ID", "IL", "IN", "IA", "KS",
    "KY", "LA", "ME", "MD", "MA", "MI", "MN", "MS", "MO", "MT", "NE", "NV", "NH", "NJ", "NM", "NY",
    "NC", "ND", "OH", "OK", "OR", "PA", "RI", "SC", "SD", "TN", "TX", "UT", "VT", "VA", "WA", "WV",
    "WI", "WY", "DC",
];

/// Writes `n` synthetic rows in the IRS BMF layout (28 columns); 85% are 501(c)(3).
pub fn write_synthetic_bmf(path: &str, n: u64) -> Result<(), String> {
    let f = std::fs::File::create(path).map_err(|e| format!("{path}: {e}"))?;
    let mut w = BufWriter::with_capacity(1 << 20, f);
    let mut rng = Rng(0x5EED_1234_ABCD_0001);
    writeln!(w, "{}", BMF_COLUMNS.join(",")).map_err(|e| e.to_string())?;
    for i in 0..n {
        let words = 1 + rng.next() % 3;
        let mut name = String::new();
        for _ in 0..words {
            name.push_str(rng.pick(WORDS));
            name.push(' ');
        }
        name.push_str(rng.pick(KINDS));
        let state = rng.pick(STATES);
        let sub = match rng.next() % 20 {
            0 => "04",
            1 => "06",
            2 => "07",
            _ => "03",
        };
        writeln!(
            w,
            "{:09},{name},,{} MAIN ST,SPRINGFIELD,{state},{:05},0000,{sub},3,1000,200001,1,15,\
             000000000,1,01,202412,1,1,01,0,12,0,0,0,P20,",
            100_000_000 + i,
            1 + i % 9999,
            10_000 + i % 89_999
        )
        .map_err(|e| e.to_string())?;
    }
    w.flush().map_err(|e| e.to_string())
}

/// `loanpath bench-employers [--rows N] [--searches S] [--data FILE]`: writes N synthetic BMF
/// rows, loads them into an embedded dynoxide (in memory, or the SQLite `--data` file) through
/// the real loader (twice: the reload changes nothing), then times 3 × S searches through the
/// real handler: S prefixes of 1 to 5 letters taken from the names, S of those with a random
/// `state`, and S of uniformly random letters.
pub async fn bench(args: &[String]) -> Result<(), String> {
    let rows: u64 = crate::flag_value(args, "--rows")
        .map_or(Ok(1_000_000), |v| v.parse())
        .map_err(|_| "--rows N")?;
    let searches: usize = crate::flag_value(args, "--searches")
        .map_or(Ok(1000), |v| v.parse())
        .map_err(|_| "--searches N")?;
    let data = crate::flag_value(args, "--data");
    let endpoint = crate::embedded::spawn_dynoxide(data.as_deref()).await?;
    let counter = Counting(Arc::new(Counter::default()));
    let conf = crate::embedded::dynamo_config(&endpoint)
        .interceptor(counter.clone())
        .build();
    let (ctx, api_key) = crate::embedded::sandbox_app(conf).await?;

    let path = std::env::temp_dir().join(format!("bench-eo-{}.csv", std::process::id()));
    let path = path.to_string_lossy().into_owned();
    let t = Instant::now();
    write_synthetic_bmf(&path, rows)?;
    let write_s = t.elapsed().as_secs_f64();
    let t = Instant::now();
    let checked = check(SourceKind::Bmf, open(&path)?, &path).map_err(|e| e.to_string())?;
    let check_s = t.elapsed().as_secs_f64();
    counter.take();
    let today = chrono::Utc::now().date_naive();
    let t = Instant::now();
    let (first, first_pages) = load_files(
        &ctx.store,
        &[(SourceKind::Bmf, path.clone())],
        today,
        false,
        std::time::Duration::ZERO,
    )
    .await?;
    let load_s = t.elapsed().as_secs_f64();
    let load_requests = counter.take();
    let t = Instant::now();
    let (again, again_pages) = load_files(
        &ctx.store,
        &[(SourceKind::Bmf, path.clone())],
        today,
        true,
        std::time::Duration::ZERO,
    )
    .await?;
    let reload_s = t.elapsed().as_secs_f64();
    let reload_requests = counter.take();
    // The pages alone: every partition rebuilt from the index (nothing changed, so nothing
    // is written).
    let t = Instant::now();
    let full_rebuild = rebuild_pages(&ctx.store, &all_partitions(), true).await?;
    let rebuild_s = t.elapsed().as_secs_f64();
    counter.take();
    let _ = std::fs::remove_file(&path);

    // Prefixes of 1 to 5 letters, taken from the generated names' words (so most find rows),
    // half of them with a state.
    // Also prefixes of 1 to 5 uniformly random letters (most of 3 or more find nothing).
    let mut rng = Rng(0xBE7C_4000_0000_0001);
    let mut with_state = Vec::new();
    let mut without_state = Vec::new();
    let mut uniform = Vec::new();
    let mut results = 0usize;
    // DynamoDB requests of each search: how many searches made N, and the operations.
    let mut requests_per_search: std::collections::BTreeMap<usize, u64> = Default::default();
    let mut by_op: std::collections::BTreeMap<String, usize> = Default::default();
    let letters: Vec<String> = (b'A'..=b'Z').map(|c| (c as char).to_string()).collect();
    for i in 0..searches * 3 {
        let len = 1 + (rng.next() % 5) as usize;
        let q: String = if i % 3 == 2 {
            (0..len)
                .map(|_| letters[(rng.next() % 26) as usize].as_str())
                .collect()
        } else {
            let word = rng.pick(WORDS);
            word[..len.min(word.len())].to_string()
        };
        let q = q.as_str();
        let state = (i % 3 == 1).then(|| rng.pick(STATES));
        let mut query = std::collections::HashMap::from([("q".to_string(), vec![q.to_string()])]);
        if let Some(st) = state {
            query.insert("state".into(), vec![st.to_string()]);
        }
        let req = lambda_http::http::Request::builder()
            .method("GET")
            .uri("/api/v1/pslf/employers")
            .header("authorization", format!("Bearer {}", api_key))
            .body(Body::Empty)
            .map_err(|e| e.to_string())?
            .with_query_string_parameters(query);
        let t = Instant::now();
        let resp = shared::api::employers::search(ctx, req).await;
        let us = t.elapsed().as_micros() as u64;
        let made = counter.take();
        *requests_per_search
            .entry(made.values().sum::<usize>())
            .or_default() += 1;
        for (op, n) in made {
            *by_op.entry(op).or_default() += n;
        }
        if resp.status() != 200 {
            return Err(format!("search {q:?} answered {}", resp.status()));
        }
        if let Body::Text(text) = resp.body() {
            let v: serde_json::Value = serde_json::from_str(text).map_err(|e| e.to_string())?;
            results += shared::employers::EmployerType::ALL
                .iter()
                .map(|t| v[t.group()].as_array().map_or(0, Vec::len))
                .sum::<usize>();
        }
        match i % 3 {
            0 => without_state.push(us),
            1 => with_state.push(us),
            _ => uniform.push(us),
        }
    }
    let summary = |v: &mut Vec<u64>| {
        v.sort_unstable();
        json!({"searches": v.len(), "p50_ms": percentile(v, 0.5) as f64 / 1000.0,
               "p99_ms": percentile(v, 0.99) as f64 / 1000.0})
    };
    let per_search: serde_json::Map<String, serde_json::Value> = by_op
        .iter()
        .map(|(op, n)| (op.clone(), json!(*n as f64 / (3 * searches).max(1) as f64)))
        .collect();
    println!(
        "{}",
        serde_json::to_string_pretty(&json!({
            "rows": rows,
            "write_file_s": write_s,
            "check_s": check_s,
            "checked_rows": checked,
            "load": {"seconds": load_s, "rows_per_s": rows as f64 / load_s, "report": first[0],
                     "pages": first_pages, "requests": load_requests},
            "reload": {"seconds": reload_s, "report": again[0], "pages": again_pages,
                       "requests": reload_requests},
            "rebuild_every_partition": {"seconds": rebuild_s, "pages": full_rebuild},
            "search_without_state": summary(&mut without_state),
            "search_with_state": summary(&mut with_state),
            "search_uniform_letters": summary(&mut uniform),
            "results_returned": results,
            "dynamodb_requests_per_search": per_search,
            "searches_by_dynamodb_requests": requests_per_search
                .iter()
                .map(|(n, c)| (n.to_string(), json!(c)))
                .collect::<serde_json::Map<_, _>>(),
        }))
        .map_err(|e| e.to_string())?
    );
    Ok(())
}
