use crate::components::page_title::PageTitle;
use leptos::prelude::*;
use leptos_router::hooks::use_query_map;

use crate::api::{case_href, list_notifications, MarkNotificationsRead};
use crate::components::error_view::ErrorView;
use crate::components::site_header::use_header;
use crate::error::AppError;
use crate::model::{format_date, CaseId};
use crate::page_data::page_data;

/// The signed-in person's notifications, newest first: who posted on which case.
/// Opening a case marks its notifications read; "Mark all as read" marks the rest.
#[component]
pub fn NotificationsPage() -> impl IntoView {
    let query = use_query_map();
    let before = Memo::new(move |_| query.with(|q| q.get("before").and_then(|b| b.parse::<i64>().ok())));
    let mark = ServerAction::<MarkNotificationsRead>::new();
    let page = page_data(move || (before.get(), mark.version().get()), |(before, _)| list_notifications(before));
    let header = use_header();
    Effect::new(move |_| {
        if mark.version().get() > 0 {
            header.refresh();
        }
    });
    view! {
        <PageTitle text="Notifications"/>
        <h1>"Notifications"</h1>
        <Transition fallback=|| view! { <p role="status">"Loading notifications…"</p> }>
            <ErrorBoundary fallback=|errors| view! { <ErrorView errors/> }>
                {move || Suspend::new(async move {
                    let page = page.await?;
                    let older = page.next.map(|id| format!("/notifications?before={id}"));
                    let unread = page.unread;
                    // With nothing to read, the empty list says it all.
                    let counted = !page.items.is_empty() || unread > 0;
                    let list = if page.items.is_empty() {
                        view! { <p class="empty">"No notifications yet. Posts on cases you are on or follow show here."</p> }
                            .into_any()
                    } else {
                        let items = page
                            .items
                            .into_iter()
                            .map(|n| {
                                let href = format!("{}?pulse=latest#pulse", case_href(n.account_id, CaseId(n.case_id)));
                                let who = n.author.unwrap_or_else(|| "Someone".into());
                                view! {
                                    <li class=if n.read { "notification" } else { "notification unread" }>
                                        {(!n.read).then(|| view! { <span class="visually-hidden">"Unread: "</span> })}
                                        <a href=href>{format!("{} {}", n.case_number, n.case_title)}</a>
                                        <p>
                                            <strong>{who}</strong>
                                            " · " {format_date(n.created_at).unwrap_or_default()}
                                        </p>
                                        <p class="excerpt">{n.excerpt}</p>
                                    </li>
                                }
                            })
                            .collect_view();
                        view! { <ul class="notifications">{items}</ul> }.into_any()
                    };
                    Ok::<_, AppError>(view! {
                        {counted.then(|| view! {
                            <p role="status">
                                {match unread {
                                    0 => "You have read every notification.".to_string(),
                                    1 => "1 unread notification.".to_string(),
                                    n => format!("{n} unread notifications."),
                                }}
                            </p>
                        })}
                        {(unread > 0).then(|| view! {
                            <ActionForm action=mark attr:class="inline">
                                <button type="submit" class="secondary">"Mark all as read"</button>
                            </ActionForm>
                        })}
                        {list}
                        <nav class="pager" aria-label="Pages">
                            {before.get().is_some().then(|| view! { <a href="/notifications">"Newest"</a> })}
                            {older.map(|h| view! { <a href=h rel="next">"Older notifications"</a> })}
                        </nav>
                        <p><a href="/settings">"Email settings"</a></p>
                    })
                })}
            </ErrorBoundary>
        </Transition>
    }
}
