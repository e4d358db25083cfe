//! A borrower's loan history: schools, academic years, disbursements (within the annual
//! limits), payment groups and plans, for each data profile. It depends only on the seed stream,
//! never on `as_of`.

use chrono::NaiveDate;
use rust_decimal::Decimal;

use super::calendar::{
    add_days, add_months, date, first_of_month, paused_months, sub_months, PAUSE_START,
    PAYMENTS_RESUME, PLAN_HORIZON, PSLF_REFERENCE,
};
use super::data::{RateKind, EMPLOYERS, GRAD_SCHOOLS, GUARANTORS, UNDERGRAD_SCHOOLS};
use super::rng::Rng;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Level {
    Undergrad,
    Grad,
    Parent,
}

/// One loan as disbursed.
pub(super) struct Spec {
    pub(super) code: &'static str,
    pub(super) level: Level,
    pub(super) school: &'static str,
    pub(super) year: i32,
    pub(super) disb: Vec<(NaiveDate, Decimal)>,
}

impl Spec {
    pub(super) fn amount(&self) -> Decimal {
        self.disb.iter().map(|d| d.1).sum()
    }

    pub(super) fn rate_kind(&self) -> RateKind {
        rate_kind(self.code, self.level == Level::Grad)
    }
}

/// The statutory rate a loan of type `code` carries.
fn rate_kind(code: &str, graduate: bool) -> RateKind {
    match code {
        "D1" => RateKind::UndergradSubsidized,
        "D2" if graduate => RateKind::GradUnsubsidized,
        "D2" => RateKind::UndergradUnsubsidized,
        "SF" => RateKind::FfelSubsidized,
        "SU" => RateKind::FfelUnsubsidized,
        "PL" | "GB" => RateKind::FfelPlus,
        _ => RateKind::DirectPlus,
    }
}

pub(super) struct PslfPlan {
    pub(super) employer: &'static str,
    /// Qualifying employment (and IBR) started; the first `uncertified` months do not qualify.
    pub(super) start: NaiveDate,
    pub(super) uncertified: u32,
    /// A forbearance whose months are ineligible.
    pub(super) fb_start: NaiveDate,
    pub(super) fb_end: NaiveDate,
}

/// A payment group: loans sharing a timeline and a plan.
pub(super) struct Group {
    pub(super) specs: Vec<Spec>,
    pub(super) leave: NaiveDate,
    pub(super) begin: NaiveDate,
    pub(super) plan: &'static str,
    /// Before this date the loans were on the Standard plan.
    pub(super) plan_begin: NaiveDate,
    /// The group's IDR payment (shared by balance) when `plan` is IDR.
    pub(super) idr_total: Decimal,
    pub(super) autopay: bool,
    pub(super) guarantor: Option<&'static str>,
    pub(super) pslf: Option<PslfPlan>,
}

/// One school year of one borrower: where, at what level, and the two disbursement dates.
struct Year {
    level: Level,
    school: &'static str,
    year: i32,
    fall: NaiveDate,
    spring: NaiveDate,
}

impl Year {
    fn new(rng: &mut Rng, level: Level, school: &'static str, year: i32) -> Year {
        let fall = add_days(date(year, 8, 18), rng.int(0, 21) as u64);
        let spring = add_days(date(year + 1, 1, 5), rng.int(0, 14) as u64);
        Year {
            level,
            school,
            year,
            fall,
            spring,
        }
    }

    /// A loan of `amount` dollars; disbursed in a fall and a spring half, or (a school that
    /// originates one loan per term) all in one term.
    fn loan(&self, code: &'static str, amount: i64, term: Option<NaiveDate>) -> Spec {
        let disb = match term {
            None => vec![(self.fall, amount / 2), (self.spring, amount - amount / 2)],
            Some(d) => vec![(d, amount)],
        };
        let disb = disb
            .into_iter()
            .map(|(d, a)| (d, Decimal::from(a)))
            .collect();
        let (level, school, year) = (self.level, self.school, self.year);
        Spec {
            code,
            level,
            school,
            year,
            disb,
        }
    }
}

/// Annual Stafford limits by grade (1st, 2nd, 3rd+): subsidized to 2006-07, from 2007-08; the
/// dependent total from 2008-09 (ECASLA: +$2,000 unsubsidized); the independent extra
/// (20 U.S.C. 1078(b), 1087e(a)).
const SUB_MAX: [[i64; 3]; 2] = [[2625, 3500, 5500], [3500, 4500, 5500]];
const DEPENDENT_TOTAL: [i64; 3] = [5500, 6500, 7500];
const INDEPENDENT_EXTRA: [i64; 3] = [4000, 4000, 5000];

/// `years` undergraduate years from `start`: a subsidized loan in the first year and with
/// `sub_chance` % in later ones, and an unsubsidized loan up to the annual limit.
fn undergrad(
    rng: &mut Rng,
    start: i32,
    years: i32,
    independent: bool,
    ffel: bool,
    sub_chance: u64,
) -> Vec<Spec> {
    let school = rng.pick(UNDERGRAD_SCHOOLS);
    let codes = if ffel { ["SF", "SU"] } else { ["D1", "D2"] };
    let mut v = Vec::new();
    for k in 0..years {
        let (year, g) = (start + k, k.min(2) as usize);
        let sub_max = SUB_MAX[usize::from(year >= 2007)][g];
        let total = if year < 2008 {
            sub_max
        } else {
            DEPENDENT_TOTAL[g]
        };
        let extra = if independent { INDEPENDENT_EXTRA[g] } else { 0 };
        // Need and choice make many loans smaller than the limit.
        let sub = match k == 0 || rng.chance(sub_chance) {
            true if rng.chance(50) => sub_max - 50 * rng.int(1, 30),
            true => sub_max,
            false => 0,
        };
        let less = if rng.chance(35) {
            50 * rng.int(1, 20)
        } else {
            0
        };
        let y = Year::new(rng, Level::Undergrad, school, year);
        for (code, amount) in codes.into_iter().zip([sub, total + extra - sub - less]) {
            if amount > 0 {
                v.push(y.loan(code, amount, None));
            }
        }
    }
    v
}

/// Graduate years: Direct Unsubsidized ($8,500–$20,500) and, with `plus_chance` %, Grad PLUS;
/// no loan is added once `v` holds `max` loans.
fn graduate(
    rng: &mut Rng,
    v: &mut Vec<Spec>,
    start: i32,
    years: i32,
    plus_chance: u64,
    max: usize,
) {
    let school = rng.pick(GRAD_SCHOOLS);
    for year in start..start + years {
        let y = Year::new(rng, Level::Grad, school, year);
        if v.len() < max {
            v.push(y.loan("D2", 8500 + 50 * rng.int(0, 240), None));
        }
        if v.len() < max && rng.chance(plus_chance) {
            v.push(y.loan("D3", 4000 + 50 * rng.int(0, 520), None));
        }
    }
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
    let switched = plan == "ibr" && !ten_years_ok;
    let plan_begin = if switched {
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
    let group = |rng: &mut Rng, specs: Vec<Spec>| {
        let total = specs.iter().map(Spec::amount).sum();
        let parent = specs.iter().any(|s| s.level == Level::Parent);
        let (plan, plan_begin, idr_total) = choose_plan(rng, begin, total, parent);
        let autopay = rng.chance(45);
        Group {
            specs,
            leave,
            begin,
            plan,
            plan_begin,
            idr_total,
            autopay,
            guarantor: None,
            pslf: None,
        }
    };
    programs
        .into_iter()
        .map(|specs| group(rng, specs))
        .collect()
}

/// 2–4 undergraduate years from 2008–2020, maybe 1–2 graduate years: 3–8 loans.
pub(super) fn standard_groups(rng: &mut Rng) -> Vec<Group> {
    let years = rng.i32(2, 4);
    let grad_years = if rng.chance(35) { rng.i32(1, 2) } else { 0 };
    let start = rng.i32(2008, (2025 - years - grad_years).min(2020));
    let independent = rng.chance(25);
    let mut specs = undergrad(rng, start, years, independent, false, 70);
    graduate(rng, &mut specs, start + years, grad_years, 40, 8);
    groups_leaving(rng, vec![specs], start + years + grad_years - 1)
}

/// Four undergraduate years from 2008–2012, maybe graduate school, then IBR in public service.
pub(super) fn pslf_groups(rng: &mut Rng) -> Vec<Group> {
    let start = rng.i32(2008, 2012);
    let grad_years = if rng.chance(50) { rng.i32(1, 2) } else { 0 };
    let mut specs = undergrad(rng, start, 4, false, false, 75);
    graduate(rng, &mut specs, start + 4, grad_years, 30, 12);
    let mut groups = groups_leaving(rng, vec![specs], start + 3 + grad_years);
    let (uncertified, forbearance) = (rng.u32(2, 4), rng.u32(2, 4));
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
        let fb_end = add_months(fb_start, forbearance);
        (g.plan, g.plan_begin) = ("ibr", start);
        g.pslf = Some(PslfPlan {
            employer,
            start,
            uncertified,
            fb_start,
            fb_end,
        });
    }
    groups
}

/// A returning (independent) student's FFEL Stafford loans from 2006–2010 (a guaranty agency,
/// no autopay discount), and Parent PLUS loans taken later for a child.
pub(super) fn ffel_groups(rng: &mut Rng) -> Vec<Group> {
    let start = rng.pick(&[2006, 2007]);
    let years = if start == 2006 { rng.i32(3, 4) } else { 3 };
    let specs = undergrad(rng, start, years, true, true, 80);
    let mut groups = groups_leaving(rng, vec![specs], start + years - 1);
    let guarantor = rng.pick(GUARANTORS);
    for g in &mut groups {
        (g.autopay, g.guarantor) = (false, Some(guarantor));
    }
    let child_start = rng.i32(2019, 2023);
    let child_years = if rng.chance(40) { 2 } else { 1 };
    let school = rng.pick(UNDERGRAD_SCHOOLS);
    let mut parent = Vec::new();
    for year in child_start..child_start + child_years {
        let y = Year::new(rng, Level::Parent, school, year);
        parent.push(y.loan("D4", 5000 + 50 * rng.int(0, 300), None));
    }
    groups.extend(groups_leaving(
        rng,
        vec![parent],
        child_start + child_years - 1,
    ));
    groups
}

/// Exactly 30 loans in three payment groups: 5 undergraduate years (10 loans), a 2-year master's
/// with Grad PLUS (4) and a 4-year professional degree whose school makes one Direct
/// Unsubsidized and one Grad PLUS loan per term (16).
pub(super) fn large_groups(rng: &mut Rng) -> Vec<Group> {
    let start = rng.i32(2008, 2013);
    let undergraduate = undergrad(rng, start, 5, false, false, 100);
    let mut masters = Vec::new();
    graduate(rng, &mut masters, start + 5, 2, 100, 4);
    let school = rng.pick(GRAD_SCHOOLS);
    let mut doctorate = Vec::new();
    for year in start + 7..start + 11 {
        let y = Year::new(rng, Level::Grad, school, year);
        for term in [y.fall, y.spring] {
            doctorate.push(y.loan("D2", 10_250, Some(term)));
        }
        for term in [y.fall, y.spring] {
            doctorate.push(y.loan("D3", 8000 + 50 * rng.int(0, 340), Some(term)));
        }
    }
    groups_leaving(rng, vec![undergraduate, masters, doctorate], start + 10)
}
