use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

use crate::api::SignIn;

/// Sign in with email and password. A plain form that works without JavaScript; the
/// server redirects to `next` on success.
#[component]
pub fn SignInPage() -> impl IntoView {
    let query = use_query_map();
    let next = query.with_untracked(|q| q.get("next")).unwrap_or_else(|| "/".into());
    let action = ServerAction::<SignIn>::new();
    // Signed in: load the next page afresh, so that everything on it (the header too)
    // is rendered for the new session.
    let target = crate::api::safe_next(Some(&next));
    Effect::new(move |_| {
        if let Some(Ok(())) = action.value().get() {
            let _ = window().location().set_href(&target);
        }
    });
    // A failed post without JavaScript comes back with the message in `?error=`.
    let posted_error = use_query_map().with_untracked(|q| q.get("error"));
    let error = move || match action.value().get() {
        Some(Err(e)) => Some(e.to_string()),
        Some(Ok(())) => None,
        None => posted_error.clone(),
    };
    view! {
        <Title text="Sign in"/>
        <section class="auth">
            <h1>"Sign in"</h1>
            <ActionForm action>
                <input type="hidden" name="next" value=next/>
                <div class="field">
                    <label for="sign-in-email">"Email"</label>
                    <input id="sign-in-email" name="email" type="email" autocomplete="username" required/>
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
