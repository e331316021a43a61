//! One file per page; the route table is in `crate::App`.

pub mod audit;
pub mod help;
pub mod home;
pub mod manage_users;
pub mod not_found;
pub mod register;
pub mod sign_in;
