//! Parameter tables: every value is a dated row with its legal source
//! (statute, CFR section or Federal Register page), PolicyEngine-style.
//! A change of law is a new row, not a code change.
//!
//! Units: money in **cents**, rates in percent unless the name says otherwise.

use super::types::{FilingStatus, ParameterSource};
use chrono::{Datelike, NaiveDate};

/// (year, month, day)
pub type Ymd = (i32, u32, u32);

pub(crate) fn date(ymd: Ymd) -> NaiveDate {
    NaiveDate::from_ymd_opt(ymd.0, ymd.1, ymd.2).expect("valid table date")
}

/// A dated row.
#[derive(Debug)]
pub struct Row<T: 'static> {
    pub effective: Ymd,
    pub value: T,
    pub source: &'static str,
}

/// The row in force on `d`: the latest row with `effective <= d`, or the
/// earliest row when `d` precedes every row.
pub(crate) fn at<T>(rows: &'static [Row<T>], d: NaiveDate) -> &'static Row<T> {
    let key = ymd(d);
    let mut best = &rows[0];
    for r in rows {
        if r.effective <= key {
            best = r;
        }
    }
    best
}

/// A date as a comparable (year, month, day) tuple.
#[inline]
pub(crate) fn ymd(d: NaiveDate) -> Ymd {
    (d.year(), d.month(), d.day())
}

/// A named scalar parameter row.
#[derive(Debug)]
pub struct Scalar {
    pub name: &'static str,
    pub effective: Ymd,
    pub value: i64,
    pub unit: &'static str,
    pub source: &'static str,
}

const RISE: &str =
    "RISE final rule, 91 FR 23768 (FR Doc 2026-08556, 2026-05-01), effective 2026-07-01";

/// Scalar parameters. Lookups take the latest row for the name whose
/// effective date is on or before the date asked for.
pub static SCALARS: &[Scalar] = &[
    Scalar { name: "standard.term_months", effective: (1994, 7, 1), value: 120, unit: "months",
        source: "34 CFR 685.208(b)(1)(i) (as revised by 91 FR 23886)" },
    Scalar { name: "standard.minimum_payment", effective: (1994, 7, 1), value: 5_000, unit: "cents",
        source: "34 CFR 685.208(b)(1)(ii); 91 FR 23886 ($50 minimum except the final payment)" },
    Scalar { name: "graduated.max_payment_ratio", effective: (1994, 7, 1), value: 3, unit: "ratio",
        source: "34 CFR 685.208(b)(6)(iii) (no payment more than three times any other)" },
    Scalar { name: "graduated.step_months", effective: (1994, 7, 1), value: 24, unit: "months",
        source: "Convention, not regulation: ED/servicer practice of raising graduated payments every two years (CFPB 'What is graduated repayment?')" },
    Scalar { name: "extended.minimum_balance_exclusive", effective: (1998, 10, 7), value: 3_000_000, unit: "cents",
        source: "34 CFR 685.208(b)(4)(i) ('more than $30,000' in outstanding Direct Loans); FFEL: 34 CFR 682.209(a)(7)" },
    Scalar { name: "extended.term_months", effective: (1998, 10, 7), value: 300, unit: "months",
        source: "34 CFR 685.208(b)(4) (up to 25 years)" },
    Scalar { name: "ibr.percent", effective: (2009, 7, 1), value: 15, unit: "percent",
        source: "34 CFR 685.209(f)(3); 20 USC 1098e(b)(1)" },
    Scalar { name: "new_ibr.percent", effective: (2014, 7, 1), value: 10, unit: "percent",
        source: "34 CFR 685.209(f)(2); 20 USC 1098e(e)" },
    Scalar { name: "paye.percent", effective: (2012, 12, 21), value: 10, unit: "percent",
        source: "34 CFR 685.209(f)(2)" },
    Scalar { name: "idr.poverty_multiple_percent", effective: (2009, 7, 1), value: 150, unit: "percent",
        source: "34 CFR 685.209(b)(4)(ii) (IBR and PAYE exempt 150% of the poverty guideline)" },
    Scalar { name: "ibr.forgiveness_payments", effective: (2009, 7, 1), value: 300, unit: "payments",
        source: "34 CFR 685.209(k)(1)" },
    Scalar { name: "new_ibr.forgiveness_payments", effective: (2014, 7, 1), value: 240, unit: "payments",
        source: "34 CFR 685.209(k)(2)" },
    Scalar { name: "paye.forgiveness_payments", effective: (2012, 12, 21), value: 240, unit: "payments",
        source: "34 CFR 685.209(k)(2)" },
    Scalar { name: "idr.subsidized_interest_months", effective: (2009, 7, 1), value: 36, unit: "months",
        source: "20 USC 1098e(b)(3) (IBR); 34 CFR 685.209 (PAYE): unpaid interest on subsidized loans not charged for 3 years" },
    Scalar { name: "icr.percent_of_discretionary", effective: (1994, 7, 1), value: 20, unit: "percent",
        source: "34 CFR 685.209(f)(4)(i)(B)" },
    Scalar { name: "icr.poverty_multiple_percent", effective: (1994, 7, 1), value: 100, unit: "percent",
        source: "34 CFR 685.209(b)(4)(iii)" },
    Scalar { name: "icr.amortization_months", effective: (1994, 7, 1), value: 144, unit: "months",
        source: "34 CFR 685.209(f)(4)(i)(A); 34 CFR 685 Appendix A (12-year constant multiplier)" },
    Scalar { name: "icr.forgiveness_payments", effective: (1994, 7, 1), value: 300, unit: "payments",
        source: "34 CFR 685.209(k)(1)" },
    Scalar { name: "idr.small_payment_zero_below", effective: (2009, 7, 1), value: 500, unit: "cents",
        source: "34 CFR 685.209(g)(1)(iii)(A); 91 FR 23891 (computed payment under $5 becomes $0)" },
    Scalar { name: "idr.small_payment_floor_below", effective: (2009, 7, 1), value: 1_000, unit: "cents",
        source: "34 CFR 685.209(g)(1)(iii)(B); 91 FR 23891 ($5 to under $10 becomes $10)" },
    Scalar { name: "rap.flat_payment_max_agi", effective: (2026, 7, 1), value: 1_000_000, unit: "cents",
        source: "20 USC 1087e(q) (P.L. 119-21 § 82001); 34 CFR 685.209(b)(2); 91 FR 23888" },
    Scalar { name: "rap.flat_annual_payment", effective: (2026, 7, 1), value: 12_000, unit: "cents",
        source: "20 USC 1087e(q); 34 CFR 685.209(b)(2) ($120 a year at AGI of $10,000 or less)" },
    Scalar { name: "rap.band_width", effective: (2026, 7, 1), value: 1_000_000, unit: "cents",
        source: "20 USC 1087e(q); 34 CFR 685.209(b)(2) ('more than $X and not more than $X+10,000')" },
    Scalar { name: "rap.top_rate_percent", effective: (2026, 7, 1), value: 10, unit: "percent",
        source: "20 USC 1087e(q); 34 CFR 685.209(b)(2) (10% above $100,000)" },
    Scalar { name: "rap.dependent_reduction", effective: (2026, 7, 1), value: 5_000, unit: "cents/month",
        source: "34 CFR 685.209(f)(5); 91 FR 23860 ($50 per dependent, after dividing by 12; not indexed)" },
    Scalar { name: "rap.minimum_payment", effective: (2026, 7, 1), value: 1_000, unit: "cents",
        source: "34 CFR 685.209(g)(3)(ii); HEA § 455(q)(4)(B)(ii) ($10; final payment may be less)" },
    Scalar { name: "rap.principal_match_max", effective: (2026, 7, 1), value: 5_000, unit: "cents",
        source: "34 CFR 685.209(h); RISE preamble 91 FR 23843 (principal reduction topped up to min($50, payment))" },
    Scalar { name: "rap.forgiveness_payments", effective: (2026, 7, 1), value: 360, unit: "payments",
        source: "34 CFR 685.209(k)(7)-(8); HEA § 455(q)(1)(E)" },
    Scalar { name: "pslf.qualifying_payments", effective: (2007, 10, 1), value: 120, unit: "payments",
        source: "34 CFR 685.219(e)(1); 20 USC 1087e(m)" },
    Scalar { name: "tlf.maximum_standard", effective: (1998, 10, 1), value: 500_000, unit: "cents",
        source: "34 CFR 685.217(c) (up to $5,000 for 5 consecutive years teaching at a low-income school)" },
    Scalar { name: "tlf.maximum_highly_qualified", effective: (2006, 7, 1), value: 1_750_000, unit: "cents",
        source: "34 CFR 685.217(c) (up to $17,500 for highly qualified secondary math/science or special-education teachers)" },
    Scalar { name: "assumption.inflation_milli_percent", effective: (2026, 1, 1), value: 2_400, unit: "1/1000 percent per year",
        source: "Assumption: ED's IDR estimates grow poverty guidelines and ICR factors with CBO CPI-U (studentaid 'How IDR estimates are calculated'); flat 2.4%, the middle of the 2.3-2.5% range in federal-repayment-rules.md § 7" },
    Scalar { name: "assumption.income_growth_default_milli_percent", effective: (2026, 1, 1), value: 5_000, unit: "1/1000 percent per year",
        source: "Assumption: 5% a year, the historical ED Repayment Estimator default (FinAid ICR calculator notes; federal-repayment-rules.md § 7)" },
];

/// Scalar lookup by name at a date.
pub(crate) fn scalar(name: &str, d: NaiveDate) -> i64 {
    let key = ymd(d);
    let mut best: Option<&Scalar> = None;
    for s in SCALARS.iter().filter(|s| s.name == name) {
        if best.is_none() || s.effective <= key {
            best = Some(s);
        }
    }
    best.unwrap_or_else(|| panic!("unknown parameter {name}"))
        .value
}

/// A named date parameter row.
#[derive(Debug)]
pub struct DateParam {
    pub name: &'static str,
    pub value: Ymd,
    pub source: &'static str,
}

pub static DATES: &[DateParam] = &[
    DateParam { name: "new_loan_cutoff", value: (2026, 7, 1),
        source: "34 CFR 685.208(b) and 685.209(c)(6) (RISE, 91 FR 23886-23888); 20 USC 1087e(d) as amended by P.L. 119-21 § 82001: loans made on or after this date may use only RAP or Tiered Standard" },
    DateParam { name: "rap.opens", value: (2026, 7, 1), source: RISE },
    DateParam { name: "tiered_standard.opens", value: (2026, 7, 1),
        source: "34 CFR 685.208(c) (91 FR 23886)" },
    DateParam { name: "paye.enroll_until", value: (2027, 6, 30),
        source: "90 FR 3695 (FR Doc 2025-00724, 2025-01-15): last date for most borrowers to newly enroll in ICR/PAYE moved to 2027-07-01 (open question 3)" },
    DateParam { name: "icr.enroll_until", value: (2027, 6, 30),
        source: "90 FR 3695 (FR Doc 2025-00724, 2025-01-15) (open question 3)" },
    DateParam { name: "paye.ends", value: (2028, 6, 30),
        source: "34 CFR 685.209(c)(7) (RISE): PAYE available through June 30, 2028" },
    DateParam { name: "icr.ends", value: (2028, 6, 30),
        source: "34 CFR 685.209(c)(7) (RISE): ICR available through June 30, 2028" },
    DateParam { name: "ibr.new_borrower_date", value: (2014, 7, 1),
        source: "34 CFR 685.209(b)(13)(ii); 20 USC 1098e(e)" },
    DateParam { name: "paye.new_borrower_date", value: (2007, 10, 1),
        source: "34 CFR 685.209(b)(13)(i)(A)" },
    DateParam { name: "paye.disbursement_on_or_after", value: (2011, 10, 1),
        source: "34 CFR 685.209(b)(13)(i)(B)" },
    DateParam { name: "extended.new_borrower_date", value: (1998, 10, 7),
        source: "34 CFR 685.208(b)(4)(i)" },
    DateParam { name: "parent_plus_consolidation.ibr_deadline", value: (2026, 6, 30),
        source: "Parent PLUS consolidation disbursed by 2026-06-30 keeps ICR (then IBR) access (tateesq.com, 2026-07-01; NCLC 2025-12-01) (open question 1)" },
    DateParam { name: "save.vacated", value: (2026, 3, 10),
        source: "Final judgment of 2026-03-10 vacating the SAVE final rule, 88 FR 43820 (State of Missouri v. Biden, E.D. Mo., after the 8th Cir. order; NASFAA news 38400); only 34 CFR 685.209(k)(4)(iv) preserved" },
    DateParam { name: "save.statutory_end", value: (2028, 7, 1),
        source: "P.L. 119-21 § 82001 (20 USC 1087e(d)): SAVE/REPAYE end by July 1, 2028" },
    DateParam { name: "save.blocked", value: (2024, 7, 18),
        source: "8th Cir. injunction of 2024-07-18 (ed.gov SAVE page); SAVE borrowers placed in forbearance" },
    DateParam { name: "tax.idr_exclusion_ends", value: (2025, 12, 31),
        source: "26 USC 108(f)(5) (ARPA § 9675) excluded discharges before 2026-01-01; not extended (NATP; NASFAA via CAPPS)" },
    DateParam { name: "tlf.new_borrower_date", value: (1998, 10, 1),
        source: "34 CFR 685.217(a) (no outstanding balance on October 1, 1998)" },
];

pub(crate) fn date_param(name: &str) -> NaiveDate {
    date(
        DATES
            .iter()
            .find(|d| d.name == name)
            .unwrap_or_else(|| panic!("unknown date parameter {name}"))
            .value,
    )
}

/// Poverty guideline: (first person, each additional person) in dollars.
#[derive(Debug, Clone, Copy)]
pub struct PovertyRow {
    pub contiguous: (i64, i64),
    pub alaska: (i64, i64),
    pub hawaii: (i64, i64),
}

/// HHS poverty guidelines (100%).
pub static POVERTY_GUIDELINES: &[Row<PovertyRow>] = &[
    Row { effective: (2024, 1, 17),
        value: PovertyRow { contiguous: (15_060, 5_380), alaska: (18_810, 6_730), hawaii: (17_310, 6_190) },
        source: "HHS poverty guidelines 2024, 89 FR 2961 (FR Doc 2024-00796, 2024-01-17); AK/HI derived from the published 150% table" },
    Row { effective: (2025, 1, 17),
        value: PovertyRow { contiguous: (15_650, 5_500), alaska: (19_550, 6_880), hawaii: (17_990, 6_330) },
        source: "HHS poverty guidelines 2025, 90 FR 5917 (FR Doc 2025-01377, 2025-01-17)" },
    Row { effective: (2026, 1, 13),
        value: PovertyRow { contiguous: (15_960, 5_680), alaska: (19_950, 7_100), hawaii: (18_360, 6_530) },
        source: "HHS poverty guidelines 2026, 91 FR 1797 (FR Doc 2026-00755, published 2026-01-15, effective 2026-01-13)" },
];

/// ICR income percentage factors: (AGI dollars, factor in hundredths of a
/// percent) for single filers and for married filers / heads of household.
#[derive(Debug)]
pub struct IpfTable {
    pub single: &'static [(i64, i64)],
    pub married: &'static [(i64, i64)],
}

pub static ICR_IPF: &[Row<IpfTable>] = &[Row {
    effective: (2026, 7, 1),
    value: IpfTable {
        single: &[
            (13_717, 5_500), (18_873, 5_779), (24_285, 6_057), (29_819, 6_623), (35_104, 7_189),
            (41_769, 8_033), (52_462, 8_877), (65_798, 10_000), (79_138, 10_000), (95_112, 11_180),
            (121_787, 12_350), (172_492, 14_120), (197_779, 15_000), (352_277, 20_000),
        ],
        married: &[
            (13_717, 5_052), (21_641, 5_668), (25_790, 5_956), (33_717, 6_779), (41_769, 7_522),
            (52_462, 8_761), (65_797, 10_000), (79_138, 10_000), (99_146, 10_940), (132_481, 12_500),
            (179_158, 14_060), (250_560, 15_000), (409_433, 20_000),
        ],
    },
    source: "ICR income percentage factors for 2026-07-01 to 2027-06-30, FR Doc 2026-11540 (2026-06-09), 34 CFR 685.209(f)(4)(i)(A); transcribed via nothinginfinity/student-loan-idr-mcp (open question 7); factor percentages match 34 CFR 685 Appendix A",
}];

/// Term table: (minimum balance in cents, term in months).
pub static CONSOLIDATION_TERMS: &[Row<&[(i64, u32)]>] = &[Row {
    effective: (1994, 7, 1),
    value: &[(0, 120), (750_000, 144), (1_000_000, 180), (2_000_000, 240), (4_000_000, 300), (6_000_000, 360)],
    source: "34 CFR 685.208(j) (pre-RISE) and 34 CFR 682.209(h) for FFEL consolidation; ED Direct Loans FAQ on total education indebtedness (other loans count up to the consolidation amount); estudentloan.com",
}];

pub static TIERED_STANDARD_TERMS: &[Row<&[(i64, u32)]>] = &[Row {
    effective: (2026, 7, 1),
    value: &[(0, 120), (2_500_000, 180), (5_000_000, 240), (10_000_000, 300)],
    source: "34 CFR 685.208(c)(1)(iii) (91 FR 23886): <$25k 10 yr; >=$25k 15 yr; >=$50k 20 yr; >=$100k 25 yr (boundary goes to the higher tier)",
}];

/// Federal income tax for one filing status: standard deduction (dollars)
/// and bracket tops (dollars, `None` = no top) with rates in percent.
#[derive(Debug)]
pub struct TaxSchedule {
    pub standard_deduction: i64,
    pub brackets: &'static [(Option<i64>, i64)],
}

#[derive(Debug)]
pub struct TaxYear {
    pub single: TaxSchedule,
    pub married_joint: TaxSchedule,
    pub married_separate: TaxSchedule,
    pub head_of_household: TaxSchedule,
}

pub static TAX: &[Row<TaxYear>] = &[Row {
    effective: (2026, 1, 1),
    value: TaxYear {
        single: TaxSchedule { standard_deduction: 16_100, brackets: &[
            (Some(12_400), 10), (Some(50_400), 12), (Some(105_700), 22), (Some(201_775), 24),
            (Some(256_225), 32), (Some(640_600), 35), (None, 37)] },
        married_joint: TaxSchedule { standard_deduction: 32_200, brackets: &[
            (Some(24_800), 10), (Some(100_800), 12), (Some(211_400), 22), (Some(403_550), 24),
            (Some(512_450), 32), (Some(768_700), 35), (None, 37)] },
        married_separate: TaxSchedule { standard_deduction: 16_100, brackets: &[
            (Some(12_400), 10), (Some(50_400), 12), (Some(105_700), 22), (Some(201_775), 24),
            (Some(256_225), 32), (Some(384_350), 35), (None, 37)] },
        head_of_household: TaxSchedule { standard_deduction: 24_150, brackets: &[
            (Some(17_700), 10), (Some(67_450), 12), (Some(105_700), 22), (Some(201_750), 24),
            (Some(256_200), 32), (Some(640_600), 35), (None, 37)] },
    },
    source: "Rev. Proc. 2025-32 (IR-2025-103, 2025-10-09), tax year 2026; single/MFJ per federal-repayment-rules.md § 5; HoH and MFS figures as transcribed identically by several independent public tax calculators (open question 9)",
}];

impl TaxYear {
    pub(crate) fn schedule(&self, status: FilingStatus) -> &TaxSchedule {
        match status {
            FilingStatus::Single => &self.single,
            FilingStatus::MarriedFilingJointly => &self.married_joint,
            FilingStatus::MarriedFilingSeparately => &self.married_separate,
            FilingStatus::HeadOfHousehold => &self.head_of_household,
        }
    }
}

/// Every table entry with its citation (for audits and the docs).
pub fn parameter_sources() -> Vec<ParameterSource> {
    let mut out = Vec::new();
    let mut push = |name: String, effective: Ymd, value: String, source: &str| {
        out.push(ParameterSource {
            name,
            effective: date(effective),
            value,
            source: source.to_string(),
        });
    };
    for s in SCALARS {
        push(
            s.name.to_string(),
            s.effective,
            format!("{} {}", s.value, s.unit),
            s.source,
        );
    }
    for d in DATES {
        push(
            d.name.to_string(),
            d.value,
            format!("{:04}-{:02}-{:02}", d.value.0, d.value.1, d.value.2),
            d.source,
        );
    }
    for r in POVERTY_GUIDELINES {
        let v = r.value;
        push(
            format!("poverty_guideline.{}", r.effective.0),
            r.effective,
            format!(
                "48 states+DC ${}+${}; AK ${}+${}; HI ${}+${}",
                v.contiguous.0, v.contiguous.1, v.alaska.0, v.alaska.1, v.hawaii.0, v.hawaii.1
            ),
            r.source,
        );
    }
    for r in ICR_IPF {
        for (col, rows) in [
            ("single", r.value.single),
            ("married_or_hoh", r.value.married),
        ] {
            for (agi, bp) in rows {
                push(
                    format!("icr.income_percentage_factor.{col}.{agi}"),
                    r.effective,
                    format!("{}.{:02}%", bp / 100, bp % 100),
                    r.source,
                );
            }
        }
    }
    for (name, table) in [
        ("consolidation.term", CONSOLIDATION_TERMS),
        ("tiered_standard.term", TIERED_STANDARD_TERMS),
    ] {
        for r in table {
            for (min, months) in r.value.iter() {
                push(
                    format!("{name}.from_{}", min / 100),
                    r.effective,
                    format!("{} months at ${} or more", months, min / 100),
                    r.source,
                );
            }
        }
    }
    for r in TAX {
        for (status, sched) in [
            ("single", &r.value.single),
            ("married_filing_jointly", &r.value.married_joint),
            ("married_filing_separately", &r.value.married_separate),
            ("head_of_household", &r.value.head_of_household),
        ] {
            push(
                format!("tax.{}.{status}.standard_deduction", r.effective.0),
                r.effective,
                format!("${}", sched.standard_deduction),
                r.source,
            );
            for (top, rate) in sched.brackets {
                let v = match top {
                    Some(t) => format!("{rate}% up to ${t}"),
                    None => format!("{rate}% above"),
                };
                push(
                    format!("tax.{}.{status}.bracket_{rate}", r.effective.0),
                    r.effective,
                    v,
                    r.source,
                );
            }
        }
    }
    out
}

/// Whole years from `from` to `to` (0 when `to` is earlier).
pub(crate) fn whole_years(from: NaiveDate, to: NaiveDate) -> u32 {
    if to <= from {
        return 0;
    }
    let mut y = to.year() - from.year();
    if (to.month(), to.day()) < (from.month(), from.day()) {
        y -= 1;
    }
    y.max(0) as u32
}
