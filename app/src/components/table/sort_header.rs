use leptos::prelude::*;

use crate::model::{ListView, SortColumn, SortDir};

/// A column header that sorts by its column (again to reverse) and says how the table
/// is sorted through `aria-sort`. `children` sit beside the link (a column filter).
#[component]
pub fn SortHeader<Q: ListView>(query: Q, key: Q::Sort, #[prop(optional)] children: Option<Children>) -> impl IntoView {
    let list = query.list();
    let sorted = list.sort == key;
    let aria = match (sorted, list.dir) {
        (false, _) => "none",
        (true, SortDir::Asc) => "ascending",
        (true, SortDir::Desc) => "descending",
    };
    let arrow = match (sorted, list.dir) {
        (false, _) => "",
        (true, SortDir::Asc) => " ▲",
        (true, SortDir::Desc) => " ▼",
    };
    view! {
        <th scope="col" aria-sort=aria>
            <span class="th-inner">
                <a href=query.sorted_by(key).href() class="sort">
                    {key.label()}
                    <span aria-hidden="true">{arrow}</span>
                </a>
                {children.map(|c| c())}
            </span>
        </th>
    }
}
