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
            <select id="account-picker" name="account" on:change=on_change>
                {accounts
                    .into_iter()
                    .map(|a| {
                        let label = format!("{} — {}", a.organisation, a.name);
                        view! { <option value=a.id.to_string() selected=a.id == current>{label}</option> }
                    })
                    .collect_view()}
            </select>
            <noscript><button type="submit">"Go"</button></noscript>
        </form>
    }
}
