use leptos::prelude::*;
use leptos::tachys::view::{any_view::AnyViewState, Mountable, Render};
use wasm_bindgen::JsCast;
use web_sys::{Element, HtmlElement, HtmlInputElement};

use super::column_filter::filter_popover;
use super::member_rows::{act, menu_button_id, menu_html, menu_id};
use super::state::{use_ui, DialogKind, ManageUsersUi};
use crate::components::toast::{use_toasts, Toasts};
use crate::model::FilterColumn;

/// The Manage Users list: the table with its pager (or the empty state), as the server
/// wrote it (`backend::members::list_html`).
///
/// Nothing in it is a view: this component keeps it in step with the selection, the open
/// ⋯ Actions menu and the open column filter, and answers its clicks and keys from the
/// list's element. Its sort and page links are followed by the router.
#[component]
pub fn MemberTable(html: String) -> impl IntoView {
    let ui = use_ui();
    let toasts = use_toasts();
    let list = NodeRef::<leptos::html::Div>::new();
    let rows = Rows { ui, toasts, list, filter: RwSignal::new(None) };
    // The rows' checkboxes and menus follow the shared state (in the browser only: the
    // server writes every box unchecked and every menu closed, as the state starts). An
    // open menu is the one element put in the rows after they are written.
    Effect::new(move |_| {
        let all = ui.all_matching.get();
        ui.selected.with(|selected| {
            let boxes = controls::<HtmlInputElement>(list.get(), act::SELECT);
            for (id, input) in &boxes {
                input.set_checked(all || selected.contains(id));
            }
            let whole_page = all || (!boxes.is_empty() && boxes.iter().all(|(id, _)| selected.contains(id)));
            if let Some(input) = page_box(list.get()) {
                input.set_checked(whole_page);
            }
        });
    });
    Effect::new(move |_| {
        let open = ui.menu.get();
        let active_login = rows.active_login();
        for (id, button) in controls::<Element>(list.get(), act::MENU) {
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
    // The column filters' popover lives in the browser only: its state is held on the
    // browser's one thread, and the server, which drops a page's state on whichever
    // thread is free, must not hold it.
    if !cfg!(feature = "ssr") {
        filter_popovers(rows);
    }

    view! {
        <div
            class="list-body"
            node_ref=list
            inner_html=html
            on:change=move |ev| rows.changed(&ev)
            on:click=move |ev| rows.clicked(&ev)
            on:keydown=move |ev| rows.key(&ev)
            on:focusout=move |ev| rows.focus_left(&ev)
        ></div>
    }
}

/// Puts the open column filter's popover beside its button, and takes it away when it
/// closes or the list goes. It is built in a reactive scope of its own under the list's,
/// so the list's end ends it too.
fn filter_popovers(rows: Rows) {
    let (ui, list) = (rows.ui, rows.list);
    let owner = Owner::current().unwrap_or_default();
    let shown = StoredValue::new_local(None::<(Owner, AnyViewState)>);
    let take_away = move || {
        if let Some((scope, mut view)) = shown.try_update_value(Option::take).flatten() {
            view.unmount();
            scope.cleanup();
        }
    };
    Effect::new(move |_| {
        let open = rows.filter.get();
        untrack(|| {
            take_away();
            let mut opened = None;
            for (column, button) in filter_buttons(list.get()) {
                let is_open = open == Some(column);
                let _ = button.set_attribute("aria-expanded", if is_open { "true" } else { "false" });
                if is_open {
                    opened = Some(button);
                }
            }
            let (Some(column), Some(button), Some(query)) = (open, opened, ui.query.get_untracked()) else { return };
            let Some(parent) = button.parent_element() else { return };
            let scope = owner.child();
            scope.clone().with(|| {
                leptos::task::spawn_local_scoped(async move {
                    let view = filter_popover(column, query, rows.filter, button).await;
                    // Closed, or another opened, while its code was fetched.
                    if rows.filter.get_untracked() != Some(column) {
                        scope.cleanup();
                        return;
                    }
                    let mut state = view.build();
                    state.mount(&parent, None);
                    shown.set_value(Some((scope, state)));
                })
            });
        });
    });
    on_cleanup(take_away);
}

/// What the list's controls do: each names its action in `data-act`, a row's the
/// membership in its row's `data-id`; the dialogs take the member's name from the row.
#[derive(Clone, Copy)]
struct Rows {
    ui: ManageUsersUi,
    toasts: Toasts,
    list: NodeRef<leptos::html::Div>,
    /// The column whose filter is open.
    filter: RwSignal<Option<FilterColumn>>,
}

impl Rows {
    fn changed(self, ev: &web_sys::Event) {
        let Some((act, el)) = control(ev) else { return };
        let on = el.dyn_ref::<HtmlInputElement>().is_some_and(|i| i.checked());
        if act == act::SELECT_PAGE {
            let ids: Vec<i64> =
                controls::<Element>(self.list.get_untracked(), act::SELECT).into_iter().map(|(id, _)| id).collect();
            self.ui.all_matching.set(false);
            self.ui.selected.update(|s| {
                for id in ids {
                    if on {
                        s.insert(id);
                    } else {
                        s.remove(&id);
                    }
                }
            });
        } else if act == act::SELECT {
            let Some(id) = row_id(&el) else { return };
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

    /// The list is of active members (else of inactive ones), as its table says.
    fn active_login(self) -> bool {
        self.table_data("data-active-login").is_none_or(|v| v == "true")
    }

    fn table_data(self, name: &str) -> Option<String> {
        self.list.get_untracked()?.query_selector("table").ok()??.get_attribute(name)
    }

    fn clicked(self, ev: &web_sys::Event) {
        let Some((act, el)) = control(ev) else { return };
        if act == act::FILTER {
            let column = el.get_attribute("data-column").and_then(|c| FilterColumn::parse(&c));
            self.filter.update(|open| *open = if *open == column { None } else { column });
            return;
        }
        let Some(id) = row_id(&el) else { return };
        let name = || row_name(&el);
        let ui = self.ui;
        match act.as_str() {
            act::DETAILS => ui.open(DialogKind::Details { membership: id }),
            act::LOGIN => ui.open(DialogKind::SetActive { membership: id, name: name(), active: !self.active_login() }),
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
                self.choose(DialogKind::SetActive { membership: id, name: name(), active: !self.active_login() })
            }
            act::REMOVE => self.choose(DialogKind::Remove { membership: id, name: name() }),
            _ => {}
        }
    }

    /// The ⋯ button opens its menu from the keyboard (a menu button's keys); inside the
    /// menu the arrows, Home and End move, Escape closes it back onto its button.
    fn key(self, ev: &web_sys::KeyboardEvent) {
        let Some((act, el)) = control(ev) else { return };
        let Some(id) = row_id(&el) else { return };
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
    fn focus_left(self, ev: &web_sys::FocusEvent) {
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
        let Some(account) = self.table_data("data-account").and_then(|a| a.parse::<i64>().ok()) else { return };
        let toasts = self.toasts;
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

/// The control an event came from: its action and itself.
fn control(ev: &web_sys::Event) -> Option<(String, Element)> {
    let target = ev.target()?.dyn_into::<Element>().ok()?;
    let el = target.closest("[data-act]").ok()??;
    Some((el.get_attribute("data-act")?, el))
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

/// The controls of one action in the rows of `list`, with their rows' memberships.
fn controls<E: JsCast>(list: Option<web_sys::HtmlDivElement>, act: &str) -> Vec<(i64, E)> {
    all(list, &format!("tbody [data-act=\"{act}\"]"))
        .into_iter()
        .filter_map(|e| Some((row_id(&e)?, e.dyn_into::<E>().ok()?)))
        .collect()
}

/// The header's box that selects the whole page.
fn page_box(list: Option<web_sys::HtmlDivElement>) -> Option<HtmlInputElement> {
    list?.query_selector(&format!("[data-act=\"{}\"]", act::SELECT_PAGE)).ok()??.dyn_into().ok()
}

/// The column filters' buttons, with their columns.
fn filter_buttons(list: Option<web_sys::HtmlDivElement>) -> Vec<(FilterColumn, HtmlElement)> {
    all(list, &format!("[data-act=\"{}\"]", act::FILTER))
        .into_iter()
        .filter_map(|e| Some((FilterColumn::parse(&e.get_attribute("data-column")?)?, e.dyn_into().ok()?)))
        .collect()
}

/// The elements in `within` that `selector` matches, in order.
pub(crate) fn all(within: Option<impl AsRef<Element>>, selector: &str) -> Vec<Element> {
    let Some(found) = within.and_then(|w| w.as_ref().query_selector_all(selector).ok()) else { return Vec::new() };
    (0..found.length()).filter_map(|i| found.item(i)?.dyn_into::<Element>().ok()).collect()
}

/// The items of the menu element `menu`, in order.
fn menu_items(menu: Option<Element>) -> Vec<HtmlElement> {
    all(menu, "[role=menuitem]").into_iter().filter_map(|e| e.dyn_into().ok()).collect()
}

/// Focuses the `index`-th of `items`, counting round from either end (-1 is the last).
fn focus_at(items: &[HtmlElement], index: i32) {
    if !items.is_empty() {
        let _ = items[index.rem_euclid(items.len() as i32) as usize].focus();
    }
}
