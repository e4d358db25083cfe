//! The domain model: plain data, no AWS types.

pub mod borrower;
pub mod client;
pub mod payload;
pub mod states;

pub use borrower::*;

/// The timestamp every record carries (`created_at`, `updated_at`): RFC 3339, UTC, microseconds,
/// like Payitoff's `2021-03-03T17:01:24.108424Z`.
pub fn now() -> String {
    chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Micros, true)
}
pub use client::*;

/// A character no name needs that can hide or disguise text: control characters (NUL, escape,
/// tab, ...) and the bidirectional overrides and isolates (U+202A-U+202E, U+2066-U+2069).
pub fn is_hidden_char(c: char) -> bool {
    c.is_control()
        || ('\u{202A}'..='\u{202E}').contains(&c)
        || ('\u{2066}'..='\u{2069}').contains(&c)
}
