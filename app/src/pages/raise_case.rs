use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::{use_params_map, use_query_map};

use crate::api::RaiseCase;
use crate::components::form_feedback::form_error;

/// Raising a support case on an account (`/accounts/:account/cases/new`). A plain form:
/// without JavaScript the server answers with `?raised=` or `?error=`.
#[component]
pub fn RaiseCasePage() -> impl IntoView {
    let account = use_params_map().with_untracked(|p| p.get("account")).unwrap_or_default();
    let query = use_query_map();
    let action = ServerAction::<RaiseCase>::new();
    let error = form_error(action);
    let raised = move || match action.value().get() {
        Some(Ok(number)) => Some(number),
        _ => query.with(|q| q.get("raised")),
    };
    view! {
        <Title text="Raise a case"/>
        <section class="auth">
            <h1>"Raise a support case"</h1>
            <ActionForm action>
                <input type="hidden" name="account" value=account/>
                <div class="field">
                    <label for="case-title">"What is the problem?"</label>
                    <input id="case-title" name="title" type="text" required maxlength="200"/>
                </div>
                <p class="field-error" role="alert">{error}</p>
                <p class="notice" role="status">{move || raised().map(|n| format!("Case {n} is open. You are its primary contact."))}</p>
                <button type="submit" disabled=move || action.pending().get()>"Raise case"</button>
            </ActionForm>
            <p><a href="/">"Back to your accounts"</a></p>
        </section>
    }
}
