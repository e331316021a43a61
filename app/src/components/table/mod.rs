//! What every paged table shows around its rows (Manage Users, the case list): the
//! Search Text form, sortable column headers and the pager (`PagedTable` puts the
//! headers, the rows and the pager together). They work on any
//! `model::ListView`, and all of them are plain links and forms, so a table works
//! without JavaScript and every view has its own address.

pub mod paged_table;
pub mod pager;
pub mod search_box;
pub mod sort_header;
