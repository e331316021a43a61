//! Widgets used by the pages, one file each.

pub mod account_picker;
pub mod error_view;
pub mod member_table;
pub mod pager;
pub mod search_box;
