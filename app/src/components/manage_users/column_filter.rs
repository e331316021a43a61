use std::collections::BTreeMap;

use leptos::html::{Button, Input};
use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_router::hooks::use_navigate;

use crate::api::list_column_values;
use crate::components::timer::Timer;
use crate::model::{FilterColumn, ListView, MemberQuery};

/// The filter button over the Name or Email column (SPEC F4): a popover with a
/// searchable checkbox list of the column's values, loaded page by page from the server,
/// "Apply" and "Clear filter".
#[component]
pub fn ColumnFilter(column: FilterColumn, query: MemberQuery) -> impl IntoView {
    let current: Vec<String> = match column {
        FilterColumn::Name => query.names.clone(),
        FilterColumn::Email => query.emails.clone(),
    };
    let filtered = !current.is_empty();
    let open = RwSignal::new(false);
    // Chosen values by their case-folded form (what the filter compares), shown as written.
    let chosen = RwSignal::new(current.iter().map(|v| (v.to_lowercase(), v.clone())).collect::<BTreeMap<_, _>>());
    let values = RwSignal::new(Vec::<String>::new());
    let next = RwSignal::new(None::<String>);
    let text = RwSignal::new(String::new());
    let loading = RwSignal::new(false);
    let failed = RwSignal::new(None::<String>);
    let button = NodeRef::<Button>::new();
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
    let toggle_open = move |_| {
        if open.get_untracked() {
            open.set(false);
        } else {
            open.set(true);
            load(false);
            request_animation_frame(move || {
                // The popover may be gone by the next frame.
                if let Some(Some(i)) = search.try_get_untracked() {
                    let _ = i.focus();
                }
            });
        }
    };
    let close = move || {
        open.set(false);
        if let Some(b) = button.get_untracked() {
            let _ = b.focus();
        }
    };
    let on_key = move |ev: leptos::ev::KeyboardEvent| {
        if ev.key() == "Escape" {
            ev.prevent_default();
            close();
        }
    };
    let nav = navigate.clone();
    let apply = move |_| {
        let q = base.get_value();
        let picked: Vec<String> = chosen.get_untracked().into_values().collect();
        let next_q = match column {
            FilterColumn::Name => MemberQuery { names: picked, ..q.first_page() },
            FilterColumn::Email => MemberQuery { emails: picked, ..q.first_page() },
        };
        open.set(false);
        nav(&next_q.href(), Default::default());
    };
    let cleared = match column {
        FilterColumn::Name => MemberQuery { names: Vec::new(), ..query.first_page() },
        FilterColumn::Email => MemberQuery { emails: Vec::new(), ..query.first_page() },
    };
    let label = format!("Filter {}", column.label());
    let search_id = format!("filter-search-{}", column.label().to_lowercase());
    view! {
        <span class="filter">
            <button
                type="button"
                class=if filtered { "icon filter-btn on" } else { "icon filter-btn" }
                node_ref=button
                aria-haspopup="dialog"
                aria-expanded=move || open.get().to_string()
                aria-label=label.clone()
                title=label.clone()
                on:click=toggle_open
            >
                <svg viewBox="0 0 16 16" width="14" height="14" aria-hidden="true" focusable="false">
                    <path d="M1 2h14l-5.5 6.5V14l-3-1.5V8.5z" fill="currentColor"/>
                </svg>
            </button>
            <Show when=move || open.get()>
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
                        <button type="button" on:click=apply.clone()>"Apply"</button>
                        <a href=cleared.href() on:click=move |_| open.set(false)>"Clear filter"</a>
                    </div>
                </div>
            </Show>
        </span>
    }
}
