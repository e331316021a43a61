//! Every integration test of the server in one test binary: one compilation of the
//! shared `common` module and one link instead of one per file, and the files' tests
//! share the test threads instead of running file after file (`autotests = false` in
//! `server/Cargo.toml`). Each file is a module of it:
//! `cargo test -p server --test suite access::` runs one file's tests.

#[macro_use]
mod common;

mod access;
mod access_requests;
mod accounts;
mod api;
mod backup;
mod body_limit;
mod cases;
mod crash;
mod export;
mod hostile;
mod http;
mod identity;
mod import;
mod instances;
mod invitations;
mod mail;
mod members;
mod membership;
mod outage;
mod partners;
mod rules;
mod scim;
mod shutdown;
