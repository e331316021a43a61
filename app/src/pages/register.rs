use leptos::prelude::*;
use leptos_meta::Title;

use crate::api::Register;
use crate::components::form_feedback::{form_error, reload_on_success};

/// Self-registration (SPEC F18): name, email, password.
#[component]
pub fn RegisterPage() -> impl IntoView {
    let action = ServerAction::<Register>::new();
    reload_on_success(action, "/".into());
    let error = form_error(action);
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
