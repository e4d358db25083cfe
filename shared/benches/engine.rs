//! Latency benchmark of the rules engine (`shared::rules`).
//!
//! No harness dependency: each call is timed with `std::time::Instant` and
//! the p50/p90/p99/mean are printed in microseconds. See `docs/benchmarks.md`.
//!
//! ```text
//! CARGO_TARGET_DIR=target/bench cargo bench -p loanpath-shared --bench engine [-- ITERATIONS]
//! ```
//!
//! Set `BENCH_ENFORCE=1` to exit non-zero when the `assess` p50 is above the
//! target (250 µs).

use chrono::NaiveDate;
use rust_decimal::Decimal;
use shared::rules::{
    assess, forgiveness_options, Assessment, AssessmentInput, FilingStatus, Household, LoanInput,
    LoanProgram, LoanStatusClass,
};
use std::hint::black_box;
use std::process::ExitCode;
use std::time::{Duration, Instant};

/// Target for the `assess` p50, in microseconds.
const TARGET_P50_US: f64 = 250.0;
/// Default number of timed calls per measurement.
const DEFAULT_ITERATIONS: usize = 3000;
/// Untimed calls before each measurement.
const WARMUP_ITERATIONS: usize = 200;
/// Stop a measurement early once it has run this long.
const TIME_BOUND: Duration = Duration::from_secs(30);

fn date(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).expect("valid date")
}

fn loan(i: usize, program: LoanProgram, balance: i64, rate_bp: i64, year: i32) -> LoanInput {
    LoanInput {
        id: format!("l{i}"),
        program,
        status: LoanStatusClass::Active,
        interest_rate: Decimal::new(rate_bp, 2),
        outstanding_principal: Decimal::new(balance * 100 + 37, 2),
        outstanding_interest: Decimal::new(12_345, 2),
        original_principal: None,
        origination_date: Some(date(year, 9, 1)),
        disbursement_dates: Vec::new(),
        repayment_plan: Some(
            if i.is_multiple_of(3) {
                "ibr"
            } else {
                "standard"
            }
            .into(),
        ),
        monthly_payment: None,
        repayment_begin_date: Some(date(year + 1, 3, 1)),
        pslf_qualifying_payments: Some(12),
        idr_qualifying_payments: Some(12),
    }
}

/// Married borrower filing jointly: 12 loans of mixed programs, rates and
/// balances (Direct subsidized/unsubsidized, Grad PLUS, one Direct
/// Consolidation, one FFEL Stafford); the spouse has 4 loans.
fn case() -> AssessmentInput {
    let program = |i: usize| match i {
        10 => LoanProgram::DirectConsolidation,
        11 => LoanProgram::FfelStafford,
        _ => [
            LoanProgram::DirectSubsidized,
            LoanProgram::DirectUnsubsidized,
            LoanProgram::DirectGradPlus,
        ][i % 3],
    };
    // FFEL loans were last made in 2010.
    let year = |i: usize| if i == 11 { 2008 } else { 2012 + i as i32 };
    let loans = (0..12)
        .map(|i| {
            loan(
                i,
                program(i),
                9_000 + 4_000 * i as i64,
                399 + 37 * i as i64,
                year(i),
            )
        })
        .collect();
    let spouse_programs = [
        LoanProgram::DirectSubsidized,
        LoanProgram::DirectUnsubsidized,
        LoanProgram::DirectGradPlus,
    ];
    let spouse_loans = (0..4)
        .map(|i| loan(100 + i, spouse_programs[i % 3], 20_000, 550, 2015))
        .collect();
    AssessmentInput {
        as_of: date(2026, 11, 22),
        household: Household {
            agi: Decimal::from(68_000),
            spouse_agi: Some(Decimal::from(41_000)),
            filing_status: FilingStatus::MarriedFilingJointly,
            family_size: 4,
            dependents: 2,
            state_of_residence: Some("OH".into()),
            income_growth: Decimal::new(50, 1),
            pslf: true,
            new_borrower_date: None,
        },
        loans,
        spouse_loans,
    }
}

/// Check that the result is a full projection, not a no-op, and describe it.
fn check(a: &Assessment) -> String {
    assert_eq!(a.repayment_options.len(), 12, "one option per plan");
    let mut simulated = 0;
    let mut snapshots = 0;
    let mut payments = 0;
    let mut longest = 0;
    for o in &a.repayment_options {
        if o.eligible_loans.is_empty() {
            continue;
        }
        assert!(
            !o.annual_snapshots.is_empty() && o.number_of_payments > 0,
            "{} has eligible loans but no projection",
            o.name
        );
        simulated += 1;
        snapshots += o.annual_snapshots.len();
        payments += o.number_of_payments;
        longest = longest.max(o.annual_snapshots.len());
    }
    assert!(
        simulated >= 8,
        "only {simulated} plans were projected; the case should reach most plans"
    );
    assert!(
        longest >= 25,
        "longest projection is {longest} years; expected an IDR horizon of 25-30 years"
    );
    let eligible_loans: usize = a
        .repayment_options
        .iter()
        .map(|o| o.eligible_loans.len())
        .sum();
    format!(
        "12 options, {simulated} projected ({eligible_loans} loan-plan pairs), \
         {snapshots} annual snapshots, {payments} payments, longest {longest} years"
    )
}

struct Stats {
    n: usize,
    p50: f64,
    p90: f64,
    p99: f64,
    mean: f64,
}

/// Warm up, then time `f` once per call up to `n` times or `TIME_BOUND`.
fn measure<T>(n: usize, mut f: impl FnMut() -> T) -> Stats {
    for _ in 0..WARMUP_ITERATIONS {
        black_box(f());
    }
    let mut ns: Vec<u64> = Vec::with_capacity(n);
    let start = Instant::now();
    while ns.len() < n && start.elapsed() < TIME_BOUND {
        let t = Instant::now();
        black_box(f());
        ns.push(t.elapsed().as_nanos() as u64);
    }
    ns.sort_unstable();
    // Nearest-rank percentile.
    let pct = |p: usize| ns[((ns.len() * p).div_ceil(100)).max(1) - 1] as f64 / 1e3;
    Stats {
        n: ns.len(),
        p50: pct(50),
        p90: pct(90),
        p99: pct(99),
        mean: ns.iter().sum::<u64>() as f64 / ns.len() as f64 / 1e3,
    }
}

fn report(name: &str, s: &Stats) {
    println!(
        "{name:<24} {:>6} {:>10.1} {:>10.1} {:>10.1} {:>10.1}",
        s.n, s.p50, s.p90, s.p99, s.mean
    );
}

fn main() -> ExitCode {
    // `cargo bench` passes `--bench`; the first plain number is the count.
    let n = std::env::args()
        .skip(1)
        .find_map(|a| a.parse::<usize>().ok())
        .filter(|&n| n > 0)
        .unwrap_or(DEFAULT_ITERATIONS);
    let input = case();

    let first = assess(&input).expect("benchmark case assesses");
    println!("case: MFJ, 12 borrower loans + 4 spouse loans, as_of 2026-11-22, growth 5%");
    for o in &first.repayment_options {
        println!(
            "  {:<20} {:>2} of 12 loans  {:>2} years  {:>3} payments  first {:>9}",
            o.name,
            o.eligible_loans.len(),
            o.annual_snapshots.len(),
            o.number_of_payments,
            o.starting_monthly_payment
        );
    }
    println!("check: {}", check(&first));
    let forgiveness = forgiveness_options(&input).expect("forgiveness options");
    assert!(!forgiveness.is_empty(), "PSLF/TLF options expected");
    println!(
        "json: {} bytes per assessment",
        serde_json::to_string(&first).expect("serialises").len()
    );
    println!(
        "iterations: up to {n} per call ({WARMUP_ITERATIONS} warm-up, {}s bound)",
        TIME_BOUND.as_secs()
    );
    println!();
    println!(
        "{:<24} {:>6} {:>10} {:>10} {:>10} {:>10}",
        "call", "n", "p50 µs", "p90 µs", "p99 µs", "mean µs"
    );

    let a = measure(n, || assess(black_box(&input)).unwrap());
    report("assess", &a);
    let j = measure(n, || {
        serde_json::to_string(&assess(black_box(&input)).unwrap()).unwrap()
    });
    report("assess + to_string", &j);
    let f = measure(n, || forgiveness_options(black_box(&input)).unwrap());
    report("forgiveness_options", &f);
    // The independent comparison case (shared::rules::cases::comparison), pinned by the
    // golden test: the faster code of issue 11 §6 must reproduce it to the cent.
    let comparison = shared::rules::cases::comparison();
    let c = measure(n, || assess(black_box(&comparison)).unwrap());
    report("assess (comparison)", &c);

    println!();
    println!(
        "engine: assess p50 = {:.1} µs (target <= {TARGET_P50_US:.0} µs); comparison case p50 = {:.1} µs (issue 11 target <= 100 µs)",
        a.p50, c.p50
    );
    let enforce = std::env::var("BENCH_ENFORCE").is_ok_and(|v| v == "1");
    if enforce && a.p50 > TARGET_P50_US {
        eprintln!("engine: p50 above target");
        return ExitCode::FAILURE;
    }
    ExitCode::SUCCESS
}
