//! The document title of every page.

use leptos::prelude::*;
use leptos_meta::Title;

/// Sets the document title to `text · Roster`. Each page formats its own title, rather
/// than one formatter over the whole app: a page whose code comes after the app's
/// (`crate::pages::Page`) would otherwise leave the formatter alone for a moment while it
/// hydrates, which sets an empty title.
#[component]
pub fn PageTitle(#[prop(into)] text: String) -> impl IntoView {
    view! { <Title text=page_title(&text)/> }
}

/// The document title of a page titled `page`. The server writes it into `<title>` as it
/// is (leptos_meta does not escape it), so there it is escaped: a case titled
/// `</title><script>…` must not end the element. The browser sets `document.title`,
/// which is text, from the unescaped one.
fn page_title(page: &str) -> String {
    let title = if page.is_empty() { "Roster".to_string() } else { format!("{page} · Roster") };
    if cfg!(feature = "ssr") {
        title.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;")
    } else {
        title
    }
}

#[cfg(test)]
mod tests {
    use super::page_title;

    #[test]
    fn a_title_ends_with_the_product_and_cannot_end_the_element() {
        assert_eq!(page_title(""), "Roster");
        if cfg!(feature = "ssr") {
            assert_eq!(page_title("</title><b>"), "&lt;/title&gt;&lt;b&gt; · Roster");
        }
    }
}
