//! Loanpath's domain crate: model, validation, single-table store, auth, errors, HTTP helpers
//! and handlers. Every function in `functions/` is a thin `main` over this crate.
//!
//! `model` (and later `rules`) hold no AWS types; `store` is the DynamoDB adapter.

pub mod api;
pub mod assessment;
pub mod borrowers;
pub mod concurrency;
pub mod context;
pub mod crypto;
pub mod documents;
pub mod enrollments;
pub mod error;
pub mod http;
pub mod lambda;
pub mod loans;
pub mod logging;
pub mod model;
pub mod money;
pub mod mystudentdata;
pub mod nexus;
pub mod portfolio;
pub mod reference;
pub mod rules;
pub mod store;
pub mod sync;
pub mod table;
pub mod webhooks;

pub use context::AppContext;
pub use error::ApiError;
