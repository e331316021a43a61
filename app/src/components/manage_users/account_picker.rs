use std::fmt::Write;

use html_escape::encode_text as text;
use leptos::prelude::*;
use leptos_router::hooks::use_navigate;

use crate::model::AccountSummary;

/// Switches between accounts. Without JavaScript it is a GET form to `/`, which
/// redirects to the chosen account; with it, choosing navigates at once.
#[component]
pub fn AccountPicker(accounts: Vec<AccountSummary>, current: i64) -> impl IntoView {
    let navigate = use_navigate();
    let on_change = move |ev: leptos::ev::Event| {
        if let Ok(id) = event_target_value(&ev).parse::<i64>() {
            navigate(&format!("/accounts/{id}/users"), Default::default());
        }
    };
    view! {
        <form class="account-picker" method="get" action="/">
            <label for="account-picker">"Account"</label>
            <select id="account-picker" name="account" on:change=on_change inner_html=options_html(&accounts, current)>
            </select>
            <noscript><button type="submit">"Go"</button></noscript>
        </form>
    }
}

/// The picker's options, the current account selected: one piece of HTML, as they have
/// nothing live of their own.
fn options_html(accounts: &[AccountSummary], current: i64) -> String {
    let mut out = String::with_capacity(accounts.len() * 80);
    for a in accounts {
        let selected = if a.id == current { " selected" } else { "" };
        let _ =
            write!(out, r#"<option value="{}"{selected}>{} — {}</option>"#, a.id, text(&a.organisation), text(&a.name));
    }
    out
}
