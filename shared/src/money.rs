//! Money and rate helpers. Money is `Decimal` end to end; JSON numbers are written from the
//! decimal's own digits (serde_json `arbitrary_precision`), never through `f64`.

use rust_decimal::{Decimal, RoundingStrategy};
use serde_json::{Number, Value};

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
