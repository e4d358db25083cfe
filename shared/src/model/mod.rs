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
