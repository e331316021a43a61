//! The Roster server: opens the database, applies migrations, seeds demo data and
//! serves the app. `main.rs` is only the command line around this.

// The app's view types are deep; proving the SSR futures `Send` needs more than the
// default 128 levels.
#![recursion_limit = "256"]

pub mod api;
pub mod database;
pub mod export;
pub mod import;
pub mod mail;
pub mod scim;
pub mod security;
pub mod seed;
pub mod sessions;
pub mod web;
