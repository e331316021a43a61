use std::fmt::Write;

use html_escape::encode_double_quoted_attribute as attr;
use leptos::html::Input;
use leptos::prelude::*;
use leptos_router::hooks::use_navigate;
use leptos_router::NavigateOptions;

use crate::components::timer::Timer;
use crate::model::{clean_search, ListView, PAGE_SIZES};

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
#[component]
pub fn SearchBox<Q: ListView>(query: Memo<Option<Q>>, placeholder: &'static str) -> impl IntoView {
    let input = NodeRef::<Input>::new();
    let initial = query.get_untracked();
    let initial_text = initial.as_ref().map(|q| q.list().search).unwrap_or_default();
    let initial_size = initial.as_ref().map(|q| q.list().page_size).unwrap_or_default();
    let burst = Timer::new();
    let navigate = use_navigate();

    let go = move |q: Q| {
        navigate(&q.href(), NavigateOptions { replace: true, scroll: false, ..Default::default() });
    };
    // The text typed in `el`, if it is not the list's: ask for it. The box is read through
    // the element an event came from, not the box's own state, which a page torn down
    // meanwhile (a link followed mid-burst) no longer has.
    let go_typed = go.clone();
    let ask = move |el: &web_sys::HtmlInputElement| {
        if let Some(Some(q)) = query.try_get_untracked() {
            let cleaned = clean_search(&el.value());
            if cleaned != q.list().search {
                go_typed(q.with_search(cleaned));
            }
        }
    };
    let on_input = move |ev: leptos::ev::Event| {
        // Within a burst the keys are gathered; the burst's end asks for the text then.
        if burst.is_pending() {
            return;
        }
        let el = event_target::<web_sys::HtmlInputElement>(&ev);
        ask(&el);
        let ask = ask.clone();
        burst.start(std::time::Duration::from_millis(BURST_MS), move || ask(&el));
    };
    let go_submit = go.clone();
    let on_submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        burst.clear();
        if let (Some(Some(q)), Some(Some(el))) = (query.try_get_untracked(), input.try_get_untracked()) {
            go_submit(q.with_search(clean_search(&el.value())));
        }
    };
    let on_size = move |ev: leptos::ev::Event| {
        if let (Some(Some(q)), Ok(size)) = (query.try_get_untracked(), event_target_value(&ev).parse::<u32>()) {
            go(q.with_page_size(size));
        }
    };

    // Back/forward and links change the search from outside: show it, unless the
    // person is typing in the box right now.
    Effect::new(move |_| {
        let text = query.get().map(|q| q.list().search).unwrap_or_default();
        if let Some(el) = input.get() {
            let typing = document().active_element().is_some_and(|a| {
                let a: &web_sys::Element = &a;
                let el: &web_sys::Element = &el;
                a == el
            });
            if !typing && clean_search(&el.value()) != text {
                el.set_value(&text);
            }
        }
    });

    // Hidden fields keep the rest of the view when the form is submitted without JS
    // (HTML, like the sizes below: nothing in them is live).
    let hidden = move || {
        let mut out = String::new();
        for (k, v) in query.get().map(|q| q.hidden_fields()).unwrap_or_default() {
            let _ = write!(out, r#"<input type="hidden" name="{}" value="{}">"#, attr(&k), attr(&v));
        }
        out
    };
    let sizes = PAGE_SIZES.into_iter().fold(String::new(), |mut out, n| {
        let selected = if n == initial_size { " selected" } else { "" };
        let _ = write!(out, r#"<option value="{n}"{selected}>{n}</option>"#);
        out
    });

    view! {
        <form class="search-box" method="get" role="search" on:submit=on_submit>
            <span class="hidden-fields" inner_html=hidden></span>
            <div class="field">
                <label for="search-text">"Search Text"</label>
                <input
                    id="search-text"
                    name="q"
                    type="search"
                    node_ref=input
                    value=initial_text
                    placeholder=placeholder
                    autocomplete="off"
                    maxlength=crate::model::MAX_SEARCH_CHARS.to_string()
                    on:input=on_input
                />
            </div>
            <div class="field">
                <label for="page-size">"Rows per page"</label>
                <select id="page-size" name="size" on:change=on_size inner_html=sizes></select>
            </div>
            <button type="submit" class="secondary">"Search"</button>
        </form>
    }
}
