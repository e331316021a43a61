use crate::components::page_title::PageTitle;
use leptos::prelude::*;
use leptos_router::hooks::use_query_map;

use crate::api::Register;
use crate::components::form_feedback::{form_error, posted_value};

/// Self-registration (SPEC F18): name, email, password. Registering emails a link that
/// must be followed before the registration counts; the page then says so. Works without
/// JavaScript (the server answers with `?sent=1`).
#[component]
pub fn RegisterPage() -> impl IntoView {
    let query = use_query_map();
    let action = ServerAction::<Register>::new();
    let error = form_error(action);
    // The address the link went to, when this page registered; `?sent=1` alone after a
    // post without JavaScript.
    let sent_to = move || match action.value().get() {
        Some(Ok(email)) => Some(Some(email)),
        _ => query.with(|q| q.get("sent").is_some_and(|s| s == "1")).then_some(None),
    };
    let (typed_name, typed_email) = (posted_value("name"), posted_value("email"));
    view! {
        <PageTitle text="Register"/>
        <section class="auth">
            {move || match sent_to() {
                Some(email) => view! { <CheckYourEmail email/> }.into_any(),
                None => {
                    let error = error.clone();
                    let (typed_name, typed_email) = (typed_name.clone(), typed_email.clone());
                    view! {
                    <h1>"Register"</h1>
                    <ActionForm action>
                        <div class="field">
                            <label for="register-name">"Name"</label>
                            <input id="register-name" name="name" type="text" autocomplete="name" required maxlength="100"
                                value=typed_name/>
                        </div>
                        <div class="field">
                            <label for="register-email">"Email"</label>
                            <input id="register-email" name="email" type="email" autocomplete="email" required value=typed_email/>
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
                    }
                    .into_any()
                }
            }}
        </section>
    }
}

/// What a registration says once its link is on its way.
#[component]
fn CheckYourEmail(email: Option<String>) -> impl IntoView {
    let to = match email {
        Some(e) => view! { "We sent a link to " <strong>{e}</strong> "." }.into_any(),
        None => view! { "We sent a link to the address you entered." }.into_any(),
    };
    view! {
        <h1>"Check your email"</h1>
        <p role="status">{to}</p>
        <p>"Follow it within 24 hours to finish registering: until then you cannot sign in."</p>
        <p>"No email? Check the address and " <a href="/register">"register again"</a> " for a new link."</p>
    }
}
