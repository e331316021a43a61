use leptos::prelude::*;

use super::mutation::{Done, Mutation};
use super::role_picker::{normalised, RolePicker};
use super::state::use_ui;
use crate::api::invite_new_user;
use crate::components::modal::{close_enclosing, Modal};
use crate::model::{Overview, RoleChange};

/// "+ Invite New Users" (SPEC F15): name, email and roles of someone to invite. They get
/// an email with a link to register and join the account.
#[component]
pub fn InviteDialog(overview: Overview) -> impl IntoView {
    let ui = use_ui();
    let account = overview.account.id;
    let name = RwSignal::new(String::new());
    let email = RwSignal::new(String::new());
    let change = RwSignal::new(RoleChange::default());
    let mutation = Mutation::new();
    let (error, busy) = (mutation.error, mutation.busy);
    let ov = overview.clone();
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let change = normalised(&change.get_untracked(), &ov);
        mutation.run(invite_new_user(account, name.get_untracked(), email.get_untracked(), change), Done::Close);
    };
    let invalid = move || error.with(Option::is_some).to_string();
    view! {
        <Modal title="Invite new users".to_string() on_close=move |_| ui.close()>
            <form class="dialog-form" on:submit=submit>
                <div class="field">
                    <label for="invite-name">"Name"</label>
                    <input id="invite-name" type="text" required maxlength="100" autocomplete="off"
                        aria-invalid=invalid aria-describedby="invite-error"
                        prop:value=move || name.get() on:input=move |ev| { name.set(event_target_value(&ev)); error.set(None); }/>
                </div>
                <div class="field">
                    <label for="invite-email">"Email"</label>
                    <input id="invite-email" type="email" required autocomplete="off"
                        aria-invalid=invalid aria-describedby="invite-hint invite-error"
                        prop:value=move || email.get() on:input=move |ev| { email.set(event_target_value(&ev)); error.set(None); }/>
                    <p class="hint" id="invite-hint">
                        "They get an email with a link to register in the Community and join "
                        {overview.account.name.clone()} ". The link works once, for 14 days."
                    </p>
                </div>
                <RolePicker overview=overview.clone() value=change id="invite"/>
                <p class="field-error" id="invite-error" role="alert">{move || error.get()}</p>
                <div class="dialog-actions">
                    <button type="submit" disabled=move || busy.get()>"Send invitation"</button>
                    <button type="button" class="secondary" on:click=|ev| close_enclosing(&ev)>"Cancel"</button>
                </div>
            </form>
        </Modal>
    }
}
