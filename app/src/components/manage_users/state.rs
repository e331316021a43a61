use std::collections::BTreeSet;

use leptos::prelude::*;

use crate::model::MemberQuery;

/// Which dialog of Manage Users is open.
#[derive(Clone, Debug, PartialEq)]
pub enum DialogKind {
    Add,
    Invite,
    NewContact,
    Update { membership: i64 },
    Details { membership: i64 },
    Remove { membership: i64, name: String },
    SetActive { membership: i64, name: String, active: bool },
    BulkRoles,
    BulkDeactivate,
    BulkRemove,
}

impl DialogKind {
    /// Whether the dialog shows the account's roles or counts, from its overview. Those
    /// that act on one member by name do not wait for it.
    pub fn needs_overview(&self) -> bool {
        !matches!(self, DialogKind::Details { .. } | DialogKind::Remove { .. } | DialogKind::SetActive { .. })
    }
}

/// State the widgets of Manage Users share, provided by the page as context.
#[derive(Clone, Copy)]
pub struct ManageUsersUi {
    /// The view of the current route, its account included: the account switchers change
    /// it without leaving the page.
    pub query: Memo<Option<MemberQuery>>,
    pub dialog: RwSignal<Option<DialogKind>>,
    /// The membership whose ⋯ Actions menu is open: one at a time, so that the rows keep
    /// no state of their own.
    pub menu: RwSignal<Option<i64>>,
    /// Selected membership ids (on any page).
    pub selected: RwSignal<BTreeSet<i64>>,
    /// The selection is every member the view matches, not the ids above.
    pub all_matching: RwSignal<bool>,
    /// Reloads the list and the overview after a change.
    pub refresh: Callback<()>,
}

impl ManageUsersUi {
    pub fn open(self, d: DialogKind) {
        self.dialog.set(Some(d));
    }

    pub fn close(self) {
        self.dialog.set(None);
    }

    pub fn clear_selection(self) {
        self.selected.set(BTreeSet::new());
        self.all_matching.set(false);
    }
}

pub fn use_ui() -> ManageUsersUi {
    expect_context::<ManageUsersUi>()
}
