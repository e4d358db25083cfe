//! The sandbox servicers' data: a deterministic, synthetic borrower and loan portfolio for a
//! sandbox login (docs/nexus.md, "Sandbox servicers").
//!
//! Nothing is real: names come from small fixed lists, e-mail is at example.com, phones are
//! 555-01xx, schools and employers are made up. The loans are shaped like real ones: one loan per
//! type and academic year, disbursed in a fall and a spring half, amounts within the annual
//! limits, the statutory fixed rate of the year of first disbursement (`sandbox_rates.rs`, cited),
//! a status history, and balances simulated month by month up to `as_of`:
//! * unsubsidized interest accrues from disbursement; it is capitalised when repayment starts
//!   before 2023-07-01, and after a deferment (Parent PLUS), and otherwise stays outstanding
//!   interest (34 CFR 685.202(b) as amended by 87 FR 65904, effective 2023-07-01);
//! * the COVID-19 payment pause: no interest from 2020-03-13 to 2023-08-31 and no payments due
//!   until October 2023 (CARES Act § 3513 and its extensions), shown as a forbearance;
//! * payments go to interest first; plans are chosen so that no loan is paid off before mid-2028.
//!
//! Determinism: a splitmix64 stream seeded from (seed, servicer, profile); no clock, no
//! randomness, no hash-map order. The history (schools, years, amounts, dates, plans, award ids)
//! depends only on (servicer, seed, profile); `as_of` moves balances, payments and statuses along
//! it, so a later sync of the same login updates the same loans. Two things are placed relative
//! to `as_of` so that the login always shows them: the Delinquent profile's overdue payment and
//! the forbearance or deferment some Standard portfolios have.

use chrono::{Datelike, Days, Months, NaiveDate};
use rust_decimal::{dec, Decimal};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use uuid::Uuid;

use crate::loans::{
    Address, IneligiblePayment, LoanData, LoanSource, NewLoan, NonQualifyingPayment, ProfileFill,
    PslfCounts,
};
use crate::money::cents;
use crate::reference::loan_status_by_code;

#[path = "sandbox_rates.rs"]
mod rates;
pub use rates::{academic_year, rate_row, statutory_rate, FfelRates, RateKind, RateRow, RATES};

/// Which behaviour a sandbox username selects for the data (credential behaviours such as
/// user_locked are handled elsewhere; they never reach the generator).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DataProfile {
    Standard,
    NoLoans,
    Delinquent,
    Pslf,
    Ffel,
    Large,
}

/// What the sandbox servicer returns for one login.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SandboxPortfolio {
    pub profile: ProfileFill,
    pub date_of_birth: Option<NaiveDate>,
    pub loans: Vec<NewLoan>,
}

const fn date(y: i32, m: u32, d: u32) -> NaiveDate {
    match NaiveDate::from_ymd_opt(y, m, d) {
        Some(d) => d,
        None => NaiveDate::MIN,
    }
}

const PAUSE_START: NaiveDate = date(2020, 3, 13);
const INTEREST_RESUME: NaiveDate = date(2023, 9, 1);
const PAYMENTS_RESUME: NaiveDate = date(2023, 10, 1);
const NO_CAPITALISATION_FROM: NaiveDate = date(2023, 7, 1);
/// Plans are chosen so that no loan is paid off before this date.
const PLAN_HORIZON: NaiveDate = date(2028, 7, 1);
/// PSLF histories are laid out so that the seeded qualifying count holds on this date.
const PSLF_REFERENCE: NaiveDate = date(2026, 12, 1);
const AUTOPAY_DISCOUNT: Decimal = dec!(0.25);
const GRADUATED: [Decimal; 5] = [dec!(0.6), dec!(0.8), dec!(1.0), dec!(1.2), dec!(1.4)];

/// splitmix64 (Steele, Lea, Flood 2014).
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        finalize(self.0)
    }
    /// In `lo..=hi`.
    fn int(&mut self, lo: i64, hi: i64) -> i64 {
        if hi <= lo {
            return lo;
        }
        lo + (self.next() % ((hi - lo) as u64 + 1)) as i64
    }
    fn u32(&mut self, lo: u32, hi: u32) -> u32 {
        self.int(lo.into(), hi.into()) as u32
    }
    fn i32(&mut self, lo: i32, hi: i32) -> i32 {
        self.int(lo.into(), hi.into()) as i32
    }
    fn chance(&mut self, percent: u64) -> bool {
        self.next() % 100 < percent
    }
    /// `items` is one of the non-empty constant lists.
    fn pick<T: Copy>(&mut self, items: &[T]) -> T {
        items[(self.next() % items.len() as u64) as usize]
    }
}

fn finalize(mut z: u64) -> u64 {
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

fn mix(a: u64, b: u64) -> u64 {
    finalize(a ^ finalize(b.wrapping_add(0x9E37_79B9_7F4A_7C15)))
}

/// FNV-1a, 64 bit.
fn fnv1a(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xCBF2_9CE4_8422_2325, |h, b| {
        (h ^ u64::from(*b)).wrapping_mul(0x0100_0000_01B3)
    })
}

fn add_months(d: NaiveDate, n: u32) -> NaiveDate {
    d.checked_add_months(Months::new(n)).unwrap_or(d)
}

fn sub_months(d: NaiveDate, n: u32) -> NaiveDate {
    d.checked_sub_months(Months::new(n)).unwrap_or(d)
}

fn add_days(d: NaiveDate, n: u64) -> NaiveDate {
    d.checked_add_days(Days::new(n)).unwrap_or(d)
}

fn sub_days(d: NaiveDate, n: u64) -> NaiveDate {
    d.checked_sub_days(Days::new(n)).unwrap_or(d)
}

/// Whole months from `from` to `to` (negative if `to` is earlier).
fn months_between(from: NaiveDate, to: NaiveDate) -> i64 {
    let m =
        i64::from(to.year() - from.year()) * 12 + i64::from(to.month()) - i64::from(from.month());
    if to.day() < from.day() {
        m - 1
    } else {
        m
    }
}

fn first_of_month(d: NaiveDate) -> NaiveDate {
    date(d.year(), d.month(), 1)
}

fn due_in_month(d: NaiveDate, due_day: u32) -> NaiveDate {
    date(d.year(), d.month(), due_day)
}

/// The first due day strictly after `d`.
fn next_due(d: NaiveDate, due_day: u32) -> NaiveDate {
    let c = due_in_month(d, due_day);
    if c > d {
        c
    } else {
        add_months(c, 1)
    }
}

fn in_window(d: NaiveDate, windows: &[(NaiveDate, NaiveDate)]) -> bool {
    windows.iter().any(|&(s, e)| d >= s && d < e)
}

/// Due dates skipped by the payment pause for a loan entering repayment on `begin`.
fn paused_months(begin: NaiveDate) -> u32 {
    if begin >= PAYMENTS_RESUME {
        0
    } else {
        months_between(begin.max(PAUSE_START), PAYMENTS_RESUME).max(0) as u32
    }
}

/// Simple daily interest (actual/365) on `principal` from `from` to `to`, except in `free`.
fn accrue(
    principal: Decimal,
    rate: Decimal,
    from: NaiveDate,
    to: NaiveDate,
    free: &[(NaiveDate, NaiveDate)],
) -> Decimal {
    if to <= from {
        return Decimal::ZERO;
    }
    let mut days = (to - from).num_days();
    for &(s, e) in free {
        let (lo, hi) = (s.max(from), e.min(to));
        if hi > lo {
            days -= (hi - lo).num_days();
        }
    }
    (principal * rate * Decimal::from(days) / Decimal::from(36_500)).round_dp(6)
}

/// The level monthly payment that repays `balance` in `months` at `rate` percent.
fn level_payment(balance: Decimal, rate: Decimal, months: u32) -> Decimal {
    let i = rate / Decimal::from(1200);
    if months == 0 || i <= Decimal::ZERO {
        return cents(balance / Decimal::from(months.max(1)));
    }
    let mut f = Decimal::ONE;
    for _ in 0..months {
        f = (f * (Decimal::ONE + i)).round_dp(16);
    }
    cents(balance * i * f / (f - Decimal::ONE))
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Level {
    Undergrad,
    Grad,
    Parent,
}

/// One loan as disbursed.
struct Spec {
    code: &'static str,
    kind: RateKind,
    level: Level,
    school: &'static str,
    year: i32,
    disb: Vec<(NaiveDate, Decimal)>,
}

impl Spec {
    fn amount(&self) -> Decimal {
        self.disb.iter().map(|d| d.1).sum()
    }
}

struct PslfPlan {
    employer: &'static str,
    /// Qualifying employment (and IBR) started; the first `uncertified` months do not qualify.
    start: NaiveDate,
    uncertified: u32,
    /// A forbearance whose months are ineligible.
    fb_start: NaiveDate,
    fb_end: NaiveDate,
}

/// A payment group: loans sharing a timeline and a plan.
struct Group {
    specs: Vec<Spec>,
    leave: NaiveDate,
    begin: NaiveDate,
    plan: &'static str,
    /// Before this date the loans were on the Standard plan.
    plan_begin: NaiveDate,
    /// The group's IDR payment (shared by balance) when `plan` is IDR.
    idr_total: Decimal,
    autopay: bool,
    guarantor: Option<&'static str>,
    pslf: Option<PslfPlan>,
}

fn terms(rng: &mut Rng, year: i32) -> (NaiveDate, NaiveDate) {
    (
        add_days(date(year, 8, 18), rng.int(0, 21) as u64),
        add_days(date(year + 1, 1, 5), rng.int(0, 14) as u64),
    )
}

fn halves(amount: i64, (fall, spring): (NaiveDate, NaiveDate)) -> Vec<(NaiveDate, Decimal)> {
    let first = amount / 2;
    vec![
        (fall, Decimal::from(first)),
        (spring, Decimal::from(amount - first)),
    ]
}

fn spec(code: &'static str, kind: RateKind, level: Level, school: &'static str, year: i32) -> Spec {
    Spec {
        code,
        kind,
        level,
        school,
        year,
        disb: Vec::new(),
    }
}

/// An undergraduate year's Stafford loans (Direct or FFEL) within the annual limits:
/// subsidized $2,625/$3,500/$5,500 (from 2007-08 $3,500/$4,500/$5,500), dependent total +$2,000
/// unsubsidized from 2008-09 (ECASLA), independent +$4,000/$4,000/$5,000 (20 U.S.C. 1078(b)).
fn undergrad_year(
    rng: &mut Rng,
    school: &'static str,
    year: i32,
    grade: usize,
    independent: bool,
    ffel: bool,
    with_sub: bool,
) -> Vec<Spec> {
    let g = grade.min(2);
    let sub_max: i64 = if year < 2007 {
        [2625, 3500, 5500][g]
    } else {
        [3500, 4500, 5500][g]
    };
    let total: i64 = if year < 2008 {
        sub_max
    } else {
        [5500, 6500, 7500][g]
    };
    let extra: i64 = if independent {
        [4000, 4000, 5000][g]
    } else {
        0
    };
    let sub = if with_sub {
        sub_max - 500 * rng.int(0, 2)
    } else {
        0
    };
    let unsub = total + extra - sub;
    let t = terms(rng, year);
    let (codes, kinds) = if ffel {
        (
            ["SF", "SU"],
            [RateKind::FfelSubsidized, RateKind::FfelUnsubsidized],
        )
    } else {
        (
            ["D1", "D2"],
            [
                RateKind::UndergradSubsidized,
                RateKind::UndergradUnsubsidized,
            ],
        )
    };
    let mut v = Vec::new();
    for (i, amount) in [sub, unsub].into_iter().enumerate() {
        if amount > 0 {
            let mut s = spec(codes[i], kinds[i], Level::Undergrad, school, year);
            s.disb = halves(amount, t);
            v.push(s);
        }
    }
    v
}

/// A graduate year: Direct Unsubsidized ($8,500–$20,500) and maybe Grad PLUS.
fn grad_year(rng: &mut Rng, school: &'static str, year: i32, plus: bool) -> Vec<Spec> {
    let t = terms(rng, year);
    let mut d2 = spec("D2", RateKind::GradUnsubsidized, Level::Grad, school, year);
    d2.disb = halves(8500 + 500 * rng.int(0, 24), t);
    let mut v = vec![d2];
    if plus {
        let mut d3 = spec("D3", RateKind::DirectPlus, Level::Grad, school, year);
        d3.disb = halves(4000 + 500 * rng.int(0, 52), t);
        v.push(d3);
    }
    v
}

/// A professional-school year whose school originates one loan per term (4 loans).
fn per_term_year(rng: &mut Rng, school: &'static str, year: i32) -> Vec<Spec> {
    let (fall, spring) = terms(rng, year);
    let mut v = Vec::new();
    for (code, kind) in [
        ("D2", RateKind::GradUnsubsidized),
        ("D3", RateKind::DirectPlus),
    ] {
        for d in [fall, spring] {
            let amount = if code == "D2" {
                10_250
            } else {
                8000 + 500 * rng.int(0, 34)
            };
            let mut s = spec(code, kind, Level::Grad, school, year);
            s.disb = vec![(d, Decimal::from(amount))];
            v.push(s);
        }
    }
    v
}

/// A plan that keeps the loans owing until `PLAN_HORIZON`, when it starts, and an IDR payment.
fn choose_plan(
    rng: &mut Rng,
    begin: NaiveDate,
    total: Decimal,
    parent: bool,
) -> (&'static str, NaiveDate, Decimal) {
    let idr_total = Decimal::from(5 * rng.int(12, 84));
    let large = total > Decimal::from(30_000);
    let ten_years_ok = add_months(begin, 121 + paused_months(begin)) > PLAN_HORIZON;
    let plan = match rng.int(0, 9) {
        _ if !ten_years_ok && (parent || large) => "extended",
        _ if !ten_years_ok => "ibr",
        0..=4 => "standard",
        5 | 6 => "graduated",
        7 | 8 if !parent => "ibr",
        9 if large => "extended",
        _ => "standard",
    };
    let plan_begin = if plan == "ibr" && !ten_years_ok {
        add_months(begin, rng.u32(6, 36))
    } else {
        begin
    };
    (plan, plan_begin, idr_total)
}

/// Groups of one borrower who left school in May after `last_year`; grace (or, for parents, a
/// post-enrolment deferment) for six months.
fn groups_leaving(rng: &mut Rng, programs: Vec<Vec<Spec>>, last_year: i32) -> Vec<Group> {
    let leave = date(last_year + 1, 5, rng.u32(8, 22));
    let begin = add_months(leave, 6);
    programs
        .into_iter()
        .map(|specs| {
            let total = specs.iter().map(Spec::amount).sum();
            let parent = specs.iter().any(|s| s.level == Level::Parent);
            let (plan, plan_begin, idr_total) = choose_plan(rng, begin, total, parent);
            Group {
                specs,
                leave,
                begin,
                plan,
                plan_begin,
                idr_total,
                autopay: rng.chance(45),
                guarantor: None,
                pslf: None,
            }
        })
        .collect()
}

/// 2–4 undergraduate years from 2008–2020, maybe 1–2 graduate years: 3–8 loans.
fn standard_groups(rng: &mut Rng) -> Vec<Group> {
    let years = rng.i32(2, 4);
    let grad_years = if rng.chance(35) { rng.i32(1, 2) } else { 0 };
    let start = rng.i32(2008, (2025 - years - grad_years).min(2020));
    let school = rng.pick(UNDERGRAD_SCHOOLS);
    let independent = rng.chance(25);
    let mut specs = Vec::new();
    for k in 0..years {
        let with_sub = k == 0 || rng.chance(70);
        let year = start + k;
        specs.extend(undergrad_year(
            rng,
            school,
            year,
            k as usize,
            independent,
            false,
            with_sub,
        ));
    }
    let grad_school = rng.pick(GRAD_SCHOOLS);
    for k in 0..grad_years {
        if specs.len() < 8 {
            let plus = specs.len() <= 6 && rng.chance(40);
            specs.extend(grad_year(rng, grad_school, start + years + k, plus));
        }
    }
    groups_leaving(rng, vec![specs], start + years + grad_years - 1)
}

/// Four undergraduate years from 2008–2012, maybe graduate school, then IBR in public service.
fn pslf_groups(rng: &mut Rng) -> Vec<Group> {
    let start = rng.i32(2008, 2012);
    let grad_years = if rng.chance(50) { rng.i32(1, 2) } else { 0 };
    let school = rng.pick(UNDERGRAD_SCHOOLS);
    let mut specs = Vec::new();
    for k in 0..4 {
        let with_sub = k == 0 || rng.chance(75);
        specs.extend(undergrad_year(
            rng,
            school,
            start + k,
            k as usize,
            false,
            false,
            with_sub,
        ));
    }
    let grad_school = rng.pick(GRAD_SCHOOLS);
    for k in 0..grad_years {
        let plus = rng.chance(30);
        specs.extend(grad_year(rng, grad_school, start + 4 + k, plus));
    }
    let mut groups = groups_leaving(rng, vec![specs], start + 3 + grad_years);
    let uncertified = rng.u32(2, 4);
    let forbearance = rng.u32(2, 4);
    let qualifying = rng.u32(40, 85);
    let employer = rng.pick(EMPLOYERS);
    let gap = rng.u32(3, 12);
    for g in &mut groups {
        let earliest = first_of_month(add_months(g.begin, 2));
        let start =
            sub_months(PSLF_REFERENCE, qualifying + uncertified + forbearance).max(earliest);
        let mut fb_start = add_months(start, uncertified + gap);
        if fb_start < PAYMENTS_RESUME && add_months(fb_start, forbearance) > PAUSE_START {
            fb_start = date(2023, 11, 1);
        }
        g.plan = "ibr";
        g.plan_begin = start;
        g.pslf = Some(PslfPlan {
            employer,
            start,
            uncertified,
            fb_start,
            fb_end: add_months(fb_start, forbearance),
        });
    }
    groups
}

/// A returning (independent) student's FFEL Stafford loans from 2006–2010, and Parent PLUS loans
/// taken later for a child.
fn ffel_groups(rng: &mut Rng) -> Vec<Group> {
    let start = rng.pick(&[2006, 2007]);
    let years = if start == 2006 { rng.i32(3, 4) } else { 3 };
    let school = rng.pick(UNDERGRAD_SCHOOLS);
    let mut specs = Vec::new();
    for k in 0..years {
        let with_sub = k == 0 || rng.chance(80);
        specs.extend(undergrad_year(
            rng,
            school,
            start + k,
            k as usize,
            true,
            true,
            with_sub,
        ));
    }
    let mut groups = groups_leaving(rng, vec![specs], start + years - 1);
    let guarantor = rng.pick(GUARANTORS);
    for g in &mut groups {
        g.autopay = false;
        g.guarantor = Some(guarantor);
    }
    let child_start = rng.i32(2019, 2023);
    let child_years = if rng.chance(40) { 2 } else { 1 };
    let child_school = rng.pick(UNDERGRAD_SCHOOLS);
    let mut parent = Vec::new();
    for k in 0..child_years {
        let year = child_start + k;
        let mut s = spec(
            "D4",
            RateKind::DirectPlus,
            Level::Parent,
            child_school,
            year,
        );
        let amount = 5000 + 500 * rng.int(0, 30);
        s.disb = halves(amount, terms(rng, year));
        parent.push(s);
    }
    groups.extend(groups_leaving(
        rng,
        vec![parent],
        child_start + child_years - 1,
    ));
    groups
}

/// Exactly 30 loans: 5 undergraduate years (10), a 2-year master's with Grad PLUS (4) and a
/// 4-year professional degree with one loan per term (16), in three payment groups.
fn large_groups(rng: &mut Rng) -> Vec<Group> {
    let start = rng.i32(2008, 2013);
    let school = rng.pick(UNDERGRAD_SCHOOLS);
    let mut undergrad = Vec::new();
    for k in 0..5 {
        undergrad.extend(undergrad_year(
            rng,
            school,
            start + k,
            k as usize,
            false,
            false,
            true,
        ));
    }
    let masters_school = rng.pick(GRAD_SCHOOLS);
    let mut masters = Vec::new();
    for k in 0..2 {
        masters.extend(grad_year(rng, masters_school, start + 5 + k, true));
    }
    let doctorate_school = rng.pick(GRAD_SCHOOLS);
    let mut doctorate = Vec::new();
    for k in 0..4 {
        doctorate.extend(per_term_year(rng, doctorate_school, start + 7 + k));
    }
    groups_leaving(rng, vec![undergrad, masters, doctorate], start + 10)
}

fn person(rng: &mut Rng) -> ProfileFill {
    let first = rng.pick(FIRST_NAMES);
    let last = rng.pick(LAST_NAMES);
    let (city, state, zip, area) = rng.pick(CITIES);
    let letters = |s: &str| -> String {
        s.chars()
            .filter(char::is_ascii_alphabetic)
            .collect::<String>()
            .to_lowercase()
    };
    let street1 = format!("{} {}", rng.int(100, 9899), rng.pick(STREETS));
    let street2 = rng.chance(30).then(|| format!("Apt {}", rng.int(1, 40)));
    ProfileFill {
        first_name: Some(first.to_string()),
        last_name: Some(last.to_string()),
        email: Some(format!("{}.{}@example.com", letters(first), letters(last))),
        phone: Some(format!("{area}-555-01{:02}", rng.int(0, 99))),
        address: Some(Address {
            street1: Some(street1),
            street2,
            street3: None,
            city: Some(city.to_string()),
            state: Some(state.to_string()),
            zipcode: Some(zip.to_string()),
        }),
    }
}

fn servicer_prefix(servicer: &str) -> String {
    match servicer {
        "Aidvantage" => "AV".into(),
        "CRI" => "CR".into(),
        "EdFinancial" => "EF".into(),
        "MOHELA" => "MO".into(),
        "Nelnet" => "NN".into(),
        "ECSI" => "EC".into(),
        other => {
            let p: String = other
                .chars()
                .filter(char::is_ascii_alphanumeric)
                .take(2)
                .collect::<String>()
                .to_uppercase();
            if p.is_empty() {
                "SB".into()
            } else {
                p
            }
        }
    }
}

/// A login's servicer account.
struct Account<'a> {
    servicer: &'a str,
    key: u64,
    number: u64,
    prefix: String,
    due_day: u32,
    as_of: NaiveDate,
}

impl Account<'_> {
    fn group_uuid(&self, group: usize) -> Uuid {
        let a = mix(self.key, 0x6772_6f75_7000 + group as u64);
        let mut bytes = [0u8; 16];
        bytes[..8].copy_from_slice(&a.to_be_bytes());
        bytes[8..].copy_from_slice(&finalize(a).to_be_bytes());
        uuid::Builder::from_random_bytes(bytes).into_uuid()
    }
}

#[derive(Clone, Copy)]
enum Special {
    None,
    /// A forbearance (`FB`) or deferment (`DA`) from `start` to `end`.
    Hold {
        code: &'static str,
        start: NaiveDate,
        end: NaiveDate,
    },
    /// The payment due on this date and every later one are unpaid.
    Overdue(NaiveDate),
}

fn status_description(code: &str) -> String {
    loan_status_by_code(code)
        .map_or(code, |r| r.description)
        .to_string()
}

fn pslf_counts(p: &PslfPlan, as_of: NaiveDate) -> (u32, PslfCounts) {
    let mut qualifying = 0u32;
    let mut ineligible = Vec::new();
    let mut non_qualifying = Vec::new();
    let mut m = p.start;
    for i in 0..480u32 {
        if m >= as_of {
            break;
        }
        let period = Some(m.format("%m/%Y").to_string());
        if i < p.uncertified {
            non_qualifying.push(NonQualifyingPayment {
                description: Some("Payment made before full-time employment certified".into()),
                period,
                status: Some("Employment Not Certified".into()),
            });
        } else if m >= p.fb_start && m < p.fb_end {
            ineligible.push(IneligiblePayment {
                denial_reason: Some("You Do Not Have A Bill Due For This Payment Period".into()),
                description: Some("Loan in forbearance".into()),
                period,
            });
        } else {
            qualifying += 1;
        }
        m = add_months(m, 1);
    }
    let qualifying = qualifying.min(119);
    let remaining = 120 - qualifying;
    let counts = PslfCounts {
        eligible_payments: Some(qualifying + non_qualifying.len() as u32),
        ineligible_payments: Some(ineligible.len() as u32),
        non_qualifying_payments: Some(non_qualifying.len() as u32),
        remaining_payments: Some(remaining),
        expected_forgiveness_date: Some(add_months(first_of_month(as_of), remaining)),
        ineligible_payment_details: ineligible,
        non_qualifying_payment_details: non_qualifying,
    };
    (qualifying, counts)
}

/// One loan as the servicer reports it on `acct.as_of`; `None` if not yet disbursed.
fn build_loan(
    acct: &Account,
    g: &Group,
    group: usize,
    s: &Spec,
    seq: usize,
    share: Decimal,
    special: Special,
) -> Option<NewLoan> {
    let as_of = acct.as_of;
    let disb: Vec<(NaiveDate, Decimal)> = s.disb.iter().copied().filter(|d| d.0 <= as_of).collect();
    let first = disb.first()?.0;
    let statutory = statutory_rate(s.kind, first)?;
    let rate = if g.autopay {
        statutory - AUTOPAY_DISCOUNT
    } else {
        statutory
    };
    let subsidized = matches!(
        s.kind,
        RateKind::UndergradSubsidized | RateKind::FfelSubsidized
    );
    let parent = s.level == Level::Parent;
    let first_due = due_in_month(add_months(g.begin, 1), acct.due_day);

    let mut no_pay = vec![(PAUSE_START, PAYMENTS_RESUME)];
    let mut free = vec![(PAUSE_START, INTEREST_RESUME)];
    let mut events = vec![(first, if parent { "DA" } else { "ID" })];
    if !parent {
        events.push((g.leave, "IG"));
    }
    events.push((g.begin, "RP"));
    if g.begin < PAUSE_START {
        events.extend([(PAUSE_START, "FB"), (INTEREST_RESUME, "RP")]);
    }
    if let Some(p) = &g.pslf {
        no_pay.push((p.fb_start, p.fb_end));
        events.extend([(p.fb_start, "FB"), (p.fb_end, "RP")]);
    }
    let mut overdue = None;
    match special {
        Special::Hold { code, start, end } if start > first_due => {
            no_pay.push((start, end));
            if code == "DA" && subsidized {
                free.push((start, end));
            }
            events.push((start, code));
        }
        Special::Overdue(d) if add_months(first_due, 1) < d => overdue = Some(d),
        _ => {}
    }

    // School and grace (or deferment): unsubsidized interest accrues.
    let mut principal: Decimal = disb.iter().map(|d| d.1).sum();
    let original = principal;
    let mut accrued = Decimal::ZERO;
    if !subsidized {
        for &(d, a) in &disb {
            accrued += accrue(a, rate, d, g.begin.min(as_of), &free);
        }
    }
    let repaying = g.begin <= as_of;
    let mut capitalized = Decimal::ZERO;
    if repaying && (parent || g.begin < NO_CAPITALISATION_FROM) {
        capitalized = cents(accrued);
        principal += capitalized;
        accrued = Decimal::ZERO;
    }
    let start_balance = principal + cents(accrued);
    let level10 = level_payment(start_balance, rate, 120);
    let level25 = level_payment(start_balance, rate, 300);
    let idr = cents(g.idr_total * share)
        .min(cents(level10 * dec!(0.6)))
        .max(dec!(5));
    let scheduled = |d: NaiveDate| -> Decimal {
        if d < g.plan_begin {
            return level10;
        }
        match g.plan {
            "graduated" => {
                let tier = (months_between(first_due, d).max(0) / 24).min(4) as usize;
                cents(level10 * GRADUATED[tier])
            }
            "extended" => level25,
            "ibr" => idr,
            _ => level10,
        }
    };

    // Repayment: a payment on every due date outside the pause and holds, interest first.
    let mut last = g.begin;
    let mut last_payment: Option<(NaiveDate, Decimal)> = None;
    let mut paid_off = None;
    let mut due = first_due;
    while repaying && due <= as_of {
        if overdue.is_some_and(|d| due > sub_days(d, 14)) {
            break;
        }
        accrued += accrue(principal, rate, last, due, &free);
        last = due;
        if !in_window(due, &no_pay) {
            accrued = cents(accrued);
            let pay = scheduled(due).min(principal + accrued);
            let to_interest = pay.min(accrued);
            accrued -= to_interest;
            principal -= pay - to_interest;
            last_payment = Some((due, pay));
            if principal.is_zero() && accrued.is_zero() {
                paid_off = Some(due);
                break;
            }
        }
        due = add_months(due, 1);
    }
    if repaying && paid_off.is_none() {
        accrued += accrue(principal, rate, last, as_of, &free);
    }
    let interest = cents(accrued);
    let principal = cents(principal);

    let mut next = if repaying {
        next_due(as_of, acct.due_day)
    } else {
        first_due
    };
    for _ in 0..120 {
        if !in_window(next, &no_pay) {
            break;
        }
        next = add_months(next, 1);
    }
    let (plan, plan_begin) = if as_of >= g.plan_begin {
        (g.plan, g.plan_begin)
    } else {
        ("standard", g.begin)
    };
    let monthly = match paid_off {
        Some(_) => Decimal::ZERO,
        None if repaying => scheduled(next).min(principal + interest),
        None => level10,
    };
    let on_hold = in_window(as_of, &no_pay[1..]);
    let min_payment = match overdue {
        _ if paid_off.is_some() || on_hold => Decimal::ZERO,
        Some(d) => {
            let missed = (0..4u32).filter(|&k| add_months(d, k) <= as_of).count();
            monthly * Decimal::from(missed.max(1))
        }
        None => monthly,
    };
    let statement_date = (repaying && paid_off.is_none())
        .then(|| {
            sub_days(
                sub_months(next_due(add_days(as_of, 21), acct.due_day), 1),
                21,
            )
        })
        .filter(|&d| d >= sub_days(first_due, 21));
    let statement_balance = statement_date.map(|d| match last_payment {
        Some((p, amount)) if p > d => principal + interest + amount,
        _ => principal + interest,
    });
    let term = if matches!(plan, "extended" | "ibr") {
        299
    } else {
        119
    };
    let maturity = paid_off.unwrap_or(add_months(first_due, term + paused_months(g.begin)));
    let idr_renewal = (plan == "ibr" && repaying).then(|| {
        let mut r = add_months(plan_begin, 12);
        for _ in 0..100 {
            if r > as_of {
                break;
            }
            r = add_months(r, 12);
        }
        r
    });

    let end = paid_off.unwrap_or(as_of);
    if let Some(d) = paid_off {
        events.push((d, "PF"));
    }
    events.sort_by_key(|e| e.0);
    let events: Vec<_> = events.into_iter().filter(|e| e.0 <= end).collect();
    let status = events.last().map_or("RP", |e| e.1);
    let history: BTreeMap<NaiveDate, String> = events
        .iter()
        .map(|&(d, c)| (d, status_description(c)))
        .collect();

    let direct = s.code.starts_with('D');
    let (qualifying, pslf) = match (&g.pslf, direct) {
        (Some(p), true) => {
            let (q, counts) = pslf_counts(p, as_of);
            (Some(q), counts)
        }
        (None, true) => (Some(0), PslfCounts::default()),
        (_, false) => (None, PslfCounts::default()),
    };
    let mut metadata = BTreeMap::new();
    metadata.insert("school_name".to_string(), s.school.to_string());
    let academic = format!("{}-{:02}", s.year, (s.year + 1).rem_euclid(100));
    metadata.insert("academic_year".to_string(), academic);
    let program = match s.level {
        Level::Undergrad => "undergraduate",
        Level::Grad => "graduate",
        Level::Parent => "parent",
    };
    metadata.insert("program".to_string(), program.to_string());
    if g.autopay {
        metadata.insert("autopay_discount".to_string(), AUTOPAY_DISCOUNT.to_string());
    }
    if let Some(p) = &g.pslf {
        metadata.insert("employer".to_string(), p.employer.to_string());
    }
    if overdue.is_some() {
        metadata.insert("days_delinquent".to_string(), "60".to_string());
    }

    let servicer = acct.servicer;
    Some(NewLoan {
        source: LoanSource::Nexus,
        external_id: None,
        award_id: Some(format!(
            "nexus:{servicer}:{:016x}",
            mix(acct.key, seq as u64)
        )),
        data: LoanData {
            loan_type: s.code.to_string(),
            parent_plus_consolidation: None,
            loan_status: Some(status.to_string()),
            loan_status_history: history,
            repayment_plan_type: Some(plan.to_string()),
            servicer_name: Some(servicer.to_string()),
            servicer_address: None,
            account_number: Some(format!("****{:04}", acct.number % 10_000)),
            guarantor: g.guarantor.map(String::from),
            interest_rate: Some(rate),
            original_interest_rate: Some(statutory),
            original_principal: Some(cents(original)),
            origination_date: Some(first),
            outstanding_principal: Some(principal),
            outstanding_interest: Some(interest),
            balance_as_of: Some(as_of),
            capitalized_amount: Some(cents(capitalized)),
            disbursement_dates: disb.iter().map(|d| d.0).collect(),
            due_date: paid_off.is_none().then(|| overdue.unwrap_or(next)),
            idr_renewal_date: idr_renewal,
            is_overdue: Some(overdue.is_some()),
            last_payment: last_payment.map(|p| cents(p.1)),
            last_payment_date: last_payment.map(|p| p.0),
            last_statement_balance: statement_balance.map(cents),
            last_statement_date: statement_date,
            maturity_date: Some(maturity),
            min_payment: Some(cents(min_payment)),
            monthly_payment: Some(cents(monthly)),
            pslf_cumulative_periods: qualifying,
            pslf,
            repayment_begin_date: Some(g.begin),
            repayment_plan_begin_date: Some(plan_begin),
            payment_group_id: Some(acct.group_uuid(group)),
            payment_reference_number: Some(format!(
                "{}-{}-{}",
                acct.prefix,
                acct.number,
                group + 1
            )),
            metadata,
        },
    })
}

/// `servicer` is the canonical servicer name from the reference table (e.g. "Nelnet").
/// `seed` identifies the account (derived by the caller from a hash of servicer + username).
/// Deterministic: same (servicer, seed, profile, as_of) -> identical output.
pub fn portfolio(
    servicer: &str,
    seed: u64,
    profile: DataProfile,
    as_of: NaiveDate,
) -> SandboxPortfolio {
    let key = mix(seed, fnv1a(servicer.as_bytes()));
    let mut people = Rng(mix(key, 1));
    let mut rng = Rng(mix(key, 100 + profile as u64));
    let fill = person(&mut people);
    let groups = match profile {
        DataProfile::NoLoans => Vec::new(),
        DataProfile::Standard | DataProfile::Delinquent => standard_groups(&mut rng),
        DataProfile::Pslf => pslf_groups(&mut rng),
        DataProfile::Ffel => ffel_groups(&mut rng),
        DataProfile::Large => large_groups(&mut rng),
    };
    let acct = Account {
        servicer,
        key,
        number: 1_000_000_000 + people.next() % 9_000_000_000,
        prefix: servicer_prefix(servicer),
        due_day: people.u32(1, 28),
        as_of,
    };
    let first_year = groups
        .iter()
        .flat_map(|g| &g.specs)
        .filter(|s| s.level != Level::Parent)
        .map(|s| s.year)
        .min();
    let birth_year = match first_year {
        Some(y) if profile == DataProfile::Ffel => y - people.i32(27, 31),
        Some(y) => y - people.i32(18, 19),
        None => people.i32(1975, 2000),
    };
    let dob = date(
        birth_year.clamp(1975, 2000),
        people.u32(1, 12),
        people.u32(1, 28),
    );

    // Which loan (1-based, in the first group) gets the as_of-relative event.
    let mut extra = Rng(mix(key, 7));
    let first_len = groups.first().map_or(0, |g| g.specs.len()) as i64;
    let pick = extra.int(1, first_len.max(1)) as usize;
    let (target, special) = match profile {
        DataProfile::Delinquent => (pick, Special::Overdue(sub_days(as_of, 60))),
        DataProfile::Standard if extra.chance(30) => {
            let start = first_of_month(sub_months(as_of, extra.u32(1, 4)));
            let code = if extra.chance(60) { "FB" } else { "DA" };
            let end = add_months(start, 6);
            (pick, Special::Hold { code, start, end })
        }
        _ => (0, Special::None),
    };

    let mut loans = Vec::new();
    let mut seq = 0;
    for (gi, g) in groups.iter().enumerate() {
        let total: Decimal = g.specs.iter().map(Spec::amount).sum();
        for s in &g.specs {
            seq += 1;
            let share = if total.is_zero() {
                Decimal::ONE
            } else {
                s.amount() / total
            };
            let special = if seq == target {
                special
            } else {
                Special::None
            };
            loans.extend(build_loan(&acct, g, gi, s, seq, share, special));
        }
    }
    SandboxPortfolio {
        profile: fill,
        date_of_birth: Some(dob),
        loans,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Borrower;
    use crate::reference::{loan_type_by_code, repayment_plan_by_type};

    const SERVICERS: [&str; 6] = [
        "Aidvantage",
        "CRI",
        "EdFinancial",
        "MOHELA",
        "Nelnet",
        "ECSI",
    ];
    const PROFILES: [DataProfile; 6] = [
        DataProfile::Standard,
        DataProfile::NoLoans,
        DataProfile::Delinquent,
        DataProfile::Pslf,
        DataProfile::Ffel,
        DataProfile::Large,
    ];
    const SEEDS: [u64; 4] = [0, 1, 0x5EED_0000_0042, u64::MAX];
    const AS_OF: [NaiveDate; 2] = [date(2026, 12, 1), date(2027, 6, 15)];

    fn each(mut f: impl FnMut(&str, u64, DataProfile, NaiveDate, &SandboxPortfolio)) {
        for servicer in SERVICERS {
            for seed in SEEDS {
                for profile in PROFILES {
                    for as_of in AS_OF {
                        f(
                            servicer,
                            seed,
                            profile,
                            as_of,
                            &portfolio(servicer, seed, profile, as_of),
                        );
                    }
                }
            }
        }
    }

    fn groups(p: &SandboxPortfolio) -> Vec<Uuid> {
        let mut ids: Vec<Uuid> = p
            .loans
            .iter()
            .filter_map(|l| l.data.payment_group_id)
            .collect();
        ids.sort();
        ids.dedup();
        ids
    }

    #[test]
    fn same_inputs_same_portfolio_and_different_inputs_differ() {
        let at = AS_OF[0];
        for profile in PROFILES {
            assert_eq!(
                portfolio("Nelnet", 7, profile, at),
                portfolio("Nelnet", 7, profile, at)
            );
        }
        let a = portfolio("Nelnet", 7, DataProfile::Standard, at);
        let b = portfolio("Nelnet", 8, DataProfile::Standard, at);
        let c = portfolio("MOHELA", 7, DataProfile::Standard, at);
        assert_ne!(a, b);
        assert_ne!(a, c);
        assert_ne!(a.loans[0].award_id, c.loans[0].award_id);
        // Across many seeds the people, schools, years and amounts vary.
        let mut names = std::collections::BTreeSet::new();
        let mut schools = std::collections::BTreeSet::new();
        let mut years = std::collections::BTreeSet::new();
        let mut amounts = std::collections::BTreeSet::new();
        for seed in 0..40 {
            let p = portfolio("Aidvantage", seed, DataProfile::Standard, at);
            names.insert(p.profile.first_name.clone());
            let l = &p.loans[0].data;
            schools.insert(l.metadata["school_name"].clone());
            years.insert(l.metadata["academic_year"].clone());
            amounts.insert(
                p.loans
                    .iter()
                    .filter_map(|l| l.data.original_principal)
                    .sum::<Decimal>(),
            );
        }
        assert!(names.len() > 10 && schools.len() > 4 && years.len() > 6 && amounts.len() > 30, "{} {} {} {}", names.len(), schools.len(), years.len(), amounts.len());
    }

    #[test]
    fn a_later_sync_keeps_the_loans_and_moves_the_balances() {
        let a = portfolio("Nelnet", 3, DataProfile::Large, AS_OF[0]);
        let b = portfolio("Nelnet", 3, DataProfile::Large, AS_OF[1]);
        let ids = |p: &SandboxPortfolio| {
            p.loans
                .iter()
                .map(|l| l.award_id.clone())
                .collect::<Vec<_>>()
        };
        assert_eq!(ids(&a), ids(&b));
        assert_eq!(
            a.loans[0].data.disbursement_dates,
            b.loans[0].data.disbursement_dates
        );
        assert_ne!(a.loans[0].data.balance_as_of, b.loans[0].data.balance_as_of);
    }

    #[test]
    fn profiles_have_their_shape() {
        each(|_, _, profile, as_of, p| {
            let n = p.loans.len();
            let types: Vec<&str> = p.loans.iter().map(|l| l.data.loan_type.as_str()).collect();
            let overdue: Vec<_> = p
                .loans
                .iter()
                .filter(|l| l.data.is_overdue == Some(true))
                .collect();
            match profile {
                DataProfile::NoLoans => assert_eq!(n, 0),
                DataProfile::Standard => {
                    assert!((3..=8).contains(&n), "{n}");
                    assert_eq!(groups(p).len(), 1);
                    assert!(types.iter().all(|t| ["D1", "D2", "D3"].contains(t)));
                }
                DataProfile::Delinquent => {
                    assert!((3..=8).contains(&n));
                    assert_eq!(overdue.len(), 1);
                    let l = &overdue[0].data;
                    assert_eq!(l.due_date, Some(as_of - chrono::Duration::days(60)));
                    assert_eq!(l.loan_status.as_deref(), Some("RP"));
                    assert_eq!(l.metadata["days_delinquent"], "60");
                    assert!(l
                        .last_payment_date
                        .is_some_and(|d| d < as_of - chrono::Duration::days(60)));
                }
                DataProfile::Pslf => {
                    assert!(n >= 3);
                    for l in &p.loans {
                        let d = &l.data;
                        let q = d.pslf_cumulative_periods.unwrap_or(0);
                        assert!((30..=100).contains(&q), "{q}");
                        assert_eq!(d.pslf.remaining_payments, Some(120 - q));
                        assert_eq!(
                            d.pslf.eligible_payments,
                            Some(q + d.pslf.non_qualifying_payments.unwrap_or(0))
                        );
                        assert!(!d.pslf.ineligible_payment_details.is_empty());
                        assert!(!d.pslf.non_qualifying_payment_details.is_empty());
                        assert_eq!(
                            d.pslf.ineligible_payments,
                            Some(d.pslf.ineligible_payment_details.len() as u32)
                        );
                        let period = d.pslf.non_qualifying_payment_details[0]
                            .period
                            .as_deref()
                            .unwrap_or("");
                        assert!(
                            NaiveDate::parse_from_str(&format!("01/{period}"), "%d/%m/%Y").is_ok(),
                            "{period}"
                        );
                        assert_eq!(d.repayment_plan_type.as_deref(), Some("ibr"));
                        assert!(
                            d.metadata["employer"].contains("District")
                                || d.metadata["employer"].contains("Department")
                        );
                    }
                }
                DataProfile::Ffel => {
                    assert!(
                        types.contains(&"SF") && types.contains(&"SU") && types.contains(&"D4")
                    );
                    assert!(groups(p).len() >= 2);
                    for l in p
                        .loans
                        .iter()
                        .filter(|l| ["SF", "SU"].contains(&l.data.loan_type.as_str()))
                    {
                        assert!(
                            l.data.guarantor.is_some() && l.data.pslf_cumulative_periods.is_none()
                        );
                        let d = l.data.origination_date.unwrap();
                        assert!(d >= date(2006, 7, 1) && d < date(2010, 7, 1));
                    }
                }
                DataProfile::Large => {
                    assert_eq!(n, 30);
                    assert!(groups(p).len() >= 3);
                }
            }
            if profile != DataProfile::Delinquent {
                assert!(overdue.is_empty());
            }
        });
    }

    #[test]
    fn loans_are_realistic_and_use_reference_codes() {
        each(|servicer, _, _, as_of, p| {
            for (i, l) in p.loans.iter().enumerate() {
                let d = &l.data;
                assert_eq!(l.source, LoanSource::Nexus);
                assert!(l.external_id.is_none());
                assert!(l
                    .award_id
                    .as_deref()
                    .is_some_and(|a| a.starts_with(&format!("nexus:{servicer}:"))));
                assert!(loan_type_by_code(&d.loan_type).is_some(), "{}", d.loan_type);
                let status = d.loan_status.as_deref().unwrap();
                assert!(loan_status_by_code(status).is_some());
                assert!(["RP", "FB", "DA"].contains(&status), "{status}");
                assert!(
                    repayment_plan_by_type(d.repayment_plan_type.as_deref().unwrap()).is_some()
                );
                assert_eq!(d.servicer_name.as_deref(), Some(servicer));
                assert!(d.account_number.as_deref().unwrap().starts_with("****"));
                assert!(d.payment_reference_number.is_some() && d.payment_group_id.is_some());
                assert_eq!(d.origination_date, d.disbursement_dates.first().copied());
                assert!(!d.loan_status_history.is_empty());
                assert_eq!(d.balance_as_of, Some(as_of));
                let money = [
                    d.original_principal,
                    d.outstanding_principal,
                    d.outstanding_interest,
                    d.capitalized_amount,
                    d.monthly_payment,
                    d.min_payment,
                    d.last_payment,
                    d.last_statement_balance,
                ];
                for m in money.into_iter().flatten() {
                    assert!(
                        m >= Decimal::ZERO && m < Decimal::from(1_000_000) && m.scale() <= 2,
                        "{m}"
                    );
                }
                assert!(d.outstanding_principal.unwrap() > Decimal::ZERO);
                assert!(d.monthly_payment.unwrap() > Decimal::ZERO);
                assert!(d
                    .due_date
                    .is_some_and(|x| d.is_overdue == Some(true) || x > as_of));
                assert!(d.last_payment_date.is_some_and(|x| x <= as_of));
                assert!(d.maturity_date.is_some_and(|x| x > as_of));
                let rate = d.interest_rate.unwrap();
                assert!(rate > Decimal::ZERO && rate < crate::rules::limits::MAX_RATE);
                // Unique award ids.
                assert!(p.loans[..i].iter().all(|o| o.award_id != l.award_id));
            }
            let f = &p.profile;
            assert!(f.email.as_deref().unwrap().ends_with("@example.com"));
            assert!(f.phone.as_deref().unwrap().contains("-555-01"));
            let a = f.address.as_ref().unwrap();
            assert_eq!(a.state.as_deref().map(str::len), Some(2));
            assert!(a
                .zipcode
                .as_deref()
                .is_some_and(|z| z.len() == 5 && z.chars().all(|c| c.is_ascii_digit())));
            let y = p.date_of_birth.unwrap().year();
            assert!((1975..=2000).contains(&y));
        });
    }

    #[test]
    fn rates_are_the_statutory_rate_of_the_first_disbursement_year() {
        let known = [
            (RateKind::UndergradSubsidized, 2006, "6.8"),
            (RateKind::UndergradSubsidized, 2008, "6.0"),
            (RateKind::UndergradSubsidized, 2009, "5.6"),
            (RateKind::UndergradSubsidized, 2010, "4.5"),
            (RateKind::UndergradSubsidized, 2012, "3.4"),
            (RateKind::UndergradUnsubsidized, 2012, "6.8"),
            (RateKind::DirectPlus, 2011, "7.9"),
            (RateKind::UndergradUnsubsidized, 2013, "3.86"),
            (RateKind::UndergradSubsidized, 2014, "4.66"),
            (RateKind::UndergradSubsidized, 2015, "4.29"),
            (RateKind::UndergradSubsidized, 2016, "3.76"),
            (RateKind::UndergradSubsidized, 2017, "4.45"),
            (RateKind::UndergradSubsidized, 2018, "5.05"),
            (RateKind::UndergradSubsidized, 2019, "4.53"),
            (RateKind::UndergradSubsidized, 2020, "2.75"),
            (RateKind::UndergradSubsidized, 2021, "3.73"),
            (RateKind::UndergradSubsidized, 2022, "4.99"),
            (RateKind::UndergradSubsidized, 2023, "5.50"),
            (RateKind::UndergradUnsubsidized, 2024, "6.53"),
            (RateKind::UndergradUnsubsidized, 2025, "6.39"),
            (RateKind::GradUnsubsidized, 2025, "7.94"),
            (RateKind::DirectPlus, 2025, "8.94"),
            (RateKind::FfelSubsidized, 2008, "6.0"),
            (RateKind::FfelUnsubsidized, 2009, "6.8"),
            (RateKind::FfelPlus, 2007, "8.5"),
        ];
        for (kind, year, rate) in known {
            let fall = date(year, 8, 20);
            let spring = date(year + 1, 1, 10);
            let want = rate.parse::<Decimal>().ok();
            assert_eq!(statutory_rate(kind, fall), want, "{kind:?} {year}");
            assert_eq!(statutory_rate(kind, spring), want, "{kind:?} {year} spring");
        }
        assert_eq!(
            statutory_rate(RateKind::FfelUnsubsidized, date(2010, 7, 1)),
            None
        );
        for r in RATES.iter().filter(|r| r.year >= 2013) {
            assert_eq!(r.grad_unsubsidized, r.undergrad_unsubsidized + 155);
            assert_eq!(r.direct_plus, r.undergrad_unsubsidized + 255);
        }
        assert!(RATES
            .iter()
            .all(|r| r.source.contains("20 U.S.C. 1087e(b)")));
        assert!((2006..=2026).all(|y| RATES.iter().any(|r| r.year == y)));

        each(|_, _, _, _, p| {
            for l in &p.loans {
                let d = &l.data;
                let grad = d.metadata["program"] == "graduate";
                let kind = match d.loan_type.as_str() {
                    "D1" => RateKind::UndergradSubsidized,
                    "D2" if grad => RateKind::GradUnsubsidized,
                    "D2" => RateKind::UndergradUnsubsidized,
                    "SF" => RateKind::FfelSubsidized,
                    "SU" => RateKind::FfelUnsubsidized,
                    _ => RateKind::DirectPlus,
                };
                let first = d.origination_date.unwrap();
                assert_eq!(d.original_interest_rate, statutory_rate(kind, first));
                let year = academic_year(first);
                assert_eq!(
                    d.metadata["academic_year"],
                    format!("{}-{:02}", year, (year + 1) % 100)
                );
                let discount = d
                    .metadata
                    .get("autopay_discount")
                    .map_or(Decimal::ZERO, |_| AUTOPAY_DISCOUNT);
                assert_eq!(
                    d.interest_rate,
                    d.original_interest_rate.map(|r| r - discount)
                );
            }
        });
    }

    #[test]
    fn every_portfolio_passes_the_assessment_engine() {
        let mut assessed = 0;
        each(|servicer, seed, profile, as_of, p| {
            let owner = Uuid::from_u128(9);
            let loans: Vec<_> = p
                .loans
                .iter()
                .cloned()
                .enumerate()
                .map(|(i, l)| {
                    l.into_loan(
                        i as i64 + 1,
                        Uuid::from_u128(i as u128 + 1),
                        owner,
                        "2026-12-01T00:00:00Z",
                    )
                })
                .collect();
            let mut b = Borrower::new(1, owner, "c", "now");
            b.financial.agi = Some(dec!(55000));
            b.financial.family_size = Some(2);
            b.financial.state_of_residence = Some("NY".into());
            let (input, _) = crate::assessment::build_input(&b, &loans, None, as_of)
                .unwrap_or_else(|e| panic!("{servicer} {seed} {profile:?} {as_of}: {e:?}"));
            if !loans.is_empty() {
                crate::rules::assess(&input)
                    .unwrap_or_else(|e| panic!("{servicer} {seed} {profile:?} {as_of}: {e}"));
                assessed += 1;
            }
        });
        assert_eq!(assessed, SERVICERS.len() * SEEDS.len() * 5 * AS_OF.len());
    }
}
