use leptos::prelude::*;
use leptos::task::spawn_local;

use super::mutation::{Done, Mutation};
use super::role_picker::{normalised, RolePicker};
use super::state::use_ui;
use crate::api::{add_member, suggest_people};
use crate::components::modal::{close_enclosing, Modal};
use crate::components::timer::Timer;
use crate::model::{Overview, PersonMatch, PersonRef, RoleChange};

/// "Add new user" (SPEC F8): a type-ahead over registered people of the account's
/// domains (anyone else by full email), and the roles to give.
#[component]
pub fn AddMemberDialog(overview: Overview) -> impl IntoView {
    let ui = use_ui();
    let account = overview.account.id;
    let text = RwSignal::new(String::new());
    let picked = RwSignal::new(None::<PersonMatch>);
    let options = RwSignal::new(Vec::<PersonMatch>::new());
    let active = RwSignal::new(None::<usize>);
    let expanded = move || !options.with(Vec::is_empty) && picked.with(Option::is_none);
    let change = RwSignal::new(RoleChange::default());
    let mutation = Mutation::new();
    let (error, busy) = (mutation.error, mutation.busy);
    let pause = Timer::new();

    let on_input = move |ev: leptos::ev::Event| {
        let t = event_target_value(&ev);
        text.set(t.clone());
        picked.set(None);
        error.set(None);
        pause.start(std::time::Duration::from_millis(200), move || {
            spawn_local(async move {
                let found = suggest_people(account, t.clone()).await.unwrap_or_default();
                // Only show answers for what is still typed (in a dialog still open).
                if text.try_get_untracked().is_some_and(|now| now == t) {
                    options.set(found);
                    active.set(None);
                }
            });
        });
    };
    let choose = move |p: PersonMatch| {
        text.set(format!("{} <{}>", p.name, p.email));
        picked.set(Some(p));
        options.set(Vec::new());
        active.set(None);
    };
    let on_key = move |ev: leptos::ev::KeyboardEvent| {
        let n = options.with(Vec::len);
        match ev.key().as_str() {
            "ArrowDown" if n > 0 => {
                ev.prevent_default();
                active.update(|a| *a = Some(a.map_or(0, |i| (i + 1) % n)));
            }
            "ArrowUp" if n > 0 => {
                ev.prevent_default();
                active.update(|a| *a = Some(a.map_or(n - 1, |i| (i + n - 1) % n)));
            }
            "Enter" => {
                if let Some(p) = active.get_untracked().and_then(|i| options.with_untracked(|o| o.get(i).cloned())) {
                    ev.prevent_default();
                    choose(p);
                }
            }
            "Escape" if n > 0 => {
                // Close the list, not the dialog.
                ev.prevent_default();
                ev.stop_propagation();
                options.set(Vec::new());
            }
            _ => {}
        }
    };
    let ov = overview.clone();
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let person = match picked.get_untracked() {
            Some(p) => PersonRef::Id(p.id),
            None => {
                let t = text.get_untracked().trim().to_string();
                if t.is_empty() {
                    error.set(Some("Enter a name to search for, or a full email address.".into()));
                    return;
                }
                PersonRef::Email(t)
            }
        };
        let change = normalised(&change.get_untracked(), &ov);
        mutation.run(add_member(account, person, change), move |_| {
            let who = picked.get_untracked().map(|p| p.name).unwrap_or_else(|| text.get_untracked());
            Done::Close(format!("Added {who}. A welcome email is on its way."))
        });
    };
    view! {
        <Modal title="Add new user".to_string() on_close=move |_| ui.close()>
            <form class="dialog-form" on:submit=submit>
                <div class="field combobox">
                    <label for="add-person">"User"</label>
                    <input
                        id="add-person"
                        type="text"
                        role="combobox"
                        autocomplete="off"
                        aria-autocomplete="list"
                        aria-controls="add-person-options"
                        aria-expanded=move || expanded().to_string()
                        aria-activedescendant=move || active.get().map(|i| format!("add-person-option-{i}"))
                        aria-describedby="add-person-hint add-person-error"
                        aria-invalid=move || error.with(Option::is_some).to_string()
                        prop:value=move || text.get()
                        on:input=on_input
                        on:keydown=on_key
                    />
                    <p class="hint" id="add-person-hint">
                        "Type a name to find registered people of " {overview.account.organisation.clone()}
                        ". For anyone else, type their full email address."
                    </p>
                    <ul id="add-person-options" role="listbox" aria-label="Matching people" hidden=move || !expanded()>
                        <For each=move || options.get().into_iter().enumerate() key=|(_, p)| p.id let:item>
                            {
                                let (i, p) = item;
                                let label = format!("{} <{}>", p.name, p.email);
                                view! {
                                    <li
                                        role="option"
                                        id=format!("add-person-option-{i}")
                                        aria-selected=move || (active.get() == Some(i)).to_string()
                                        on:mousedown=move |ev| {
                                            ev.prevent_default();
                                            choose(p.clone());
                                        }
                                    >
                                        {label}
                                    </li>
                                }
                            }
                        </For>
                    </ul>
                    <p class="field-error" id="add-person-error" role="alert">{move || error.get()}</p>
                </div>
                <RolePicker overview=overview.clone() value=change id="add"/>
                <div class="dialog-actions">
                    <button type="submit" disabled=move || busy.get()>"Add user"</button>
                    <button type="button" class="secondary" on:click=|ev| close_enclosing(&ev)>"Cancel"</button>
                </div>
            </form>
        </Modal>
    }
}
