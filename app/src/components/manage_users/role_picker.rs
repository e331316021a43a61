use leptos::prelude::*;

use crate::model::{CloudAffiliation, Environment, Overview, RoleChange};

/// Role checkboxes for the Add and Update dialogs. General Support is always given.
/// Choosing a role with a cloud affiliation reveals its settings, except on a
/// government-cloud account, where such roles are not offered.
#[component]
pub fn RolePicker(overview: Overview, value: RwSignal<RoleChange>, #[prop(into)] id: String) -> impl IntoView {
    let gov = overview.account.government_cloud;
    let roles = overview.roles.iter().map(|r| r.role.clone()).collect::<Vec<_>>();
    let cloud_keys: Vec<String> = roles.iter().filter(|r| r.cloud_affiliation).map(|r| r.key.clone()).collect();
    let wants_cloud = move || !gov && value.with(|v| v.roles.iter().any(|k| cloud_keys.contains(k)));
    let projects = overview.projects.clone();
    let boxes = roles
        .into_iter()
        .map(|role| {
            let key = role.key.clone();
            let k2 = key.clone();
            let box_id = format!("{id}-role-{key}");
            let hint_id = format!("{box_id}-hint");
            let hint = if role.is_default {
                "Every member has this role.".to_string()
            } else if role.cloud_affiliation && gov {
                "Not available on a government-cloud account.".to_string()
            } else {
                role.description.clone()
            };
            let disabled = role.is_default || (role.cloud_affiliation && gov);
            let is_default = role.is_default;
            view! {
                <li>
                    <input
                        type="checkbox"
                        id=box_id.clone()
                        aria-describedby=hint_id.clone()
                        disabled=disabled
                        prop:checked=move || is_default || value.with(|v| v.roles.contains(&key))
                        on:change=move |ev| {
                            let on = event_target_checked(&ev);
                            value.update(|v| {
                                v.roles.retain(|k| k != &k2);
                                if on {
                                    v.roles.push(k2.clone());
                                }
                            });
                        }
                    />
                    <label for=box_id>{role.label.clone()}</label>
                    <span class="hint" id=hint_id>{hint}</span>
                </li>
            }
        })
        .collect_view();

    let cloud = move || value.with(|v| v.cloud.clone().unwrap_or_default());
    let set_cloud = move |f: &dyn Fn(&mut CloudAffiliation)| {
        value.update(|v| {
            let mut c = v.cloud.clone().unwrap_or_default();
            f(&mut c);
            v.cloud = Some(c);
        })
    };
    let scope_name = format!("{id}-scope");
    let env_id = format!("{id}-environment");
    let affiliation = move || {
        wants_cloud().then(|| {
            let projects = projects.clone();
            let scope_name = scope_name.clone();
            let env_id = env_id.clone();
            view! {
                <fieldset class="cloud">
                    <legend>"Cloud affiliation"</legend>
                    <div class="radios">
                        <label>
                            <input type="radio" name=scope_name.clone() prop:checked=move || cloud().all_projects
                                on:change=move |_| set_cloud(&|c| c.all_projects = true)/>
                            "All projects"
                        </label>
                        <label>
                            <input type="radio" name=scope_name.clone() prop:checked=move || !cloud().all_projects
                                on:change=move |_| set_cloud(&|c| c.all_projects = false)/>
                            "Specific projects"
                        </label>
                    </div>
                    <Show when=move || !cloud().all_projects>
                        <fieldset class="projects">
                            <legend>"Projects"</legend>
                            {projects.iter().map(|p| {
                                let pid = p.id;
                                view! {
                                    <label>
                                        <input type="checkbox"
                                            prop:checked=move || cloud().projects.contains(&pid)
                                            on:change=move |ev| {
                                                let on = event_target_checked(&ev);
                                                set_cloud(&|c| {
                                                    c.projects.retain(|x| *x != pid);
                                                    if on { c.projects.push(pid); }
                                                });
                                            }/>
                                        {p.name.clone()}
                                    </label>
                                }
                            }).collect_view()}
                        </fieldset>
                    </Show>
                    <label for=env_id.clone()>"Environment type"</label>
                    <select id=env_id on:change=move |ev| {
                        if let Some(e) = Environment::parse(&event_target_value(&ev)) {
                            set_cloud(&|c| c.environment = e);
                        }
                    }>
                        {Environment::ALL.into_iter().map(|e| view! {
                            <option value=e.as_str() selected=move || cloud().environment == e>{e.label()}</option>
                        }).collect_view()}
                    </select>
                </fieldset>
            }
        })
    };
    view! {
        <fieldset class="roles">
            <legend>"Roles"</legend>
            <ul class="role-list">{boxes}</ul>
        </fieldset>
        {affiliation}
    }
}

/// The change to send: the affiliation only goes with a role that has one.
pub fn normalised(change: &RoleChange, overview: &Overview) -> RoleChange {
    let cloud_role = change.roles.iter().any(|k| overview.role(k).is_some_and(|r| r.cloud_affiliation));
    let roles = change.roles.iter().filter(|k| overview.role(k).is_some_and(|r| !r.is_default)).cloned().collect();
    RoleChange { roles, cloud: if cloud_role { Some(change.cloud.clone().unwrap_or_default()) } else { None } }
}
