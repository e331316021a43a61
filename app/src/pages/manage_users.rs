use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::{use_params_map, use_query_map};

use crate::api::{get_account, list_accounts, list_members};
use crate::components::{
    account_picker::AccountPicker, error_view::ErrorView, member_table::MemberTable, pager::Pager,
    search_box::SearchBox,
};
use crate::error::AppError;
use crate::model::{MemberQuery, MemberStatus};

/// Manage Users: one account's members, searched, sorted and paged by the server. The
/// URL holds the whole view, so a reload or a shared link shows the same rows.
#[component]
pub fn ManageUsers() -> impl IntoView {
    let params = use_params_map();
    let query_map = use_query_map();
    // The view and the notices about any part of the URL that had to be replaced.
    let parsed = Memo::new(move |_| {
        let account = params.with(|p| p.get("account").and_then(|a| a.parse::<i64>().ok()))?;
        Some(query_map.with(|m| {
            MemberQuery::from_params(account, |k| m.get(k), |k| m.get_all(k).unwrap_or_default())
        }))
    });
    let query = Memo::new(move |_| parsed.get().map(|(q, _)| q));
    let notices = move || parsed.get().map(|(_, n)| n).unwrap_or_default();

    let account_id = Memo::new(move |_| query.get().map(|q| q.account));
    let account = Resource::new(
        move || account_id.get(),
        |id| async move {
            match id {
                Some(id) => get_account(id).await,
                None => Err(AppError::not_found("There is no such account.")),
            }
        },
    );
    let accounts = Resource::new(|| (), |_| list_accounts());
    let members = Resource::new(
        move || query.get(),
        |q| async move {
            match q {
                Some(q) => list_members(q.clone()).await.map(|page| (q, page)),
                None => Err(AppError::not_found("There is no such account.")),
            }
        },
    );
    let loading = RwSignal::new(false);

    view! {
        <Title text="Manage Users"/>
        <Transition fallback=|| view! { <p role="status">"Loading…"</p> }>
            <ErrorBoundary fallback=|errors| view! { <ErrorView errors/> }>
                {move || Suspend::new(async move {
                    let account = account.await?;
                    let accounts = accounts.await.unwrap_or_default();
                    Ok::<_, AppError>(view! {
                        <Title text=format!("Manage Users: {}", account.name)/>
                        <div class="page-head">
                            <div>
                                <p class="eyebrow">{account.organisation.clone()} " · Org ID " {account.org_id.clone()}</p>
                                <h1>{account.name.clone()}</h1>
                                <p>
                                    <a href="/help/manage-support-contacts">"Manage Support Contacts"</a>
                                </p>
                            </div>
                            <AccountPicker accounts current=account.id/>
                        </div>
                    })
                })}
            </ErrorBoundary>
        </Transition>
        {move || {
            let n = notices();
            (!n.is_empty()).then(|| view! {
                <div class="notice" role="status">
                    <ul>{n.into_iter().map(|m| view! { <li>{m}</li> }).collect_view()}</ul>
                </div>
            })
        }}
        <SearchBox query/>
        <section class="member-list" aria-busy=move || loading.get().to_string()>
            <Transition
                fallback=|| view! { <p role="status">"Loading users…"</p> }
                set_pending=loading.write_only()
            >
                <ErrorBoundary fallback=|errors| view! { <ErrorView errors/> }>
                    {move || Suspend::new(async move {
                        let (q, page) = members.await?;
                        let caption = caption(&q, page.role_label.as_deref());
                        let body = if page.rows.is_empty() {
                            let clear = MemberQuery::new(q.account).href();
                            view! {
                                <div class="empty" role="status">
                                    <p>{if q.is_filtered() { "No users match this view." } else { "This account has no users in this list." }}</p>
                                    {q.is_filtered().then(|| view! { <a href=clear>"Clear search and filters"</a> })}
                                </div>
                            }
                            .into_any()
                        } else {
                            view! {
                                <MemberTable query=q.clone() page=page.clone() caption/>
                                <Pager query=q page/>
                            }
                            .into_any()
                        };
                        Ok::<_, AppError>(body)
                    })}
                </ErrorBoundary>
            </Transition>
        </section>
    }
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
