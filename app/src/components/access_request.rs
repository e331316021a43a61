//! How an access request reads wherever it shows (My requests, the Approvals inbox, the
//! decision page): its state in words, and its details.

use leptos::prelude::*;

use crate::model::{format_date, format_time, AccessRequestRow, RequestState};

/// "Approved by Alex Approver at 2026-12-01 09:30 UTC", "Waiting for approval (until …)".
pub fn state_words(r: &AccessRequestRow) -> String {
    let by = || {
        let who = r.decided_by.clone().unwrap_or_else(|| "someone".into());
        let when = r.decided_at.and_then(format_time).unwrap_or_default();
        format!(" by {who} at {when}")
    };
    match r.state {
        RequestState::Pending => {
            format!("Waiting for approval (until {})", format_date(r.expires_at).unwrap_or_default())
        }
        RequestState::Approved => format!("Approved{}", by()),
        RequestState::Declined => format!("Declined{}", by()),
        RequestState::Expired => {
            format!("Expired on {} without a decision", format_date(r.expires_at).unwrap_or_default())
        }
    }
}

/// The details of one request, as a description list.
#[component]
pub fn RequestDetails(request: AccessRequestRow) -> impl IntoView {
    let state = state_words(&request);
    let asked_by = (request.requested_by != request.person).then(|| request.requested_by.clone());
    view! {
        <dl class="details">
            <dt>"For"</dt>
            <dd>{request.person} " " <span class="muted">{format!("<{}>", request.person_email)}</span></dd>
            {asked_by.map(|who| view! { <dt>"Asked by"</dt><dd>{who}</dd> })}
            <dt>"Deployment"</dt>
            <dd>{format!("{}: {} ", request.customer, request.deployment)}<code>{request.org_id}</code></dd>
            <dt>"Support access level"</dt>
            <dd>{request.level}</dd>
            <dt>"Reason"</dt>
            <dd class="reason">{request.reason}</dd>
            <dt>"Asked"</dt>
            <dd>{format_time(request.created_at).unwrap_or_default()}</dd>
            <dt>"State"</dt>
            <dd>{state}</dd>
        </dl>
    }
}
