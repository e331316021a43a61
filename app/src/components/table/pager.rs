use std::fmt::Write;

use html_escape::encode_double_quoted_attribute as attr;
use leptos::prelude::*;

use crate::model::{Cursor, ListView, PageCursor};

/// "First page", "Previous" and "Next" links carrying the page cursor.
#[component]
pub fn Pager<Q: ListView>(query: Q, prev: Option<Cursor>, next: Option<Cursor>) -> impl IntoView {
    let mut links = String::new();
    pager_links(&mut links, &query, prev.as_ref(), next.as_ref());
    view! { <nav class="pager" aria-label="Pages" inner_html=links></nav> }
}

/// The pager as HTML, for lists the server writes as one string (Manage Users').
pub fn pager_html<Q: ListView>(out: &mut String, query: &Q, prev: Option<&Cursor>, next: Option<&Cursor>) {
    out.push_str(r#"<nav class="pager" aria-label="Pages">"#);
    pager_links(out, query, prev, next);
    out.push_str("</nav>");
}

/// The links inside the pager: one writer for the component and for server-written lists.
fn pager_links<Q: ListView>(out: &mut String, query: &Q, prev: Option<&Cursor>, next: Option<&Cursor>) {
    if query.list().cursor.is_some() {
        let _ = write!(out, r#"<a href="{}">First page</a>"#, attr(&query.first_page().href()));
    }
    let mut link = |cursor: Option<PageCursor>, rel: &str, label: &str| match cursor {
        Some(c) => {
            let _ = write!(out, r#"<a href="{}" rel="{rel}">{label}</a>"#, attr(&query.at(Some(c)).href()));
        }
        None => {
            let _ = write!(out, r#"<span class="disabled" aria-disabled="true">{label}</span>"#);
        }
    };
    link(prev.cloned().map(PageCursor::Before), "prev", "Previous");
    link(next.cloned().map(PageCursor::After), "next", "Next");
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{CursorKey, MemberQuery};

    fn html(query: &MemberQuery, prev: Option<&Cursor>, next: Option<&Cursor>) -> String {
        let mut out = String::new();
        pager_html(&mut out, query, prev, next);
        out
    }

    #[test]
    fn a_middle_page_links_first_previous_and_next_with_the_view_kept() {
        let mut query = MemberQuery::new(3);
        query.search = "o'brien & co".into();
        let here = Cursor { key: CursorKey::Text("m".into()), id: 9 };
        query.cursor = Some(PageCursor::After(here.clone()));
        let out = html(&query, Some(&here), Some(&here));
        assert!(out.starts_with(r#"<nav class="pager" aria-label="Pages"><a href=""#), "{out}");
        assert!(out.contains(">First page</a>"), "{out}");
        assert!(out.contains(r#"rel="prev">Previous</a>"#) && out.contains(r#"rel="next">Next</a>"#), "{out}");
        // Every link keeps the Search Text, and the query string's `&` is escaped in the attribute.
        assert_eq!(out.matches("?q=o%27brien+%26+co").count(), 3, "{out}");
        assert!(out.contains("&amp;") && !out.contains("&before") && !out.contains("&after"), "{out}");
        assert!(out.ends_with("</nav>"));
    }

    #[test]
    fn the_first_page_has_no_first_link_and_ends_are_disabled_not_links() {
        let out = html(&MemberQuery::new(3), None, None);
        assert_eq!(
            out,
            r#"<nav class="pager" aria-label="Pages"><span class="disabled" aria-disabled="true">Previous</span><span class="disabled" aria-disabled="true">Next</span></nav>"#
        );
    }
}
