use crate::components::page_title::PageTitle;
use leptos::prelude::*;
use leptos_router::hooks::use_params_map;

use crate::api::ResetPassword;
use crate::components::form_feedback::{form_error, reload_on_success};
use crate::components::new_password::NewPasswordFields;

/// Choosing a new password from an emailed link (`/reset-password/:token`).
#[component]
pub fn ResetPasswordPage() -> impl IntoView {
    let token = use_params_map().with_untracked(|p| p.get("token")).unwrap_or_default();
    let action = ServerAction::<ResetPassword>::new();
    reload_on_success(action, "/".into());
    let error = form_error(action);
    view! {
        <PageTitle text="Choose a new password"/>
        <section class="auth">
            <h1>"Choose a new password"</h1>
            <ActionForm action>
                <input type="hidden" name="token" value=token/>
                <NewPasswordFields id="reset" hint="At least 10 characters."/>
                <p class="field-error" role="alert">{error}</p>
                <button type="submit" disabled=move || action.pending().get()>"Save the new password"</button>
            </ActionForm>
            <p><a href="/forgot-password">"Ask for a new link"</a></p>
        </section>
    }
}
