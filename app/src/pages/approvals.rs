use crate::components::page_title::PageTitle;
use leptos::prelude::*;
use leptos_router::hooks::use_query_map;

use crate::api::{approvals, DecideRequest};
use crate::components::error_view::ErrorView;
use crate::components::form_feedback::toast_answers;
use crate::components::site_header::use_header;
use crate::components::toast::{ToastRegion, Toasts};
use crate::error::AppError;
use crate::model::{format_date, RequestPage};
use crate::page_data::page_data;

/// The Approvals inbox (SPEC F22): the access requests the signed-in approver may
/// decide, newest first, each approved or declined with one click (plain forms, so
/// they work without JavaScript too). The first decision wins for every approver.
#[component]
pub fn ApprovalsPage() -> impl IntoView {
    let query = use_query_map();
    let below = Memo::new(move |_| query.with(|q| q.get("below").and_then(|b| b.parse::<i64>().ok())));
    let decide = ServerAction::<DecideRequest>::new();
    toast_answers(decide, Toasts::provide());
    let header = use_header();
    Effect::new(move |_| {
        if decide.version().get() > 0 {
            header.refresh();
        }
    });
    let page = page_data(move || (below.get(), decide.version().get()), |(below, _)| approvals(below));
    view! {
        <PageTitle text="Approvals"/>
        <ToastRegion/>
        <h1>"Approvals"</h1>
        <Transition fallback=|| view! { <p role="status">"Loading requests…"</p> }>
            <ErrorBoundary fallback=|errors| view! { <ErrorView errors/> }>
                {move || Suspend::new(async move {
                    let page = page.await?;
                    // Someone who approves nothing sees the refusal alone.
                    Ok::<_, AppError>(view! {
                        <p>"Access requests waiting for a decision on deployments you approve for. The first approver to decide answers for everyone."</p>
                        <p><a href="/copy-access">"Copy support access between deployments"</a></p>
                        <Inbox page decide/>
                    })
                })}
            </ErrorBoundary>
        </Transition>
    }
}

#[component]
fn Inbox(page: RequestPage, decide: ServerAction<DecideRequest>) -> impl IntoView {
    if page.rows.is_empty() {
        return view! { <p class="empty" role="status">"No requests are waiting for you."</p> }.into_any();
    }
    let older = page.next.map(|id| format!("/approvals?below={id}"));
    let rows = page
        .rows
        .into_iter()
        .map(|r| {
            let who = r.person.clone();
            let asked_by = (r.requested_by != r.person).then(|| format!("asked by {}", r.requested_by));
            let (approve, decline) = (format!("Approve {who}"), format!("Decline {who}"));
            view! {
                <tr>
                    <th scope="row">
                        <a href=format!("/approvals/{}", r.id)>{who.clone()}</a>
                        {asked_by.map(|a| view! { <span class="muted">" (" {a} ")"</span> })}
                    </th>
                    <td>{format!("{}: {} ", r.customer, r.deployment)}<code>{r.org_id.clone()}</code></td>
                    <td>{r.level.clone()}</td>
                    <td class="reason">{r.reason.clone()}</td>
                    <td class="date">{format_date(r.created_at).unwrap_or_default()}</td>
                    <td>
                        <ActionForm action=decide attr:class="inline decision">
                            <input type="hidden" name="id" value=r.id.to_string()/>
                            <button type="submit" name="decision" value="approve" aria-label=approve>"Approve"</button>
                            <button type="submit" name="decision" value="decline" class="secondary" aria-label=decline>"Decline"</button>
                        </ActionForm>
                    </td>
                </tr>
            }
        })
        .collect_view();
    view! {
        <div class="table-wrap" role="region" aria-label="Requests waiting for a decision" tabindex="0">
            <table class="requests">
                <thead>
                    <tr>
                        <th scope="col">"For"</th>
                        <th scope="col">"Deployment"</th>
                        <th scope="col">"Level"</th>
                        <th scope="col">"Reason"</th>
                        <th scope="col">"Asked"</th>
                        <th scope="col">"Decision"</th>
                    </tr>
                </thead>
                <tbody>{rows}</tbody>
            </table>
        </div>
        {older.map(|href| view! { <p><a href=href>"Older requests"</a></p> })}
    }
    .into_any()
}
