use crate::components::page_title::PageTitle;
use leptos::prelude::*;
use leptos_router::hooks::use_params_map;

use crate::api::{get_account, list_invitations, ResendInvitation, RevokeInvitation};
use crate::components::error_view::ErrorView;
use crate::components::form_feedback::toast_answers;
use crate::components::toast::{ToastRegion, Toasts};
use crate::error::AppError;
use crate::model::{format_date, InvitationState};
use crate::page_data::page_data;

/// An account's invitations (SPEC F15): who was invited, by whom, whether they accepted,
/// when the link expires; pending and expired ones can be sent again, pending ones
/// revoked. The buttons are forms, so they work without JavaScript too.
#[component]
pub fn InvitationsPage() -> impl IntoView {
    let params = use_params_map();
    let account = Memo::new(move |_| params.with(|p| p.get("account").and_then(|a| a.parse::<i64>().ok())));
    let resend = ServerAction::<ResendInvitation>::new();
    let revoke = ServerAction::<RevokeInvitation>::new();
    let data = page_data(
        move || (account.get(), resend.version().get(), revoke.version().get()),
        |(account, _, _)| async move {
            let Some(account) = account else {
                return Err(AppError::not_found("There is no such account."));
            };
            let summary = get_account(account).await?;
            let rows = list_invitations(account).await?;
            Ok::<_, AppError>((summary, rows))
        },
    );
    let toasts = Toasts::provide();
    toast_answers(resend, toasts);
    toast_answers(revoke, toasts);
    view! {
        <PageTitle text="Invitations"/>
        <ToastRegion/>
        <Transition fallback=|| view! { <p role="status">"Loading…"</p> }>
            <ErrorBoundary fallback=|errors| view! { <ErrorView errors/> }>
                {move || Suspend::new(async move {
                    let (summary, rows) = data.await?;
                    let id = summary.id;
                    let body = if rows.is_empty() {
                        view! { <p>"Nobody has been invited to this account yet."</p> }.into_any()
                    } else {
                        view! {
                            <table class="invitations">
                                <caption>"Invitations, newest first"</caption>
                                <thead>
                                    <tr>
                                        <th scope="col">"Name"</th>
                                        <th scope="col">"Email"</th>
                                        <th scope="col">"Roles"</th>
                                        <th scope="col">"Invited by"</th>
                                        <th scope="col">"Sent"</th>
                                        <th scope="col">"Status"</th>
                                        <th scope="col"><span class="visually-hidden">"Actions"</span></th>
                                    </tr>
                                </thead>
                                <tbody>
                                    {rows
                                        .into_iter()
                                        .map(|r| {
                                            let status = match r.state {
                                                InvitationState::Pending => format!(
                                                    "Pending, expires {}",
                                                    format_date(r.expires_at).unwrap_or_default()
                                                ),
                                                InvitationState::Expired => format!(
                                                    "Expired {}",
                                                    format_date(r.expires_at).unwrap_or_default()
                                                ),
                                                s => s.label().to_string(),
                                            };
                                            let can_resend = matches!(r.state, InvitationState::Pending | InvitationState::Expired);
                                            let can_revoke = r.state == InvitationState::Pending;
                                            let resend_label = format!("Resend the invitation of {}", r.name);
                                            let revoke_label = format!("Revoke the invitation of {}", r.name);
                                            let inv = r.id.to_string();
                                            let inv2 = inv.clone();
                                            view! {
                                                <tr>
                                                    <th scope="row">{r.name}</th>
                                                    <td>{r.email}</td>
                                                    <td>{r.roles}</td>
                                                    <td>{r.invited_by.unwrap_or_default()}</td>
                                                    <td class="date">{format_date(r.sent_at).unwrap_or_default()}</td>
                                                    <td>{status}</td>
                                                    <td class="row-buttons">
                                                        {can_resend.then(|| view! {
                                                            <ActionForm action=resend attr:class="inline">
                                                                <input type="hidden" name="account" value=id.to_string()/>
                                                                <input type="hidden" name="invitation" value=inv/>
                                                                <button type="submit" class="secondary small" aria-label=resend_label>"Resend"</button>
                                                            </ActionForm>
                                                        })}
                                                        {can_revoke.then(|| view! {
                                                            <ActionForm action=revoke attr:class="inline">
                                                                <input type="hidden" name="account" value=id.to_string()/>
                                                                <input type="hidden" name="invitation" value=inv2/>
                                                                <button type="submit" class="secondary small danger" aria-label=revoke_label>"Revoke"</button>
                                                            </ActionForm>
                                                        })}
                                                    </td>
                                                </tr>
                                            }
                                        })
                                        .collect_view()}
                                </tbody>
                            </table>
                        }
                        .into_any()
                    };
                    Ok::<_, AppError>(view! {
                        <p class="eyebrow"><a href=format!("/accounts/{id}/users")>"← " {summary.name.clone()}</a></p>
                        <h1>"Invitations"</h1>
                        <p>"Invitation links work once and expire after 14 days. Resending makes a new link; the old one stops working."</p>
                        {body}
                    })
                })}
            </ErrorBoundary>
        </Transition>
    }
}
