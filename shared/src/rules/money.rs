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

/// Whole cents as number text in a stack buffer (`-12.05`): no allocation per value.
struct CentsText {
    buf: [u8; 24],
    len: usize,
}

impl CentsText {
    fn new(cents: i64) -> Self {
        let mut buf = [0u8; 24];
        let mut a = cents.unsigned_abs();
        let mut i = buf.len();
        for _ in 0..2 {
            i -= 1;
            buf[i] = b'0' + (a % 10) as u8;
            a /= 10;
        }
        i -= 1;
        buf[i] = b'.';
        loop {
            i -= 1;
            buf[i] = b'0' + (a % 10) as u8;
            a /= 10;
            if a == 0 {
                break;
            }
        }
        if cents < 0 {
            i -= 1;
            buf[i] = b'-';
        }
        let len = buf.len() - i;
        buf.copy_within(i.., 0);
        CentsText { buf, len }
    }
    fn as_str(&self) -> &str {
        std::str::from_utf8(&self.buf[..self.len]).expect("ASCII digits")
    }
}

/// Money already in whole cents, as a JSON number: its text is built on the stack and, for
/// serde_json (with `arbitrary_precision`), handed straight to the writer as a raw number
/// token, with no `Number` parsed and allocated per value (writing a 65 KB assessment is
/// mostly this). Any other serializer gets it through `serde_json::Number` as before.
fn serialize_cents<S: Serializer>(cents: i64, s: S) -> Result<S::Ok, S::Error> {
    let text = CentsText::new(cents);
    if std::any::type_name::<S>().starts_with("&mut serde_json::ser::Serializer<") {
        use serde::ser::SerializeStruct;
        // serde_json's own token for a number written as is (what `Number::serialize` emits).
        let mut st = s.serialize_struct("$serde_json::private::Number", 1)?;
        st.serialize_field("$serde_json::private::Number", text.as_str())?;
        st.end()
    } else {
        serialize_number(text.as_str(), s)
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

/// A money value rounded to cents: its whole cents, or (beyond `i64`) the rounded decimal.
fn whole_cents(d: Decimal) -> Result<i64, Decimal> {
    let d = if d.scale() == 2 {
        d
    } else {
        to_cents_decimal(d)
    };
    i64::try_from(d.mantissa()).map_err(|_| d)
}

/// Text of a money value with exactly two decimals, e.g. `-12.05`.
pub fn cents_text(d: Decimal) -> String {
    match whole_cents(d) {
        // Fast path for the engine's own values (already whole cents).
        Ok(cents) => CentsText::new(cents).as_str().to_string(),
        Err(d) => d.to_string(),
    }
}

/// Money as a JSON number with exactly two decimals.
pub mod money2 {
    use super::*;
    pub fn serialize<S: Serializer>(d: &Decimal, s: S) -> Result<S::Ok, S::Error> {
        match whole_cents(*d) {
            Ok(cents) => serialize_cents(cents, s),
            Err(d) => serialize_number(&d.to_string(), s),
        }
    }
    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Decimal, D::Error> {
        super::deserialize(d)
    }
}

/// Declares a type that only stands for a JSON Schema, for `#[schemars(with = "...")]` on a
/// field whose serialiser writes a value the field's Rust type does not say (a money
/// `Decimal` written as a number or a string): the schema is inlined where it is used.
macro_rules! inline_schema {
    ($(#[$doc:meta])* $name:ident, $schema:tt) => {
        $(#[$doc])*
        pub struct $name;

        impl schemars::JsonSchema for $name {
            fn inline_schema() -> bool {
                true
            }
            fn schema_name() -> std::borrow::Cow<'static, str> {
                stringify!($name).into()
            }
            fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
                schemars::json_schema!($schema)
            }
        }
    };
}
pub(crate) use inline_schema;

inline_schema!(
    /// [`money2`] money: a JSON number of dollars with two decimals (written from the exact
    /// decimal, never through `f64`).
    Money2,
    {"type": "number"}
);

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

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal::dec;

    #[derive(Serialize)]
    struct M(#[serde(with = "money2")] Decimal);

    /// The fast path (serde_json's raw number token) writes exactly what the `Number` path
    /// does, compact and pretty, so a change in serde_json's private token fails here.
    #[test]
    fn money_is_written_the_same_by_both_paths() {
        for d in [
            dec!(0),
            dec!(-0.004),
            dec!(0.005),
            dec!(12.05),
            dec!(-12.05),
            dec!(1234567.899),
            dec!(100),
            dec!(-0.01),
            dec!(9999999999999.99),
        ] {
            let c = to_cents_decimal(d);
            let expected = serde_json::Number::from_str(&cents_text(d)).unwrap();
            assert_eq!(
                serde_json::to_string(&M(d)).unwrap(),
                expected.to_string(),
                "{d}"
            );
            assert_eq!(
                serde_json::to_string_pretty(&vec![M(d)]).unwrap(),
                serde_json::to_string_pretty(&vec![expected.clone()]).unwrap()
            );
            assert_eq!(
                serde_json::to_value(M(d)).unwrap(),
                serde_json::Value::Number(expected)
            );
            // The text is the formula written out: sign, whole dollars, two digits of cents.
            let m = i64::try_from(c.mantissa()).unwrap();
            let sign = if m < 0 { "-" } else { "" };
            let (a, b) = (m.unsigned_abs() / 100, m.unsigned_abs() % 100);
            assert_eq!(cents_text(d), format!("{sign}{a}.{b:02}"), "{d}");
        }
    }
}
