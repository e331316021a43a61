use std::collections::BTreeSet;

use crate::components::page_title::PageTitle;
use leptos::prelude::*;
use leptos_router::hooks::{use_params_map, use_query_map};

use crate::api::{account_overview, get_account_head, list_members};
use crate::components::error_view::ErrorView;
use crate::components::manage_users::{
    account_picker::AccountPicker,
    add_member_dialog::AddMemberDialog,
    bulk_actions::{BulkBar, BulkDialog, BulkKind},
    invite_dialog::InviteDialog,
    member_dialogs::{MemberDetailsDialog, RemoveMemberDialog, SetActiveDialog, UpdateMemberDialog},
    member_table::MemberTable,
    new_contact_dialog::NewContactDialog,
    overview_panel::{FilterChips, OverviewPanel},
    state::{DialogKind, ManageUsersUi},
};
use crate::components::table::{pager::Pager, search_box::SearchBox};
use crate::components::toast::{ToastRegion, Toasts};
use crate::error::AppError;
use crate::model::{thousands, ListView, MemberPage, MemberQuery, MemberStatus, Overview};
use crate::page_data::{page_data, PageData};

/// Manage Users: one account's members, searched, filtered, sorted and paged by the
/// server, with the administrator's actions. The URL holds the whole view, so a reload
/// or a shared link shows the same rows.
#[component]
pub fn ManageUsers() -> impl IntoView {
    let params = use_params_map();
    let query_map = use_query_map();
    // The view and the notices about any part of the URL that had to be replaced.
    let parsed = Memo::new(move |_| {
        let account = params.with(|p| p.get("account").and_then(|a| a.parse::<i64>().ok()))?;
        Some(query_map.with(|m| MemberQuery::from_params(account, |k| m.get(k), |k| m.get_all(k).unwrap_or_default())))
    });
    let query = Memo::new(move |_| parsed.get().map(|(q, _)| q));
    let notices = move || parsed.get().map(|(_, n)| n).unwrap_or_default();

    let account_id = Memo::new(move |_| query.get().map(|q| q.account));
    let missing = || AppError::not_found("There is no such account.");
    // The head (the account and those its administrator may switch to) in one call.
    let head = page_data(
        move || account_id.get(),
        move |id| async move {
            match id {
                Some(id) => get_account_head(id).await,
                None => Err(missing()),
            }
        },
    );
    let overview = page_data(
        move || account_id.get(),
        move |id| async move {
            match id {
                Some(id) => account_overview(id).await,
                None => Err(missing()),
            }
        },
    );
    // The same data for the dialogs, which must not be rebuilt when the counts reload.
    // Dialogs open only in the browser: the server neither reads nor sends it.
    let dialog_data = LocalResource::new(move || async move {
        match account_id.get() {
            Some(id) => account_overview(id).await,
            None => Err(missing()),
        }
    });
    let members = page_data(
        move || query.get(),
        move |q| async move {
            match q {
                Some(q) => list_members(q.clone()).await.map(|page| (q, page)),
                None => Err(missing()),
            }
        },
    );
    let loading = RwSignal::new(false);
    Toasts::provide();
    let ui = ManageUsersUi {
        query,
        dialog: RwSignal::new(None),
        menu: RwSignal::new(None),
        selected: RwSignal::new(BTreeSet::new()),
        all_matching: RwSignal::new(false),
        refresh: Callback::new(move |_| {
            members.refetch();
            overview.refetch();
        }),
    };
    provide_context(ui);
    // A new account or a new filter starts a new selection.
    Effect::new(move |prev: Option<Option<MemberQuery>>| {
        let q = query.get().map(|q| q.first_page());
        if prev.is_some_and(|p| p != q) {
            ui.clear_selection();
        }
        q
    });

    // The code of the dialogs, the column filters' popover and the bulk bar is fetched
    // once a pointer or the keyboard comes to the list and its controls, so that the
    // first one wanted seldom waits for it.
    let warmed = StoredValue::new(false);
    let warm_dialogs = move || {
        if !warmed.get_value() {
            warmed.set_value(true);
            let _ = lazy_preload!(dialog_view);
            crate::components::manage_users::column_filter::warm();
            crate::components::manage_users::bulk_actions::warm();
        }
    };

    view! {
        <PageTitle text="Manage Users"/>
        <ToastRegion/>
        <Transition fallback=|| view! { <p role="status">"Loading…"</p> }>
            <ErrorBoundary fallback=|errors| view! { <ErrorView errors/> }>
                {move || Suspend::new(async move {
                    let (account, accounts) = head.await?;
                    let id = account.id;
                    Ok::<_, AppError>(view! {
                        <PageTitle text=format!("Manage Users: {}", account.name)/>
                        <div class="page-head">
                            <div>
                                <p class="eyebrow">{account.organisation.clone()} " · Org ID " {account.org_id.clone()}</p>
                                <h1>{account.name.clone()}</h1>
                                <p>
                                    <a href="/help/manage-support-contacts">"Manage Support Contacts"</a>
                                </p>
                            </div>
                            <AccountPicker accounts current=id/>
                        </div>
                        {account.supported_by.clone().map(|partner| view! {
                            <p class="notice">
                                {format!(
                                    "{partner} supports this deployment: only its people have portal access here. \
                                     Members of {}'s own keep their roles, without access, until the support ends.",
                                    account.organisation,
                                )}
                            </p>
                        })}
                        <Notices notices=Signal::derive(notices)/>
                        <div class="layout">
                            <aside>
                                <Transition fallback=|| view! { <p role="status">"Loading overview…"</p> }>
                                    {move || Suspend::new(async move {
                                        let o = overview.await.ok()?;
                                        let q = query.get()?;
                                        Some(view! { <OverviewPanel overview=o query=q/> })
                                    })}
                                </Transition>
                            </aside>
                            <div class="main-column" on:pointerover=move |_| warm_dialogs() on:focusin=move |_| warm_dialogs()>
                                <Toolbar account=id/>
                                <SearchBox query placeholder="Name or email"/>
                                {move || query.get().map(|q| view! { <FilterChips query=q/> })}
                                <BulkBar/>
                                <MemberList members loading/>
                            </div>
                        </div>
                        <DialogHost overview=dialog_data/>
                    })
                })}
            </ErrorBoundary>
        </Transition>
    }
}

/// Add, invite, export and audit links above the list.
#[component]
fn Toolbar(account: i64) -> impl IntoView {
    let ui = crate::components::manage_users::state::use_ui();
    let export = move |ext: &str| {
        let q = ui.query.get().map(|q| q.first_page().to_query()).unwrap_or_default();
        format!("/accounts/{account}/users/export.{ext}?{q}")
    };
    view! {
        <div class="toolbar">
            <button type="button" on:click=move |_| ui.open(DialogKind::Add)>"+ Add new user"</button>
            <button type="button" class="secondary" on:click=move |_| ui.open(DialogKind::Invite)>"+ Invite New Users"</button>
            <button type="button" class="secondary" on:click=move |_| ui.open(DialogKind::NewContact)>"New Contact"</button>
            <a class="button secondary" href=move || export("xlsx") download="" rel="external">"Export to Excel"</a>
            <a class="button secondary" href=move || export("csv") download="" rel="external">"Export CSV"</a>
            <a href=format!("/accounts/{account}/invitations")>"Invitations"</a>
            <a href=format!("/accounts/{account}/audit")>"View audit history"</a>
            <a href=format!("/accounts/{account}/api-tokens")>"API tokens"</a>
            <a href=format!("/accounts/{account}/import")>"Import CSV"</a>
        </div>
    }
}

/// Renders the open dialog, if any. Those that act on one member open at once; the
/// others need the account's overview (its roles and counts), which the browser loads
/// once the page is live, and open as soon as it is there. (They waited for it in a
/// `Suspense` before, which did not wake when the overview came after the click: on a
/// slow server, a click soon after the page loaded opened nothing.)
#[component]
fn DialogHost(overview: LocalResource<Result<Overview, AppError>>) -> impl IntoView {
    let ui = crate::components::manage_users::state::use_ui();
    move || {
        let d = ui.dialog.get()?;
        let account = ui.query.with_untracked(|q| q.as_ref().map(|q| q.account))?;
        // Read only by the dialogs that need it: the others must not be rebuilt when it comes.
        let overview = if d.needs_overview() { Some(overview.get().and_then(Result::ok)?) } else { None };
        Some(Suspend::new(async move { dialog_view(d, account, overview).await }))
    }
}

/// The dialog for `d`. Its code is not in the WASM the page loads first: `cargo leptos build
/// --split` puts the dialogs in a file of their own, which the page fetches only when one
/// may be wanted (`warm_dialogs`, or the first one opened), since most visits open none.
#[lazy]
fn dialog_view(d: DialogKind, account: i64, overview: Option<Overview>) -> Option<AnyView> {
    Some(match d {
        DialogKind::Details { membership } => view! { <MemberDetailsDialog account membership/> }.into_any(),
        DialogKind::Remove { membership, name } => view! { <RemoveMemberDialog account membership name/> }.into_any(),
        DialogKind::SetActive { membership, name, active } => {
            view! { <SetActiveDialog account membership name active/> }.into_any()
        }
        DialogKind::Add => view! { <AddMemberDialog overview=overview?/> }.into_any(),
        DialogKind::Invite => view! { <InviteDialog overview=overview?/> }.into_any(),
        DialogKind::NewContact => view! { <NewContactDialog overview=overview?/> }.into_any(),
        DialogKind::Update { membership } => view! { <UpdateMemberDialog overview=overview? membership/> }.into_any(),
        DialogKind::BulkRoles => view! { <BulkDialog overview=overview? kind=BulkKind::Roles/> }.into_any(),
        DialogKind::BulkDeactivate => view! { <BulkDialog overview=overview? kind=BulkKind::Deactivate/> }.into_any(),
        DialogKind::BulkRemove => view! { <BulkDialog overview=overview? kind=BulkKind::Remove/> }.into_any(),
    })
}

/// What had to be replaced in a mangled URL.
#[component]
fn Notices(notices: Signal<Vec<String>>) -> impl IntoView {
    move || {
        let n = notices.get();
        (!n.is_empty()).then(|| {
            view! {
                <div class="notice" role="status">
                    <ul>{n.into_iter().map(|m| view! { <li>{m}</li> }).collect_view()}</ul>
                </div>
            }
        })
    }
}

type MembersResource = PageData<Result<(MemberQuery, MemberPage), AppError>>;

/// The table with its pager, or the empty state; keeps showing the current rows while
/// the next ones load.
#[component]
fn MemberList(members: MembersResource, loading: RwSignal<bool>) -> impl IntoView {
    view! {
        <section class="member-list" aria-busy=move || loading.get().to_string()>
            <Transition
                fallback=|| view! { <p role="status">"Loading users…"</p> }
                set_pending=loading.write_only()
            >
                <ErrorBoundary fallback=|errors| view! { <ErrorView errors/> }>
                    {move || Suspend::new(async move {
                        let (q, page) = members.await?;
                        let caption = caption(&q, page.role_label.as_deref());
                        // A one- or two-character search looks at a stretch of members
                        // per page: said, so that a short or empty page is not read as
                        // the end of the list.
                        let window_note = page.window.map(|n| view! {
                            <p class="hint">
                                {format!(
                                    "One or two characters look through {} users per page; type a third to search every user at once.",
                                    thousands(u64::from(n)),
                                )}
                            </p>
                        });
                        let stretch_empty = page.rows.is_empty()
                            && page.window.is_some()
                            && (page.next.is_some() || page.prev.is_some());
                        let body = if stretch_empty {
                            view! {
                                <div class="empty" role="status">
                                    <p>"None of the users in this stretch match. “Next” looks further."</p>
                                </div>
                                <Pager query=q prev=page.prev next=page.next/>
                            }
                            .into_any()
                        } else if page.rows.is_empty() {
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
                                <div class="table-wrap" role="region" aria-label="Users" tabindex="0">
                                    <MemberTable query=q.clone() page=page.clone() caption/>
                                </div>
                                <Pager query=q prev=page.prev next=page.next/>
                            }
                            .into_any()
                        };
                        Ok::<_, AppError>(view! { {window_note} {body} })
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
