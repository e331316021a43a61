use std::collections::BTreeSet;

use crate::components::page_title::PageTitle;
use leptos::either::Either;
use leptos::prelude::*;
use leptos_router::hooks::{use_params_map, use_query_map};

use crate::api::{account_overview, get_account_head, member_list};
use crate::components::error_view::ErrorAlert;
use crate::components::manage_users::{
    account_picker::AccountPicker,
    add_member_dialog::AddMemberDialog,
    bulk_actions::{BulkBar, BulkDialog, BulkKind},
    invite_dialog::InviteDialog,
    member_dialogs::{MemberDetailsDialog, RemoveMemberDialog, SetActiveDialog, UpdateMemberDialog},
    member_table::{all, MemberTable},
    new_contact_dialog::NewContactDialog,
    overview_panel::{FilterChips, OverviewPanel},
    state::{DialogKind, ManageUsersUi},
};
use crate::components::table::search_box::SearchBox;
use crate::components::toast::{ToastRegion, Toasts};
use crate::error::AppError;
use html_escape::encode_double_quoted_attribute as attr;
use wasm_bindgen::JsCast;

use crate::model::{ListView, MemberQuery, Overview};
use crate::page_data::{page_data, rendered_html, RenderedHtml};

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
    let members = rendered_html(
        move || query.get(),
        move |q| async move {
            match q {
                Some(q) => member_list(q).await,
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
        // The page's one boundary: the overview and the list below suspend inside it, so a
        // new view keeps the rows shown until the next ones are there (`loading` meanwhile).
        // Boundaries of their own (with their fallbacks and error views) were a tenth of
        // the page's code; errors are shown where they are met (`ErrorAlert`), without an
        // `ErrorBoundary`, whose code was another seventh.
        <Transition fallback=|| view! { <p role="status">"Loading…"</p> } set_pending=loading.write_only()>
            {move || Suspend::new(async move {
                let (account, accounts) = match head.await {
                    Ok(head) => head,
                    Err(error) => return Either::Right(view! { <ErrorAlert error/> }),
                };
                // The overview and the list suspend in this boundary, without one of
                // their own: on the server they are awaited here, so that the page is
                // written with them. One met unresolved while the page is written
                // leaves a placeholder, where the browser, hydrating with their data at
                // hand, expects their elements.
                #[cfg(feature = "ssr")]
                {
                    let _ = overview.await;
                    let _ = members.await;
                }
                let id = account.id;
                Either::Left(view! {
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
                            {move || Suspend::new(async move {
                                let o = overview.await.ok()?;
                                let q = query.get()?;
                                Some(view! { <OverviewPanel overview=o query=q/> })
                            })}
                        </aside>
                        <div class="main-column" on:pointerover=move |_| warm_dialogs() on:focusin=move |_| warm_dialogs()>
                            <Toolbar account=id/>
                            <SearchBox query placeholder="Name or email"/>
                            <FilterChips query/>
                            <BulkBar/>
                            <MemberList members loading/>
                        </div>
                    </div>
                    <DialogHost overview=dialog_data/>
                })
            })}
        </Transition>
    }
}

/// Add, invite, export and audit links above the list: HTML, as the buttons only open
/// dialogs (named in `data-dialog`) and the export links follow the list's view.
#[component]
fn Toolbar(account: i64) -> impl IntoView {
    let ui = crate::components::manage_users::state::use_ui();
    let toolbar = NodeRef::<leptos::html::Div>::new();
    let initial = ui.query.get_untracked().unwrap_or_else(|| MemberQuery::new(account));
    Effect::new(move |_| {
        let Some(q) = ui.query.get() else { return };
        for link in all(toolbar.get(), "[data-export]") {
            let ext = link.get_attribute("data-export").unwrap_or_default();
            let _ = link.set_attribute("href", &export_href(&q, &ext));
        }
    });
    let on_click = move |ev: leptos::ev::MouseEvent| {
        let dialog = ev
            .target()
            .and_then(|t| t.dyn_into::<web_sys::Element>().ok())
            .and_then(|e| e.closest("[data-dialog]").ok().flatten())
            .and_then(|e| e.get_attribute("data-dialog"));
        match dialog.as_deref() {
            Some("add") => ui.open(DialogKind::Add),
            Some("invite") => ui.open(DialogKind::Invite),
            Some("new-contact") => ui.open(DialogKind::NewContact),
            _ => {}
        }
    };
    view! { <div class="toolbar" node_ref=toolbar inner_html=toolbar_html(&initial) on:click=on_click></div> }
}

fn toolbar_html(q: &MemberQuery) -> String {
    let account = q.account;
    format!(
        r#"<button type="button" data-dialog="add">+ Add new user</button><button type="button" class="secondary" data-dialog="invite">+ Invite New Users</button><button type="button" class="secondary" data-dialog="new-contact">New Contact</button><a class="button secondary" href="{xlsx}" download="" rel="external" data-export="xlsx">Export to Excel</a><a class="button secondary" href="{csv}" download="" rel="external" data-export="csv">Export CSV</a><a href="/accounts/{account}/invitations">Invitations</a><a href="/accounts/{account}/audit">View audit history</a><a href="/accounts/{account}/api-tokens">API tokens</a><a href="/accounts/{account}/import">Import CSV</a>"#,
        xlsx = attr(&export_href(q, "xlsx")),
        csv = attr(&export_href(q, "csv")),
    )
}

/// The export of the view `q` (from its first page) as `ext`.
fn export_href(q: &MemberQuery, ext: &str) -> String {
    format!("/accounts/{}/users/export.{ext}?{}", q.account, q.first_page().to_query())
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
    let html = move || {
        let n = notices.get();
        if n.is_empty() {
            return String::new();
        }
        let items: String = n.iter().map(|m| format!("<li>{}</li>", html_escape::encode_text(m))).collect();
        format!(r#"<div class="notice" role="status"><ul>{items}</ul></div>"#)
    };
    view! { <div class="notices" inner_html=html></div> }
}

/// The table with its pager, or the empty state; keeps showing the current rows while
/// the next ones load (the page's `Transition`), or why they could not be loaded.
#[component]
fn MemberList(members: RenderedHtml, loading: RwSignal<bool>) -> impl IntoView {
    view! {
        <section class="member-list" aria-busy=move || loading.get().to_string()>
            {move || Suspend::new(async move {
                match members.await {
                    Ok(html) => Either::Left(view! { <MemberTable html/> }),
                    Err(error) => Either::Right(view! { <ErrorAlert error/> }),
                }
            })}
        </section>
    }
}
