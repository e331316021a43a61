use std::fmt::Write;

use html_escape::{encode_double_quoted_attribute as attr, encode_text as text};
use leptos::prelude::*;
use leptos_router::hooks::use_navigate;
use wasm_bindgen::JsCast;

use crate::model::{ListView, MemberQuery, MemberStatus, Overview};

/// Account overview (SPEC F2): members per role, each a link that filters the list to
/// that role, and the "Show inactive" switch. One piece of HTML, as nothing in it is
/// live: the router follows its links, and the switch (a form that works without
/// JavaScript) goes to the list it names in `data-href`.
#[component]
pub fn OverviewPanel(overview: Overview, query: MemberQuery) -> impl IntoView {
    let navigate = use_navigate();
    let on_change = move |ev: leptos::ev::Event| {
        let href =
            ev.target().and_then(|t| t.dyn_into::<web_sys::Element>().ok()).and_then(|e| e.get_attribute("data-href"));
        if let Some(href) = href {
            navigate(&href, Default::default());
        }
    };
    view! {
        <section
            class="overview"
            aria-labelledby="overview-title"
            inner_html=panel_html(&overview, &query)
            on:change=on_change
        ></section>
    }
}

fn panel_html(overview: &Overview, query: &MemberQuery) -> String {
    let inactive = query.status == MemberStatus::Inactive;
    let toggled = MemberQuery {
        status: if inactive { MemberStatus::Active } else { MemberStatus::Inactive },
        ..query.first_page()
    };
    let mut out = String::from(r#"<h2 id="overview-title">Account overview</h2><ul class="role-counts">"#);
    out.push_str(&role_counts_html(overview, query));
    let _ = write!(
        out,
        r#"</ul><form method="get" class="inactive-switch"><input type="hidden" name="status" value="{}"><label><input type="checkbox" role="switch"{} data-href="{}">Show inactive ({})</label><noscript><button type="submit" class="secondary">Apply</button></noscript></form>"#,
        if inactive { "active" } else { "inactive" },
        if inactive { " checked" } else { "" },
        attr(&toggled.href()),
        overview.inactive,
    );
    out
}

/// "All users" and the count of each role, each a link to the list filtered to it: one
/// piece of HTML, as it has nothing live (the router follows its links).
fn role_counts_html(overview: &Overview, query: &MemberQuery) -> String {
    let mut out = String::with_capacity(256 * (overview.roles.len() + 1));
    let all = MemberQuery { role: None, ..query.first_page() };
    role_link(&mut out, &all.href(), "All users", overview.account.members, query.role.is_none());
    for rc in &overview.roles {
        let selected = query.role.as_deref() == Some(rc.role.key.as_str());
        let href = MemberQuery { role: Some(rc.role.key.clone()), ..query.first_page() }.href();
        role_link(&mut out, &href, &rc.role.label, rc.count, selected);
    }
    out
}

fn role_link(out: &mut String, href: &str, label: &str, count: i64, selected: bool) {
    let current = if selected { r#" aria-current="true" class="selected""# } else { "" };
    let _ = write!(
        out,
        r#"<li><a href="{}"{current}><span class="role">{}</span><span class="count">{count}</span></a></li>"#,
        attr(href),
        text(label),
    );
}

/// The active column filters of the list's view as removable chips (links to the list
/// without them).
#[component]
pub fn FilterChips(query: Memo<Option<MemberQuery>>) -> impl IntoView {
    let html = move || query.with(|q| q.as_ref().map(chips_html).unwrap_or_default());
    view! { <div class="chips-host" inner_html=html></div> }
}

fn chips_html(query: &MemberQuery) -> String {
    let mut chips = String::new();
    for n in &query.names {
        let without =
            MemberQuery { names: query.names.iter().filter(|x| *x != n).cloned().collect(), ..query.first_page() };
        chip(&mut chips, "Name", n, &without.href());
    }
    for e in &query.emails {
        let without =
            MemberQuery { emails: query.emails.iter().filter(|x| *x != e).cloned().collect(), ..query.first_page() };
        chip(&mut chips, "Email", e, &without.href());
    }
    if chips.is_empty() {
        return chips;
    }
    format!(r#"<ul class="chips" aria-label="Active filters">{chips}</ul>"#)
}

fn chip(out: &mut String, column: &str, value: &str, href: &str) {
    let _ = write!(
        out,
        r#"<li><a class="chip" href="{}" aria-label="Remove filter {column}: {}">{column}: {}<span aria-hidden="true"> ×</span></a></li>"#,
        attr(href),
        attr(value),
        text(value),
    );
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::AccountSummary;

    #[test]
    fn a_chip_escapes_its_value_and_says_what_it_removes() {
        let mut out = String::new();
        chip(&mut out, "Name", "Zoë \"<Z>\"", "/accounts/1/users?name=x&amp;y");
        assert_eq!(
            out,
            r#"<li><a class="chip" href="/accounts/1/users?name=x&amp;amp;y" aria-label="Remove filter Name: Zoë &quot;&lt;Z&gt;&quot;">Name: Zoë "&lt;Z&gt;"<span aria-hidden="true"> ×</span></a></li>"#
        );
    }

    #[test]
    fn the_inactive_switch_says_where_it_goes() {
        let account = AccountSummary {
            id: 5,
            name: "Acme".into(),
            organisation: "Acme Ltd".into(),
            kind: "customer".into(),
            government_cloud: false,
            org_id: "A-1".into(),
            members: 3,
            supported_by: None,
        };
        let overview = Overview { account, roles: Vec::new(), inactive: 2, projects: Vec::new() };
        let active = panel_html(&overview, &MemberQuery::new(5));
        assert!(
            active.contains(r#"<input type="checkbox" role="switch" data-href="/accounts/5/users?status=inactive">Show inactive (2)</label>"#),
            "{active}"
        );
        let inactive = MemberQuery { status: MemberStatus::Inactive, ..MemberQuery::new(5) };
        let html = panel_html(&overview, &inactive);
        assert!(html.contains(r#"role="switch" checked data-href="/accounts/5/users""#), "{html}");
    }

    #[test]
    fn the_selected_role_is_marked_current() {
        let mut out = String::new();
        role_link(&mut out, "/a?role=x", "Admin & Co", 3, true);
        assert_eq!(
            out,
            r#"<li><a href="/a?role=x" aria-current="true" class="selected"><span class="role">Admin &amp; Co</span><span class="count">3</span></a></li>"#
        );
    }
}
