//! The `Option` forms of `crate::money`'s formatting, as the loan views use them.

use rust_decimal::Decimal;
use serde_json::Value;

use crate::money;
pub use crate::money::cents;

/// JSON number with exactly two decimals (`35000.00`); `null` for `None`.
pub fn money_number(d: Option<Decimal>) -> Value {
    d.map(money::number).unwrap_or(Value::Null)
}

/// Decimal string with exactly two decimals (`"696.19"`); `null` for `None`.
pub fn money_string(d: Option<Decimal>) -> Value {
    d.map(|d| Value::String(money::string(d)))
        .unwrap_or(Value::Null)
}

/// A rate (percent) as a JSON number keeping its own digits (`6.8`, `6.875`, `5.0`).
pub fn rate_number(d: Option<Decimal>) -> Value {
    d.map(money::rate_number).unwrap_or(Value::Null)
}

/// A rate (percent) as a decimal string with at least two decimals and no digit lost
/// (`"3.54"`, `"6.80"`, `"6.875"`); `null` for `None`.
pub fn rate_string(d: Option<Decimal>) -> Value {
    d.map(|d| Value::String(money::rate_string(d)))
        .unwrap_or(Value::Null)
}
