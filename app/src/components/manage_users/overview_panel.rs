use std::fmt::Write;

use html_escape::{encode_double_quoted_attribute as attr, encode_text as text};
use leptos::prelude::*;
use leptos_router::hooks::use_navigate;

use crate::model::{ListView, MemberQuery, MemberStatus, Overview};

/// Account overview (SPEC F2): members per role, each a link that filters the list to
/// that role, and the "Show inactive" switch.
#[component]
pub fn OverviewPanel(overview: Overview, query: MemberQuery) -> impl IntoView {
    let navigate = use_navigate();
    let inactive = query.status == MemberStatus::Inactive;
    let toggled = MemberQuery {
        status: if inactive { MemberStatus::Active } else { MemberStatus::Inactive },
        ..query.first_page()
    };
    let toggled_href = toggled.href();
    let on_toggle = move |_| navigate(&toggled_href, Default::default());
    view! {
        <section class="overview" aria-labelledby="overview-title">
            <h2 id="overview-title">"Account overview"</h2>
            <ul class="role-counts" inner_html=role_counts_html(&overview, &query)></ul>
            <form method="get" class="inactive-switch">
                <input type="hidden" name="status" value=if inactive { "active" } else { "inactive" }/>
                <label>
                    <input type="checkbox" role="switch" prop:checked=inactive on:change=on_toggle/>
                    "Show inactive (" {overview.inactive} ")"
                </label>
                <noscript><button type="submit" class="secondary">"Apply"</button></noscript>
            </form>
        </section>
    }
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

/// The active column filters as removable chips (links to the list without them).
#[component]
pub fn FilterChips(query: MemberQuery) -> impl IntoView {
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
    (!chips.is_empty()).then(|| view! { <ul class="chips" aria-label="Active filters" inner_html=chips></ul> })
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
    fn the_selected_role_is_marked_current() {
        let mut out = String::new();
        role_link(&mut out, "/a?role=x", "Admin & Co", 3, true);
        assert_eq!(
            out,
            r#"<li><a href="/a?role=x" aria-current="true" class="selected"><span class="role">Admin &amp; Co</span><span class="count">3</span></a></li>"#
        );
    }
}
