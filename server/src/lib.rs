//! The Roster server: opens the database, applies migrations, seeds demo data and
//! serves the app. `main.rs` is only the command line around this.

pub mod database;
pub mod export;
pub mod seed;
pub mod web;
