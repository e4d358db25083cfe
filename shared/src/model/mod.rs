//! The domain model: plain data, no AWS types.

pub mod borrower;
pub mod client;
pub mod payload;
pub mod states;

pub use borrower::*;
pub use client::*;
