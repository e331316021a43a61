use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

use crate::api::{get_pulse_emails, SetPulseEmails};
use crate::components::error_view::ErrorView;
use crate::components::form_feedback::form_error;
use crate::error::AppError;
use crate::page_data::page_data;

/// The signed-in person's settings: whether posts on their cases reach them by email.
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
        <Title text="Settings"/>
        <section class="auth">
            <h1>"Settings"</h1>
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
        </section>
    }
}
