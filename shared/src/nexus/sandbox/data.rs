//! The sandbox's fixed tables: the statutory interest rates (cited, below) and the fictional
//! people, places, schools, employers and the guaranty agencies it draws from.
//!
//! Rates: the statutory fixed rate of Direct and FFEL loans by the academic year (1 July to
//! 30 June) in which a loan was first disbursed. Every generated loan gets the rate of its type
//! and first-disbursement year. Rates are in hundredths of a percent (`386` is 3.86 %). From
//! 2013-14 on they follow 20 U.S.C. 1087e(b)(8): the 10-year Treasury note at the last May
//! auction plus 2.05 (undergraduate), 3.60 (graduate unsubsidized) or 4.60 (PLUS) points, so
//! graduate unsubsidized is undergraduate + 1.55 and PLUS is undergraduate + 2.55.

use chrono::{Datelike, NaiveDate};
use rust_decimal::Decimal;

/// Which statutory rate a loan carries.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RateKind {
    /// Direct Subsidized (D1), undergraduate.
    UndergradSubsidized,
    /// Direct Unsubsidized (D2), undergraduate.
    UndergradUnsubsidized,
    /// Direct Unsubsidized (D2), graduate or professional.
    GradUnsubsidized,
    /// Direct PLUS: Grad PLUS (D3) and Parent PLUS (D4).
    DirectPlus,
    /// FFEL Stafford Subsidized (SF), undergraduate.
    FfelSubsidized,
    /// FFEL Stafford Unsubsidized (SU).
    FfelUnsubsidized,
    /// FFEL PLUS (PL, GB).
    FfelPlus,
}

/// FFEL fixed rates; the FFEL programme made no new loans on or after 2010-07-01 (SAFRA,
/// P.L. 111-152 § 2201).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FfelRates {
    pub subsidized_undergrad: u32,
    pub unsubsidized: u32,
    pub plus: u32,
}

/// One academic year's rates (hundredths of a percent).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RateRow {
    /// The year the academic year starts (2025 = 1 July 2025 to 30 June 2026).
    pub year: i32,
    pub undergrad_subsidized: u32,
    pub undergrad_unsubsidized: u32,
    pub grad_unsubsidized: u32,
    pub direct_plus: u32,
    pub ffel: Option<FfelRates>,
    pub source: &'static str,
}

const fn row(
    year: i32,
    sub: u32,
    unsub: u32,
    grad: u32,
    plus: u32,
    source: &'static str,
) -> RateRow {
    RateRow {
        year,
        undergrad_subsidized: sub,
        undergrad_unsubsidized: unsub,
        grad_unsubsidized: grad,
        direct_plus: plus,
        ffel: None,
        source,
    }
}

const fn ffel(mut r: RateRow, subsidized_undergrad: u32) -> RateRow {
    r.ffel = Some(FfelRates {
        subsidized_undergrad,
        unsubsidized: 680,
        plus: 850,
    });
    r
}

const PRE_2013: &str = "20 U.S.C. 1087e(b)(7) (Direct Stafford 6.8%, Direct PLUS 7.9% for loans first disbursed on or after 2006-07-01; reduced undergraduate subsidized rates added by the College Cost Reduction and Access Act of 2007, P.L. 110-84, 2012-13 extended by P.L. 112-141); studentaid.gov \"Interest rates for Direct Loans first disbursed\" before July 1, 2013";

/// 2006-07 to 2012-13 rows share their citation; the FFEL rows add theirs.
const PRE_2013_FFEL: &str = concat!(
    "20 U.S.C. 1087e(b)(7) (Direct Stafford 6.8%, Direct PLUS 7.9% for loans first disbursed on or after 2006-07-01; reduced undergraduate subsidized rates added by the College Cost Reduction and Access Act of 2007, P.L. 110-84, 2012-13 extended by P.L. 112-141); studentaid.gov \"Interest rates for Direct Loans first disbursed\" before July 1, 2013",
    "; FFEL: 20 U.S.C. 1077a(l) (Stafford 6.8%, same reduced undergraduate subsidized rates) and FFEL PLUS 8.5% for loans first disbursed on or after 2006-07-01"
);

/// Every academic year the sandbox uses, oldest first.
pub static RATES: &[RateRow] = &[
    ffel(row(2006, 680, 680, 680, 790, PRE_2013_FFEL), 680),
    ffel(row(2007, 680, 680, 680, 790, PRE_2013_FFEL), 680),
    ffel(row(2008, 600, 680, 680, 790, PRE_2013_FFEL), 600),
    ffel(row(2009, 560, 680, 680, 790, PRE_2013_FFEL), 560),
    row(2010, 450, 680, 680, 790, PRE_2013),
    row(2011, 340, 680, 680, 790, PRE_2013),
    row(2012, 340, 680, 680, 790, PRE_2013),
    row(2013, 386, 386, 541, 641, "20 U.S.C. 1087e(b)(8) (Bipartisan Student Loan Certainty Act of 2013); studentaid.gov \"Interest rates for Direct Loans first disbursed on or after July 1, 2013, and before July 1, 2014\""),
    row(2014, 466, 466, 621, 721, "20 U.S.C. 1087e(b)(8); studentaid.gov \"Interest rates for Direct Loans first disbursed on or after July 1, 2014, and before July 1, 2015\""),
    row(2015, 429, 429, 584, 684, "20 U.S.C. 1087e(b)(8); studentaid.gov \"Interest rates for Direct Loans first disbursed on or after July 1, 2015, and before July 1, 2016\""),
    row(2016, 376, 376, 531, 631, "20 U.S.C. 1087e(b)(8); studentaid.gov \"Interest rates for Direct Loans first disbursed on or after July 1, 2016, and before July 1, 2017\""),
    row(2017, 445, 445, 600, 700, "20 U.S.C. 1087e(b)(8); studentaid.gov \"Interest rates for Direct Loans first disbursed on or after July 1, 2017, and before July 1, 2018\""),
    row(2018, 505, 505, 660, 760, "20 U.S.C. 1087e(b)(8); studentaid.gov \"Interest rates for Direct Loans first disbursed on or after July 1, 2018, and before July 1, 2019\""),
    row(2019, 453, 453, 608, 708, "20 U.S.C. 1087e(b)(8); studentaid.gov \"Interest rates for Direct Loans first disbursed on or after July 1, 2019, and before July 1, 2020\""),
    row(2020, 275, 275, 430, 530, "20 U.S.C. 1087e(b)(8); studentaid.gov \"Interest rates for Direct Loans first disbursed on or after July 1, 2020, and before July 1, 2021\""),
    row(2021, 373, 373, 528, 628, "20 U.S.C. 1087e(b)(8); studentaid.gov \"Interest rates for Direct Loans first disbursed on or after July 1, 2021, and before July 1, 2022\""),
    row(2022, 499, 499, 654, 754, "20 U.S.C. 1087e(b)(8); studentaid.gov \"Interest rates for Direct Loans first disbursed on or after July 1, 2022, and before July 1, 2023\""),
    row(2023, 550, 550, 705, 805, "20 U.S.C. 1087e(b)(8); studentaid.gov \"Interest rates for Direct Loans first disbursed on or after July 1, 2023, and before July 1, 2024\""),
    row(2024, 653, 653, 808, 908, "20 U.S.C. 1087e(b)(8); studentaid.gov \"Interest rates for Direct Loans first disbursed on or after July 1, 2024, and before July 1, 2025\""),
    row(2025, 639, 639, 794, 894, "20 U.S.C. 1087e(b)(8); studentaid.gov \"Interest rates for Direct Loans first disbursed on or after July 1, 2025, and before July 1, 2026\""),
    row(2026, 639, 639, 794, 894, "20 U.S.C. 1087e(b)(8); NOT CONFIRMED: the 2026-27 rates (first disbursed on or after July 1, 2026, and before July 1, 2027) were not checked against studentaid.gov, so the 2025-26 values are reused. The sandbox makes no loan in this year."),
];

/// The academic year (July to June) a date falls in, named by its starting year.
pub fn academic_year(d: NaiveDate) -> i32 {
    if d.month() >= 7 {
        d.year()
    } else {
        d.year() - 1
    }
}

/// The row for the academic year of `first_disbursement`.
pub fn rate_row(first_disbursement: NaiveDate) -> Option<&'static RateRow> {
    let year = academic_year(first_disbursement);
    RATES.iter().find(|r| r.year == year)
}

/// The statutory fixed rate, a percent (`6.39` is 6.39 %). `None` outside the table, and for
/// FFEL kinds from 2010-07-01 (no FFEL loans were made).
pub fn statutory_rate(kind: RateKind, first_disbursement: NaiveDate) -> Option<Decimal> {
    let r = rate_row(first_disbursement)?;
    let hundredths = match kind {
        RateKind::UndergradSubsidized => r.undergrad_subsidized,
        RateKind::UndergradUnsubsidized => r.undergrad_unsubsidized,
        RateKind::GradUnsubsidized => r.grad_unsubsidized,
        RateKind::DirectPlus => r.direct_plus,
        RateKind::FfelSubsidized => r.ffel?.subsidized_undergrad,
        RateKind::FfelUnsubsidized => r.ffel?.unsubsidized,
        RateKind::FfelPlus => r.ffel?.plus,
    };
    Some(Decimal::new(i64::from(hundredths), 2))
}

// Fictional people and places. Phone numbers use the 555-0100..0199 block reserved for fiction;
// e-mail is at example.com (RFC 2606). Cities, states, ZIP and area codes are real places so that
// the address is plausible; the street numbers and names are generic.
#[rustfmt::skip]
pub(super) const FIRST_NAMES: &[&str] = &[
    "James", "Nyota", "Hikaru", "Leonard", "Montgomery", "Christine", "Pavel", "Janice", "Beverly",
    "Deanna", "Geordi", "Kathryn", "Benjamin", "Jadzia", "Julian", "Miles", "Keiko", "Tasha",
    "Wesley", "Harry", "Jonathan", "Hoshi", "Travis", "Malcolm",
];
#[rustfmt::skip]
pub(super) const LAST_NAMES: &[&str] = &[
    "Kirk", "Uhura", "Sulu", "McCoy", "Scott", "Chapel", "Chekov", "Rand", "Crusher", "Troi",
    "LaForge", "Janeway", "Sisko", "Dax", "Bashir", "Yar", "Archer", "Sato", "Mayweather", "Pike",
    "Riker", "Paris",
];
#[rustfmt::skip]
pub(super) const STREETS: &[&str] = &[
    "Maple Avenue", "Oak Street", "Cedar Lane", "Elm Street", "Pine Road", "Lakeview Drive",
    "Hillcrest Road", "Park Avenue", "Willow Way", "Meadow Court", "River Road", "Chestnut Street",
];
/// City, state, a ZIP code of the city, its area code.
#[rustfmt::skip]
pub(super) const CITIES: &[(&str, &str, &str, &str)] = &[
    ("Albany", "NY", "12203", "518"), ("Rochester", "NY", "14620", "585"),
    ("Columbus", "OH", "43215", "614"), ("Austin", "TX", "78704", "512"),
    ("Denver", "CO", "80205", "303"), ("Portland", "OR", "97214", "503"),
    ("Madison", "WI", "53703", "608"), ("Raleigh", "NC", "27603", "919"),
    ("Sacramento", "CA", "95816", "916"), ("Richmond", "VA", "23220", "804"),
    ("Boise", "ID", "83702", "208"), ("Tallahassee", "FL", "32303", "850"),
    ("Lansing", "MI", "48912", "517"), ("Harrisburg", "PA", "17102", "717"),
    ("Phoenix", "AZ", "85004", "602"), ("Nashville", "TN", "37203", "615"),
    ("Des Moines", "IA", "50309", "515"), ("Saint Paul", "MN", "55102", "651"),
];
#[rustfmt::skip]
pub(super) const UNDERGRAD_SCHOOLS: &[&str] = &[
    "Starfleet State University", "Vulcan Institute of Technology", "Bajor Community College",
    "Risa College of the Arts", "Andoria Polytechnic University", "Betazed University",
    "Trill Science Academy", "Earth Pacific University",
];
#[rustfmt::skip]
pub(super) const GRAD_SCHOOLS: &[&str] = &[
    "Daystrom Institute Graduate School", "Starfleet Medical Academy", "Federation School of Law",
    "Memory Alpha School of Library Science", "Utopia Planitia School of Engineering",
];
/// Fictional public-service employers (PSLF).
#[rustfmt::skip]
pub(super) const EMPLOYERS: &[&str] = &[
    "Starbase County School District", "New Vulcan Unified School District",
    "Federation County Department of Public Health", "Bozeman Valley Regional Library District",
];
/// FFEL guaranty agencies (real organisations: a guarantor is an agency, not a person).
#[rustfmt::skip]
pub(super) const GUARANTORS: &[&str] =
    &["Ascendium Education Solutions", "ECMC", "Oklahoma College Assistance Program"];
