//! Exact integer arithmetic used inside the engine.
//!
//! Money inside the simulation is `i64` cents. Rates and growth factors are
//! fixed-point `i128` values scaled by [`ONE`] (10^15). Nothing here uses
//! floating point: every rounding step is explicit and documented.

/// Fixed-point scale: 1.0 == `ONE`.
pub(crate) const ONE: i128 = 1_000_000_000_000_000;

/// Divide, rounding half away from zero.
#[inline]
pub(crate) fn div_round(num: i128, den: i128) -> i128 {
    debug_assert!(den != 0);
    let (num, den) = if den < 0 { (-num, -den) } else { (num, den) };
    if num >= 0 {
        (num + den / 2) / den
    } else {
        -((-num + den / 2) / den)
    }
}

/// Divide, rounding up (toward +infinity) for non-negative values.
#[inline]
pub(crate) fn div_ceil(num: i128, den: i128) -> i128 {
    debug_assert!(den > 0 && num >= 0);
    (num + den - 1) / den
}

/// Fixed-point multiply (rounded).
#[inline]
pub(crate) fn mul(a: i128, b: i128) -> i128 {
    div_round(a * b, ONE)
}

/// Fixed-point divide (rounded).
#[inline]
pub(crate) fn div(a: i128, b: i128) -> i128 {
    div_round(a * ONE, b)
}

/// `base^n` for a fixed-point base, by repeated squaring.
pub(crate) fn pow(base: i128, mut n: u32) -> i128 {
    let mut result = ONE;
    let mut b = base;
    while n > 0 {
        if n & 1 == 1 {
            result = mul(result, b);
        }
        n >>= 1;
        if n > 0 {
            b = mul(b, b);
        }
    }
    result
}

/// Monthly rate `r / 12` as a fixed-point value, from a rate in thousandths
/// of a percent (6.8 % == 6800).
#[inline]
pub(crate) fn monthly_rate(rate_milli: i64) -> i128 {
    div_round(rate_milli as i128 * ONE, 1_200_000)
}

/// Level-payment factor `i / (1 - (1+i)^-n)` (or `1/n` at 0 %), fixed point.
///
/// It is computed from the discount factor `v = 1/(1+i) < 1`, whose powers shrink, so no
/// intermediate product can overflow at any rate the engine accepts (growing `(1+i)^n`
/// overflows `i128` for rates above about 45 % over 30 years).
pub(crate) fn level_factor(rate_milli: i64, months: u32) -> i128 {
    let months = months.max(1);
    if rate_milli == 0 {
        return div_round(ONE, months as i128);
    }
    let i = monthly_rate(rate_milli);
    let h = pow(div(ONE, ONE + i), months);
    div(i, ONE - h)
}

/// Level monthly payment in cents for `balance` cents, rounded half up.
#[inline]
pub(crate) fn level_payment(balance: i64, rate_milli: i64, months: u32) -> i64 {
    div_round(balance as i128 * level_factor(rate_milli, months), ONE) as i64
}

/// Round half away from zero for non-negative cents arithmetic.
#[inline]
pub(crate) fn round_cents(num: i128, den: i128) -> i64 {
    div_round(num, den) as i64
}
