use crate::components::page_title::PageTitle;
use leptos::prelude::*;
use leptos_router::hooks::use_query_map;

use crate::api::SignIn;
use crate::components::form_feedback::{form_error, posted_value, reload_on_success};

/// Sign in with email and password. A plain form that works without JavaScript; the
/// server redirects to `next` on success.
#[component]
pub fn SignInPage() -> impl IntoView {
    let query = use_query_map();
    let next = crate::api::safe_next(query.with_untracked(|q| q.get("next")).as_deref());
    let action = ServerAction::<SignIn>::new();
    // Signed in: load the next page afresh, so that everything on it (the header too)
    // is rendered for the new session.
    reload_on_success(action, next.clone());
    let error = form_error(action);
    view! {
        <PageTitle text="Sign in"/>
        <section class="auth">
            <h1>"Sign in"</h1>
            <ActionForm action>
                <input type="hidden" name="next" value=next/>
                <div class="field">
                    <label for="sign-in-email">"Email"</label>
                    <input id="sign-in-email" name="email" type="email" autocomplete="username" required
                        value=posted_value("email")/>
                </div>
                <div class="field">
                    <label for="sign-in-password">"Password"</label>
                    <input id="sign-in-password" name="password" type="password" autocomplete="current-password" required/>
                </div>
                <p class="field-error" role="alert">{error}</p>
                <button type="submit" disabled=move || action.pending().get()>"Sign in"</button>
            </ActionForm>
            <p><a href="/forgot-password">"Forgot your password?"</a></p>
            <p>"New here? " <a href="/register">"Register"</a></p>
        </section>
    }
}
