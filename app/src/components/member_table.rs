use leptos::prelude::*;

use crate::model::{format_date, MemberPage, MemberQuery, SortDir, SortKey};

/// The Manage Users table. Column headers are links that sort by their column (again
/// to reverse), and say how the table is sorted through `aria-sort`.
#[component]
pub fn MemberTable(query: MemberQuery, page: MemberPage, caption: String) -> impl IntoView {
    let header = |key: SortKey| {
        let sorted = query.sort == key;
        let aria = if !sorted {
            "none"
        } else if query.dir == SortDir::Asc {
            "ascending"
        } else {
            "descending"
        };
        let arrow = match (sorted, query.dir) {
            (false, _) => "",
            (true, SortDir::Asc) => " ▲",
            (true, SortDir::Desc) => " ▼",
        };
        let href = query.sorted_by(key).href();
        view! {
            <th scope="col" aria-sort=aria>
                <a href=href class="sort">
                    {key.label()}
                    <span aria-hidden="true">{arrow}</span>
                </a>
            </th>
        }
    };
    let rows = page
        .rows
        .into_iter()
        .map(|r| {
            let last = format_date(r.last_sign_in_at).unwrap_or_else(|| "Never".into());
            view! {
                <tr>
                    <th scope="row">{r.name}</th>
                    <td>{r.email}</td>
                    <td class="num">{r.additional_roles}</td>
                    <td>
                        {if r.active {
                            view! { <span class="badge ok">"Active"</span> }.into_any()
                        } else {
                            view! { <span class="badge muted">"Inactive"</span> }.into_any()
                        }}
                    </td>
                    <td>{last}</td>
                    <td class="num">{r.cases_owned}</td>
                </tr>
            }
        })
        .collect_view();
    view! {
        <table class="members">
            <caption>{caption}</caption>
            <thead>
                <tr>{SortKey::ALL.into_iter().map(header).collect_view()}</tr>
            </thead>
            <tbody>{rows}</tbody>
        </table>
    }
}
