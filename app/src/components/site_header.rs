use leptos::prelude::*;

use crate::api::{get_current_user, SignOut};
use crate::model::CurrentUser;
use crate::page_data::page_data;

/// Asks the header to read who is signed in again (their unread notifications changed).
#[derive(Clone, Copy)]
pub struct Header(RwSignal<u32>);

impl Header {
    /// Provided by the app around every page.
    pub fn provide() {
        provide_context(Header(RwSignal::new(0)));
    }

    pub fn refresh(self) {
        self.0.update(|v| *v += 1);
    }
}

pub fn use_header() -> Header {
    use_context::<Header>().unwrap_or_else(|| Header(RwSignal::new(0)))
}

/// The site header: who is signed in, a switcher to their accounts, their
/// notifications, the operators' Sent mail, and sign-out; or a sign-in link.
#[component]
pub fn SiteHeader() -> impl IntoView {
    let header = use_header();
    let me = page_data(move || header.0.get(), |_| get_current_user());
    let sign_out = ServerAction::<SignOut>::new();
    Effect::new(move |_| {
        if let Some(Ok(())) = sign_out.value().get() {
            let _ = window().location().set_href("/sign-in");
        }
    });
    // One boundary reads `me`: a resource read under two suspense boundaries has been
    // seen to leave a server-rendered page unfinished (leptos-rs/leptos#4851, #4578).
    view! {
        <header class="site-header">
            <a class="brand" href="/">"Roster"</a>
            <Transition>
                {move || Suspend::new(async move {
                    let user = me.await.ok().flatten();
                    let operator = user.as_ref().is_some_and(|u| u.is_operator);
                    let partner = user.as_ref().is_some_and(|u| u.is_partner);
                    let approvals = user.as_ref().and_then(|u| u.approvals);
                    let unread = user.as_ref().map_or(0, |u| u.unread);
                    let accounts = user.as_ref().map(|u| u.accounts.clone()).unwrap_or_default();
                    let signed_in = user.is_some();
                    let who = match user {
                        Some(u) => view! {
                            <span class="signed-in">
                                "Signed in as " <strong>{u.name}</strong>
                                {u.is_operator.then_some(" (vendor operator)")}
                            </span>
                            <a href="/settings">"Settings"</a>
                            <ActionForm action=sign_out attr:class="inline">
                                <button type="submit" class="secondary small">"Sign out"</button>
                            </ActionForm>
                        }
                        .into_any(),
                        None => view! { <a href="/sign-in">"Sign in"</a> }.into_any(),
                    };
                    view! {
                        <nav aria-label="Main">
                            <a href="/">"Accounts"</a>
                            {partner.then(|| view! {
                                <a href="/deployments">"My deployments"</a>
                                <a href="/access-requests">"Access requests"</a>
                            })}
                            {approvals.map(|waiting| view! { <ApprovalsLink waiting/> })}
                            {signed_in.then(|| view! { <NotificationsLink unread/> })}
                            {operator.then(|| view! {
                                <a href="/operator">"Vendor console"</a>
                                <a href="/mail">"Sent mail"</a>
                            })}
                            <a href="/help/manage-support-contacts">"Help"</a>
                        </nav>
                        {(!accounts.is_empty()).then(|| view! { <Switcher accounts/> })}
                        <div class="who">{who}</div>
                    }
                })}
            </Transition>
        </header>
    }
}

/// "Notifications" with a badge counting the unread ones.
#[component]
fn NotificationsLink(unread: i64) -> impl IntoView {
    // The name says the count in words; the badge shows it.
    let words = match unread {
        0 => None,
        1 => Some(", 1 unread".to_string()),
        n => Some(format!(", {n} unread")),
    };
    view! {
        <a href="/notifications">
            "Notifications"
            {words.map(|w| view! {
                <span class="count-badge" aria-hidden="true">{unread.min(99)}{(unread > 99).then_some("+")}</span>
                <span class="visually-hidden">{w}</span>
            })}
        </a>
    }
}

/// "Approvals" with a badge counting the requests waiting for a decision.
#[component]
fn ApprovalsLink(waiting: i64) -> impl IntoView {
    let words = match waiting {
        0 => None,
        1 => Some(", 1 waiting".to_string()),
        n => Some(format!(", {n} waiting")),
    };
    view! {
        <a href="/approvals">
            "Approvals"
            {words.map(|w| view! {
                <span class="count-badge" aria-hidden="true">{waiting.min(99)}{(waiting > 99).then_some("+")}</span>
                <span class="visually-hidden">{w}</span>
            })}
        </a>
    }
}

/// A disclosure listing the person's accounts, each a link to its Manage Users page.
/// (`<details>` opens and closes with the keyboard and without JavaScript.)
#[component]
fn Switcher(accounts: Vec<(i64, String)>) -> impl IntoView {
    let more = accounts.len() > CurrentUser::SWITCHER_MAX;
    view! {
        <details class="switcher">
            <summary>"Switch account"</summary>
            <ul>
                {accounts
                    .into_iter()
                    .take(CurrentUser::SWITCHER_MAX)
                    .map(|(id, name)| view! { <li><a href=format!("/accounts/{id}/users")>{name}</a></li> })
                    .collect_view()}
                {more.then(|| view! { <li><a href="/">"All accounts…"</a></li> })}
            </ul>
        </details>
    }
}
