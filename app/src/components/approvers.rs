//! The console's approvers section (SPEC F22): who decides each partner's access
//! requests, for one deployment or for all of them; designating and revoking. Plain
//! forms: they work without JavaScript.

use leptos::prelude::*;

use crate::api::{console_approvers, console_partners, GrantApprover, RevokeApprover};
use crate::components::error_view::ErrorView;
use crate::components::form_feedback::toast_answers;
use crate::components::toast::use_toasts;
use crate::error::AppError;
use crate::model::{ApproverRow, PartnerSupport};
use crate::page_data::page_data;

#[component]
pub fn ApproversSection() -> impl IntoView {
    let grant = ServerAction::<GrantApprover>::new();
    let revoke = ServerAction::<RevokeApprover>::new();
    let toasts = use_toasts();
    toast_answers(grant, toasts);
    toast_answers(revoke, toasts);
    let data = page_data(
        move || grant.version().get() + revoke.version().get(),
        |_| async move { Ok::<_, AppError>((console_partners().await?, console_approvers().await?)) },
    );
    view! {
        <section aria-labelledby="approvers-heading">
            <h2 id="approvers-heading">"Approvers of partners’ access requests"</h2>
            <Transition fallback=|| view! { <p role="status">"Loading approvers…"</p> }>
                <ErrorBoundary fallback=|errors| view! { <ErrorView errors/> }>
                    {move || Suspend::new(async move {
                        let (partners, approvers) = data.await?;
                        Ok::<_, AppError>(view! { <Approvers partners approvers grant revoke/> })
                    })}
                </ErrorBoundary>
            </Transition>
        </section>
    }
}

#[component]
fn Approvers(
    partners: Vec<PartnerSupport>,
    approvers: Vec<ApproverRow>,
    grant: ServerAction<GrantApprover>,
    revoke: ServerAction<RevokeApprover>,
) -> impl IntoView {
    let options =
        partners.iter().map(|p| view! { <option value=p.partner.to_string()>{p.name.clone()}</option> }).collect_view();
    let lists = partners
        .into_iter()
        .map(|p| {
            let theirs: Vec<ApproverRow> = approvers.iter().filter(|a| a.partner == p.partner).cloned().collect();
            let (heading, labelled_by) = (format!("approvers-{}", p.partner), format!("approvers-{}", p.partner));
            let body = if theirs.is_empty() {
                view! { <p>"Nobody approves this partner's requests yet."</p> }.into_any()
            } else {
                let items = theirs
                    .into_iter()
                    .map(|a| {
                        let scope = match &a.deployment {
                            Some((name, org_id)) => format!("{name} ({org_id})"),
                            None => "every deployment".to_string(),
                        };
                        let label = format!("Revoke {} for {scope}", a.name);
                        view! {
                            <li>
                                <strong>{a.name.clone()}</strong> {format!(" <{}>: {scope} ", a.email)}
                                <ActionForm action=revoke attr:class="inline">
                                    <input type="hidden" name="approver" value=a.id.to_string()/>
                                    <button type="submit" class="danger small" aria-label=label>"Revoke"</button>
                                </ActionForm>
                            </li>
                        }
                    })
                    .collect_view();
                view! { <ul class="approvers">{items}</ul> }.into_any()
            };
            view! {
                <section aria-labelledby=labelled_by>
                    <h3 id=heading>{format!("Approvers of {}", p.name)}</h3>
                    {body}
                </section>
            }
        })
        .collect_view();
    view! {
        {lists}
        <ActionForm action=grant>
            <div class="field">
                <label for="approver-partner">"Partner"</label>
                <select id="approver-partner" name="partner" required>{options}</select>
            </div>
            <div class="field">
                <label for="approver-email">"Email of the partner’s person"</label>
                <input id="approver-email" name="email" type="email" required autocomplete="off"/>
            </div>
            <div class="field">
                <label for="approver-org-id">"Org ID of one deployment (empty: every deployment)"</label>
                <input id="approver-org-id" name="org_id" autocomplete="off"/>
            </div>
            <button type="submit">"Designate approver"</button>
        </ActionForm>
        <p><a href="/copy-access">"Copy support access between deployments"</a></p>
    }
}
