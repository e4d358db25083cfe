//! Integration tests: real handlers, real AWS SDK, in-process DynamoDB emulator.

mod assessments;
mod auth;
mod borrowers;
mod documents;
mod dynamo_errors;
mod employer_pages;
mod employers;
mod enrollments;
mod events;
mod fuzz;
mod idempotency;
mod infra;
mod input;
mod keys;
mod loans;
mod nexus;
mod sync;
mod tenants;
mod webhooks;
