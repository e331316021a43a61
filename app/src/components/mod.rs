//! Widgets used by the pages, one file each.

pub mod account_picker;
pub mod add_member_dialog;
pub mod bulk_actions;
pub mod column_filter;
pub mod error_view;
pub mod form_feedback;
pub mod invite_dialog;
pub mod manage_state;
pub mod member_dialogs;
pub mod member_table;
pub mod modal;
pub mod new_contact_dialog;
pub mod overview_panel;
pub mod pager;
pub mod role_picker;
pub mod row_actions;
pub mod search_box;
pub mod site_header;
pub mod toast;
