use crate::components::page_title::PageTitle;
use leptos::prelude::*;
use leptos_router::hooks::{use_params_map, use_query_map};

use crate::api::{account_audit, get_account};
use crate::components::error_view::ErrorView;
use crate::components::manage_users::member_dialogs::audit_change;
use crate::error::AppError;
use crate::model::{format_date, PersonId};
use crate::page_data::page_data;

/// The account's audit history (SPEC F14): who did what to whom and when, newest
/// first, optionally for one member, a page at a time.
#[component]
pub fn AuditPage() -> impl IntoView {
    let params = use_params_map();
    let query = use_query_map();
    let account = Memo::new(move |_| params.with(|p| p.get("account").and_then(|a| a.parse::<i64>().ok())));
    let person = Memo::new(move |_| query.with(|q| q.get("person").and_then(|p| p.parse::<i64>().ok().map(PersonId))));
    let before = Memo::new(move |_| query.with(|q| q.get("before").and_then(|p| p.parse::<i64>().ok())));
    let data = page_data(
        move || (account.get(), person.get(), before.get()),
        |(account, person, before)| async move {
            let Some(account) = account else {
                return Err(AppError::not_found("There is no such account."));
            };
            let summary = get_account(account).await?;
            let page = account_audit(account, person, before).await?;
            Ok::<_, AppError>((summary, page))
        },
    );
    view! {
        <PageTitle text="Audit history"/>
        <Transition fallback=|| view! { <p role="status">"Loading…"</p> }>
            <ErrorBoundary fallback=|errors| view! { <ErrorView errors/> }>
                {move || Suspend::new(async move {
                    let (summary, page) = data.await?;
                    let base = format!("/accounts/{}/audit", summary.id);
                    let person_q = person.get().map(|p| format!("person={p}&")).unwrap_or_default();
                    let older = page.next.map(|n| format!("{base}?{person_q}before={n}"));
                    let newest = before.get().is_some().then(|| format!("{base}?{}", person_q.trim_end_matches('&')));
                    let subject = person.get().and_then(|_| page.entries.iter().find_map(|e| e.subject.clone()));
                    Ok::<_, AppError>(view! {
                        <p class="eyebrow"><a href=format!("/accounts/{}/users", summary.id)>"← " {summary.name.clone()}</a></p>
                        <h1>"Audit history"</h1>
                        {person.get().map(|_| view! {
                            <p>
                                "Changes to " <strong>{subject.unwrap_or_else(|| "this member".into())}</strong> ". "
                                <a href=base.clone()>"Show every member"</a>
                            </p>
                        })}
                        {if page.entries.is_empty() {
                            view! { <p class="empty">"Nothing recorded yet."</p> }.into_any()
                        } else {
                            view! {
                                // Scrolls sideways on a narrow screen; the keyboard must reach it too.
                                <div class="table-wrap" tabindex="0" role="region" aria-label="Audit history">
                                    <table class="audit">
                                        <caption>"Changes to " {summary.name.clone()} ", newest first"</caption>
                                        <thead>
                                            <tr>
                                                <th scope="col">"When"</th>
                                                <th scope="col">"Who"</th>
                                                <th scope="col">"What"</th>
                                                <th scope="col">"Member"</th>
                                                <th scope="col">"Change"</th>
                                            </tr>
                                        </thead>
                                        <tbody>
                                            {page.entries.into_iter().map(|e| view! {
                                                <tr>
                                                    <td class="date">{format_date(e.at).unwrap_or_default()}</td>
                                                    <td>{e.actor.clone().unwrap_or_else(|| "—".into())}</td>
                                                    <td>{e.action.label()}</td>
                                                    <td>{e.subject.clone().unwrap_or_else(|| "—".into())}</td>
                                                    <td>{audit_change(e.before.as_deref(), e.after.as_deref())}</td>
                                                </tr>
                                            }).collect_view()}
                                        </tbody>
                                    </table>
                                </div>
                            }
                            .into_any()
                        }}
                        <nav class="pager" aria-label="Pages">
                            {newest.map(|h| view! { <a href=h>"Newest"</a> })}
                            {older.map(|h| view! { <a href=h rel="next">"Older entries"</a> })}
                        </nav>
                    })
                })}
            </ErrorBoundary>
        </Transition>
    }
}
