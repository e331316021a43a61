use crate::components::page_title::PageTitle;
use leptos::prelude::*;
use leptos_router::components::Redirect;
use leptos_router::hooks::use_query_map;

use crate::api::list_accounts;
use crate::components::error_view::ErrorView;
use crate::model::{encode_component, AccountPage};
use crate::page_data::page_data;

/// The accounts this person can manage. `/?account=ID` (the account picker without
/// JavaScript) goes straight to that account.
#[component]
pub fn HomePage() -> impl IntoView {
    let query = use_query_map();
    let jump = query.with_untracked(|q| q.get("account").and_then(|a| a.parse::<i64>().ok()));
    if let Some(id) = jump {
        return view! { <Redirect path=format!("/accounts/{id}/users")/> }.into_any();
    }
    // A vendor operator's list: searched and paged in the URL (`q`, `after`).
    let search = Memo::new(move |_| query.with(|q| q.get("q")).unwrap_or_default());
    let after = Memo::new(move |_| query.with(|q| q.get("after").and_then(|a| a.parse::<i64>().ok())));
    let accounts = page_data(move || (search.get(), after.get()), |(search, after)| list_accounts(Some(search), after));
    view! {
        <PageTitle text="Accounts"/>
        <h1>"Accounts"</h1>
        <Transition fallback=|| view! { <p role="status">"Loading accounts…"</p> }>
            <ErrorBoundary fallback=|errors| view! { <ErrorView errors/> }>
                {move || Suspend::new(async move {
                    let AccountPage { accounts, next, searchable } = accounts.await?;
                    let searched = search.get_untracked();
                    let with_search = |after: Option<i64>| {
                        let mut pairs = Vec::new();
                        if !searched.is_empty() {
                            pairs.push(format!("q={}", encode_component(&searched)));
                        }
                        if let Some(a) = after {
                            pairs.push(format!("after={a}"));
                        }
                        if pairs.is_empty() { "/".to_string() } else { format!("/?{}", pairs.join("&")) }
                    };
                    let first = after.get_untracked().is_some().then(|| with_search(None));
                    let next = next.map(|n| with_search(Some(n)));
                    let search_box = searchable.then(|| view! {
                        <form class="search-box" method="get" action="/" role="search">
                            <div class="field">
                                <label for="account-search">"Search accounts"</label>
                                <input id="account-search" type="search" name="q" value=searched.clone()
                                    placeholder="Account, organisation or Org ID"/>
                            </div>
                            <button type="submit" class="secondary">"Search"</button>
                        </form>
                    });
                    let pager = (first.is_some() || next.is_some()).then(|| view! {
                        <nav class="pager" aria-label="Pages">
                            {first.map(|h| view! { <a href=h>"First page"</a> })}
                            {next.map(|h| view! { <a href=h rel="next">"Next"</a> })}
                        </nav>
                    });
                    let body = if accounts.is_empty() {
                        let said = if searched.is_empty() {
                            "You are not a member of any account yet.".to_string()
                        } else {
                            format!("No account matches \u{201c}{searched}\u{201d}.")
                        };
                        view! { <p class="empty" role="status">{said}</p> }.into_any()
                    } else {
                        view! {
                            // Scrolls sideways on a narrow screen; the keyboard reaches it too.
                            <div class="table-wrap" role="region" aria-label="Support accounts" tabindex="0">
                            <table class="accounts">
                                <caption>"Support accounts"</caption>
                                <thead>
                                    <tr>
                                        <th scope="col">"Account"</th>
                                        <th scope="col">"Organisation"</th>
                                        <th scope="col">"Org ID"</th>
                                        <th scope="col">"Kind"</th>
                                        <th scope="col" class="num">"Members"</th>
                                        <th scope="col"><span class="visually-hidden">"Cases"</span></th>
                                    </tr>
                                </thead>
                                <tbody>
                                    {accounts
                                        .into_iter()
                                        .map(|a| {
                                            let href = format!("/accounts/{}/users", a.id);
                                            let raise = format!("/accounts/{}/cases/new", a.id);
                                            let cases = format!("/accounts/{}/cases", a.id);
                                            let cases_label = format!("Cases of {}", a.name);
                                            let raise_label = format!("Raise a case on {}", a.name);
                                            let kind = if a.government_cloud {
                                                format!("{} (government cloud)", a.kind)
                                            } else {
                                                a.kind.clone()
                                            };
                                            view! {
                                                <tr>
                                                    <th scope="row"><a href=href>{a.name}</a></th>
                                                    <td>{a.organisation}</td>
                                                    <td>{a.org_id}</td>
                                                    <td>{kind}</td>
                                                    <td class="num">{a.members}</td>
                                                    <td>
                                                        <a href=cases aria-label=cases_label>"Cases"</a>
                                                        " · "
                                                        <a href=raise aria-label=raise_label>"Raise a case"</a>
                                                    </td>
                                                </tr>
                                            }
                                        })
                                        .collect_view()}
                                </tbody>
                            </table>
                            </div>
                        }
                        .into_any()
                    };
                    Ok::<_, crate::error::AppError>(view! { {search_box} {body} {pager} })
                })}
            </ErrorBoundary>
        </Transition>
    }
    .into_any()
}
