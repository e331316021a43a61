//! What the Manage Users list's HTML (written by the server, `backend::members::list_html`)
//! and the page that answers it agree on: the actions its controls name, the ids of the
//! ⋯ Actions buttons, and the menu the page puts after a button while it is open.
//!
//! The rows show data and never change while their page is shown: what changes (the
//! selection, the open ⋯ Actions menu, an invitation being sent) is set on the elements by
//! `member_table`, which also answers every click and key of the list from its element
//! (`data-act` says what a control does, a row's `data-id` for whom).

use html_escape::encode_double_quoted_attribute as attr;

/// What a control of a row does, in its `data-act`.
pub mod act {
    pub const SELECT: &str = "select";
    pub const DETAILS: &str = "details";
    pub const INVITE: &str = "invite";
    pub const LOGIN: &str = "login";
    pub const MENU: &str = "menu";
    pub const UPDATE: &str = "update";
    pub const SET_ACTIVE: &str = "set-active";
    pub const REMOVE: &str = "remove";
    /// The header's box that selects every row of the page.
    pub const SELECT_PAGE: &str = "select-page";
    /// A column filter's button; its `data-column` names the column.
    pub const FILTER: &str = "filter";
}

/// The id of the ⋯ button of `membership`'s row, and of its menu.
pub fn menu_button_id(membership: i64) -> String {
    format!("actions-{membership}")
}

pub fn menu_id(membership: i64) -> String {
    format!("actions-menu-{membership}")
}

/// The ⋯ Actions menu of `membership`'s row (`name`), put after its button while open.
pub fn menu_html(membership: i64, name: &str, active: bool) -> String {
    format!(
        r#"<ul role="menu" id="{menu}" aria-label="Actions for {name}"><li role="none"><button type="button" role="menuitem" tabindex="-1" data-act="update">Update</button></li><li role="none"><button type="button" role="menuitem" tabindex="-1" data-act="set-active">{toggle}</button></li><li role="none"><button type="button" role="menuitem" tabindex="-1" class="danger-text" data-act="remove">Remove</button></li></ul>"#,
        menu = menu_id(membership),
        name = attr(name),
        toggle = if active { "Deactivate login" } else { "Reactivate login" },
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_menu_offers_what_the_list_allows() {
        let menu = menu_html(7, "Ada & Co", true);
        assert!(
            menu.starts_with(r#"<ul role="menu" id="actions-menu-7" aria-label="Actions for Ada &amp; Co">"#),
            "{menu}"
        );
        for act in [act::UPDATE, act::SET_ACTIVE, act::REMOVE] {
            assert!(menu.contains(&format!(r#"data-act="{act}""#)), "{act}: {menu}");
        }
        assert!(menu.contains(">Deactivate login<"), "{menu}");
        assert!(menu_html(7, "Ada", false).contains(">Reactivate login<"));
    }
}
