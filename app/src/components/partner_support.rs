//! The console's partners section (SPEC F21): which customer deployments each partner
//! supports, recording a new one by its Org ID and ending one. Plain forms: they work
//! without JavaScript, where the outcome comes back next to the console's forms.

use leptos::prelude::*;

use crate::api::{console_partners, EndPartnerSupport, StartPartnerSupport};
use crate::components::error_view::ErrorView;
use crate::components::form_feedback::toast_answers;
use crate::components::toast::use_toasts;
use crate::error::AppError;
use crate::model::PartnerSupport;
use crate::page_data::page_data;

#[component]
pub fn PartnerSupportSection() -> impl IntoView {
    let start = ServerAction::<StartPartnerSupport>::new();
    let end = ServerAction::<EndPartnerSupport>::new();
    let toasts = use_toasts();
    toast_answers(start, toasts);
    toast_answers(end, toasts);
    let partners = page_data(move || start.version().get() + end.version().get(), |_| console_partners());
    view! {
        <section aria-labelledby="partners-heading">
            <h2 id="partners-heading">"Partners and the deployments they support"</h2>
            <Transition fallback=|| view! { <p role="status">"Loading partners…"</p> }>
                <ErrorBoundary fallback=|errors| view! { <ErrorView errors/> }>
                    {move || Suspend::new(async move {
                        let partners = partners.await?;
                        Ok::<_, AppError>(view! { <Partners partners start end/> })
                    })}
                </ErrorBoundary>
            </Transition>
        </section>
    }
}

#[component]
fn Partners(
    partners: Vec<PartnerSupport>,
    start: ServerAction<StartPartnerSupport>,
    end: ServerAction<EndPartnerSupport>,
) -> impl IntoView {
    let options =
        partners.iter().map(|p| view! { <option value=p.partner.to_string()>{p.name.clone()}</option> }).collect_view();
    let lists = partners
        .into_iter()
        .map(|p| {
            let partner = p.partner;
            let (heading, labelled_by) = (format!("partner-{partner}"), format!("partner-{partner}"));
            let rows = if p.deployments.is_empty() {
                view! { <p>"No deployments yet."</p> }.into_any()
            } else {
                let items = p
                    .deployments
                    .into_iter()
                    .map(|(account, customer, name, org_id)| {
                        let label = format!("End support: {name}");
                        view! {
                            <li>
                                {format!("{customer}: {name} ")}<code>{org_id}</code>
                                <ActionForm action=end attr:class="inline">
                                    <input type="hidden" name="partner" value=partner.to_string()/>
                                    <input type="hidden" name="account" value=account.to_string()/>
                                    <button type="submit" class="danger small" aria-label=label>"End support"</button>
                                </ActionForm>
                            </li>
                        }
                    })
                    .collect_view();
                view! { <ul class="deployments">{items}</ul> }.into_any()
            };
            view! {
                <section aria-labelledby=labelled_by>
                    <h3 id=heading>{p.name}</h3>
                    {rows}
                </section>
            }
        })
        .collect_view();
    view! {
        {lists}
        <ActionForm action=start>
            <div class="field">
                <label for="support-partner">"Partner"</label>
                <select id="support-partner" name="partner" required>{options}</select>
            </div>
            <div class="field">
                <label for="support-org-id">"Org ID of the customer deployment"</label>
                <input id="support-org-id" name="org_id" required autocomplete="off"/>
            </div>
            <button type="submit">"Add supported deployment"</button>
        </ActionForm>
    }
}
