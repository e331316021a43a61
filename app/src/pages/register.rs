use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

use crate::api::Register;

/// Self-registration (SPEC F18): name, email, password.
#[component]
pub fn RegisterPage() -> impl IntoView {
    let action = ServerAction::<Register>::new();
    Effect::new(move |_| {
        if let Some(Ok(())) = action.value().get() {
            let _ = window().location().set_href("/");
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
        <Title text="Register"/>
        <section class="auth">
            <h1>"Register"</h1>
            <ActionForm action>
                <div class="field">
                    <label for="register-name">"Name"</label>
                    <input id="register-name" name="name" type="text" autocomplete="name" required maxlength="100"/>
                </div>
                <div class="field">
                    <label for="register-email">"Email"</label>
                    <input id="register-email" name="email" type="email" autocomplete="email" required/>
                </div>
                <div class="field">
                    <label for="register-password">"Password"</label>
                    <input id="register-password" name="password" type="password" autocomplete="new-password"
                        required minlength="10" aria-describedby="register-password-hint"/>
                    <p class="hint" id="register-password-hint">"At least 10 characters."</p>
                </div>
                <p class="field-error" role="alert">{error}</p>
                <button type="submit" disabled=move || action.pending().get()>"Register"</button>
            </ActionForm>
            <p>"Already registered? " <a href="/sign-in">"Sign in"</a></p>
        </section>
    }
}
