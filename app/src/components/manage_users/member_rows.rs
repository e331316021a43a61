//! The rows of the Manage Users table as one piece of HTML.
//!
//! A page of rows is the largest part of what the server renders for Manage Users (each
//! row a dozen elements, three of them live, about 12 µs of the server's time a row as
//! views). The rows show data and never change while their page is shown: what changes
//! (the selection, the open ⋯ Actions menu, an invitation being sent) is set on the
//! elements by `MemberTable`, which also answers every click and key of the rows from
//! the table body (`data-act` says what a control does, the row's `data-id` for whom).
//! So the server writes them as a string, and the browser hydrates nothing in them.

use std::fmt::Write;

use html_escape::{encode_double_quoted_attribute as attr, encode_text as text};

use crate::model::{format_date, MemberRow};

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
}

/// The id of the ⋯ button of `membership`'s row, and of its menu.
pub fn menu_button_id(membership: i64) -> String {
    format!("actions-{membership}")
}

pub fn menu_id(membership: i64) -> String {
    format!("actions-menu-{membership}")
}

/// The `<tr>`s of `rows`, in a list of active members (`active`) or of inactive ones.
/// Checkboxes start unchecked and menus closed; the table sets them once live.
pub fn rows_html(rows: &[MemberRow], active: bool) -> String {
    let mut out = String::with_capacity(rows.len() * 1_600);
    for r in rows {
        row_html(&mut out, r, active);
    }
    out
}

fn row_html(out: &mut String, r: &MemberRow, active: bool) {
    let id = r.membership_id;
    let name_attr = attr(&r.name);
    let name_text = text(&r.name);
    let last = format_date(r.last_sign_in_at);
    let _ = write!(
        out,
        r#"<tr data-id="{id}"><td class="select"><input type="checkbox" aria-label="Select {name_attr}" data-act="select"></td><th scope="row"><button type="button" class="link" data-act="details">{name_text}</button></th><td>{email}"#,
        email = text(&r.email),
    );
    if !r.registered {
        let _ = write!(
            out,
            r#"<span class="not-registered"> · Not registered <button type="button" class="link small" aria-label="Invite to Community: {name_attr}" data-act="invite">Invite to Community</button></span>"#
        );
    }
    let (badge, status) = if r.active { ("badge ok", "Active") } else { ("badge muted", "Inactive") };
    let _ = write!(
        out,
        r#"</td><td class="num">{roles}</td><td><span class="{badge}">{status}</span></td><td>{last}</td><td class="num">{cases}</td><td><button type="button" role="switch" class="switch" aria-checked="{active}" aria-label="Active Login for {name_attr}" data-act="login"><span class="knob" aria-hidden="true"></span></button></td>"#,
        roles = r.additional_roles,
        last = last.as_deref().unwrap_or("Never"),
        cases = r.cases_owned,
    );
    let _ = write!(
        out,
        r#"<td class="actions"><div class="menu"><button type="button" class="icon" id="{button}" aria-haspopup="menu" aria-expanded="false" aria-label="Actions for {name_attr}" data-act="menu">⋯</button></div></td></tr>"#,
        button = menu_button_id(id),
    );
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

    fn row(name: &str, email: &str, registered: bool) -> MemberRow {
        MemberRow {
            membership_id: 7,
            person_id: 3,
            name: name.into(),
            email: email.into(),
            additional_roles: 2,
            active: true,
            last_sign_in_at: 1_764_979_200,
            cases_owned: 4,
            registered,
        }
    }

    #[test]
    fn names_and_emails_are_text_never_markup() {
        let html = rows_html(&[row(r#"<b>Eve</b> "the" & co"#, "eve<x>@example.org", true)], true);
        assert!(html.contains("&lt;b&gt;Eve&lt;/b&gt; \"the\" &amp; co</button>"), "{html}");
        assert!(html.contains(r#"aria-label="Select &lt;b&gt;Eve&lt;/b&gt; &quot;the&quot; &amp; co""#), "{html}");
        assert!(html.contains("eve&lt;x&gt;@example.org"), "{html}");
        assert!(!html.contains("<b>") && !html.contains("<x>"), "{html}");
    }

    #[test]
    fn a_row_says_what_each_control_does_and_for_whom() {
        let html = rows_html(&[row("Ada Lovelace", "ada@example.org", false)], false);
        assert!(html.starts_with(r#"<tr data-id="7">"#), "{html}");
        for act in [act::SELECT, act::DETAILS, act::INVITE, act::LOGIN, act::MENU] {
            assert!(html.contains(&format!(r#"data-act="{act}""#)), "{act}: {html}");
        }
        assert!(html.contains(r#"aria-checked="false""#), "{html}");
        assert!(html.contains("<td>2025-12-06</td>"), "{html}");
        assert!(html.contains(r#"id="actions-7" aria-haspopup="menu" aria-expanded="false""#), "{html}");
        // Registered members are not offered an invitation.
        assert!(!rows_html(&[row("Ada", "ada@example.org", true)], true).contains(act::INVITE));
    }

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
