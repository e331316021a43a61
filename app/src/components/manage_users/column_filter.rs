use std::collections::BTreeMap;

use leptos::html::Input;
use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_router::hooks::use_navigate;

use crate::api::list_column_values;
use crate::components::timer::Timer;
use crate::model::{FilterColumn, ListView, MemberQuery};

/// The popover of the filter over the Name or Email column (SPEC F4): a searchable
/// checkbox list of the column's values, loaded page by page from the server, "Apply"
/// and "Clear filter". Its button is in the list's HTML; `member_table` puts the popover
/// beside it while it is open.
///
/// The popover's code is not in the WASM the page loads first (`filter_popover`, split
/// off by `cargo leptos build --split`): most visits open no filter, and it was a
/// twelfth of that file. It is fetched with the dialogs' once a pointer or the keyboard
/// comes to the list (`warm`), or when a filter is first opened.
/// Starts fetching the popover's code (see [`ColumnFilter`]).
pub fn warm() {
    let _ = lazy_preload!(filter_popover);
}

/// The open popover of the filter over `column` (the one `open` names); setting `open`
/// to `None` closes it, back onto `button`.
#[lazy]
pub fn filter_popover(
    column: FilterColumn,
    query: MemberQuery,
    open: RwSignal<Option<FilterColumn>>,
    button: web_sys::HtmlElement,
) -> AnyView {
    let current: Vec<String> = match column {
        FilterColumn::Name => query.names.clone(),
        FilterColumn::Email => query.emails.clone(),
    };
    // Chosen values by their case-folded form (what the filter compares), shown as written.
    let chosen = RwSignal::new(current.iter().map(|v| (v.to_lowercase(), v.clone())).collect::<BTreeMap<_, _>>());
    let values = RwSignal::new(Vec::<String>::new());
    let next = RwSignal::new(None::<String>);
    let text = RwSignal::new(String::new());
    let loading = RwSignal::new(false);
    let failed = RwSignal::new(None::<String>);
    let search = NodeRef::<Input>::new();
    let navigate = use_navigate();
    let base = StoredValue::new(query.clone());

    let load = move |more: bool| {
        let after = if more { next.get_untracked() } else { None };
        let q = base.get_value();
        let t = text.get_untracked();
        loading.set(true);
        spawn_local(async move {
            match list_column_values(q, column, t, after).await {
                Ok(page) => {
                    if more {
                        values.update(|v| v.extend(page.values));
                    } else {
                        values.set(page.values);
                    }
                    next.set(page.next);
                    failed.set(None);
                }
                Err(e) => failed.set(Some(e.to_string())),
            }
            loading.set(false);
        });
    };
    let pause = Timer::new();
    let on_text = move |ev: leptos::ev::Event| {
        text.set(event_target_value(&ev));
        pause.start(std::time::Duration::from_millis(200), move || load(false));
    };
    load(false);
    request_animation_frame(move || {
        // The popover may be gone by the next frame.
        if let Some(Some(i)) = search.try_get_untracked() {
            let _ = i.focus();
        }
    });
    let close = move || {
        open.set(None);
        let _ = button.focus();
    };
    let on_key = move |ev: leptos::ev::KeyboardEvent| {
        if ev.key() == "Escape" {
            ev.prevent_default();
            close();
        }
    };
    let apply = move |_| {
        let q = base.get_value();
        let picked: Vec<String> = chosen.get_untracked().into_values().collect();
        let next_q = match column {
            FilterColumn::Name => MemberQuery { names: picked, ..q.first_page() },
            FilterColumn::Email => MemberQuery { emails: picked, ..q.first_page() },
        };
        open.set(None);
        navigate(&next_q.href(), Default::default());
    };
    let cleared = match column {
        FilterColumn::Name => MemberQuery { names: Vec::new(), ..query.first_page() },
        FilterColumn::Email => MemberQuery { emails: Vec::new(), ..query.first_page() },
    };
    let search_id = format!("filter-search-{}", column.label().to_lowercase());
    view! {
        <div class="popover" role="dialog" aria-label=format!("Filter by {}", column.label()) on:keydown=on_key>
            <label for=search_id.clone()>"Search values"</label>
            <input id=search_id.clone() type="search" node_ref=search autocomplete="off" on:input=on_text/>
            <fieldset>
                <legend class="visually-hidden">{column.label()} " values"</legend>
                <ul class="values">
                    <For each=move || values.get() key=|v| v.clone() let:v>
                        {
                            let key = v.to_lowercase();
                            let k2 = key.clone();
                            let shown = v.clone();
                            view! {
                                <li>
                                    <label>
                                        <input
                                            type="checkbox"
                                            prop:checked=move || chosen.with(|c| c.contains_key(&key))
                                            on:change=move |ev| {
                                                let on = event_target_checked(&ev);
                                                chosen.update(|c| {
                                                    if on { c.insert(k2.clone(), shown.clone()); } else { c.remove(&k2); }
                                                });
                                            }
                                        />
                                        {v}
                                    </label>
                                </li>
                            }
                        }
                    </For>
                </ul>
                {move || (values.with(|v| v.is_empty()) && !loading.get()).then(|| view! { <p class="hint">"No values match."</p> })}
                {move || failed.get().map(|e| view! { <p class="field-error" role="alert">{e}</p> })}
            </fieldset>
            <Show when=move || next.get().is_some()>
                <button type="button" class="secondary" on:click=move |_| load(true)>"Load more"</button>
            </Show>
            <div class="popover-actions">
                <button type="button" on:click=apply>"Apply"</button>
                <a href=cleared.href() on:click=move |_| open.set(None)>"Clear filter"</a>
            </div>
        </div>
    }
    .into_any()
}
