//! Manage Users' list as one piece of HTML: the table (caption, sortable headers with
//! the column filters' buttons, rows), its pager, or the empty state.
//!
//! Nothing in it is live: its links are followed by the router, and every control names
//! what it does in `data-act` (a row's control also its row's membership in `data-id`),
//! which the page answers from the list's element (`member_table`). So the server writes
//! it, and the browser neither builds nor hydrates a view of it: at 25 rows, as views, it
//! was about a sixth of the code Manage Users loads first.

use std::fmt::Write;

use html_escape::{encode_double_quoted_attribute as attr, encode_text as text};

use crate::components::manage_users::member_rows::{act, menu_button_id};
use crate::components::table::pager::pager_html;
use crate::model::{
    format_date, thousands, FilterColumn, ListView, MemberPage, MemberQuery, MemberRow, MemberStatus, SortColumn,
    SortDir, SortKey,
};

/// The list of `page`, the view `q` of its account.
pub fn member_list(q: &MemberQuery, page: &MemberPage) -> String {
    let mut out = String::with_capacity(4_096 + page.rows.len() * 1_600);
    // A one- or two-character search looks at a stretch of members per page: said, so
    // that a short or empty page is not read as the end of the list.
    if let Some(n) = page.window {
        let _ = write!(
            out,
            r#"<p class="hint">One or two characters look through {} users per page; type a third to search every user at once.</p>"#,
            thousands(u64::from(n)),
        );
    }
    let stretch_empty = page.rows.is_empty() && page.window.is_some() && (page.next.is_some() || page.prev.is_some());
    if stretch_empty {
        out.push_str(
            r#"<div class="empty" role="status"><p>None of the users in this stretch match. “Next” looks further.</p></div>"#,
        );
        pager_html(&mut out, q, page.prev.as_ref(), page.next.as_ref());
    } else if page.rows.is_empty() {
        let said =
            if q.is_filtered() { "No users match this view." } else { "This account has no users in this list." };
        let _ = write!(out, r#"<div class="empty" role="status"><p>{said}</p>"#);
        if q.is_filtered() {
            let _ =
                write!(out, r#"<a href="{}">Clear search and filters</a>"#, attr(&MemberQuery::new(q.account).href()));
        }
        out.push_str("</div>");
    } else {
        out.push_str(r#"<div class="table-wrap" role="region" aria-label="Users" tabindex="0">"#);
        table(&mut out, q, page);
        out.push_str("</div>");
        pager_html(&mut out, q, page.prev.as_ref(), page.next.as_ref());
    }
    out
}

fn table(out: &mut String, q: &MemberQuery, page: &MemberPage) {
    let active = q.status == MemberStatus::Active;
    let _ = write!(
        out,
        r#"<table class="members" data-account="{}" data-active-login="{active}"><caption>{}</caption><thead><tr><td class="select"><input type="checkbox" aria-label="Select all users on this page" data-act="{}"></td>"#,
        q.account,
        text(&caption(q, page.role_label.as_deref())),
        act::SELECT_PAGE,
    );
    for &key in SortKey::ALL {
        sort_header(out, q, key);
    }
    out.push_str(
        r#"<th scope="col">Active Login</th><th scope="col"><span class="visually-hidden">Actions</span></th></tr></thead><tbody>"#,
    );
    for r in &page.rows {
        row(out, r, active);
    }
    out.push_str("</tbody></table>");
}

/// The table's heading: which members it lists.
fn caption(q: &MemberQuery, role_label: Option<&str>) -> String {
    let mut c = match role_label {
        Some(label) => format!("Users with role {label}"),
        None => "Users".to_string(),
    };
    if q.status == MemberStatus::Inactive {
        c = format!("Inactive {}", c.to_lowercase());
    }
    if !q.search.is_empty() {
        c.push_str(&format!(" matching \u{201c}{}\u{201d}", q.search));
    }
    c
}

/// A column header that sorts by its column (again to reverse) and says how the table
/// is sorted through `aria-sort`; Name and Email also hold their column filter's button.
fn sort_header(out: &mut String, q: &MemberQuery, key: SortKey) {
    let sorted = q.sort == key;
    let (aria, arrow) = match (sorted, q.dir) {
        (false, _) => ("none", ""),
        (true, SortDir::Asc) => ("ascending", " ▲"),
        (true, SortDir::Desc) => ("descending", " ▼"),
    };
    let _ = write!(
        out,
        r#"<th scope="col" aria-sort="{aria}"><span class="th-inner"><a href="{}" class="sort">{}<span aria-hidden="true">{arrow}</span></a>"#,
        attr(&q.sorted_by(key).href()),
        key.label(),
    );
    let filter = match key {
        SortKey::Name => Some((FilterColumn::Name, !q.names.is_empty())),
        SortKey::Email => Some((FilterColumn::Email, !q.emails.is_empty())),
        _ => None,
    };
    if let Some((column, on)) = filter {
        let label = column.label();
        let _ = write!(
            out,
            r#"<span class="filter"><button type="button" class="icon filter-btn{}" aria-haspopup="dialog" aria-expanded="false" aria-label="Filter {label}" title="Filter {label}" data-act="{}" data-column="{}"><svg viewBox="0 0 16 16" width="14" height="14" aria-hidden="true" focusable="false"><path d="M1 2h14l-5.5 6.5V14l-3-1.5V8.5z" fill="currentColor"></path></svg></button></span>"#,
            if on { " on" } else { "" },
            act::FILTER,
            column.as_str(),
        );
    }
    out.push_str("</span></th>");
}

/// A row of a list of active members (`active`) or of inactive ones. Its checkbox starts
/// unchecked and its menu closed; the page sets them once live.
fn row(out: &mut String, r: &MemberRow, active: bool) {
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

#[cfg(test)]
mod tests {
    use super::*;

    fn member(name: &str, email: &str, registered: bool) -> MemberRow {
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

    fn page(rows: Vec<MemberRow>) -> MemberPage {
        MemberPage { rows, next: None, prev: None, role_label: None, window: None }
    }

    fn row_html(r: &MemberRow, active: bool) -> String {
        let mut out = String::new();
        row(&mut out, r, active);
        out
    }

    #[test]
    fn names_and_emails_are_text_never_markup() {
        let html = row_html(&member(r#"<b>Eve</b> "the" & co"#, "eve<x>@example.org", true), true);
        assert!(html.contains("&lt;b&gt;Eve&lt;/b&gt; \"the\" &amp; co</button>"), "{html}");
        assert!(html.contains(r#"aria-label="Select &lt;b&gt;Eve&lt;/b&gt; &quot;the&quot; &amp; co""#), "{html}");
        assert!(html.contains("eve&lt;x&gt;@example.org"), "{html}");
        assert!(!html.contains("<b>") && !html.contains("<x>"), "{html}");
    }

    #[test]
    fn a_row_says_what_each_control_does_and_for_whom() {
        let html = row_html(&member("Ada Lovelace", "ada@example.org", false), false);
        assert!(html.starts_with(r#"<tr data-id="7">"#), "{html}");
        for act in [act::SELECT, act::DETAILS, act::INVITE, act::LOGIN, act::MENU] {
            assert!(html.contains(&format!(r#"data-act="{act}""#)), "{act}: {html}");
        }
        assert!(html.contains(r#"aria-checked="false""#), "{html}");
        assert!(html.contains("<td>2025-12-06</td>"), "{html}");
        assert!(html.contains(r#"id="actions-7" aria-haspopup="menu" aria-expanded="false""#), "{html}");
        // Registered members are not offered an invitation.
        assert!(!row_html(&member("Ada", "ada@example.org", true), true).contains(act::INVITE));
    }

    #[test]
    fn headers_sort_and_say_how_the_table_is_sorted() {
        let q = MemberQuery::new(5);
        let html = member_list(&q, &page(vec![member("Ada", "ada@example.org", true)]));
        assert!(
            html.contains(
                r#"<table class="members" data-account="5" data-active-login="true"><caption>Users</caption>"#
            ),
            "{html}"
        );
        // Sorted by name, ascending: its header flips the direction, the others start one.
        let by_name = q.sorted_by(SortKey::Name).href();
        assert!(
            html.contains(&format!(
                r#"<th scope="col" aria-sort="ascending"><span class="th-inner"><a href="{}" class="sort">Name<span aria-hidden="true"> ▲</span></a><span class="filter">"#,
                attr(&by_name)
            )),
            "{html}"
        );
        assert!(by_name.contains("dir=desc"), "{by_name}");
        assert!(html.contains(r#"aria-sort="none""#), "{html}");
        assert!(html.contains(r#"aria-label="Filter Email""#) && html.contains(r#"data-column="email""#), "{html}");
        assert!(!html.contains("filter-btn on"), "{html}");
        // One page only: both neighbours are shown disabled.
        assert!(html.ends_with(
            r#"<nav class="pager" aria-label="Pages"><span class="disabled" aria-disabled="true">Previous</span><span class="disabled" aria-disabled="true">Next</span></nav>"#
        ));
    }

    #[test]
    fn the_caption_is_text_and_says_what_is_listed() {
        let q = MemberQuery {
            status: MemberStatus::Inactive,
            names: vec!["Ada".into()],
            ..MemberQuery::new(5).with_search("<i>x".into())
        };
        let mut p = page(vec![member("Ada", "ada@example.org", true)]);
        p.role_label = Some("Admin".into());
        let html = member_list(&q, &p);
        assert!(html.contains("<caption>Inactive users with role admin matching “&lt;i&gt;x”</caption>"), "{html}");
        assert!(html.contains(r#"data-active-login="false""#), "{html}");
        assert!(html.contains("icon filter-btn on"), "{html}");
    }

    #[test]
    fn an_empty_view_offers_to_clear_it_and_an_empty_stretch_to_look_further() {
        let q = MemberQuery::new(5).with_search("zz".into());
        let html = member_list(&q, &page(vec![]));
        assert!(html.contains("No users match this view."), "{html}");
        assert!(html.contains(r#"<a href="/accounts/5/users">Clear search and filters</a>"#), "{html}");
        assert!(!html.contains("<table"), "{html}");

        let mut stretch = page(vec![]);
        stretch.window = Some(2_000);
        stretch.next = Some(crate::model::Cursor { key: crate::model::CursorKey::Text("m".into()), id: 9 });
        let html = member_list(&q, &stretch);
        assert!(
            html.starts_with(r#"<p class="hint">One or two characters look through 2,000 users per page"#),
            "{html}"
        );
        assert!(html.contains("None of the users in this stretch match."), "{html}");
        assert!(html.contains(r#"rel="next">Next</a>"#), "{html}");
    }
}
