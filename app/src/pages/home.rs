use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::Redirect;
use leptos_router::hooks::use_query_map;

use crate::api::list_accounts;
use crate::components::error_view::ErrorView;
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
    let accounts = page_data(|| (), |_| list_accounts());
    view! {
        <Title text="Accounts"/>
        <h1>"Accounts"</h1>
        <Transition fallback=|| view! { <p role="status">"Loading accounts…"</p> }>
            <ErrorBoundary fallback=|errors| view! { <ErrorView errors/> }>
                {move || Suspend::new(async move {
                    let accounts = accounts.await?;
                    let body = if accounts.is_empty() {
                        view! { <p>"You are not a member of any account yet."</p> }.into_any()
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
                    Ok::<_, crate::error::AppError>(body)
                })}
            </ErrorBoundary>
        </Transition>
    }
    .into_any()
}
