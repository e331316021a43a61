//! An account's members: `read` lists and filters them (Manage Users, exports, bulk
//! selections), `write` changes them (add, roles, deactivate, remove), each change in one
//! transaction under the account's lock, audited, with its emails in the outbox.

pub mod read;
pub mod write;
