use leptos::prelude::*;
use wasm_bindgen::JsCast;

use super::state::{DialogKind, ManageUsersUi};

/// The ⋯ Actions menu of a row: a menu button with arrow-key navigation, Escape to
/// close, and focus back on the button.
///
/// A plain function of the table's shared state rather than a component with signals
/// and element references of its own: a page renders one per row, and on the server
/// each row's reactive state was a fair part of what a page of rows cost.
pub fn row_actions(ui: ManageUsersUi, membership: i64, name: String, active: bool) -> impl IntoView {
    let button_id = format!("actions-{membership}");
    let menu_id = format!("actions-menu-{membership}");
    let is_open = move || ui.menu.get() == Some(membership);

    let open_now = move || ui.menu.get_untracked() == Some(membership);
    let show = {
        let menu_id = menu_id.clone();
        move |focus_last: bool| {
            ui.menu.set(Some(membership));
            let menu_id = menu_id.clone();
            // Focus once the items are in the DOM.
            request_animation_frame(move || {
                focus_at(&menu_items(document().get_element_by_id(&menu_id)), if focus_last { -1 } else { 0 })
            });
        }
    };
    let hide = {
        let button_id = button_id.clone();
        move |refocus: bool| {
            ui.menu.set(None);
            if refocus {
                if let Some(b) =
                    document().get_element_by_id(&button_id).and_then(|b| b.dyn_into::<web_sys::HtmlElement>().ok())
                {
                    let _ = b.focus();
                }
            }
        }
    };
    let on_button_key = {
        let show = show.clone();
        move |ev: leptos::ev::KeyboardEvent| match ev.key().as_str() {
            "ArrowDown" | "Enter" | " " => {
                ev.prevent_default();
                show(false);
            }
            "ArrowUp" => {
                ev.prevent_default();
                show(true);
            }
            _ => {}
        }
    };
    let on_click = {
        let hide = hide.clone();
        move |_| if open_now() { hide(false) } else { show(false) }
    };
    let on_menu_key = move |ev: leptos::ev::KeyboardEvent| {
        let items = menu_items(ev.current_target().and_then(|t| t.dyn_into::<web_sys::Element>().ok()));
        let active = document().active_element();
        let current = items
            .iter()
            .position(|e| active.as_ref().is_some_and(|a| a == e.unchecked_ref::<web_sys::Element>()))
            .map_or(-1, |p| p as i32);
        match ev.key().as_str() {
            "ArrowDown" => {
                ev.prevent_default();
                focus_at(&items, current + 1);
            }
            "ArrowUp" => {
                ev.prevent_default();
                focus_at(&items, current - 1);
            }
            "Home" => {
                ev.prevent_default();
                focus_at(&items, 0);
            }
            "End" => {
                ev.prevent_default();
                focus_at(&items, -1);
            }
            "Escape" => {
                ev.prevent_default();
                hide(true);
            }
            "Tab" => hide(false),
            _ => {}
        }
    };
    // Leaving the menu (a click elsewhere, Tab) closes it.
    let on_focus_out = move |ev: leptos::ev::FocusEvent| {
        let inside = ev
            .related_target()
            .and_then(|t| t.dyn_into::<web_sys::Node>().ok())
            .zip(ev.current_target().and_then(|w| w.dyn_into::<web_sys::Node>().ok()))
            .is_some_and(|(t, w)| w.contains(Some(&t)));
        if !inside && open_now() {
            ui.menu.set(None);
        }
    };
    let choose = move |d: DialogKind| {
        ui.menu.set(None);
        ui.open(d);
    };
    let label = format!("Actions for {name}");
    let menu_label = label.clone();
    let menu = move || {
        is_open().then(|| {
            let (n1, n2) = (name.clone(), name.clone());
            view! {
                <ul role="menu" id=menu_id.clone() aria-label=menu_label.clone() on:keydown=on_menu_key.clone()>
                    <li role="none">
                        <button type="button" role="menuitem" tabindex="-1"
                            on:click=move |_| choose(DialogKind::Update { membership })>"Update"</button>
                    </li>
                    <li role="none">
                        <button type="button" role="menuitem" tabindex="-1"
                            on:click=move |_| choose(DialogKind::SetActive { membership, name: n1.clone(), active: !active })>
                            {if active { "Deactivate login" } else { "Reactivate login" }}
                        </button>
                    </li>
                    <li role="none">
                        <button type="button" role="menuitem" tabindex="-1" class="danger-text"
                            on:click=move |_| choose(DialogKind::Remove { membership, name: n2.clone() })>"Remove"</button>
                    </li>
                </ul>
            }
        })
    };
    view! {
        <div class="menu" on:focusout=on_focus_out>
            <button
                type="button"
                class="icon"
                id=button_id
                aria-haspopup="menu"
                aria-expanded=move || is_open().to_string()
                aria-label=label
                on:click=on_click
                on:keydown=on_button_key
            >
                "⋯"
            </button>
            {menu}
        </div>
    }
}

/// The items of the menu element `menu`, in order.
fn menu_items(menu: Option<web_sys::Element>) -> Vec<web_sys::HtmlElement> {
    let Some(list) = menu.and_then(|m| m.query_selector_all("[role=menuitem]").ok()) else { return Vec::new() };
    (0..list.length()).filter_map(|i| list.item(i)).filter_map(|n| n.dyn_into::<web_sys::HtmlElement>().ok()).collect()
}

/// Focuses the `index`-th of `items`, counting round from either end (-1 is the last).
fn focus_at(items: &[web_sys::HtmlElement], index: i32) {
    if !items.is_empty() {
        let _ = items[index.rem_euclid(items.len() as i32) as usize].focus();
    }
}
