use crate::components::page_title::PageTitle;
use leptos::prelude::*;

use crate::api::{console_overview, CreateOrganisation, SaveAccount, SetAccountAdmin, UpdateOrganisation};
use crate::components::approvers::ApproversSection;
use crate::components::error_view::ErrorView;
use crate::components::form_feedback::{posted_error, toast_answers};
use crate::components::partner_support::PartnerSupportSection;
use crate::components::toast::{ToastRegion, Toasts};
use crate::error::AppError;
use crate::model::{ConsoleAccount, ConsoleOrganisation, ACCOUNT_KINDS, ORGANISATION_KINDS};
use crate::page_data::page_data;

/// The actions of the console, for the forms and the outcome message.
#[derive(Clone, Copy)]
struct Actions {
    new_org: ServerAction<CreateOrganisation>,
    edit_org: ServerAction<UpdateOrganisation>,
    new_account: ServerAction<SaveAccount>,
    edit_account: ServerAction<SaveAccount>,
    admin: ServerAction<SetAccountAdmin>,
}

impl Actions {
    /// Changes whenever any action completes.
    fn version(self) -> usize {
        self.new_org.version().get()
            + self.edit_org.version().get()
            + self.new_account.version().get()
            + self.edit_account.version().get()
            + self.admin.version().get()
    }
}

/// The vendor operator console (SPEC F19): organisations and their email domains,
/// support accounts (kind, government cloud, Org ID, projects) and their
/// administrators. Every form is a plain form: it works without JavaScript, where the
/// outcome comes back next to the forms (`posted_error`).
#[component]
pub fn ConsolePage() -> impl IntoView {
    let actions = Actions {
        new_org: ServerAction::new(),
        edit_org: ServerAction::new(),
        new_account: ServerAction::new(),
        edit_account: ServerAction::new(),
        admin: ServerAction::new(),
    };
    let data = page_data(move || actions.version(), |_| console_overview());
    let toasts = Toasts::provide();
    toast_answers(actions.new_org, toasts);
    toast_answers(actions.edit_org, toasts);
    toast_answers(actions.new_account, toasts);
    toast_answers(actions.edit_account, toasts);
    toast_answers(actions.admin, toasts);
    let posted_error = posted_error();
    view! {
        <PageTitle text="Vendor console"/>
        <h1>"Vendor console"</h1>
        <ToastRegion/>
        {posted_error.map(|e| view! { <p class="field-error" role="alert">{e}</p> })}
        <Transition fallback=|| view! { <p role="status">"Loading…"</p> }>
            <ErrorBoundary fallback=|errors| view! { <ErrorView errors/> }>
                {move || Suspend::new(async move {
                    let orgs = data.await?;
                    Ok::<_, AppError>(view! { <Console orgs actions/> })
                })}
            </ErrorBoundary>
        </Transition>
        <PartnerSupportSection/>
        <ApproversSection/>
    }
}

#[component]
fn Console(orgs: Vec<ConsoleOrganisation>, actions: Actions) -> impl IntoView {
    let org_options = orgs.iter().map(|o| (o.id, o.name.clone())).collect::<Vec<_>>();
    let account_options =
        orgs.iter().flat_map(|o| o.accounts.iter().map(|a| (a.id, a.name.clone()))).collect::<Vec<_>>();
    view! {
            <section aria-labelledby="orgs-heading">
                <h2 id="orgs-heading">"Organisations and accounts"</h2>
                {orgs.into_iter().map(|o| view! { <Organisation org=o actions/> }).collect_view()}
            </section>
            <div class="console-forms">
                <section aria-labelledby="new-org-heading">
                    <h2 id="new-org-heading">"New organisation"</h2>
                    <ActionForm action=actions.new_org>
                        <OrganisationFields prefix="new-org" name=String::new() kind="customer".into() domains=String::new()/>
                        <button type="submit">"Create organisation"</button>
                    </ActionForm>
                </section>
                <section aria-labelledby="new-account-heading">
                    <h2 id="new-account-heading">"New account"</h2>
                    <ActionForm action=actions.new_account>
                        <div class="field">
                            <label for="new-account-org">"Organisation"</label>
                            <select id="new-account-org" name="organisation" required>
    {id_options(org_options)}
                            </select>
                        </div>
                        <AccountFields prefix="new-account" account=None/>
                        <button type="submit">"Create account"</button>
                    </ActionForm>
                </section>
                <section aria-labelledby="admins-heading">
                    <h2 id="admins-heading">"Account administrators"</h2>
                    <ActionForm action=actions.admin>
                        <div class="field">
                            <label for="admin-account">"Account"</label>
                            <select id="admin-account" name="account" required>
    {id_options(account_options)}
                            </select>
                        </div>
                        <div class="field">
                            <label for="admin-email">"Email of a registered person"</label>
                            <input id="admin-email" name="email" type="email" required/>
                        </div>
                        <fieldset>
                            <legend>"Change"</legend>
                            <label><input type="radio" name="grant" value="grant" checked/>" Grant Account Administrator"</label>
                            <label><input type="radio" name="grant" value="revoke"/>" Revoke Account Administrator"</label>
                        </fieldset>
                        <button type="submit">"Save administrator"</button>
                    </ActionForm>
                </section>
            </div>
        }
}

#[component]
fn Organisation(org: ConsoleOrganisation, actions: Actions) -> impl IntoView {
    let heading = format!("org-{}", org.id);
    let edit_label = format!("Edit {}", org.name);
    let caption = format!("Accounts of {}", org.name);
    let labelled_by = heading.clone();
    view! {
        <article class="console-org" aria-labelledby=labelled_by>
            <h3 id=heading>{org.name.clone()} <span class="badge muted">{org.kind.clone()}</span></h3>
            <p>"Email domains: " {org.domains.join(", ")}</p>
            <details>
                <summary>{edit_label}</summary>
                <ActionForm action=actions.edit_org>
                    <input type="hidden" name="organisation" value=org.id.to_string()/>
                    <OrganisationFields
                        prefix=format!("org-{}", org.id)
                        name=org.name.clone()
                        kind=org.kind.clone()
                        domains=org.domains.join(", ")
                    />
                    <button type="submit">"Save organisation"</button>
                </ActionForm>
            </details>
            {if org.accounts.is_empty() {
                view! { <p>"No support accounts yet."</p> }.into_any()
            } else {
                let region = caption.clone();
                view! {
                    <div class="table-wrap" role="region" aria-label=region tabindex="0">
                    <table class="console-accounts">
                        <caption>{caption}</caption>
                        <thead>
                            <tr>
                                <th scope="col">"Account"</th>
                                <th scope="col">"Org ID"</th>
                                <th scope="col">"Kind"</th>
                                <th scope="col">"Projects"</th>
                                <th scope="col">"Administrators"</th>
                                <th scope="col"><span class="visually-hidden">"Edit"</span></th>
                            </tr>
                        </thead>
                        <tbody>
                            {org.accounts.into_iter().map(|a| view! { <AccountRow account=a actions/> }).collect_view()}
                        </tbody>
                    </table>
                    </div>
                }
                .into_any()
            }}
        </article>
    }
}

#[component]
fn AccountRow(account: ConsoleAccount, actions: Actions) -> impl IntoView {
    let kind =
        if account.government_cloud { format!("{} (government cloud)", account.kind) } else { account.kind.clone() };
    let admins = if account.admins.is_empty() { "None".to_string() } else { account.admins.join(", ") };
    let edit_label = format!("Edit {}", account.name);
    let href = format!("/accounts/{}/users", account.id);
    view! {
        <tr>
            <th scope="row"><a href=href>{account.name.clone()}</a></th>
            <td>{account.org_id.clone()}</td>
            <td>{kind}</td>
            <td>{account.projects.join(", ")}</td>
            <td>{admins}</td>
            <td>
                <details>
                    <summary>{edit_label}</summary>
                    <ActionForm action=actions.edit_account>
                        <input type="hidden" name="account" value=account.id.to_string()/>
                        <AccountFields prefix=format!("account-{}", account.id) account=Some(account.clone())/>
                        <button type="submit">"Save account"</button>
                    </ActionForm>
                </details>
            </td>
        </tr>
    }
}

#[component]
fn OrganisationFields(#[prop(into)] prefix: String, name: String, kind: String, domains: String) -> impl IntoView {
    let name_id = format!("{prefix}-name");
    let kind_id = format!("{prefix}-kind");
    let domains_id = format!("{prefix}-domains");
    let hint_id = format!("{prefix}-domains-hint");
    view! {
        <div class="field">
            <label for=name_id.clone()>"Name"</label>
            <input id=name_id name="name" type="text" required maxlength="100" value=name/>
        </div>
        <div class="field">
            <label for=kind_id.clone()>"Kind"</label>
            <select id=kind_id name="kind">
                {ORGANISATION_KINDS
                    .into_iter()
                    .map(|k| view! { <option value=k selected={k == kind}>{k}</option> })
                    .collect_view()}
            </select>
        </div>
        <div class="field">
            <label for=domains_id.clone()>"Email domains"</label>
            <input id=domains_id name="domains" type="text" required value=domains aria-describedby=hint_id.clone()/>
            <p class="hint" id=hint_id>"Comma-separated, like example.com, example.org."</p>
        </div>
    }
}

#[component]
fn AccountFields(#[prop(into)] prefix: String, account: Option<ConsoleAccount>) -> impl IntoView {
    let a = account.clone();
    let id = |s: &str| format!("{prefix}-{s}");
    let (name, org_id, kind, gov) = match &a {
        Some(a) => (a.name.clone(), a.org_id.clone(), a.kind.clone(), a.government_cloud),
        None => (String::new(), String::new(), "cloud".to_string(), false),
    };
    let projects_hint = if account.is_some() {
        "Comma-separated names of projects to add; existing projects stay."
    } else {
        "Comma-separated names, like analytics, payments."
    };
    view! {
        <div class="field">
            <label for=id("name")>"Account name"</label>
            <input id=id("name") name="name" type="text" required maxlength="100" value=name/>
        </div>
        <div class="field">
            <label for=id("org-id")>"Org ID"</label>
            <input id=id("org-id") name="org_id" type="text" required maxlength="40" value=org_id/>
        </div>
        <div class="field">
            <label for=id("kind")>"Kind"</label>
            <select id=id("kind") name="kind">
                {ACCOUNT_KINDS.into_iter().map(|k| view! { <option value=k selected={k == kind}>{k}</option> }).collect_view()}
            </select>
        </div>
        <div class="field checkbox">
            <input id=id("gov") name="government_cloud" type="checkbox" checked=gov/>
            <label for=id("gov")>"Government cloud"</label>
        </div>
        <div class="field">
            <label for=id("projects")>"Projects"</label>
            <input id=id("projects") name="projects" type="text" aria-describedby=id("projects-hint")/>
            <p class="hint" id=id("projects-hint")>{projects_hint}</p>
        </div>
    }
}

/// `<option>`s whose values are ids.
fn id_options(items: Vec<(i64, String)>) -> impl IntoView {
    items.into_iter().map(|(id, name)| view! { <option value=id.to_string()>{name}</option> }).collect_view()
}
