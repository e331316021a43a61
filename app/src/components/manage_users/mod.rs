//! The widgets of Manage Users (SPEC F1–F17): the table and its filters, the overview,
//! the dialogs, and the state they share (`state`).

pub mod account_picker;
pub mod add_member_dialog;
pub mod bulk_actions;
pub mod column_filter;
pub mod invite_dialog;
pub mod member_dialogs;
pub mod member_rows;
pub mod member_table;
pub mod mutation;
pub mod new_contact_dialog;
pub mod overview_panel;
pub mod role_picker;
pub mod state;
