use leptos::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::{Element, HtmlElement, HtmlInputElement};

use super::column_filter::ColumnFilter;
use super::member_rows::{act, menu_button_id, menu_html, menu_id, rows_html};
use super::state::{use_ui, DialogKind, ManageUsersUi};
use crate::components::table::sort_header::SortHeader;
use crate::components::toast::{use_toasts, Toasts};
use crate::model::{FilterColumn, MemberPage, MemberQuery, MemberStatus, SortColumn, SortKey};

/// The Manage Users table, with sortable column headers (`SortHeader`).
///
/// Its rows are one piece of server-written HTML (`member_rows`); this component keeps
/// them in step with the selection and the open ⋯ Actions menu, and answers their clicks
/// and keys from the table body.
#[component]
pub fn MemberTable(query: MemberQuery, page: MemberPage, caption: String) -> impl IntoView {
    let ui = use_ui();
    let toasts = use_toasts();
    let header = |key: SortKey| {
        let filter = match key {
            SortKey::Name => Some(FilterColumn::Name),
            SortKey::Email => Some(FilterColumn::Email),
            _ => None,
        };
        let q = query.clone();
        match filter {
            Some(column) => view! {
                <SortHeader query=query.clone() key>
                    <ColumnFilter column query=q.clone()/>
                </SortHeader>
            }
            .into_any(),
            None => view! { <SortHeader query=query.clone() key/> }.into_any(),
        }
    };
    let page_ids: Vec<i64> = page.rows.iter().map(|r| r.membership_id).collect();
    let ids_for_all = page_ids.clone();
    let all_on_page = move || {
        ui.all_matching.get()
            || ui.selected.with(|s| !ids_for_all.is_empty() && ids_for_all.iter().all(|i| s.contains(i)))
    };
    let toggle_page = move |ev: leptos::ev::Event| {
        let on = event_target_checked(&ev);
        ui.all_matching.set(false);
        ui.selected.update(|s| {
            for id in &page_ids {
                if on {
                    s.insert(*id);
                } else {
                    s.remove(id);
                }
            }
        });
    };

    let active_login = query.status == MemberStatus::Active;
    let rows = Rows { ui, toasts, account: query.account, active_login };
    let body_html = rows_html(&page.rows, active_login);
    let body = NodeRef::<leptos::html::Tbody>::new();
    // The rows' checkboxes and menus follow the shared state (in the browser only: the
    // server writes every box unchecked and every menu closed, as the state starts). An
    // open menu is the one element put in the rows after they are written.
    Effect::new(move |_| {
        let all = ui.all_matching.get();
        ui.selected.with(|selected| {
            for (id, input) in controls::<HtmlInputElement>(body.get(), act::SELECT) {
                input.set_checked(all || selected.contains(&id));
            }
        });
    });
    Effect::new(move |_| {
        let open = ui.menu.get();
        for (id, button) in controls::<Element>(body.get(), act::MENU) {
            let is_open = open == Some(id);
            let _ = button.set_attribute("aria-expanded", if is_open { "true" } else { "false" });
            match (is_open, button.next_element_sibling()) {
                (true, None) => {
                    let _ = button.insert_adjacent_html("afterend", &menu_html(id, &row_name(&button), active_login));
                }
                (false, Some(menu)) => menu.remove(),
                _ => {}
            }
        }
    });

    view! {
        <table class="members">
            <caption>{caption}</caption>
            <thead>
                <tr>
                    <td class="select">
                        <input
                            type="checkbox"
                            aria-label="Select all users on this page"
                            prop:checked=all_on_page
                            on:change=toggle_page
                        />
                    </td>
                    {SortKey::ALL.iter().copied().map(header).collect_view()}
                    <th scope="col">"Active Login"</th>
                    <th scope="col"><span class="visually-hidden">"Actions"</span></th>
                </tr>
            </thead>
            <tbody
                node_ref=body
                inner_html=body_html
                on:change=move |ev| rows.changed(&ev)
                on:click=move |ev| rows.clicked(&ev)
                on:keydown=move |ev| rows.key(&ev)
                on:focusout=move |ev| rows.focus_left(&ev)
            ></tbody>
        </table>
    }
}

/// What the rows' controls do: each names its action in `data-act`, its row the
/// membership in `data-id`; the dialogs take the member's name from the row itself.
#[derive(Clone, Copy)]
struct Rows {
    ui: ManageUsersUi,
    toasts: Toasts,
    account: i64,
    /// The list is of active members (else of inactive ones).
    active_login: bool,
}

impl Rows {
    fn changed(self, ev: &leptos::ev::Event) {
        let Some((id, act, el)) = control(ev) else { return };
        if act == act::SELECT {
            let on = el.dyn_ref::<HtmlInputElement>().is_some_and(|i| i.checked());
            self.ui.all_matching.set(false);
            self.ui.selected.update(|s| {
                if on {
                    s.insert(id);
                } else {
                    s.remove(&id);
                }
            });
        }
    }

    fn clicked(self, ev: &leptos::ev::MouseEvent) {
        let Some((id, act, el)) = control(ev) else { return };
        let name = || row_name(&el);
        let ui = self.ui;
        match act.as_str() {
            act::DETAILS => ui.open(DialogKind::Details { membership: id }),
            act::LOGIN => ui.open(DialogKind::SetActive { membership: id, name: name(), active: !self.active_login }),
            act::INVITE => self.invite(id, el),
            act::MENU => {
                if ui.menu.get_untracked() == Some(id) {
                    self.hide_menu(id, false)
                } else {
                    self.show_menu(id, false)
                }
            }
            act::UPDATE => self.choose(DialogKind::Update { membership: id }),
            act::SET_ACTIVE => {
                self.choose(DialogKind::SetActive { membership: id, name: name(), active: !self.active_login })
            }
            act::REMOVE => self.choose(DialogKind::Remove { membership: id, name: name() }),
            _ => {}
        }
    }

    /// The ⋯ button opens its menu from the keyboard (a menu button's keys); inside the
    /// menu the arrows, Home and End move, Escape closes it back onto its button.
    fn key(self, ev: &leptos::ev::KeyboardEvent) {
        let Some((id, act, el)) = control(ev) else { return };
        let key = ev.key();
        if act == act::MENU {
            match key.as_str() {
                "ArrowDown" | "Enter" | " " => {
                    ev.prevent_default();
                    self.show_menu(id, false);
                }
                "ArrowUp" => {
                    ev.prevent_default();
                    self.show_menu(id, true);
                }
                _ => {}
            }
            return;
        }
        if el.get_attribute("role").as_deref() != Some("menuitem") {
            return;
        }
        let items = menu_items(el.closest("[role=menu]").ok().flatten());
        let current = items.iter().position(|e| e.unchecked_ref::<Element>() == &el).map_or(-1, |p| p as i32);
        match key.as_str() {
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
                self.hide_menu(id, true);
            }
            "Tab" => self.hide_menu(id, false),
            _ => {}
        }
    }

    /// Leaving an open menu and its button (a click elsewhere, Tab) closes it.
    fn focus_left(self, ev: &leptos::ev::FocusEvent) {
        let Some(id) = self.ui.menu.get_untracked() else { return };
        let Some(left) = ev.target().and_then(|t| t.dyn_into::<Element>().ok()) else { return };
        let Some(menu) = left.closest("div.menu").ok().flatten() else { return };
        if row_id(&menu) != Some(id) {
            return;
        }
        let to = ev.related_target().and_then(|t| t.dyn_into::<web_sys::Node>().ok());
        if !to.is_some_and(|t| menu.contains(Some(&t))) {
            self.ui.menu.set(None);
        }
    }

    fn show_menu(self, id: i64, focus_last: bool) {
        self.ui.menu.set(Some(id));
        // Focus once the state has shown the menu.
        request_animation_frame(move || {
            focus_at(&menu_items(document().get_element_by_id(&menu_id(id))), if focus_last { -1 } else { 0 })
        });
    }

    fn hide_menu(self, id: i64, refocus: bool) {
        self.ui.menu.set(None);
        if refocus {
            if let Some(b) =
                document().get_element_by_id(&menu_button_id(id)).and_then(|b| b.dyn_into::<HtmlElement>().ok())
            {
                let _ = b.focus();
            }
        }
    }

    fn choose(self, d: DialogKind) {
        self.ui.menu.set(None);
        self.ui.open(d);
    }

    /// "Invite to Community" (SPEC F15) in the row of a contact who has not registered:
    /// sends them an invitation for their membership of the list's account. The button
    /// is disabled while it is sent.
    fn invite(self, id: i64, button: Element) {
        let (account, toasts) = (self.account, self.toasts);
        let _ = button.set_attribute("disabled", "");
        leptos::task::spawn_local(async move {
            match crate::api::invite_to_community(account, crate::model::MembershipId(id)).await {
                Ok(message) => toasts.ok(message),
                Err(e) => toasts.error(e.to_string()),
            }
            let _ = button.remove_attribute("disabled");
        });
    }
}

/// The row control an event came from: its row's membership, its action and itself.
fn control(ev: &web_sys::Event) -> Option<(i64, String, Element)> {
    let target = ev.target()?.dyn_into::<Element>().ok()?;
    let el = target.closest("[data-act]").ok()??;
    let act = el.get_attribute("data-act")?;
    Some((row_id(&el)?, act, el))
}

/// The membership of the row holding `el`.
fn row_id(el: &Element) -> Option<i64> {
    el.closest("tr[data-id]").ok()??.get_attribute("data-id")?.parse().ok()
}

/// The name shown in the row holding `el` (its details button's text).
fn row_name(el: &Element) -> String {
    el.closest("tr[data-id]")
        .ok()
        .flatten()
        .and_then(|row| row.query_selector(&format!("[data-act=\"{}\"]", act::DETAILS)).ok().flatten())
        .and_then(|b| b.text_content())
        .unwrap_or_default()
}

/// The controls of one action in the rows of `body`, with their rows' memberships.
fn controls<E: JsCast>(body: Option<web_sys::HtmlTableSectionElement>, act: &str) -> Vec<(i64, E)> {
    let Some(list) = body.and_then(|b| b.query_selector_all(&format!("[data-act=\"{act}\"]")).ok()) else {
        return Vec::new();
    };
    (0..list.length())
        .filter_map(|i| list.item(i)?.dyn_into::<Element>().ok())
        .filter_map(|e| Some((row_id(&e)?, e.dyn_into::<E>().ok()?)))
        .collect()
}

/// The items of the menu element `menu`, in order.
fn menu_items(menu: Option<Element>) -> Vec<HtmlElement> {
    let Some(list) = menu.and_then(|m| m.query_selector_all("[role=menuitem]").ok()) else { return Vec::new() };
    (0..list.length()).filter_map(|i| list.item(i)).filter_map(|n| n.dyn_into::<HtmlElement>().ok()).collect()
}

/// Focuses the `index`-th of `items`, counting round from either end (-1 is the last).
fn focus_at(items: &[HtmlElement], index: i32) {
    if !items.is_empty() {
        let _ = items[index.rem_euclid(items.len() as i32) as usize].focus();
    }
}
