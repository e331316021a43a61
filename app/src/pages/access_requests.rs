use crate::components::page_title::PageTitle;
use leptos::prelude::*;
use leptos_router::hooks::use_query_map;

use crate::api::{access_request_form, my_requests, RequestAccess};
use crate::components::access_request::state_words;
use crate::components::error_view::ErrorView;
use crate::components::form_feedback::form_error;
use crate::error::AppError;
use crate::model::{format_date, RequestForm, RequestPage, MAX_REASON};
use crate::page_data::page_data;

/// "Access requests" for a partner member (SPEC F23): ask for a support access level on
/// deployments their organisation supports (Org IDs, typed or carried over from My
/// deployments as `?org=`), for themselves or a colleague, and follow their requests.
#[component]
pub fn AccessRequestsPage() -> impl IntoView {
    let query = use_query_map();
    let below = Memo::new(move |_| query.with(|q| q.get("below").and_then(|b| b.parse::<i64>().ok())));
    let org = query.with_untracked(|q| q.get("org")).unwrap_or_default();
    let ask = ServerAction::<RequestAccess>::new();
    let form = page_data(|| (), |_| access_request_form());
    let mine = page_data(move || (below.get(), ask.version().get()), |(below, _)| my_requests(below));
    view! {
        <PageTitle text="Access requests"/>
        <h1>"Access requests"</h1>
        <Transition fallback=|| view! { <p role="status">"Loading…"</p> }>
            <ErrorBoundary fallback=|errors| view! { <ErrorView errors/> }>
                {
                    let org = org.clone();
                    move || {
                        let org = org.clone();
                        Suspend::new(async move {
                            let form = form.await?;
                            Ok::<_, AppError>(view! { <AskForm form ask org/> })
                        })
                    }
                }
            </ErrorBoundary>
        </Transition>
        <section aria-labelledby="my-requests-heading">
            <h2 id="my-requests-heading">"My requests"</h2>
            <Transition fallback=|| view! { <p role="status">"Loading your requests…"</p> }>
                <ErrorBoundary fallback=|errors| view! { <ErrorView errors/> }>
                    {move || Suspend::new(async move {
                        let page = mine.await?;
                        Ok::<_, AppError>(view! { <MyRequests page/> })
                    })}
                </ErrorBoundary>
            </Transition>
        </section>
    }
}

#[component]
fn AskForm(form: RequestForm, ask: ServerAction<RequestAccess>, org: String) -> impl IntoView {
    let error = form_error(ask);
    let done = move || match ask.value().get() {
        Some(Ok(said)) => said,
        _ => String::new(),
    };
    let levels = form
        .levels
        .into_iter()
        .map(|l| view! { <option value=l.key>{format!("{}: {}", l.label, l.description)}</option> })
        .collect_view();
    view! {
        <section aria-labelledby="ask-heading">
            <h2 id="ask-heading">"Request access"</h2>
            <p>
                {format!("Ask for access to deployments {} supports. ", form.partner)}
                "An approver of each deployment decides; you get an email either way. "
                "A request waits 14 days for a decision."
            </p>
            <ActionForm action=ask>
                <div class="field">
                    <label for="ask-org-ids">"Org IDs of the deployments (one per line)"</label>
                    <textarea id="ask-org-ids" name="org_ids" rows="3" required autocomplete="off" aria-describedby="ask-org-ids-help">{org}</textarea>
                    <p id="ask-org-ids-help" class="hint">"Find them on " <a href="/deployments">"My deployments"</a> "."</p>
                </div>
                <div class="field">
                    <label for="ask-level">"Support access level"</label>
                    <select id="ask-level" name="level" required>{levels}</select>
                </div>
                <div class="field">
                    <label for="ask-reason">"Reason"</label>
                    <textarea id="ask-reason" name="reason" rows="3" required maxlength=MAX_REASON.to_string()></textarea>
                </div>
                <div class="field">
                    <label for="ask-for">"For a colleague (their email; empty: for yourself)"</label>
                    <input id="ask-for" name="for_email" type="email" autocomplete="off"/>
                </div>
                <p class="field-error" role="alert">{error}</p>
                <p class="success" role="status">{done}</p>
                <button type="submit" disabled=move || ask.pending().get()>"Send request"</button>
            </ActionForm>
        </section>
    }
}

#[component]
fn MyRequests(page: RequestPage) -> impl IntoView {
    if page.rows.is_empty() {
        return view! { <p class="empty">"You have no access requests yet."</p> }.into_any();
    }
    let older = page.next.map(|id| format!("/access-requests?below={id}"));
    let rows = page
        .rows
        .into_iter()
        .map(|r| {
            let state = state_words(&r);
            view! {
                <tr>
                    <th scope="row">{format!("{}: {} ", r.customer, r.deployment)}<code>{r.org_id.clone()}</code></th>
                    <td>{r.person.clone()}</td>
                    <td>{r.level.clone()}</td>
                    <td class="date">{format_date(r.created_at).unwrap_or_default()}</td>
                    <td>{state}</td>
                    <td class="reason">{r.reason.clone()}</td>
                </tr>
            }
        })
        .collect_view();
    view! {
        <div class="table-wrap" role="region" aria-label="Your access requests, newest first" tabindex="0">
            <table class="requests">
                <thead>
                    <tr>
                        <th scope="col">"Deployment"</th>
                        <th scope="col">"For"</th>
                        <th scope="col">"Level"</th>
                        <th scope="col">"Asked"</th>
                        <th scope="col">"State"</th>
                        <th scope="col">"Reason"</th>
                    </tr>
                </thead>
                <tbody>{rows}</tbody>
            </table>
        </div>
        {older.map(|href| view! { <p><a href=href>"Older requests"</a></p> })}
    }
    .into_any()
}
