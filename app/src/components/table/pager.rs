use leptos::prelude::*;

use crate::model::{Cursor, ListView, PageCursor};

/// "First page", "Previous" and "Next" links carrying the page cursor.
#[component]
pub fn Pager<Q: ListView>(query: Q, prev: Option<Cursor>, next: Option<Cursor>) -> impl IntoView {
    let prev = prev.map(|c| query.at(Some(PageCursor::Before(c))));
    let next = next.map(|c| query.at(Some(PageCursor::After(c))));
    let first = query.list().cursor.is_some().then(|| query.first_page());
    view! {
        <nav class="pager" aria-label="Pages">
            {first.map(|q| view! { <a href=q.href()>"First page"</a> })}
            {match prev {
                Some(q) => view! { <a href=q.href() rel="prev">"Previous"</a> }.into_any(),
                None => view! { <span class="disabled" aria-disabled="true">"Previous"</span> }.into_any(),
            }}
            {match next {
                Some(q) => view! { <a href=q.href() rel="next">"Next"</a> }.into_any(),
                None => view! { <span class="disabled" aria-disabled="true">"Next"</span> }.into_any(),
            }}
        </nav>
    }
}
