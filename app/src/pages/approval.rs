use crate::components::page_title::PageTitle;
use leptos::prelude::*;
use leptos_router::hooks::use_params_map;

use crate::api::{access_request, DecideRequest};
use crate::components::access_request::RequestDetails;
use crate::components::error_view::ErrorView;
use crate::components::form_feedback::form_error;
use crate::error::AppError;
use crate::model::DecisionView;
use crate::page_data::page_data;

/// One access request, where an approver's email link leads (`/approvals/:id`). Opening
/// it decides nothing (mail scanners follow links); a click on Approve or Decline does.
/// A request decided already, expired, or not the visitor's to decide says so.
#[component]
pub fn ApprovalPage() -> impl IntoView {
    let id = use_params_map().with_untracked(|p| p.get("id").and_then(|i| i.parse::<i64>().ok())).unwrap_or(0);
    let decide = ServerAction::<DecideRequest>::new();
    let view_of = page_data(move || decide.version().get(), move |_| access_request(id));
    view! {
        <PageTitle text="Access request"/>
        <section class="decision">
            <h1>"Access request"</h1>
            <Transition fallback=|| view! { <p role="status">"Loading the request…"</p> }>
                <ErrorBoundary fallback=|errors| view! { <ErrorView errors/> }>
                    {move || Suspend::new(async move {
                        let v = view_of.await?;
                        Ok::<_, AppError>(view! { <Decision v decide/> })
                    })}
                </ErrorBoundary>
            </Transition>
            <p><a href="/approvals">"All requests waiting for you"</a></p>
        </section>
    }
}

#[component]
fn Decision(v: DecisionView, decide: ServerAction<DecideRequest>) -> impl IntoView {
    let error = form_error(decide);
    let done = move || match decide.value().get() {
        Some(Ok(said)) => said,
        _ => String::new(),
    };
    let id = v.request.id;
    let controls = match v.refusal {
        Some(why) => view! { <p class="notice" role="status">{why}</p> }.into_any(),
        None => view! {
            <ActionForm action=decide attr:class="decision">
                <input type="hidden" name="id" value=id.to_string()/>
                <button type="submit" name="decision" value="approve">"Approve"</button>
                " "
                <button type="submit" name="decision" value="decline" class="secondary">"Decline"</button>
            </ActionForm>
        }
        .into_any(),
    };
    view! {
        <RequestDetails request=v.request/>
        <p class="success" role="status">{done}</p>
        <p class="field-error" role="alert">{error}</p>
        {controls}
    }
}
