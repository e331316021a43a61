use leptos::html::Input;
use leptos::prelude::*;

use super::mutation::{Done, Mutation};
use super::role_picker::{normalised, RolePicker};
use super::state::use_ui;
use crate::api::create_contact;
use crate::components::modal::{close_enclosing, Modal};
use crate::model::{NewContact, Overview, RoleChange};

/// "New Contact" (SPEC F16): first name, last name and primary email of a contact of the
/// account's organisation who has not registered, with their roles. "Save & New" keeps
/// the dialog open for the next one.
#[component]
pub fn NewContactDialog(overview: Overview) -> impl IntoView {
    let ui = use_ui();
    let account = overview.account.id;
    let contact = RwSignal::new(NewContact::default());
    let change = RwSignal::new(RoleChange::default());
    let mutation = Mutation::new();
    let (error, busy) = (mutation.error, mutation.busy);
    let first_input = NodeRef::<Input>::new();
    let ov = overview.clone();
    // `and_new`: after saving, clear the form for the next contact instead of closing.
    let save = StoredValue::new(move |and_new: bool| {
        let change = normalised(&change.get_untracked(), &ov);
        mutation.run(create_contact(account, contact.get_untracked(), change), move |name| {
            let message = format!("Saved {name}. Use Invite to Community in their row to invite them.");
            if !and_new {
                return Done::Close(message);
            }
            contact.set(NewContact::default());
            if let Some(i) = first_input.get_untracked() {
                let _ = i.focus();
            }
            Done::StayOpen(message)
        });
    });
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        save.with_value(|f| f(false));
    };
    let field = move |f: fn(&mut NewContact, String)| {
        move |ev: leptos::ev::Event| {
            let v = event_target_value(&ev);
            contact.update(|c| f(c, v));
            error.set(None);
        }
    };
    let invalid = move || error.with(Option::is_some).to_string();
    view! {
        <Modal title="New contact".to_string() on_close=move |_| ui.close()>
            <form class="dialog-form" on:submit=submit>
                <div class="field">
                    <label for="contact-first">"First name"</label>
                    <input id="contact-first" node_ref=first_input type="text" required maxlength="50" autocomplete="off"
                        aria-invalid=invalid aria-describedby="contact-error"
                        prop:value=move || contact.with(|c| c.first_name.clone())
                        on:input=field(|c, v| c.first_name = v)/>
                </div>
                <div class="field">
                    <label for="contact-last">"Last name"</label>
                    <input id="contact-last" type="text" required maxlength="50" autocomplete="off"
                        aria-invalid=invalid aria-describedby="contact-error"
                        prop:value=move || contact.with(|c| c.last_name.clone())
                        on:input=field(|c, v| c.last_name = v)/>
                </div>
                <div class="field">
                    <label for="contact-email">"Primary email"</label>
                    <input id="contact-email" type="email" required autocomplete="off"
                        aria-invalid=invalid aria-describedby="contact-email-hint contact-error"
                        prop:value=move || contact.with(|c| c.email.clone())
                        on:input=field(|c, v| c.email = v)/>
                    <p class="hint" id="contact-email-hint">
                        "Unique within " {overview.account.organisation.clone()} "."
                    </p>
                </div>
                <RolePicker overview=overview.clone() value=change id="contact"/>
                <p class="field-error" id="contact-error" role="alert">{move || error.get()}</p>
                <div class="dialog-actions">
                    <button type="submit" disabled=move || busy.get()>"Save"</button>
                    <button type="button" class="secondary" disabled=move || busy.get() on:click=move |_| save.with_value(|f| f(true))>
                        "Save & New"
                    </button>
                    <button type="button" class="secondary" on:click=|ev| close_enclosing(&ev)>"Cancel"</button>
                </div>
            </form>
        </Modal>
    }
}
