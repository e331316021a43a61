use crate::components::page_title::PageTitle;
use leptos::prelude::*;
use leptos_router::hooks::use_query_map;

use crate::api::list_deployments;
use crate::components::error_view::ErrorView;
use crate::components::table::{paged_table::PagedTable, search_box::SearchBox};
use crate::error::AppError;
use crate::model::{DeploymentQuery, Deployments, ListView};
use crate::page_data::page_data;

/// "My deployments" (SPEC F21): every customer deployment the partner member's
/// organisation supports, with their own support access on each; searched, sorted and
/// paged by the server through the table machinery every list shares, the view in the URL.
#[component]
pub fn DeploymentsPage() -> impl IntoView {
    let query_map = use_query_map();
    let parsed = Memo::new(move |_| query_map.with(|m| DeploymentQuery::from_params(|k| m.get(k))));
    let query = Memo::new(move |_| Some(parsed.get().0));
    let notices = move || parsed.get().1;
    let deployments =
        page_data(move || parsed.get().0, |q| async move { list_deployments(q.clone()).await.map(|d| (q, d)) });
    let loading = RwSignal::new(false);
    view! {
        <PageTitle text="My deployments"/>
        <Transition fallback=|| view! { <p role="status">"Loading deployments…"</p> } set_pending=loading.write_only()>
            <ErrorBoundary fallback=|errors| view! { <ErrorView errors/> }>
                {move || Suspend::new(async move {
                    let (_, d) = deployments.await?;
                    Ok::<_, AppError>(view! { <DeploymentsHead d notices=notices()/> })
                })}
                // Outside the parts a search's answer rebuilds: the box (and what is
                // being typed in it) stays while the rows change.
                <SearchBox query placeholder="Customer, deployment or Org ID"/>
                {move || Suspend::new(async move {
                    // An error is shown once, by the part above.
                    let (q, d) = deployments.await.ok()?;
                    Some(view! { <DeploymentList q d loading/> })
                })}
            </ErrorBoundary>
        </Transition>
    }
}

/// The partner, how many deployments it supports, and any notices about the view's
/// parameters.
#[component]
fn DeploymentsHead(d: Deployments, notices: Vec<String>) -> impl IntoView {
    view! {
        <div class="page-head">
            <div>
                <p class="eyebrow">{d.partner.clone()}</p>
                <h1>"My deployments"</h1>
                <p>{format!("{} supports {} customer deployment{}.", d.partner, d.total, if d.total == 1 { "" } else { "s" })}</p>
            </div>
            <a class="button" href="/access-requests">"Request access"</a>
        </div>
        {(!notices.is_empty()).then(|| view! {
            <div class="notice" role="status">
                <ul>{notices.into_iter().map(|m| view! { <li>{m}</li> }).collect_view()}</ul>
            </div>
        })}
    }
}

/// The page of deployments, or what to do when there are none.
#[component]
fn DeploymentList(q: DeploymentQuery, d: Deployments, loading: RwSignal<bool>) -> impl IntoView {
    let searching = !q.list.search.is_empty();
    let page = d.page;
    let body = if page.rows.is_empty() {
        let clear = DeploymentQuery::default().href();
        view! {
            <div class="empty" role="status">
                <p>{if searching { "No deployments match this search." } else { "Your organisation supports no deployments yet." }}</p>
                {searching.then(|| view! { <a href=clear>"Clear search"</a> })}
            </div>
        }
        .into_any()
    } else {
        let rows = page
            .rows
            .iter()
            .map(|r| {
                let access = match r.access.clone() {
                    Some(level) => view! { <span>{level}</span> }.into_any(),
                    None => {
                        let href = format!("/access-requests?org={}", r.org_id);
                        view! {
                            <span>"No access · "</span>
                            <a href=href>"Request access" <span class="visually-hidden">{format!(" to {}", r.name)}</span></a>
                        }
                        .into_any()
                    }
                };
                let name = view! { <a href=format!("/deployments/{}", r.account)>{r.name.clone()}</a> };
                view! {
                    <tr>
                        <td>{r.customer.clone()}</td>
                        <th scope="row">{name}</th>
                        <td><code>{r.org_id.clone()}</code></td>
                        <td>{r.kind.clone()}</td>
                        <td>{access}</td>
                    </tr>
                }
            })
            .collect_view();
        let caption = if searching {
            format!("Deployments matching \u{201c}{}\u{201d}", q.list.search)
        } else {
            format!("Deployments {} supports", d.partner)
        };
        view! {
            <PagedTable query=q.clone() caption class="deployments" prev=page.prev.clone() next=page.next.clone()>
                {rows}
            </PagedTable>
        }
        .into_any()
    };
    view! {
        <section class="deployment-list" aria-busy=move || loading.get().to_string()>{body}</section>
    }
}
