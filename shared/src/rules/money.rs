//! Serde helpers for money and rates.
//!
//! * [`money2`]: serialize a `Decimal` as a JSON **number** rounded to two
//!   decimals (e.g. `412.82`, `0.00`). Relies on serde_json's
//!   `arbitrary_precision` feature, so no value passes through `f64`.
//! * [`number`]: serialize a `Decimal` as an exact JSON number (inputs).
//! * Both accept a JSON number, an integer or a decimal string on input.

use rust_decimal::{Decimal, RoundingStrategy};
use serde::de::{self, MapAccess, Visitor};
use serde::{Deserializer, Serialize, Serializer};
use std::fmt;
use std::str::FromStr;

/// Round to cents, half away from zero, always with two decimals.
pub fn to_cents_decimal(d: Decimal) -> Decimal {
    let mut r = d.round_dp_with_strategy(2, RoundingStrategy::MidpointAwayFromZero);
    if r.is_zero() {
        r = Decimal::ZERO;
    }
    r.rescale(2);
    r
}

fn serialize_number<S: Serializer>(text: &str, s: S) -> Result<S::Ok, S::Error> {
    match serde_json::Number::from_str(text) {
        Ok(n) => n.serialize(s),
        Err(_) => s.serialize_str(text),
    }
}

struct DecimalVisitor;

impl<'de> Visitor<'de> for DecimalVisitor {
    type Value = Decimal;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a decimal number or a decimal string")
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<Decimal, E> {
        Decimal::from_str(v.trim())
            .or_else(|_| Decimal::from_scientific(v.trim()))
            .map_err(|_| E::custom(format!("invalid decimal `{v}`")))
    }
    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Decimal, E> {
        Ok(Decimal::from(v))
    }
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Decimal, E> {
        Ok(Decimal::from(v))
    }
    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Decimal, E> {
        // Only reached by deserializers without arbitrary precision; go through
        // the shortest round-trip text, never through binary arithmetic.
        self.visit_str(&v.to_string())
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Decimal, A::Error> {
        // serde_json with `arbitrary_precision` presents numbers as a one-entry map.
        let Some((_, text)) = map.next_entry::<String, String>()? else {
            return Err(de::Error::custom("empty number"));
        };
        self.visit_str(&text)
    }
}

struct OptDecimalVisitor;

impl<'de> Visitor<'de> for OptDecimalVisitor {
    type Value = Option<Decimal>;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a decimal number, a decimal string or null")
    }
    fn visit_none<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(None)
    }
    fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(None)
    }
    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_any(DecimalVisitor).map(Some)
    }
}

/// Deserialize a `Decimal` from a number or a string.
pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Decimal, D::Error> {
    d.deserialize_any(DecimalVisitor)
}

/// Text of a money value with exactly two decimals, e.g. `-12.05`.
pub fn cents_text(d: Decimal) -> String {
    let d = if d.scale() == 2 {
        d
    } else {
        to_cents_decimal(d)
    };
    match i64::try_from(d.mantissa()) {
        // Fast path for the engine's own values (already whole cents).
        Ok(m) => {
            let sign = if m < 0 { "-" } else { "" };
            let a = m.unsigned_abs();
            format!("{sign}{}.{:02}", a / 100, a % 100)
        }
        Err(_) => d.to_string(),
    }
}

/// Money as a JSON number with exactly two decimals.
pub mod money2 {
    use super::*;
    pub fn serialize<S: Serializer>(d: &Decimal, s: S) -> Result<S::Ok, S::Error> {
        serialize_number(&cents_text(*d), s)
    }
    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Decimal, D::Error> {
        super::deserialize(d)
    }
}

/// A decimal as an exact JSON number (no rounding).
pub mod number {
    use super::*;
    pub fn serialize<S: Serializer>(d: &Decimal, s: S) -> Result<S::Ok, S::Error> {
        serialize_number(&d.normalize().to_string(), s)
    }
    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Decimal, D::Error> {
        super::deserialize(d)
    }
}

/// An optional decimal as an exact JSON number or `null`.
pub mod opt_number {
    use super::*;
    pub fn serialize<S: Serializer>(d: &Option<Decimal>, s: S) -> Result<S::Ok, S::Error> {
        match d {
            Some(d) => serialize_number(&d.normalize().to_string(), s),
            None => s.serialize_none(),
        }
    }
    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Decimal>, D::Error> {
        d.deserialize_option(OptDecimalVisitor)
    }
}
