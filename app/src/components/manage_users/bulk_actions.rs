//! Bulk actions on selected rows (SPEC F17): the selection bar and its dialog.

use leptos::prelude::*;

use super::mutation::{Done, Mutation};
use super::state::{use_ui, DialogKind};
use crate::api::bulk_members;
use crate::components::modal::{close_enclosing, Modal};
use crate::model::{BulkAction, BulkResult, Overview, Selection};

/// Shown while rows are selected: how many, and what can be done to them.
///
/// Its code is fetched with the dialogs' (`warm`), not with the page: rows are selected
/// on few visits, and the page goes live sooner without it.
#[component]
pub fn BulkBar() -> impl IntoView {
    let ui = use_ui();
    let shown = Memo::new(move |_| ui.all_matching.get() || ui.selected.with(|s| !s.is_empty()));
    move || shown.get().then(|| Suspend::new(async move { bulk_bar_view().await }))
}

/// Starts fetching the bulk bar's code (see [`BulkBar`]).
pub fn warm() {
    let _ = lazy_preload!(bulk_bar_view);
}

#[lazy]
fn bulk_bar_view() -> AnyView {
    let ui = use_ui();
    let count = move || {
        if ui.all_matching.get() {
            "All users matching this view are selected.".to_string()
        } else {
            match ui.selected.with(|s| s.len()) {
                1 => "1 user selected.".to_string(),
                n => format!("{n} users selected."),
            }
        }
    };
    view! {
        <div class="bulk-bar" role="region" aria-label="Bulk actions">
            <p>{count}</p>
            <Show when=move || !ui.all_matching.get()>
                <button type="button" class="link" on:click=move |_| ui.all_matching.set(true)>
                    "Select all users matching this view"
                </button>
            </Show>
            <button type="button" on:click=move |_| ui.open(DialogKind::BulkRoles)>"Change roles"</button>
            <button type="button" class="secondary" on:click=move |_| ui.open(DialogKind::BulkDeactivate)>"Deactivate"</button>
            <button type="button" class="danger" on:click=move |_| ui.open(DialogKind::BulkRemove)>"Remove"</button>
            <button type="button" class="link" on:click=move |_| ui.clear_selection()>"Clear selection"</button>
        </div>
    }
    .into_any()
}

#[derive(Clone, Copy, PartialEq, Eq)]
pub enum BulkKind {
    Roles,
    Deactivate,
    Remove,
}

/// One confirmation for the whole selection, then a summary of what happened.
#[component]
pub fn BulkDialog(overview: Overview, kind: BulkKind) -> impl IntoView {
    let ui = use_ui();
    let account = overview.account.id;
    let adding = RwSignal::new(true);
    let roles = RwSignal::new(Vec::<String>::new());
    let mutation = Mutation::new();
    let (error, busy) = (mutation.error, mutation.busy);
    let result = RwSignal::new(None::<BulkResult>);
    let selection = move || {
        if ui.all_matching.get_untracked() {
            ui.query.get_untracked().map(Selection::AllMatching)
        } else {
            Some(Selection::Members(ui.selected.get_untracked().into_iter().collect()))
        }
    };
    let how_many = if ui.all_matching.get_untracked() {
        "every user matching this view".to_string()
    } else {
        match ui.selected.with_untracked(|s| s.len()) {
            1 => "1 selected user".to_string(),
            n => format!("{n} selected users"),
        }
    };
    let run = move |_| {
        let action = match kind {
            BulkKind::Roles if adding.get_untracked() => BulkAction::AddRoles(roles.get_untracked()),
            BulkKind::Roles => BulkAction::RemoveRoles(roles.get_untracked()),
            BulkKind::Deactivate => BulkAction::Deactivate,
            BulkKind::Remove => BulkAction::Remove,
        };
        let Some(sel) = selection() else { return };
        // The dialog stays open on the result: what changed, and what was refused and why.
        mutation.run(bulk_members(account, sel, action), move |r| {
            let message = summary(&r);
            result.set(Some(r));
            ui.clear_selection();
            Done::StayOpen(message)
        });
    };
    let (title, text, button) = match kind {
        BulkKind::Roles => ("Change roles", format!("Change the roles of {how_many}."), "Apply"),
        BulkKind::Deactivate => (
            "Deactivate logins",
            format!("Deactivate the logins of {how_many}? They can no longer use this account."),
            "Deactivate",
        ),
        BulkKind::Remove => (
            "Remove users",
            format!(
                "Remove {how_many}? Each will be removed as a contact or follower on all open and resolved cases \
                 for this account."
            ),
            "Remove",
        ),
    };
    let choices: Vec<(String, String)> = overview
        .roles
        .iter()
        .filter(|r| !r.role.is_default)
        .map(|r| (r.role.key.clone(), r.role.label.clone()))
        .collect();
    let role_boxes = move || {
        choices
            .iter()
            .map(|(key, label)| {
                let (k1, k2) = (key.clone(), key.clone());
                let id = format!("bulk-role-{key}");
                view! {
                    <li>
                        <input type="checkbox" id=id.clone()
                            prop:checked=move || roles.with(|v| v.contains(&k1))
                            on:change=move |ev| {
                                let on = event_target_checked(&ev);
                                roles.update(|v| { v.retain(|k| k != &k2); if on { v.push(k2.clone()); } });
                            }/>
                        <label for=id>{label.clone()}</label>
                    </li>
                }
            })
            .collect_view()
    };
    view! {
        <Modal title=title.to_string() on_close=move |_| ui.close()>
            {move || match result.get() {
                Some(r) => view! {
                    <div role="status">
                        <p>{summary(&r)}</p>
                        {(!r.refused.is_empty()).then(|| view! {
                            <ul class="refused">
                                {r.refused.iter().map(|(who, why)| view! { <li><strong>{who.clone()}</strong> ": " {why.clone()}</li> }).collect_view()}
                            </ul>
                        })}
                    </div>
                    <div class="dialog-actions">
                        <button type="button" on:click=|ev| close_enclosing(&ev)>"Close"</button>
                    </div>
                }
                .into_any(),
                None => ().into_any(),
            }}
            <Show when=move || result.with(Option::is_none)>
                <p>{text.clone()}</p>
                {(kind == BulkKind::Roles).then(|| view! {
                    <fieldset class="radios">
                        <legend>"What to do"</legend>
                        <label><input type="radio" name="bulk-mode" prop:checked=move || adding.get() on:change=move |_| adding.set(true)/>"Add these roles"</label>
                        <label><input type="radio" name="bulk-mode" prop:checked=move || !adding.get() on:change=move |_| adding.set(false)/>"Remove these roles"</label>
                    </fieldset>
                })}
                {(kind == BulkKind::Roles).then(|| view! {
                    <fieldset class="roles">
                        <legend>"Roles"</legend>
                        <ul class="role-list">{role_boxes.clone()}</ul>
                    </fieldset>
                })}
                <p class="field-error" role="alert">{move || error.get()}</p>
                <div class="dialog-actions">
                    <button type="button" class=if kind == BulkKind::Roles { "" } else { "danger" }
                        disabled=move || busy.get() on:click=run>{button}</button>
                    <button type="button" class="secondary" on:click=|ev| close_enclosing(&ev)>"Cancel"</button>
                </div>
            </Show>
        </Modal>
    }
}

fn summary(r: &BulkResult) -> String {
    let mut s = match r.changed {
        1 => "Changed 1 user.".to_string(),
        n => format!("Changed {n} users."),
    };
    if r.unchanged > 0 {
        s.push_str(&format!(" {} already as asked.", r.unchanged));
    }
    if !r.refused.is_empty() {
        s.push_str(&format!(" {} not changed.", r.refused.len()));
    }
    match r.not_members {
        0 => {}
        1 => s.push_str(" 1 selected user is no longer a member of this account."),
        n => s.push_str(&format!(" {n} selected users are no longer members of this account.")),
    }
    s
}
