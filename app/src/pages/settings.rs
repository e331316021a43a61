use crate::components::page_title::PageTitle;
use leptos::prelude::*;
use leptos_router::hooks::use_query_map;

use crate::api::{
    get_pulse_emails, ChangePassword, SetPulseEmails, SignOutElsewhere, PASSWORD_CHANGED, SESSIONS_ENDED,
};
use crate::components::error_view::ErrorView;
use crate::components::form_feedback::{form_done, form_error};
use crate::components::new_password::NewPasswordFields;
use crate::error::AppError;
use crate::page_data::page_data;

/// The signed-in person's settings: whether posts on their cases reach them by email, and
/// their password.
#[component]
pub fn SettingsPage() -> impl IntoView {
    let query = use_query_map();
    let save = ServerAction::<SetPulseEmails>::new();
    let current = page_data(move || save.version().get(), |_| get_pulse_emails());
    let error = form_error(save);
    let saved = move || match save.value().get() {
        Some(Ok(message)) => Some(message),
        _ => query.with(|q| q.get("saved")).map(|_| "Your settings are saved.".to_string()),
    };
    view! {
        <PageTitle text="Settings"/>
        <section class="auth">
            <h1>"Settings"</h1>
            <h2>"Email"</h2>
            <Transition fallback=|| view! { <p role="status">"Loading…"</p> }>
                <ErrorBoundary fallback=|errors| view! { <ErrorView errors/> }>
                    {move || Suspend::new(async move {
                        let on = current.await?;
                        Ok::<_, AppError>(view! {
                            <ActionForm action=save>
                                <div class="field checkbox">
                                    <input id="pulse-emails" name="on" type="checkbox" checked=on/>
                                    <label for="pulse-emails">"Email me each pulse message on cases I am on or follow"</label>
                                </div>
                                <button type="submit">"Save settings"</button>
                            </ActionForm>
                        })
                    })}
                </ErrorBoundary>
            </Transition>
            <p class="field-error" role="alert">{error}</p>
            <p class="notice" role="status">{saved}</p>
            <PasswordForm/>
            <OtherSessions/>
        </section>
    }
}

/// Changing the password: the current one, then the new one twice.
#[component]
fn PasswordForm() -> impl IntoView {
    let change = ServerAction::<ChangePassword>::new();
    let error = form_error(change);
    let changed = form_done(change, "password", PASSWORD_CHANGED);
    // A changed password leaves nothing typed behind.
    let form = NodeRef::<leptos::html::Form>::new();
    Effect::new(move |_| {
        if let (Some(Ok(_)), Some(form)) = (change.value().get(), form.get()) {
            form.reset();
        }
    });
    view! {
        <h2 id="password-heading">"Password"</h2>
        <ActionForm action=change node_ref=form attr:aria-labelledby="password-heading">
            <div class="field">
                <label for="current-password">"Current password"</label>
                <input id="current-password" name="current" type="password" autocomplete="current-password" required/>
            </div>
            <NewPasswordFields id="change" hint="At least 10 characters. Your other sessions are signed out."/>
            <p class="field-error" role="alert">{error}</p>
            <button type="submit" disabled=move || change.pending().get()>"Change password"</button>
        </ActionForm>
        <p class="notice" role="status">{changed}</p>
    }
}

/// Signing out everywhere else.
#[component]
fn OtherSessions() -> impl IntoView {
    let end = ServerAction::<SignOutElsewhere>::new();
    let error = form_error(end);
    let ended = form_done(end, "sessions", SESSIONS_ENDED);
    view! {
        <h2 id="sessions-heading">"Sessions"</h2>
        <p id="sessions-hint">
            "Signed in on a computer you no longer use, or not sure where you are signed in? "
            "This signs out every session of yours but this one."
        </p>
        <ActionForm action=end attr:aria-labelledby="sessions-heading" attr:aria-describedby="sessions-hint">
            <p class="field-error" role="alert">{error}</p>
            <button type="submit" class="secondary" disabled=move || end.pending().get()>"Sign out everywhere else"</button>
        </ActionForm>
        <p class="notice" role="status">{ended}</p>
    }
}
