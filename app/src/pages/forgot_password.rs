use crate::components::page_title::PageTitle;
use leptos::prelude::*;
use leptos_router::hooks::use_query_map;

use crate::api::RequestPasswordReset;
use crate::components::form_feedback::{form_error, posted_value};

/// What the form says whatever happened, so that it does not reveal who is registered.
pub const SENT: &str =
    "If that email belongs to a registered person, a link to choose a new password is on its way. It works for one hour.";

/// "Forgot password": asks for the email to send a one-time link to. Works without
/// JavaScript (the server answers with `?sent=1` or `?error=`).
#[component]
pub fn ForgotPasswordPage() -> impl IntoView {
    let query = use_query_map();
    let action = ServerAction::<RequestPasswordReset>::new();
    let sent =
        move || matches!(action.value().get(), Some(Ok(()))) || query.with(|q| q.get("sent").is_some_and(|s| s == "1"));
    let error = form_error(action);
    view! {
        <PageTitle text="Forgot password"/>
        <section class="auth">
            <h1>"Forgot your password?"</h1>
            <p>"Enter the email you registered with. We will send you a link to choose a new password."</p>
            <ActionForm action>
                <div class="field">
                    <label for="forgot-email">"Email"</label>
                    <input id="forgot-email" name="email" type="email" autocomplete="username" required
                        value=posted_value("email")/>
                </div>
                <p class="field-error" role="alert">{error}</p>
                <p class="notice" role="status">{move || sent().then_some(SENT)}</p>
                <button type="submit" disabled=move || action.pending().get()>"Send me a link"</button>
            </ActionForm>
            <p><a href="/sign-in">"Back to sign in"</a></p>
        </section>
    }
}
