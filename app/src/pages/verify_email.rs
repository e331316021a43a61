use crate::components::page_title::PageTitle;
use leptos::prelude::*;
use leptos_router::hooks::use_params_map;

use crate::api::{get_registration, PendingRegistration, VerifyEmail};
use crate::components::error_view::ErrorView;
use crate::components::form_feedback::{form_error, reload_on_success};
use crate::error::AppError;
use crate::page_data::page_data;

/// Following a registration's link (`/verify-email/:token`): says what it confirms, and
/// confirms it only when the button is pressed, since mail scanners open links too.
#[component]
pub fn VerifyEmailPage() -> impl IntoView {
    let token = use_params_map().with_untracked(|p| p.get("token")).unwrap_or_default();
    let t = token.clone();
    let pending = page_data(move || t.clone(), get_registration);
    view! {
        <PageTitle text="Confirm your email"/>
        <Suspense fallback=|| view! { <p role="status">"Loading…"</p> }>
            <ErrorBoundary fallback=|errors| view! { <ErrorView errors/> }>
                {
                    let token = token.clone();
                    move || {
                        let token = token.clone();
                        Suspend::new(async move {
                            let registration = pending.await?;
                            Ok::<_, AppError>(view! { <Confirm registration token/> })
                        })
                    }
                }
            </ErrorBoundary>
        </Suspense>
    }
}

#[component]
fn Confirm(registration: PendingRegistration, token: String) -> impl IntoView {
    let action = ServerAction::<VerifyEmail>::new();
    reload_on_success(action, "/".into());
    let error = form_error(action);
    view! {
        <section class="auth">
            <h1>"Confirm your email"</h1>
            <p>
                "Confirm that " <strong>{registration.email}</strong> " is your email to finish registering as "
                <strong>{registration.name}</strong> "."
            </p>
            <ActionForm action>
                <input type="hidden" name="token" value=token/>
                <p class="field-error" role="alert">{error}</p>
                <button type="submit" disabled=move || action.pending().get()>"Confirm my email"</button>
            </ActionForm>
        </section>
    }
}
