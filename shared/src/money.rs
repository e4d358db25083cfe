//! Money and rate helpers. Money is `Decimal` end to end; JSON numbers are written from the
//! decimal's own digits (serde_json `arbitrary_precision`), never through `f64`.

use rust_decimal::{Decimal, RoundingStrategy};
use serde_json::{Number, Value};

/// The one parser for every money and rate field on every route: a JSON number (its own
/// digits), or a string holding a plain decimal, `-?\d+(\.\d+)?`. Nothing else: `"$1,000"`,
/// `"1.000,50"`, `"1,5"`, `"1_000"` and `"1e5"` are refused, never guessed at.
pub fn parse_plain(v: &Value) -> Result<rust_decimal::Decimal, String> {
    const WHAT: &str = "must be a number or a plain decimal string like \"1234.56\"";
    match v {
        Value::Number(n) => {
            let t = n.to_string();
            t.parse::<Decimal>()
                .or_else(|_| Decimal::from_scientific(&t))
                .map_err(|_| out_of_range(&t))
        }
        Value::String(s) => {
            // Surrounding whitespace is not part of the number (it changes no digit): JSON's
            // own four, as the schema's patterns say (`[ \t\n\r]*`), not every Unicode space.
            let t = s.trim_matches([' ', '\t', '\n', '\r']);
            let digits = t.strip_prefix('-').unwrap_or(t);
            let (int, frac) = match digits.split_once('.') {
                Some((i, f)) => (i, Some(f)),
                None => (digits, None),
            };
            let plain = !int.is_empty()
                && int.bytes().all(|b| b.is_ascii_digit())
                && frac.is_none_or(|f| !f.is_empty() && f.bytes().all(|b| b.is_ascii_digit()))
                // 40 characters at most, the surrounding whitespace counted (as the schema's
                // maxLength counts it).
                && s.len() <= 40;
            if !plain {
                return Err(format!("{WHAT}; got {v}"));
            }
            // A long plain string ("65000.000...0") can hold more digits than a Decimal (28):
            // its fraction's trailing zeros change no value, so it is read without them then
            // (and only then: "1000.50" keeps its digits).
            Decimal::from_str_exact(t).or_else(|_| {
                let shorter = match t.split_once('.') {
                    Some((int, frac)) => match frac.trim_end_matches('0') {
                        "" => int.to_string(),
                        frac => format!("{int}.{frac}"),
                    },
                    None => t.to_string(),
                };
                Decimal::from_str_exact(&shorter).map_err(|_| format!("{WHAT}; got {v}"))
            })
        }
        _ => Err(WHAT.to_string()),
    }
}

/// Why a JSON number that is valid JSON cannot be held exactly: too large (`1e308`), or too
/// many digits after the point (`1e-300`).
fn out_of_range(t: &str) -> String {
    let (mantissa, exp) = match t.split_once(['e', 'E']) {
        Some((m, e)) => (
            m,
            e.trim_start_matches('+').parse::<i64>().unwrap_or(i64::MAX),
        ),
        None => (t, 0),
    };
    let int_digits = mantissa
        .trim_start_matches('-')
        .split('.')
        .next()
        .map_or(0, |i| i.trim_start_matches('0').len()) as i64;
    if int_digits.saturating_add(exp) > 28 {
        format!("is far too large to be an amount; got {t}")
    } else {
        format!("has more digits than can be kept exactly (at most 28); got {t}")
    }
}

/// Money in whole cents: more than 2 decimals would be rounded when shown or assessed, so it
/// is refused rather than rounded in silence. `12.50` and `12.5000` are fine.
pub fn whole_cents(d: Decimal) -> Result<Decimal, String> {
    if d.normalize().scale() > 2 {
        Err(format!(
            "must be in whole cents (at most 2 decimal places); got {d}"
        ))
    } else {
        Ok(d)
    }
}

/// A sum or product of stored amounts too large for a `Decimal` (about 7.9e28). The input
/// bounds make it impossible for data Loanpath wrote; it is still an error, never a panic.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Overflow;

impl From<Overflow> for crate::ApiError {
    fn from(_: Overflow) -> Self {
        crate::ApiError::field(
            "loans",
            "hold amounts too large to add up; correct the loans' balances",
        )
    }
}

/// `a + b`, or [`Overflow`].
pub fn add(a: Decimal, b: Decimal) -> Result<Decimal, Overflow> {
    a.checked_add(b).ok_or(Overflow)
}

/// `a × b`, or [`Overflow`].
pub fn mul(a: Decimal, b: Decimal) -> Result<Decimal, Overflow> {
    a.checked_mul(b).ok_or(Overflow)
}

/// `a ÷ b` (b ≠ 0), or [`Overflow`].
pub fn div(a: Decimal, b: Decimal) -> Result<Decimal, Overflow> {
    a.checked_div(b).ok_or(Overflow)
}

/// The sum of `values`, or [`Overflow`].
pub fn sum(values: impl IntoIterator<Item = Decimal>) -> Result<Decimal, Overflow> {
    values.into_iter().try_fold(Decimal::ZERO, add)
}

/// Rounds half away from zero to cents, as servicers and ED's examples do.
pub fn cents(d: Decimal) -> Decimal {
    let mut r = d.round_dp_with_strategy(2, RoundingStrategy::MidpointAwayFromZero);
    r.rescale(2);
    r
}

/// A JSON number with exactly two decimals, e.g. `35000.00`.
pub fn number(d: Decimal) -> Value {
    exact(cents(d))
}

/// A rate or percentage as a JSON number, keeping its own digits (at least one decimal).
pub fn rate_number(d: Decimal) -> Value {
    let mut d = d.normalize();
    if d.scale() == 0 {
        d.rescale(1);
    }
    exact(d)
}

/// A rate as a decimal string with at least two decimals and no digit lost (`"6.80"`, `"6.875"`).
pub fn rate_string(d: Decimal) -> String {
    let mut d = d.normalize();
    if d.scale() < 2 {
        d.rescale(2);
    }
    d.to_string()
}

/// A decimal string with exactly two decimals, e.g. `"696.19"` (Portfolio objects).
pub fn string(d: Decimal) -> String {
    cents(d).to_string()
}

crate::rules::money::inline_schema!(
    /// [`string`] money, for `#[schemars(with = "money::MoneyText")]`: a decimal string with
    /// exactly two decimals.
    MoneyText,
    {
        "type": "string",
        "pattern": "^-?[0-9]+\\.[0-9]{2}$",
        "description": "Dollars, as a decimal string with exactly two decimals.",
    }
);

crate::rules::money::inline_schema!(
    /// A [`rate_string`] rate: a percent as a decimal string with at least two decimals and
    /// every digit kept (`"6.875"`).
    RateText,
    {
        "type": "string",
        "pattern": "^-?[0-9]+\\.[0-9]{2,}$",
        "description": "A percent, as a decimal string with at least two decimals.",
    }
);

/// Serde `serialize_with` for a money value of the v1 objects (Borrower, Loan): a JSON number
/// with two decimals ([`number`]), or `null`.
pub fn ser_opt_number<S: serde::Serializer>(d: &Option<Decimal>, s: S) -> Result<S::Ok, S::Error> {
    serde::Serialize::serialize(&d.map(number), s)
}

/// Serde `serialize_with` for a rate of the v1 objects: a JSON number keeping its digits
/// ([`rate_number`]), or `null`.
pub fn ser_opt_rate<S: serde::Serializer>(d: &Option<Decimal>, s: S) -> Result<S::Ok, S::Error> {
    serde::Serialize::serialize(&d.map(rate_number), s)
}

fn exact(d: Decimal) -> Value {
    d.to_string()
        .parse::<Number>()
        .map(Value::Number)
        .unwrap_or(Value::Null)
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal::dec;

    proptest::proptest! {
        /// Every plain decimal string is read exactly, digit for digit.
        #[test]
        fn plain_decimals_are_read_exactly(int in -999_999_999_999i64..999_999_999_999, frac in proptest::option::of("[0-9]{1,8}")) {
            let text = match &frac { Some(f) => format!("{int}.{f}"), None => int.to_string() };
            let d = parse_plain(&Value::String(text.clone())).unwrap();
            let want: Decimal = text.parse().unwrap();
            proptest::prop_assert_eq!(d, want);
            proptest::prop_assert_eq!(d.scale(), frac.map_or(0, |f| f.len() as u32));
        }

        /// Anything but digits, one point and a leading minus is refused, never guessed at.
        #[test]
        fn other_text_is_refused(s in "[0-9]{1,4}[^0-9.\\-\\s][0-9.,]{0,4}") {
            let r = parse_plain(&Value::String(s.clone()));
            proptest::prop_assert!(r.is_err(), "{:?} was read as {:?}", s, r);
        }

        /// Whole cents pass, fractions of a cent are refused, whatever the trailing zeros.
        #[test]
        fn whole_cents_are_two_decimals_at_most(cents in 0i64..10_000_000_000, zeros in 0usize..6, extra in 1u32..9) {
            let d = Decimal::new(cents, 2);
            let padded: Decimal = format!("{d}{}", "0".repeat(zeros)).parse().unwrap();
            proptest::prop_assert_eq!(whole_cents(padded), Ok(padded));
            let sub_cent = Decimal::new(cents * 10 + i64::from(extra), 3);
            proptest::prop_assert!(whole_cents(sub_cent).is_err());
        }
    }

    #[test]
    fn numbers_keep_every_digit() {
        let big = dec!(12345678901234567.89);
        assert_eq!(number(big).to_string(), "12345678901234567.89");
        assert_eq!(number(dec!(35000)).to_string(), "35000.00");
        assert_eq!(number(dec!(0.005)).to_string(), "0.01");
        assert_eq!(rate_number(dec!(5)).to_string(), "5.0");
        assert_eq!(rate_number(dec!(6.800)).to_string(), "6.8");
        assert_eq!(string(dec!(696.185)), "696.19");
    }
}

#[cfg(test)]
mod parse_tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn only_numbers_and_plain_decimal_strings_are_money() {
        for ok in [
            json!(1000),
            json!(1000.5),
            json!("1000"),
            json!("-12.25"),
            json!(" 7.08 "),
        ] {
            assert!(parse_plain(&ok).is_ok(), "{ok}");
        }
        assert_eq!(
            parse_plain(&json!("1000.50")).unwrap().to_string(),
            "1000.50"
        );
        // Found by testing: "1.000,50" was stored as 1.00 and "1,5" as 15.00.
        for bad in [
            "1.000,50", "1,5", "$1000", "1_000", "1e5", "1.", ".5", "", "abc", "+5", "1 000",
        ] {
            assert!(parse_plain(&json!(bad)).is_err(), "{bad}");
        }
        assert!(parse_plain(&json!(true)).is_err());
    }
}
