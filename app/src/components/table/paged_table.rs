use leptos::prelude::*;

use super::{pager::Pager, sort_header::SortHeader};
use crate::model::{Cursor, ListView, SortColumn};

/// A page of a table: its caption, a sortable header for every column of the view's
/// sort, the rows, and the pager under it.
#[component]
pub fn PagedTable<Q: ListView>(
    query: Q,
    caption: String,
    class: &'static str,
    prev: Option<Cursor>,
    next: Option<Cursor>,
    children: Children,
) -> impl IntoView {
    let headers = <Q::Sort as SortColumn>::ALL
        .iter()
        .map(|key| view! { <SortHeader query=query.clone() key=*key/> })
        .collect_view();
    view! {
        <div class="table-wrap">
            <table class=class>
                <caption>{caption}</caption>
                <thead>
                    <tr>{headers}</tr>
                </thead>
                <tbody>{children()}</tbody>
            </table>
        </div>
        <Pager query prev next/>
    }
}
