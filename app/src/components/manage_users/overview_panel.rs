use leptos::prelude::*;
use leptos_router::hooks::use_navigate;

use crate::model::{ListView, MemberQuery, MemberStatus, Overview};

/// Account overview (SPEC F2): members per role, each a link that filters the list to
/// that role, and the "Show inactive" switch.
#[component]
pub fn OverviewPanel(overview: Overview, query: MemberQuery) -> impl IntoView {
    let navigate = use_navigate();
    let all = MemberQuery { role: None, ..query.first_page() };
    let inactive = query.status == MemberStatus::Inactive;
    let toggled = MemberQuery {
        status: if inactive { MemberStatus::Active } else { MemberStatus::Inactive },
        ..query.first_page()
    };
    let toggled_href = toggled.href();
    let on_toggle = move |_| navigate(&toggled_href, Default::default());
    let roles = overview
        .roles
        .iter()
        .map(|rc| {
            let selected = query.role.as_deref() == Some(rc.role.key.as_str());
            let href = MemberQuery { role: Some(rc.role.key.clone()), ..query.first_page() }.href();
            view! {
                <li>
                    <a href=href aria-current=selected.then_some("true") class:selected=selected>
                        <span class="role">{rc.role.label.clone()}</span>
                        <span class="count">{rc.count}</span>
                    </a>
                </li>
            }
        })
        .collect_view();
    view! {
        <section class="overview" aria-labelledby="overview-title">
            <h2 id="overview-title">"Account overview"</h2>
            <ul class="role-counts">
                <li>
                    <a href=all.href() aria-current=query.role.is_none().then_some("true") class:selected=query.role.is_none()>
                        <span class="role">"All users"</span>
                        <span class="count">{overview.account.members}</span>
                    </a>
                </li>
                {roles}
            </ul>
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

/// The active column filters as removable chips.
#[component]
pub fn FilterChips(query: MemberQuery) -> impl IntoView {
    let mut chips = Vec::new();
    for n in &query.names {
        let without =
            MemberQuery { names: query.names.iter().filter(|x| *x != n).cloned().collect(), ..query.first_page() };
        chips.push(("Name", n.clone(), without.href()));
    }
    for e in &query.emails {
        let without =
            MemberQuery { emails: query.emails.iter().filter(|x| *x != e).cloned().collect(), ..query.first_page() };
        chips.push(("Email", e.clone(), without.href()));
    }
    (!chips.is_empty()).then(|| {
        view! {
            <ul class="chips" aria-label="Active filters">
                {chips
                    .into_iter()
                    .map(|(col, v, href)| {
                        let label = format!("Remove filter {col}: {v}");
                        view! {
                            <li>
                                <a class="chip" href=href aria-label=label>
                                    {col} ": " {v} <span aria-hidden="true">" ×"</span>
                                </a>
                            </li>
                        }
                    })
                    .collect_view()}
            </ul>
        }
    })
}
