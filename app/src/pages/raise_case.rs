use crate::components::page_title::PageTitle;
use leptos::prelude::*;
use leptos_router::hooks::use_params_map;

use crate::api::RaiseCase;
use crate::components::form_feedback::form_error;
use crate::model::{MAX_CASE_DESCRIPTION, MAX_CASE_TITLE};

/// Raising a support case on an account (`/accounts/:account/cases/new`). A plain form:
/// the server answers with the new case's page, or the form again with its error.
#[component]
pub fn RaiseCasePage() -> impl IntoView {
    let account = use_params_map().with_untracked(|p| p.get("account")).unwrap_or_default();
    let back = format!("/accounts/{account}/cases");
    let action = ServerAction::<RaiseCase>::new();
    let error = form_error(action);
    view! {
        <PageTitle text="Raise a case"/>
        <section class="auth wide">
            <h1>"Raise a support case"</h1>
            <ActionForm action>
                <input type="hidden" name="account" value=account/>
                <div class="field">
                    <label for="case-title">"What is the problem?"</label>
                    <input id="case-title" name="title" type="text" required maxlength=MAX_CASE_TITLE.to_string()/>
                </div>
                <div class="field">
                    <label for="case-description">"Details (optional)"</label>
                    <textarea id="case-description" name="description" rows="5" maxlength=MAX_CASE_DESCRIPTION.to_string()></textarea>
                </div>
                <p class="field-error" role="alert">{error}</p>
                <button type="submit" disabled=move || action.pending().get()>"Raise case"</button>
            </ActionForm>
            <p><a href=back>"Back to the cases"</a></p>
        </section>
    }
}
