//! The sandbox servicers' data: a deterministic, synthetic borrower and loan portfolio for a
//! sandbox login (docs/nexus.md, "Sandbox servicers").
//!
//! Nothing is real: names come from small fixed lists, e-mail is at example.com, phones are
//! 555-01xx, schools and employers are made up. The loans are shaped like real ones: one loan per
//! type and academic year, disbursed in a fall and a spring half, amounts within the annual
//! limits, the statutory fixed rate of the year of first disbursement (`data.rs`, cited),
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
//!
//! Files: this one holds the public interface (`DataProfile`, `SandboxPortfolio`, [`portfolio`])
//! and assembles a login's profile; `history.rs` lays out the loans (schools, years,
//! disbursements, plans); `simulate.rs` runs each loan's balances, payments and statuses up to
//! `as_of`; `calendar.rs` has the date arithmetic and the fixed dates; `rng.rs` the PRNG;
//! `data.rs` the rate table and the fixed name, school and city lists.

use chrono::NaiveDate;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::loans::{Address, NewLoan, ProfileFill};

mod calendar;
mod data;
mod history;
mod rng;
mod simulate;
#[cfg(test)]
mod tests;

use calendar::{add_months, date, first_of_month, sub_days, sub_months};
pub use data::{academic_year, rate_row, statutory_rate, FfelRates, RateKind, RateRow, RATES};
use data::{CITIES, FIRST_NAMES, LAST_NAMES, STREETS};
use history::{ffel_groups, large_groups, pslf_groups, standard_groups, Level, Spec};
use rng::{finalize, fnv1a, mix, Rng};
use simulate::{build_loan, Special};

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
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SandboxPortfolio {
    pub profile: ProfileFill,
    pub date_of_birth: Option<NaiveDate>,
    pub loans: Vec<NewLoan>,
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
        // Servicers don't know school enrollment; a MyStudentData import does.
        school_enrollment: None,
    }
}

/// The account-number prefix of a sandbox servicer.
fn servicer_prefix(servicer: &str) -> &'static str {
    const PREFIXES: [(&str, &str); 6] = [
        ("Aidvantage", "AV"),
        ("CRI", "CR"),
        ("EdFinancial", "EF"),
        ("MOHELA", "MO"),
        ("Nelnet", "NN"),
        ("ECSI", "EC"),
    ];
    PREFIXES
        .iter()
        .find(|p| p.0 == servicer)
        .map_or("SB", |p| p.1)
}

/// A login's servicer account.
struct Account<'a> {
    servicer: &'a str,
    key: u64,
    number: u64,
    prefix: &'static str,
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
