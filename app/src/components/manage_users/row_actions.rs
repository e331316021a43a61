use leptos::html::{Button, Div};
use leptos::prelude::*;
use wasm_bindgen::JsCast;

use super::state::{use_ui, DialogKind};

/// The ⋯ Actions menu of a row: a menu button with arrow-key navigation, Escape to
/// close, and focus back on the button.
#[component]
pub fn RowActions(membership: i64, name: String, active: bool) -> impl IntoView {
    let ui = use_ui();
    let open = RwSignal::new(false);
    let wrapper = NodeRef::<Div>::new();
    let button = NodeRef::<Button>::new();

    let items = move || -> Vec<web_sys::HtmlElement> {
        let Some(w) = wrapper.get_untracked() else { return Vec::new() };
        let Ok(list) = w.query_selector_all("[role=menuitem]") else { return Vec::new() };
        (0..list.length())
            .filter_map(|i| list.item(i))
            .filter_map(|n| n.dyn_into::<web_sys::HtmlElement>().ok())
            .collect()
    };
    let focus_item = move |index: i32| {
        let all = items();
        if all.is_empty() {
            return;
        }
        let n = all.len() as i32;
        let _ = all[index.rem_euclid(n) as usize].focus();
    };
    let current = move || -> i32 {
        let active = document().active_element();
        items()
            .iter()
            .position(|e| active.as_ref().is_some_and(|a| a == e.unchecked_ref::<web_sys::Element>()))
            .map(|p| p as i32)
            .unwrap_or(-1)
    };
    let show = move |focus_last: bool| {
        open.set(true);
        // Focus once the items are in the DOM.
        request_animation_frame(move || focus_item(if focus_last { -1 } else { 0 }));
    };
    let hide = move |refocus: bool| {
        open.set(false);
        if refocus {
            if let Some(b) = button.get_untracked() {
                let _ = b.focus();
            }
        }
    };
    let on_button_key = move |ev: leptos::ev::KeyboardEvent| match ev.key().as_str() {
        "ArrowDown" | "Enter" | " " => {
            ev.prevent_default();
            show(false);
        }
        "ArrowUp" => {
            ev.prevent_default();
            show(true);
        }
        _ => {}
    };
    let on_menu_key = move |ev: leptos::ev::KeyboardEvent| match ev.key().as_str() {
        "ArrowDown" => {
            ev.prevent_default();
            focus_item(current() + 1);
        }
        "ArrowUp" => {
            ev.prevent_default();
            focus_item(current() - 1);
        }
        "Home" => {
            ev.prevent_default();
            focus_item(0);
        }
        "End" => {
            ev.prevent_default();
            focus_item(-1);
        }
        "Escape" => {
            ev.prevent_default();
            hide(true);
        }
        "Tab" => hide(false),
        _ => {}
    };
    // Leaving the menu (a click elsewhere, Tab) closes it.
    let on_focus_out = move |ev: leptos::ev::FocusEvent| {
        let inside = ev
            .related_target()
            .and_then(|t| t.dyn_into::<web_sys::Node>().ok())
            .zip(wrapper.get_untracked())
            .is_some_and(|(t, w)| w.contains(Some(&t)));
        if !inside {
            open.set(false);
        }
    };
    let choose = move |d: DialogKind| {
        open.set(false);
        ui.open(d);
    };
    let label = format!("Actions for {name}");
    let (n1, n2) = (name.clone(), name.clone());
    view! {
        <div class="menu" node_ref=wrapper on:focusout=on_focus_out>
            <button
                type="button"
                class="icon"
                node_ref=button
                aria-haspopup="menu"
                aria-expanded=move || open.get().to_string()
                aria-label=label.clone()
                on:click=move |_| if open.get_untracked() { hide(false) } else { show(false) }
                on:keydown=on_button_key
            >
                "⋯"
            </button>
            <Show when=move || open.get()>
                <ul role="menu" aria-label=label.clone() on:keydown=on_menu_key>
                    <li role="none">
                        <button type="button" role="menuitem" tabindex="-1"
                            on:click=move |_| choose(DialogKind::Update { membership })>"Update"</button>
                    </li>
                    <li role="none">
                        <button type="button" role="menuitem" tabindex="-1"
                            on:click={
                                let n = n1.clone();
                                move |_| choose(DialogKind::SetActive { membership, name: n.clone(), active: !active })
                            }>
                            {if active { "Deactivate login" } else { "Reactivate login" }}
                        </button>
                    </li>
                    <li role="none">
                        <button type="button" role="menuitem" tabindex="-1" class="danger-text"
                            on:click={
                                let n = n2.clone();
                                move |_| choose(DialogKind::Remove { membership, name: n.clone() })
                            }>"Remove"</button>
                    </li>
                </ul>
            </Show>
        </div>
    }
}
