//! Value parsers for MyStudentData.txt fields. Each returns `Ok(None)` for a
//! blank value and `Err(reason)` for a value that is present but malformed.

use chrono::NaiveDate;
use rust_decimal::Decimal;
use std::str::FromStr;

use crate::rules::limits;

/// The longest text value a file may hold (the JSON routes' limit too).
pub const MAX_TEXT: usize = 500;
/// Years a date in a file may carry: anything else is a typo or an attack, and would break
/// every assessment of the borrower (`Loan Date:08/22/9999`).
pub const YEARS: std::ops::RangeInclusive<i32> = 1900..=2100;

/// `$1,234.56`, `$1,750`, `1234.56`, `-$12.00`, `$-12.00`, `($12.00)` → exact Decimal.
/// Thousands separators must be well placed (`$1,2345` is rejected).
pub fn money(v: &str) -> Result<Option<Decimal>, String> {
    let v = v.trim();
    if v.is_empty() {
        return Ok(None);
    }
    let bad = || format!("invalid money value {v:?} (expected e.g. $1,234.56)");
    let (mut negative, mut s) = (false, v);
    if let Some(inner) = s.strip_prefix('(').and_then(|x| x.strip_suffix(')')) {
        negative = true;
        s = inner.trim();
    }
    if let Some(rest) = s.strip_prefix('-') {
        negative = !negative;
        s = rest.trim_start();
    }
    s = s.strip_prefix('$').map(str::trim_start).unwrap_or(s);
    if let Some(rest) = s.strip_prefix('-') {
        negative = !negative;
        s = rest;
    }
    let (int_part, frac_part) = match s.split_once('.') {
        Some((i, f)) => (i, Some(f)),
        None => (s, None),
    };
    if int_part.is_empty() && frac_part.is_none_or(str::is_empty) {
        return Err(bad());
    }
    if let Some(f) = frac_part {
        if f.is_empty() || !f.bytes().all(|b| b.is_ascii_digit()) {
            return Err(bad());
        }
    }
    let groups: Vec<&str> = int_part.split(',').collect();
    let grouped_ok = groups.len() == 1
        || (!groups[0].is_empty()
            && groups[0].len() <= 3
            && groups[1..].iter().all(|g| g.len() == 3));
    if !grouped_ok || !groups.iter().all(|g| g.bytes().all(|b| b.is_ascii_digit())) {
        return Err(bad());
    }
    let digits: String = groups.concat();
    let text = match frac_part {
        Some(f) => format!("{}.{f}", if digits.is_empty() { "0" } else { &digits }),
        None => digits,
    };
    let d = Decimal::from_str(&text).map_err(|_| bad())?;
    // The same limits as the JSON routes: never more than MAX_MONEY, in whole cents.
    if d.normalize().scale() > 2 {
        return Err(format!(
            "money value {v:?} has more than 2 decimal places (whole cents only)"
        ));
    }
    if d > limits::MAX_MONEY {
        return Err(format!(
            "money value {v:?} is over the limit of {}",
            limits::MAX_MONEY
        ));
    }
    // "-$0.00" / "($0.00)" is zero, not a negative zero that prints "-0.00".
    Ok(Some(if negative && !d.is_zero() { -d } else { d }))
}

/// [`money`] that must not be negative (balances, principal, interest).
pub fn amount(v: &str) -> Result<Option<Decimal>, String> {
    match money(v)? {
        Some(d) if d.is_sign_negative() => {
            Err(format!("amount {:?} must not be negative", v.trim()))
        }
        other => Ok(other),
    }
}

/// `6.8%`, `6.80%`, `6.8`, `6.800 %` → Decimal percent (6.8).
pub fn percent(v: &str) -> Result<Option<Decimal>, String> {
    let v = v.trim();
    if v.is_empty() {
        return Ok(None);
    }
    let s = v.strip_suffix('%').unwrap_or(v).trim();
    let valid = !s.is_empty()
        && s.bytes().all(|b| b.is_ascii_digit() || b == b'.')
        && s.bytes().filter(|&b| b == b'.').count() <= 1
        && s.bytes().any(|b| b.is_ascii_digit());
    if !valid {
        return Err(format!("invalid percentage {v:?} (expected e.g. 6.8%)"));
    }
    let d = Decimal::from_str(s).map_err(|_| format!("invalid percentage {v:?}"))?;
    // The JSON routes' rule: a rate is a percent from 0 to under 100.
    if d >= limits::MAX_RATE {
        return Err(format!("percentage {v:?} must be under 100%"));
    }
    // As on the JSON routes: no federal rate is under 0.1% but 0, so 0.0708 is a fraction.
    if !d.is_zero() && d < Decimal::new(1, 1) {
        return Err(format!(
            "percentage {v:?} looks like a fraction: the file gives percents (7.08%)"
        ));
    }
    Ok(Some(d))
}

/// A time of day after a date (`10:15`, `10:15:03`, `10:15:03.120`, `10:15:03 AM`,
/// `12:00:00AM`). Values are split on the first colon only, so a timestamp
/// keeps its time; the time carries no information we store.
fn is_time_of_day(t: &str) -> bool {
    let t = t.trim();
    let upper = t.to_ascii_uppercase();
    let (clock, twelve_hour) = match upper
        .strip_suffix("AM")
        .or_else(|| upper.strip_suffix("PM"))
    {
        Some(c) => (c.trim_end().to_owned(), true),
        None => (upper.clone(), false),
    };
    let clock = clock.strip_suffix('Z').unwrap_or(&clock);
    let (hms, frac) = match clock.split_once('.') {
        Some((h, f)) => (h, Some(f)),
        None => (clock, None),
    };
    if frac.is_some_and(|f| f.is_empty() || !f.bytes().all(|b| b.is_ascii_digit())) {
        return false;
    }
    let parts: Vec<&str> = hms.split(':').collect();
    if !(2..=3).contains(&parts.len())
        || !parts
            .iter()
            .all(|p| (1..=2).contains(&p.len()) && p.bytes().all(|b| b.is_ascii_digit()))
    {
        return false;
    }
    let n: Vec<u32> = parts.iter().map(|p| p.parse().unwrap_or(99)).collect();
    let hour_ok = if twelve_hour {
        (1..=12).contains(&n[0])
    } else {
        n[0] <= 23
    };
    hour_ok && n[1..].iter().all(|&x| x <= 59)
}

/// `MM/DD/YYYY` (also `M/D/YYYY`; `YYYY-MM-DD` tolerated), optionally followed
/// by a time of day (`11/02/2026 10:15:03 AM`, `2026-11-02T10:15:03`) → NaiveDate.
pub fn date(v: &str) -> Result<Option<NaiveDate>, String> {
    let v = v.trim();
    if v.is_empty() {
        return Ok(None);
    }
    let bad = || format!("invalid date {v:?} (expected MM/DD/YYYY)");
    // A trailing time of day ("11/02/2026 10:15:03 AM") is allowed and dropped.
    let v = match v.split_once([' ', 'T']) {
        Some((day, time)) if is_time_of_day(time) => day,
        Some(_) => return Err(bad()),
        None => v,
    };
    let parts: Vec<&str> = v.split('/').collect();
    let numbers = |p: &[&str]| -> Option<Vec<u32>> {
        p.iter()
            .map(|x| {
                (!x.is_empty() && x.len() <= 4 && x.bytes().all(|b| b.is_ascii_digit()))
                    .then(|| x.parse().ok())
                    .flatten()
            })
            .collect()
    };
    let (y, m, d) = if parts.len() == 3 && parts[2].len() == 4 {
        let n = numbers(&parts).ok_or_else(bad)?;
        (n[2], n[0], n[1])
    } else {
        let iso: Vec<&str> = v.split('-').collect();
        if iso.len() != 3 || iso[0].len() != 4 {
            return Err(bad());
        }
        let n = numbers(&iso).ok_or_else(bad)?;
        (n[0], n[1], n[2])
    };
    let year = i32::try_from(y).map_err(|_| bad())?;
    if !YEARS.contains(&year) {
        return Err(format!(
            "date {v:?} is out of range (years {} to {})",
            YEARS.start(),
            YEARS.end()
        ));
    }
    NaiveDate::from_ymd_opt(year, m, d)
        .map(Some)
        .ok_or_else(bad)
}

/// Non-negative whole number (`12`, `012`, `12.0`).
pub fn count(v: &str) -> Result<Option<u32>, String> {
    let v = v.trim();
    if v.is_empty() {
        return Ok(None);
    }
    let s = v
        .strip_suffix(".0")
        .or_else(|| v.strip_suffix(".00"))
        .unwrap_or(v);
    if !s.bytes().all(|b| b.is_ascii_digit()) {
        return Err(format!("invalid whole number {v:?}"));
    }
    s.parse()
        .map(Some)
        .map_err(|_| format!("invalid whole number {v:?}"))
}

/// `Y`/`Yes`/`True`/`1` and `N`/`No`/`False`/`0` (case-insensitive).
pub fn flag(v: &str) -> Result<Option<bool>, String> {
    match v.trim().to_ascii_uppercase().as_str() {
        "" => Ok(None),
        "Y" | "YES" | "TRUE" | "T" | "1" => Ok(Some(true)),
        "N" | "NO" | "FALSE" | "F" | "0" => Ok(Some(false)),
        _ => Err(format!("invalid Yes/No value {:?}", v.trim())),
    }
}

/// Trimmed text, `None` when blank.
pub fn text(v: &str) -> Option<String> {
    let t = v.trim();
    (!t.is_empty()).then(|| t.to_owned())
}

/// [`text`] of at most [`MAX_TEXT`] characters, without control characters.
pub fn bounded_text(v: &str) -> Result<Option<String>, String> {
    let t = v.trim();
    if t.chars().count() > MAX_TEXT {
        return Err(format!("value is longer than {MAX_TEXT} characters"));
    }
    if t.chars().any(char::is_control) {
        return Err("value holds control characters".into());
    }
    Ok(text(t))
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal::dec;

    #[test]
    fn values_are_bounded_like_the_json_routes() {
        // Found over HTTP: each of these imported with a 201 and broke the borrower for good.
        assert!(money("$79,228,162,514,264,337,593,543,950")
            .unwrap_err()
            .contains("over the limit"));
        assert!(money("$1,000,000,000.01").is_err());
        assert_eq!(money("$1,000,000,000.00"), Ok(Some(dec!(1000000000.00))));
        assert!(
            money("$12.345").unwrap_err().contains("whole cents"),
            "refused, never rounded"
        );
        assert_eq!(money("$12.50"), Ok(Some(dec!(12.50))));
        assert!(percent("0.05%")
            .unwrap_err()
            .contains("looks like a fraction"));
        assert_eq!(percent("0%"), Ok(Some(dec!(0))));
        assert!(amount("-$12.00")
            .unwrap_err()
            .contains("must not be negative"));
        assert_eq!(amount("$0.00"), Ok(Some(dec!(0.00))));
        assert!(percent("100.00%").unwrap_err().contains("under 100%"));
        assert_eq!(percent("99.99%"), Ok(Some(dec!(99.99))));
        assert!(date("08/22/9999").unwrap_err().contains("out of range"));
        assert!(date("01/01/0001").is_err());
        assert!(date("12/31/2100").is_ok());
        assert!(bounded_text(&"x".repeat(501)).is_err());
        assert_eq!(bounded_text(&"x".repeat(500)).unwrap().unwrap().len(), 500);
        assert!(bounded_text("a\u{7}b").is_err());
    }

    #[test]
    fn money_values() {
        assert_eq!(money("$1,234.56"), Ok(Some(dec!(1234.56))));
        assert_eq!(money("$1,750"), Ok(Some(dec!(1750))));
        assert_eq!(money("$0.00"), Ok(Some(dec!(0.00))));
        assert_eq!(money("$1,234,567.89"), Ok(Some(dec!(1234567.89))));
        assert_eq!(money("1234.5"), Ok(Some(dec!(1234.5))));
        assert_eq!(money("-$12.30"), Ok(Some(dec!(-12.30))));
        assert_eq!(money("$-12.30"), Ok(Some(dec!(-12.30))));
        assert_eq!(money("($12.30)"), Ok(Some(dec!(-12.30))));
        assert_eq!(money("$.50"), Ok(Some(dec!(0.50))));
        assert_eq!(money("   "), Ok(None));
        for zero in ["-$0.00", "($0.00)", "$-0"] {
            let z = money(zero).unwrap().unwrap();
            assert!(z.is_zero() && !z.is_sign_negative(), "{zero}");
            assert_eq!(crate::money::string(z), "0.00", "{zero}");
        }
        for bad in [
            "$1,2x4.00",
            "$12,34",
            "$1,2345",
            "abc",
            "$",
            "$1.2.3",
            "$1.",
            "12$",
            "$,123",
        ] {
            assert!(money(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn percent_values() {
        assert_eq!(percent("6.8%"), Ok(Some(dec!(6.8))));
        assert_eq!(percent("6.80%"), Ok(Some(dec!(6.8))));
        assert_eq!(percent(" 4.29 % "), Ok(Some(dec!(4.29))));
        assert_eq!(percent("7"), Ok(Some(dec!(7))));
        assert_eq!(percent(""), Ok(None));
        for bad in ["six%", "6.8.1%", "%", "-1%", "101%"] {
            assert!(percent(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn date_values() {
        let d = |y, m, dd| Some(NaiveDate::from_ymd_opt(y, m, dd).unwrap());
        assert_eq!(date("08/24/2015"), Ok(d(2015, 8, 24)));
        assert_eq!(date("8/4/2015"), Ok(d(2015, 8, 4)));
        assert_eq!(date("2015-08-24"), Ok(d(2015, 8, 24)));
        assert_eq!(date(""), Ok(None));
        for bad in [
            "13/01/2015",
            "02/30/2020",
            "2015/08/24",
            "08-24-2015",
            "yesterday",
            "08/24/15",
        ] {
            assert!(date(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn dates_may_carry_a_time_of_day() {
        let d = |y, m, dd| Some(NaiveDate::from_ymd_opt(y, m, dd).unwrap());
        assert_eq!(date("11/02/2026 10:15:03 AM"), Ok(d(2026, 11, 2)));
        assert_eq!(date("11/02/2026 10:15:03AM"), Ok(d(2026, 11, 2)));
        assert_eq!(date("11/30/2019 12:00:00 AM"), Ok(d(2019, 11, 30)));
        assert_eq!(date("11/02/2026 22:15"), Ok(d(2026, 11, 2)));
        assert_eq!(date("11/02/2026 22:15:03.120"), Ok(d(2026, 11, 2)));
        assert_eq!(date("2026-11-02T10:15:03Z"), Ok(d(2026, 11, 2)));
        for bad in [
            "11/02/2026 soon",
            "11/02/2026 25:00",
            "11/02/2026 13:00 PM",
            "11/02/2026 10:15:03 AM extra",
            "11/02/2026 ",
        ] {
            assert!(date(bad).is_err() || bad.trim() == "11/02/2026", "{bad}");
        }
    }

    #[test]
    fn count_and_flag_values() {
        assert_eq!(count("078"), Ok(Some(78)));
        assert_eq!(count("12.0"), Ok(Some(12)));
        assert_eq!(count(""), Ok(None));
        assert!(count("twelve").is_err());
        assert!(count("-3").is_err());
        assert_eq!(flag("Yes"), Ok(Some(true)));
        assert_eq!(flag("n"), Ok(Some(false)));
        assert_eq!(flag(""), Ok(None));
        assert!(flag("maybe").is_err());
    }
}
