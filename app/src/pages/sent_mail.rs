use crate::components::page_title::PageTitle;
use leptos::prelude::*;
use leptos_router::hooks::use_query_map;

use crate::api::list_mail;
use crate::components::error_view::ErrorView;
use crate::error::AppError;
use crate::model::{format_date, MailRow};
use crate::page_data::page_data;

/// The outbox for vendor operators ("Sent mail"): every email Roster sent or is about to
/// send, newest first, with its delivery state; filtered by recipient through `?to=`.
#[component]
pub fn SentMailPage() -> impl IntoView {
    let query = use_query_map();
    let to = Memo::new(move |_| query.with(|q| q.get("to")).filter(|t| !t.trim().is_empty()));
    let before = Memo::new(move |_| query.with(|q| q.get("before").and_then(|b| b.parse::<i64>().ok())));
    let page = page_data(move || (to.get(), before.get()), |(to, before)| list_mail(to, before));
    view! {
        <PageTitle text="Sent mail"/>
        <h1>"Sent mail"</h1>
        <p class="hint">
            "One-time links (invitations, password resets, email confirmations) are hidden, shown as \"…\": \
             only the person they were sent to may follow them."
        </p>
        <form method="get" action="/mail" class="filter-form" role="search">
            <label for="mail-to">"Recipient"</label>
            <input id="mail-to" name="to" type="email" value=move || to.get().unwrap_or_default()/>
            <button type="submit" class="secondary">"Show"</button>
        </form>
        <Transition fallback=|| view! { <p role="status">"Loading…"</p> }>
            <ErrorBoundary fallback=|errors| view! { <ErrorView errors/> }>
                {move || Suspend::new(async move {
                    let page = page.await?;
                    let older = page.older.map(|b| match to.get() {
                        Some(t) => format!("/mail?to={}&before={b}", crate::model::encode_component(&t)),
                        None => format!("/mail?before={b}"),
                    });
                    let body = if page.rows.is_empty() {
                        view! { <p role="status">"No emails."</p> }.into_any()
                    } else {
                        view! {
                            <ul class="mail-list">{page.rows.into_iter().map(mail_item).collect_view()}</ul>
                        }
                        .into_any()
                    };
                    Ok::<_, AppError>(view! {
                        {body}
                        {older.map(|href| view! { <nav aria-label="Pages"><a href=href>"Older emails"</a></nav> })}
                    })
                })}
            </ErrorBoundary>
        </Transition>
    }
}

fn mail_item(m: MailRow) -> impl IntoView {
    let state = match (m.sent_at, &m.last_error) {
        (Some(at), _) => format!("Sent {}", format_date(at).unwrap_or_default()),
        (None, Some(e)) => format!("Not sent yet ({} attempts; last error: {e})", m.attempts),
        (None, None) => "Waiting to be sent".to_string(),
    };
    view! {
        <li>
            <article class="mail" aria-label=format!("Email to {}: {}", m.recipient, m.subject)>
                <h2>{m.subject.clone()}</h2>
                <p>
                    "To " <strong>{m.recipient.clone()}</strong> " · queued "
                    {format_date(m.created_at).unwrap_or_default()} " · " {state}
                </p>
                <details>
                    <summary>"Show the message"</summary>
                    <pre class="mail-body">{m.body_text}</pre>
                </details>
            </article>
        </li>
    }
}
