use leptos::prelude::*;

use super::column_filter::ColumnFilter;
use super::row_actions::row_actions;
use super::state::{use_ui, DialogKind};
use crate::components::table::sort_header::SortHeader;
use crate::components::toast::{use_toasts, Toasts};
use crate::model::{format_date, FilterColumn, MemberPage, MemberQuery, SortColumn, SortKey};

/// The Manage Users table, with sortable column headers (`SortHeader`).
#[component]
pub fn MemberTable(query: MemberQuery, page: MemberPage, caption: String) -> impl IntoView {
    let ui = use_ui();
    let toasts = use_toasts();
    let header = |key: SortKey| {
        let filter = match key {
            SortKey::Name => Some(FilterColumn::Name),
            SortKey::Email => Some(FilterColumn::Email),
            _ => None,
        };
        let q = query.clone();
        match filter {
            Some(column) => view! {
                <SortHeader query=query.clone() key>
                    <ColumnFilter column query=q.clone()/>
                </SortHeader>
            }
            .into_any(),
            None => view! { <SortHeader query=query.clone() key/> }.into_any(),
        }
    };
    let page_ids: Vec<i64> = page.rows.iter().map(|r| r.membership_id).collect();
    let ids_for_all = page_ids.clone();
    let all_on_page = move || {
        ui.all_matching.get()
            || ui.selected.with(|s| !ids_for_all.is_empty() && ids_for_all.iter().all(|i| s.contains(i)))
    };
    let toggle_page = move |ev: leptos::ev::Event| {
        let on = event_target_checked(&ev);
        ui.all_matching.set(false);
        ui.selected.update(|s| {
            for id in &page_ids {
                if on {
                    s.insert(*id);
                } else {
                    s.remove(id);
                }
            }
        });
    };
    let rows = page
        .rows
        .into_iter()
        .map(|r| {
            let id = r.membership_id;
            let last = format_date(r.last_sign_in_at).unwrap_or_else(|| "Never".into());
            let name = r.name.clone();
            let select_label = format!("Select {}", r.name);
            let checked = move || ui.all_matching.get() || ui.selected.with(|s| s.contains(&id));
            let on_select = move |ev: leptos::ev::Event| {
                let on = event_target_checked(&ev);
                ui.all_matching.set(false);
                ui.selected.update(|s| {
                    if on {
                        s.insert(id);
                    } else {
                        s.remove(&id);
                    }
                });
            };
            let open_details = move |_| ui.open(DialogKind::Details { membership: id });
            let invite_name = r.name.clone();
            let invite = (!r.registered).then(|| invite_to_community(toasts, query.account, id, invite_name));
            let login_label = format!("Active Login for {}", r.name);
            let toggle_name = r.name.clone();
            let active_login = query.status == crate::model::MemberStatus::Active;
            let toggle_login = move |_| {
                ui.open(DialogKind::SetActive { membership: id, name: toggle_name.clone(), active: !active_login })
            };
            view! {
                <tr>
                    <td class="select">
                        <input type="checkbox" aria-label=select_label prop:checked=checked on:change=on_select/>
                    </td>
                    <th scope="row">
                        <button type="button" class="link" on:click=open_details>{r.name}</button>
                    </th>
                    <td>
                        {r.email}
                        {invite}
                    </td>
                    <td class="num">{r.additional_roles}</td>
                    <td>
                        <span class=if r.active { "badge ok" } else { "badge muted" }>
                            {if r.active { "Active" } else { "Inactive" }}
                        </span>
                    </td>
                    <td>{last}</td>
                    <td class="num">{r.cases_owned}</td>
                    <td>
                        <button
                            type="button"
                            role="switch"
                            class="switch"
                            aria-checked=active_login.to_string()
                            aria-label=login_label
                            on:click=toggle_login
                        >
                            <span class="knob" aria-hidden="true"></span>
                        </button>
                    </td>
                    <td class="actions">
                        {row_actions(ui, id, name, active_login)}
                    </td>
                </tr>
            }
        })
        .collect_view();
    view! {
        <table class="members">
            <caption>{caption}</caption>
            <thead>
                <tr>
                    <td class="select">
                        <input
                            type="checkbox"
                            aria-label="Select all users on this page"
                            prop:checked=all_on_page
                            on:change=toggle_page
                        />
                    </td>
                    {SortKey::ALL.iter().copied().map(header).collect_view()}
                    <th scope="col">"Active Login"</th>
                    <th scope="col"><span class="visually-hidden">"Actions"</span></th>
                </tr>
            </thead>
            <tbody>{rows}</tbody>
        </table>
    }
}

/// "Invite to Community" (SPEC F15) in the row of a contact who has not registered: sends
/// them an invitation for the membership they have in `account`, the account of the list
/// that shows the row. A plain function, like the rows' other parts: no component of its
/// own to set up for each row the server renders.
fn invite_to_community(toasts: Toasts, account: i64, membership: i64, name: String) -> impl IntoView {
    let busy = RwSignal::new(false);
    let label = format!("Invite to Community: {name}");
    let invite = move |_| {
        busy.set(true);
        leptos::task::spawn_local(async move {
            match crate::api::invite_to_community(account, crate::model::MembershipId(membership)).await {
                Ok(message) => toasts.ok(message),
                Err(e) => toasts.error(e.to_string()),
            }
            busy.set(false);
        });
    };
    view! {
        <span class="not-registered">
            " · Not registered "
            <button type="button" class="link small" aria-label=label disabled=move || busy.get() on:click=invite>
                "Invite to Community"
            </button>
        </span>
    }
}
