//! Widgets used by the pages, one file each: the shared ones here, the paged tables'
//! in `table`, those of Manage Users in `manage_users`.

pub mod access_request;
pub mod approvers;
pub mod error_view;
pub mod form_feedback;
pub mod manage_users;
pub mod modal;
pub mod new_password;
pub mod page_title;
pub mod partner_support;
pub mod site_header;
pub mod table;
pub mod timer;
pub mod toast;
