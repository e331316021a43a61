use crate::components::page_title::PageTitle;
use leptos::prelude::*;
use leptos_router::hooks::use_params_map;

use crate::api::{get_invitation, AcceptInvitation};
use crate::components::error_view::ErrorView;
use crate::components::form_feedback::{form_error, reload_on_success};
use crate::error::AppError;
use crate::model::{format_date, InvitationView};
use crate::page_data::page_data;

/// Following an invitation link (`/invitations/:token`, SPEC F15): who invites whom to
/// which account with which roles, and the way to accept — registering, or signing in
/// first for someone who is registered already.
#[component]
pub fn InvitationPage() -> impl IntoView {
    let token = use_params_map().with_untracked(|p| p.get("token")).unwrap_or_default();
    let t = token.clone();
    let invitation = page_data(move || t.clone(), get_invitation);
    view! {
        <PageTitle text="Invitation"/>
        <Suspense fallback=|| view! { <p role="status">"Loading the invitation…"</p> }>
            <ErrorBoundary fallback=|errors| view! { <ErrorView errors/> }>
                {
                    let token = token.clone();
                    move || {
                        let token = token.clone();
                        Suspend::new(async move {
                            let inv = invitation.await?;
                            Ok::<_, AppError>(view! { <Accept inv token/> })
                        })
                    }
                }
            </ErrorBoundary>
        </Suspense>
    }
}

#[component]
fn Accept(inv: InvitationView, token: String) -> impl IntoView {
    let action = ServerAction::<AcceptInvitation>::new();
    reload_on_success(action, "/".into());
    let error = form_error(action);
    let by = inv.invited_by.clone().unwrap_or_else(|| "An administrator".into());
    let invitee = inv.name.clone();
    let expires = format_date(inv.expires_at).unwrap_or_default();
    let form = if inv.registered && !inv.signed_in_as_invitee {
        let next = format!("/sign-in?next=/invitations/{token}");
        view! {
            <p>"This invitation is for " <strong>{inv.email.clone()}</strong> ", who is already registered."</p>
            <p><a class="button" href=next>{format!("Sign in as {} to accept", inv.email)}</a></p>
        }
        .into_any()
    } else if inv.registered {
        view! {
            <ActionForm action>
                <input type="hidden" name="token" value=token/>
                <p class="field-error" role="alert">{error}</p>
                <button type="submit" disabled=move || action.pending().get()>"Accept invitation"</button>
            </ActionForm>
        }
        .into_any()
    } else {
        view! {
            <ActionForm action>
                <input type="hidden" name="token" value=token/>
                <div class="field">
                    <label for="accept-email">"Email"</label>
                    <input id="accept-email" type="email" value=inv.email.clone() readonly/>
                </div>
                <div class="field">
                    <label for="accept-name">"Name"</label>
                    <input id="accept-name" name="name" type="text" autocomplete="name" required maxlength="100"
                        value=invitee/>
                </div>
                <div class="field">
                    <label for="accept-password">"Choose a password"</label>
                    <input id="accept-password" name="password" type="password" autocomplete="new-password"
                        required minlength="10" aria-describedby="accept-password-hint"/>
                    <p class="hint" id="accept-password-hint">"At least 10 characters."</p>
                </div>
                <p class="field-error" role="alert">{error}</p>
                <button type="submit" disabled=move || action.pending().get()>"Accept and register"</button>
            </ActionForm>
        }
        .into_any()
    };
    view! {
        <section class="auth">
            <h1>{format!("Join {}", inv.account)}</h1>
            <p>
                {by} " invites " <strong>{inv.name.clone()}</strong> " to " <strong>{inv.account.clone()}</strong>
                " (" {inv.organisation.clone()} ") as a support contact."
            </p>
            <p>"Roles: " {inv.roles.clone()} "."</p>
            <p class="hint">"The invitation is valid until " {expires} "."</p>
            {form}
        </section>
    }
}
