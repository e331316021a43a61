use crate::components::page_title::PageTitle;
use leptos::prelude::*;
use leptos_router::hooks::{use_params_map, use_query_map};

use crate::api::{case_href, list_cases};
use crate::components::error_view::ErrorView;
use crate::components::table::{paged_table::PagedTable, pager::Pager, search_box::SearchBox};
use crate::error::AppError;
use crate::model::{format_date, thousands, CaseList, CaseQuery, CaseStatus, ListView};
use crate::page_data::page_data;

/// An account's cases (SPEC F20): every case for its administrators, the cases they
/// are on for other members; searched, filtered, sorted and paged by the server, the
/// whole view in the URL.
#[component]
pub fn CasesPage() -> impl IntoView {
    let params = use_params_map();
    let query_map = use_query_map();
    let parsed = Memo::new(move |_| {
        let account = params.with(|p| p.get("account").and_then(|a| a.parse::<i64>().ok()))?;
        Some(query_map.with(|m| CaseQuery::from_params(account, |k| m.get(k))))
    });
    let query = Memo::new(move |_| parsed.get().map(|(q, _)| q));
    let notices = move || parsed.get().map(|(_, n)| n).unwrap_or_default();
    let cases = page_data(
        move || query.get(),
        |q| async move {
            match q {
                Some(q) => list_cases(q.clone()).await.map(|list| (q, list)),
                None => Err(AppError::not_found("There is no such account.")),
            }
        },
    );
    let loading = RwSignal::new(false);
    view! {
        <PageTitle text="Cases"/>
        <Transition fallback=|| view! { <p role="status">"Loading cases…"</p> } set_pending=loading.write_only()>
            <ErrorBoundary fallback=|errors| view! { <ErrorView errors/> }>
                {move || Suspend::new(async move {
                    let (q, list) = cases.await?;
                    Ok::<_, AppError>(view! { <CaseListHead q list notices=notices()/> })
                })}
                // Outside the parts a search's answer rebuilds: the box (and what is
                // being typed in it) stays while the rows change.
                <SearchBox query placeholder="Case number or title"/>
                {move || Suspend::new(async move {
                    // An error is shown once, by the part above.
                    let (q, list) = cases.await.ok()?;
                    Some(view! { <CaseListBody q list loading/> })
                })}
            </ErrorBoundary>
        </Transition>
    }
}

/// The account, the status filters and any notices about the view's parameters.
#[component]
fn CaseListHead(q: CaseQuery, list: CaseList, notices: Vec<String>) -> impl IntoView {
    let account = q.account;
    let status_link = |status: Option<CaseStatus>, label: &'static str| {
        let current = q.status == status;
        let href = CaseQuery { status, ..q.first_page() }.href();
        view! { <a href=href aria-current=current.then_some("page")>{label}</a> }
    };
    let mine_link = list.sees_all.then(|| {
        let href = CaseQuery { mine: !q.mine, ..q.first_page() }.href();
        let label = if q.mine { "Show every case of the account" } else { "Only my cases" };
        view! { <a href=href>{label}</a> }
    });
    view! {
        <PageTitle text=format!("Cases: {}", list.account_name)/>
        <div class="page-head">
            <div>
                <p class="eyebrow">"Support cases"</p>
                <h1>{list.account_name.clone()}</h1>
            </div>
            <div class="toolbar">
                <a class="button" href=format!("/accounts/{account}/cases/new")>"Raise a case"</a>
            </div>
        </div>
        {(!notices.is_empty()).then(|| view! {
            <div class="notice" role="status">
                <ul>{notices.into_iter().map(|m| view! { <li>{m}</li> }).collect_view()}</ul>
            </div>
        })}
        <nav class="filters" aria-label="Case status">
            {status_link(None, "All cases")}
            {status_link(Some(CaseStatus::Open), "Open")}
            {status_link(Some(CaseStatus::Resolved), "Resolved")}
            {mine_link}
        </nav>
    }
}

/// The page of cases, or what to do when there are none.
#[component]
fn CaseListBody(q: CaseQuery, list: CaseList, loading: RwSignal<bool>) -> impl IntoView {
    let account = q.account;
    let caption = caption(&q, list.sees_all);
    let page = list.page;
    // A one- or two-character search looks at a stretch of cases per page (see
    // `SHORT_SEARCH_WINDOW`): said, so that a short or empty page is not read as "no more".
    let window_note = page.window.map(|n| {
        view! {
            <p class="hint">
                {format!(
                    "One or two characters look through {} cases per page; type a third to search every case at once.",
                    thousands(u64::from(n))
                )}
            </p>
        }
    });
    let stretch_empty = page.rows.is_empty() && page.window.is_some() && (page.next.is_some() || page.prev.is_some());
    let body = if stretch_empty {
        view! {
            <div class="empty" role="status">
                <p>"None of the cases in this stretch match. “Next” looks further."</p>
            </div>
            <Pager query=q.clone() prev=page.prev.clone() next=page.next.clone()/>
        }
        .into_any()
    } else if page.rows.is_empty() {
        let clear = CaseQuery::new(account).href();
        view! {
            <div class="empty" role="status">
                <p>{if q.is_filtered() { "No cases match this view." } else { "There are no cases to show here yet." }}</p>
                {q.is_filtered().then(|| view! { <a href=clear>"Clear search and filters"</a> })}
            </div>
        }
        .into_any()
    } else {
        let rows = page
            .rows
            .iter()
            .map(|r| {
                let status_class = if r.status == CaseStatus::Open { "badge ok" } else { "badge muted" };
                view! {
                    <tr>
                        <th scope="row"><a href=case_href(account, r.id)>{r.number.clone()}</a></th>
                        <td>{r.title.clone()}</td>
                        <td><span class=status_class>{r.status.label()}</span></td>
                        <td>{if r.primary_name.is_empty() { "—".to_string() } else { r.primary_name.clone() }}</td>
                        <td class="date">{format_date(r.updated_at).unwrap_or_default()}</td>
                    </tr>
                }
            })
            .collect_view();
        view! {
            <PagedTable query=q.clone() caption class="cases" prev=page.prev.clone() next=page.next.clone()>
                {rows}
            </PagedTable>
        }
        .into_any()
    };
    view! {
        {window_note}
        <section class="case-list" aria-busy=move || loading.get().to_string()>{body}</section>
    }
}

/// The table's heading: which cases it lists.
fn caption(q: &CaseQuery, sees_all: bool) -> String {
    let mut c = match q.status {
        Some(CaseStatus::Open) => "Open cases".to_string(),
        Some(CaseStatus::Resolved) => "Resolved cases".to_string(),
        None => "Cases".to_string(),
    };
    if q.mine || !sees_all {
        c.push_str(" you are on");
    }
    if !q.list.search.is_empty() {
        c.push_str(&format!(" matching \u{201c}{}\u{201d}", q.list.search));
    }
    c
}
