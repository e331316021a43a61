//! The dialogs opened from a row: Update, details, Remove and Active Login.

use leptos::prelude::*;

use super::mutation::{Done, Mutation};
use super::role_picker::{normalised, RolePicker};
use super::state::{use_ui, DialogKind};
use crate::api::{get_member_details, remove_member, set_member_active, update_member};
use crate::components::modal::{close_enclosing, Modal};
use crate::error::AppError;
use crate::model::{format_date, removal_warning, MemberDetails, MembershipId, Overview, RoleChange, Version};

fn change_of(d: &MemberDetails) -> RoleChange {
    RoleChange {
        roles: d.roles.iter().filter(|r| !r.is_default).map(|r| r.key.clone()).collect(),
        cloud: d.cloud.clone(),
    }
}

/// Update (SPEC F9): the member's roles, prefilled. If someone else changed the member
/// since the dialog opened, nothing is overwritten: the dialog says so and shows the
/// current state.
#[component]
pub fn UpdateMemberDialog(overview: Overview, membership: i64) -> impl IntoView {
    let ui = use_ui();
    let account = overview.account.id;
    let details = LocalResource::new(move || get_member_details(account, MembershipId(membership)));
    let change = RwSignal::new(RoleChange::default());
    let version = RwSignal::new(0_i64);
    let mutation = Mutation::new();
    let (error, busy) = (mutation.error, mutation.busy);
    Effect::new(move |_| {
        if let Some(Ok(d)) = details.get() {
            change.set(change_of(&d));
            version.set(d.version);
        }
    });
    let ov = overview.clone();
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let c = normalised(&change.get_untracked(), &ov);
        mutation.run_or(
            update_member(account, MembershipId(membership), Version(version.get_untracked()), c),
            |()| Done::Close("Roles updated.".into()),
            // Someone else changed the member: show them as they are now.
            move |e| {
                if matches!(e, AppError::Conflict(_)) {
                    details.refetch();
                    ui.refresh.run(());
                }
            },
        );
    };
    view! {
        <Modal title="Update user".to_string() on_close=move |_| ui.close()>
            <Suspense fallback=|| view! { <p role="status">"Loading…"</p> }>
                {move || {
                    let submit = submit.clone();
                    let overview = overview.clone();
                    Suspend::new(async move {
                    match details.await {
                        Err(e) => view! { <p class="field-error" role="alert">{e.to_string()}</p> }.into_any(),
                        Ok(d) => view! {
                            <form class="dialog-form" on:submit=submit>
                                <p><strong>{d.name.clone()}</strong> " · " {d.email.clone()}</p>
                                <RolePicker overview value=change id="update"/>
                                <p class="field-error" role="alert">{move || error.get()}</p>
                                <div class="dialog-actions">
                                    <button type="submit" disabled=move || busy.get()>"Save changes"</button>
                                    <button type="button" class="secondary" on:click=|ev| close_enclosing(&ev)>"Cancel"</button>
                                </div>
                            </form>
                        }
                        .into_any(),
                    }
                })}}
            </Suspense>
        </Modal>
    }
}

/// User details (SPEC F10): roles, activity, who added them, and their history.
#[component]
pub fn MemberDetailsDialog(account: i64, membership: i64) -> impl IntoView {
    let ui = use_ui();
    let details = LocalResource::new(move || get_member_details(account, MembershipId(membership)));
    view! {
        <Modal title="User details".to_string() on_close=move |_| ui.close() wide=true>
            <Suspense fallback=|| view! { <p role="status">"Loading…"</p> }>
                {move || Suspend::new(async move {
                    match details.await {
                        Err(e) => view! { <p class="field-error" role="alert">{e.to_string()}</p> }.into_any(),
                        Ok(d) => details_view(d, account).into_any(),
                    }
                })}
            </Suspense>
        </Modal>
    }
}

fn details_view(d: MemberDetails, account: i64) -> impl IntoView {
    let ui = use_ui();
    let never = || "Never".to_string();
    let roles = d.roles.iter().map(|r| r.label.clone()).collect::<Vec<_>>().join(", ");
    let cloud = d.cloud.as_ref().map(|c| {
        let scope =
            if c.all_projects { "All projects".to_string() } else { format!("{} project(s)", c.projects.len()) };
        format!("{scope}; {}", c.environment.label())
    });
    let history_href = format!("/accounts/{account}/audit?person={}", d.person_id);
    let membership = d.membership_id;
    view! {
        <h3 class="person-name">{d.name.clone()}</h3>
        <dl class="details">
            <dt>"Email"</dt><dd>{d.email.clone()}</dd>
            <dt>"Roles"</dt><dd>{roles}</dd>
            {cloud.map(|c| view! { <dt>"Cloud affiliation"</dt><dd>{c}</dd> })}
            <dt>"Login"</dt><dd>{if d.active_login { "Active" } else { "Deactivated" }}</dd>
            <dt>"Last active"</dt><dd>{format_date(d.last_sign_in_at).unwrap_or_else(never)}</dd>
            <dt>"Open cases owned"</dt><dd>{d.open_cases_owned}</dd>
            <dt>"Date added"</dt><dd>{format_date(d.added_at).unwrap_or_else(never)}</dd>
            <dt>"Added by"</dt><dd>{d.added_by.clone().unwrap_or_else(|| "—".into())}</dd>
        </dl>
        <h3>"History"</h3>
        {if d.history.is_empty() {
            view! { <p>"No changes recorded yet."</p> }.into_any()
        } else {
            view! {
                <table class="history">
                    <caption class="visually-hidden">"History of " {d.name.clone()}</caption>
                    <thead><tr><th scope="col">"When"</th><th scope="col">"What"</th><th scope="col">"By"</th><th scope="col">"Details"</th></tr></thead>
                    <tbody>
                        {d.history.iter().map(|e| view! {
                            <tr>
                                <td class="date">{format_date(e.at).unwrap_or_default()}</td>
                                <td>{e.action.label()}</td>
                                <td>{e.actor.clone().unwrap_or_default()}</td>
                                <td>{audit_change(e.before.as_deref(), e.after.as_deref())}</td>
                            </tr>
                        }).collect_view()}
                    </tbody>
                </table>
            }
            .into_any()
        }}
        <div class="dialog-actions">
            <button type="button" on:click=move |_| ui.open(DialogKind::Update { membership })>"Update roles"</button>
            <a href=history_href>"View full history"</a>
        </div>
    }
}

/// "before → after" for an audit entry.
pub fn audit_change(before: Option<&str>, after: Option<&str>) -> String {
    match (before, after) {
        (Some(b), Some(a)) => format!("{b} → {a}"),
        (None, Some(a)) => a.to_string(),
        (Some(b), None) => b.to_string(),
        (None, None) => String::new(),
    }
}

/// Remove (SPEC F11) with its exact confirmation.
#[component]
pub fn RemoveMemberDialog(account: i64, membership: i64, name: String) -> impl IntoView {
    let ui = use_ui();
    let mutation = Mutation::new();
    let (error, busy) = (mutation.error, mutation.busy);
    let confirm = move |_| {
        mutation.run(remove_member(account, MembershipId(membership)), move |name| {
            ui.selected.update(|s| {
                s.remove(&membership);
            });
            Done::Close(format!("Removed {name}."))
        });
    };
    view! {
        <Modal title="Remove user".to_string() on_close=move |_| ui.close()>
            <p>{removal_warning(&name)}</p>
            <p class="field-error" role="alert">{move || error.get()}</p>
            <div class="dialog-actions">
                <button type="button" class="danger" disabled=move || busy.get() on:click=confirm>"Remove"</button>
                <button type="button" class="secondary" autofocus on:click=|ev| close_enclosing(&ev)>"Cancel"</button>
            </div>
        </Modal>
    }
}

/// Active Login (SPEC F12): deactivate or reactivate, after a confirmation.
#[component]
pub fn SetActiveDialog(account: i64, membership: i64, name: String, active: bool) -> impl IntoView {
    let ui = use_ui();
    let mutation = Mutation::new();
    let (error, busy) = (mutation.error, mutation.busy);
    let confirm = move |_| {
        mutation.run(set_member_active(account, MembershipId(membership), active), move |name| {
            Done::Close(if active { format!("Reactivated {name}.") } else { format!("Deactivated {name}.") })
        });
    };
    let (title, text, button) = if active {
        ("Reactivate login", format!("Reactivate the login of {name}? They can use this account again."), "Reactivate")
    } else {
        (
            "Deactivate login",
            format!(
                "Deactivate the login of {name}? They can no longer use this account, and move to the inactive list, \
                 from where you can reactivate them."
            ),
            "Deactivate",
        )
    };
    view! {
        <Modal title=title.to_string() on_close=move |_| ui.close()>
            <p>{text}</p>
            <p class="field-error" role="alert">{move || error.get()}</p>
            <div class="dialog-actions">
                <button type="button" class=if active { "" } else { "danger" } disabled=move || busy.get() on:click=confirm>
                    {button}
                </button>
                <button type="button" class="secondary" autofocus on:click=|ev| close_enclosing(&ev)>"Cancel"</button>
            </div>
        </Modal>
    }
}
