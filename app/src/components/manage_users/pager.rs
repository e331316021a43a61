use leptos::prelude::*;

use crate::model::{MemberPage, MemberQuery, PageCursor};

/// "Previous" / "Next" links. They are plain links carrying the page cursor, so paging
/// works without JavaScript and every page has its own address.
#[component]
pub fn Pager(query: MemberQuery, page: MemberPage) -> impl IntoView {
    let prev = page.prev.map(|c| MemberQuery { cursor: Some(PageCursor::Before(c)), ..query.clone() });
    let next = page.next.map(|c| MemberQuery { cursor: Some(PageCursor::After(c)), ..query.clone() });
    let first = query.cursor.is_some().then(|| query.first_page());
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
