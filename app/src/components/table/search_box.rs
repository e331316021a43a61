use std::fmt::Write;

use html_escape::encode_double_quoted_attribute as attr;
use leptos::html::Form;
use leptos::prelude::*;
use leptos_router::hooks::use_navigate;
use leptos_router::NavigateOptions;
use wasm_bindgen::JsCast;
use web_sys::HtmlInputElement;

use crate::components::timer::Timer;
use crate::model::{clean_search, ListView, MAX_SEARCH_CHARS, PAGE_SIZES};

/// After the list is asked for, how long further keystrokes are gathered before it is
/// asked again (with the text as it then is): a burst (auto-repeat, keys pressed
/// together, fast typing) costs a request per interval, not one per key. The first
/// keystroke after a pause asks at once, so no wait stands between a key and its rows
/// (issue 16: keystroke to painted rows p95 ≤ 100 ms; a 250 ms wait alone was over it,
/// a 40 ms one took a third of it). A reply to an older text is dropped for the newer.
const BURST_MS: u64 = 40;

/// "Search Text" and the page size. A plain GET form that works without JavaScript;
/// once hydrated, typing updates the URL (and so the list) as you go. `placeholder`
/// says what the text is matched against.
///
/// The form is one piece of HTML (`form_html`), answered from the form element: as
/// views, its fields were a sixth of Manage Users' own code in the first WASM file.
#[component]
pub fn SearchBox<Q: ListView>(query: Memo<Option<Q>>, placeholder: &'static str) -> impl IntoView {
    let form = NodeRef::<Form>::new();
    let html = form_html(query.get_untracked().as_ref(), placeholder);
    let burst = Timer::new();
    let navigate = use_navigate();

    let go = move |q: Q| {
        navigate(&q.href(), NavigateOptions { replace: true, scroll: false, ..Default::default() });
    };
    // The text typed in `el`, if it is not the list's: ask for it. The box is read through
    // the element an event came from, not the box's own state, which a page torn down
    // meanwhile (a link followed mid-burst) no longer has.
    let go_typed = go.clone();
    let ask = move |el: &HtmlInputElement| {
        if let Some(Some(q)) = query.try_get_untracked() {
            let cleaned = clean_search(&el.value());
            if cleaned != q.list().search {
                go_typed(q.with_search(cleaned));
            }
        }
    };
    let on_input = move |ev: leptos::ev::Event| {
        let Some(el) = field(&ev, "q") else { return };
        // Within a burst the keys are gathered; the burst's end asks for the text then.
        if burst.is_pending() {
            return;
        }
        ask(&el);
        let ask = ask.clone();
        burst.start(std::time::Duration::from_millis(BURST_MS), move || ask(&el));
    };
    let go_submit = go.clone();
    let on_submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        burst.clear();
        if let (Some(Some(q)), Some(el)) = (query.try_get_untracked(), text_box(form.get_untracked())) {
            go_submit(q.with_search(clean_search(&el.value())));
        }
    };
    let on_change = move |ev: leptos::ev::Event| {
        let Some(el) = field(&ev, "size") else { return };
        if let (Some(Some(q)), Ok(size)) = (query.try_get_untracked(), el.value().parse::<u32>()) {
            go(q.with_page_size(size));
        }
    };

    // Back/forward and links change the view from outside: show its search, unless the
    // person is typing in the box right now, and keep its other parts in the hidden fields.
    Effect::new(move |_| {
        let list = query.get();
        let Some(form) = form.get() else { return };
        if let Ok(Some(hidden)) = form.query_selector(".hidden-fields") {
            hidden.set_inner_html(&hidden_html(list.as_ref()));
        }
        let text = list.map(|q| q.list().search).unwrap_or_default();
        if let Some(el) = text_box(Some(form)) {
            let typing = document().active_element().is_some_and(|a| {
                let el: &web_sys::Element = &el;
                &a == el
            });
            if !typing && clean_search(&el.value()) != text {
                el.set_value(&text);
            }
        }
    });

    view! {
        <form
            class="search-box"
            method="get"
            role="search"
            node_ref=form
            inner_html=html
            on:submit=on_submit
            on:input=on_input
            on:change=on_change
        ></form>
    }
}

/// The form's fields for the view `query` (the page keeps the hidden ones in step with
/// the view it shows).
fn form_html<Q: ListView>(query: Option<&Q>, placeholder: &str) -> String {
    let (text, size) = query.map(|q| q.list()).map(|l| (l.search, l.page_size)).unwrap_or_default();
    let mut out = format!(
        r#"<span class="hidden-fields">{}</span><div class="field"><label for="search-text">Search Text</label><input id="search-text" name="q" type="search" value="{}" placeholder="{}" autocomplete="off" maxlength="{MAX_SEARCH_CHARS}"></div><div class="field"><label for="page-size">Rows per page</label><select id="page-size" name="size">"#,
        hidden_html(query),
        attr(&text),
        attr(placeholder),
    );
    for n in PAGE_SIZES {
        let selected = if n == size { " selected" } else { "" };
        let _ = write!(out, r#"<option value="{n}"{selected}>{n}</option>"#);
    }
    out.push_str(r#"</select></div><button type="submit" class="secondary">Search</button>"#);
    out
}

/// Hidden fields that keep the rest of the view when the form is submitted without JS.
fn hidden_html<Q: ListView>(query: Option<&Q>) -> String {
    let mut out = String::new();
    for (k, v) in query.map(|q| q.hidden_fields()).unwrap_or_default() {
        let _ = write!(out, r#"<input type="hidden" name="{}" value="{}">"#, attr(&k), attr(&v));
    }
    out
}

/// The form's field named `name`, if the event `ev` came from it.
fn field(ev: &leptos::ev::Event, name: &str) -> Option<HtmlInputElement> {
    let el = ev.target()?.dyn_into::<web_sys::Element>().ok()?;
    (el.get_attribute("name").as_deref() == Some(name)).then(|| el.unchecked_into())
}

/// The Search Text box of `form`.
fn text_box(form: Option<web_sys::HtmlFormElement>) -> Option<HtmlInputElement> {
    form?.query_selector(r#"input[name="q"]"#).ok()??.dyn_into().ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::MemberQuery;

    #[test]
    fn the_form_shows_the_view_and_escapes_it() {
        let q = MemberQuery::new(5).with_search("a\"<b".into()).with_page_size(50);
        let html = form_html(Some(&q), "Name or email");
        assert!(html.contains(r#"name="q" type="search" value="a&quot;&lt;b" placeholder="Name or email""#), "{html}");
        assert!(html.contains(r#"<option value="50" selected>50</option>"#), "{html}");
        assert!(!html.contains(r#"<option value="25" selected>"#), "{html}");
        // Submitted without JavaScript, the form keeps the rest of the view.
        assert!(
            html.contains(r#"<span class="hidden-fields"><input type="hidden" name="sort" value="name">"#),
            "{html}"
        );
    }
}
