use crate::components::page_title::PageTitle;
use leptos::prelude::*;
use leptos_router::hooks::use_params_map;

use crate::api::one_deployment;
use crate::components::error_view::ErrorView;
use crate::error::AppError;
use crate::model::DeploymentDetail;
use crate::page_data::page_data;

/// One deployment the partner supports (`/deployments/:account`): the partner's contacts
/// there with their support access levels, and who approves access requests for it.
#[component]
pub fn DeploymentPage() -> impl IntoView {
    let account =
        use_params_map().with_untracked(|p| p.get("account").and_then(|a| a.parse::<i64>().ok())).unwrap_or(0);
    let detail = page_data(|| (), move |_| one_deployment(account));
    view! {
        <PageTitle text="Deployment"/>
        <Transition fallback=|| view! { <p role="status">"Loading the deployment…"</p> }>
            <ErrorBoundary fallback=|errors| view! { <ErrorView errors/> }>
                {move || Suspend::new(async move {
                    let d = detail.await?;
                    Ok::<_, AppError>(view! { <Deployment d/> })
                })}
            </ErrorBoundary>
        </Transition>
        <p><a href="/deployments">"All deployments"</a></p>
    }
}

#[component]
fn Deployment(d: DeploymentDetail) -> impl IntoView {
    let cases = d.member.then(|| format!("/accounts/{}/cases", d.account));
    let request = format!("/access-requests?org={}", d.org_id);
    let contacts = if d.contacts.is_empty() {
        view! { <p class="empty">{format!("Nobody of {} is a contact here yet.", d.partner)}</p> }.into_any()
    } else {
        let rows = d
            .contacts
            .into_iter()
            .map(|c| {
                view! {
                    <tr>
                        <th scope="row">{c.name}</th>
                        <td>{c.email}</td>
                        <td>{c.level}</td>
                        <td>{if c.active { "Active" } else { "Deactivated" }}</td>
                    </tr>
                }
            })
            .collect_view();
        view! {
            <div class="table-wrap" role="region" aria-label="Contacts and their support access" tabindex="0">
                <table>
                    <thead>
                        <tr>
                            <th scope="col">"Name"</th>
                            <th scope="col">"Email"</th>
                            <th scope="col">"Support access level"</th>
                            <th scope="col">"Login"</th>
                        </tr>
                    </thead>
                    <tbody>{rows}</tbody>
                </table>
            </div>
        }
        .into_any()
    };
    let approvers = if d.approvers.is_empty() {
        view! { <p class="empty">"Nobody approves access requests here yet: Roster's operators decide them."</p> }
            .into_any()
    } else {
        let items = d
            .approvers
            .into_iter()
            .map(|(name, email, all)| {
                let scope = if all { " (every deployment)" } else { " (this deployment)" };
                view! { <li><strong>{name}</strong>{format!(" <{email}>{scope}")}</li> }
            })
            .collect_view();
        view! { <ul>{items}</ul> }.into_any()
    };
    view! {
        <div class="page-head">
            <div>
                <p class="eyebrow">{d.customer.clone()}</p>
                <h1>{d.name.clone()}</h1>
                <p>"Org ID " <code>{d.org_id.clone()}</code> {format!(" · {}", d.kind)}</p>
            </div>
            <div class="actions">
                {cases.map(|href| view! { <a class="button" href=href>"Open its cases"</a> })}
                " "
                <a class="button secondary" href=request>"Request access"</a>
            </div>
        </div>
        <section aria-labelledby="contacts-heading">
            <h2 id="contacts-heading">{format!("Contacts of {}", d.partner)}</h2>
            {contacts}
        </section>
        <section aria-labelledby="approvers-heading">
            <h2 id="approvers-heading">"Approvers"</h2>
            {approvers}
        </section>
    }
}
