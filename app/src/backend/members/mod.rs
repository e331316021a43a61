//! An account's members: `read` lists and filters them (Manage Users, exports, bulk
//! selections), `write` changes them (add, roles, deactivate, remove), each change in one
//! transaction under the account's lock, audited, with its emails in the outbox;
//! `list_html` writes a page of them as Manage Users shows it.

pub mod list_html;
pub mod read;
pub mod write;
