//! The vendor operator console (SPEC F19): organisations with their email domains,
//! their support accounts, and the accounts' administrators. Only a vendor operator gets
//! here (`Actor::operator`); every change is one transaction and audited.

use super::access::Operator;
use super::audit::{self, Record};
use super::db::{Db, Tx};
use super::mail::EmailAddress;
use super::roles::Catalogue;
use super::{members, now};
use crate::error::{AppError, Result};
use crate::model::{
    split_list, AccountId, AuditAction, ConsoleAccount, ConsoleOrganisation, MembershipId, PersonRef, RoleChange,
    Version, ACCOUNT_KINDS, ORGANISATION_KINDS,
};
use crate::sql;

/// Administrators listed per account.
const ADMINS_SHOWN: i64 = 5;

fn checked_name(name: &str, what: &str) -> Result<String> {
    super::checked_text(name, 100, format!("Enter the {what} (at most 100 characters)."))
}

/// The most email domains one organisation has.
const MAX_DOMAINS: usize = 50;
/// The most projects one save of an account adds.
const MAX_NEW_PROJECTS: usize = 100;

fn checked_domains(text: &str) -> Result<Vec<String>> {
    let domains: Vec<String> = split_list(text).into_iter().map(|d| d.to_lowercase()).collect();
    if domains.is_empty() {
        return Err(AppError::invalid("Enter at least one email domain, like example.com."));
    }
    if domains.len() > MAX_DOMAINS {
        return Err(AppError::invalid(format!("An organisation may have at most {MAX_DOMAINS} email domains.")));
    }
    // Refused before the check below, which repeats the domain it refuses.
    for d in &domains {
        super::refuse_hidden(d, "Enter the email domains, like example.com, separated by commas.")?;
    }
    if let Some(bad) = domains.iter().find(|d| {
        !d.contains('.')
            || d.starts_with('.')
            || d.ends_with('.')
            || !d.chars().all(|c| c.is_ascii_alphanumeric() || c == '.' || c == '-')
    }) {
        return Err(AppError::invalid(format!("\"{bad}\" is not an email domain, like example.com.")));
    }
    Ok(domains)
}

fn checked_kind<'a>(kind: &'a str, kinds: &[&str], what: &str) -> Result<&'a str> {
    if kinds.contains(&kind) {
        Ok(kind)
    } else {
        Err(AppError::invalid(format!("Choose the {what}: {}.", kinds.join(", "))))
    }
}

/// Refuses domains another organisation has.
async fn ensure_domains_free(tx: &mut Tx, domains: &[String], organisation: Option<i64>) -> Result<()> {
    for d in domains {
        let owner: Option<(i64, String)> = tx
            .fetch_optional(&sql!(
                "SELECT o.id, o.name FROM organisation_domains d JOIN organisations o ON o.id = d.organisation_id \
                 WHERE d.domain = $1",
                d
            ))
            .await?;
        if let Some((id, name)) = owner {
            if Some(id) != organisation {
                return Err(AppError::Conflict(format!("The domain {d} already belongs to {name}.")));
            }
        }
    }
    Ok(())
}

async fn store_domains(tx: &mut Tx, organisation: i64, domains: &[String]) -> Result<()> {
    tx.execute(&sql!("DELETE FROM organisation_domains WHERE organisation_id = $1", organisation)).await?;
    for d in domains {
        tx.execute(&sql!(
            "INSERT INTO organisation_domains (organisation_id, domain) VALUES ($1, $2)",
            organisation,
            d
        ))
        .await?;
    }
    Ok(())
}

async fn log(
    tx: &mut Tx,
    operator: &Operator,
    account: Option<AccountId>,
    action: AuditAction,
    after: String,
) -> Result<()> {
    audit::record_as(
        tx,
        Some(operator.actor().person_id),
        account,
        Record { subject: None, action, before: None, after: Some(after) },
    )
    .await
}

/// An organisation's fields as the console's forms send them.
pub struct OrganisationFields<'a> {
    pub name: &'a str,
    pub kind: &'a str,
    /// Email domains, separated by commas, semicolons or line breaks.
    pub domains: &'a str,
}

impl<'a> OrganisationFields<'a> {
    fn checked(&self) -> Result<(String, &'a str, Vec<String>)> {
        let name = checked_name(self.name, "organisation's name")?;
        let kind = checked_kind(self.kind, &ORGANISATION_KINDS, "kind of organisation")?;
        Ok((name, kind, checked_domains(self.domains)?))
    }
}

/// Creates a customer or partner organisation with its email domains.
pub async fn create_organisation(db: &Db, operator: &Operator, f: &OrganisationFields<'_>) -> Result<String> {
    let (name, kind, domains) = f.checked()?;
    let mut tx = db.begin().await?;
    ensure_domains_free(&mut tx, &domains, None).await?;
    let id: i64 = tx
        .scalar(&sql!(
            "INSERT INTO organisations (name, kind, created_at) VALUES ($1, $2, $3) RETURNING id",
            &name,
            kind,
            now()
        ))
        .await?;
    store_domains(&mut tx, id, &domains).await?;
    log(&mut tx, operator, None, AuditAction::OrganisationCreated, format!("{name} ({kind}): {}", domains.join(", ")))
        .await?;
    tx.commit().await?;
    Ok(format!("Created the organisation {name}."))
}

/// Renames an organisation, changes its kind or its domains.
pub async fn update_organisation(db: &Db, operator: &Operator, id: i64, f: &OrganisationFields<'_>) -> Result<String> {
    let (name, kind, domains) = f.checked()?;
    let mut tx = db.begin().await?;
    let found: Option<(String, String)> =
        tx.fetch_optional(&sql!("SELECT name, kind FROM organisations WHERE id = $1", id)).await?;
    let Some((old_name, old_kind)) = found else {
        return Err(AppError::not_found("There is no such organisation."));
    };
    if old_kind == "vendor" {
        return Err(AppError::invalid("The vendor's own organisation is not edited here."));
    }
    ensure_domains_free(&mut tx, &domains, Some(id)).await?;
    tx.execute(&sql!("UPDATE organisations SET name = $1, kind = $2 WHERE id = $3", &name, kind, id)).await?;
    store_domains(&mut tx, id, &domains).await?;
    audit::record_as(
        &mut tx,
        Some(operator.actor().person_id),
        None,
        Record {
            subject: None,
            action: AuditAction::OrganisationUpdated,
            before: Some(format!("{old_name} ({old_kind})")),
            after: Some(format!("{name} ({kind}): {}", domains.join(", "))),
        },
    )
    .await?;
    tx.commit().await?;
    Ok(format!("Saved the organisation {name}."))
}

/// The fields of an account as the forms send them.
pub struct AccountFields<'a> {
    pub name: &'a str,
    pub org_id: &'a str,
    pub kind: &'a str,
    pub government_cloud: bool,
    /// Project names, comma-separated: projects to add (existing ones stay).
    pub projects: &'a str,
}

fn checked_org_id(org_id: &str) -> Result<String> {
    let o = org_id.trim().to_string();
    if o.is_empty() || o.chars().count() > 40 || o.chars().any(|c| c.is_whitespace() || crate::model::is_hidden_char(c))
    {
        return Err(AppError::invalid("Enter the Org ID: up to 40 characters, no spaces or control characters."));
    }
    Ok(o)
}

async fn ensure_org_id_free(tx: &mut Tx, org_id: &str, account: Option<i64>) -> Result<()> {
    let owner: Option<(i64, String)> =
        tx.fetch_optional(&sql!("SELECT id, name FROM accounts WHERE org_id = $1", org_id)).await?;
    match owner {
        Some((id, name)) if Some(id) != account => {
            Err(AppError::Conflict(format!("The Org ID {org_id} is already the account {name}'s.")))
        }
        _ => Ok(()),
    }
}

/// Project names as typed (comma-separated), or why they will not do.
fn checked_projects(text: &str) -> Result<Vec<String>> {
    let projects = split_list(text);
    for p in &projects {
        super::refuse_hidden(p, "Check the project names.")?;
    }
    if projects.len() > MAX_NEW_PROJECTS {
        return Err(AppError::invalid(format!("Add at most {MAX_NEW_PROJECTS} projects at a time.")));
    }
    if let Some(p) = projects.iter().find(|p| p.chars().count() > 60) {
        return Err(AppError::invalid(format!("The project name \"{p}\" is longer than 60 characters.")));
    }
    Ok(projects)
}

async fn add_projects(tx: &mut Tx, account: AccountId, projects: &[String]) -> Result<()> {
    for p in projects {
        let known: Option<(i64,)> = tx
            .fetch_optional(&sql!("SELECT id FROM account_projects WHERE account_id = $1 AND name = $2", account, p))
            .await?;
        if known.is_none() {
            tx.execute(&sql!("INSERT INTO account_projects (account_id, name) VALUES ($1, $2)", account, p)).await?;
        }
    }
    Ok(())
}

/// Creates a support account of an organisation.
pub async fn create_account(db: &Db, operator: &Operator, organisation: i64, f: &AccountFields<'_>) -> Result<String> {
    let name = checked_name(f.name, "account's name")?;
    let org_id = checked_org_id(f.org_id)?;
    let kind = checked_kind(f.kind, &ACCOUNT_KINDS, "kind of account")?;
    let projects = checked_projects(f.projects)?;
    let mut tx = db.begin().await?;
    let org: Option<(String,)> =
        tx.fetch_optional(&sql!("SELECT kind FROM organisations WHERE id = $1", organisation)).await?;
    match org {
        None => return Err(AppError::not_found("There is no such organisation.")),
        Some((k,)) if k == "vendor" => {
            return Err(AppError::invalid("Support accounts belong to customers and partners, not to the vendor."))
        }
        Some(_) => {}
    }
    ensure_org_id_free(&mut tx, &org_id, None).await?;
    let id: AccountId = tx
        .scalar::<i64>(&sql!(
            "INSERT INTO accounts (organisation_id, name, org_id, kind, government_cloud, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
            organisation,
            &name,
            &org_id,
            kind,
            f.government_cloud,
            now()
        ))
        .await?
        .into();
    add_projects(&mut tx, id, &projects).await?;
    let gov = if f.government_cloud { ", government cloud" } else { "" };
    log(&mut tx, operator, Some(id), AuditAction::AccountCreated, format!("{name} ({org_id}, {kind}{gov})")).await?;
    tx.commit().await?;
    Ok(format!("Created the account {name}."))
}

/// Changes an account's name, Org ID, kind or government-cloud flag, and adds projects.
pub async fn update_account(db: &Db, operator: &Operator, account: AccountId, f: &AccountFields<'_>) -> Result<String> {
    let name = checked_name(f.name, "account's name")?;
    let org_id = checked_org_id(f.org_id)?;
    let kind = checked_kind(f.kind, &ACCOUNT_KINDS, "kind of account")?;
    let projects = checked_projects(f.projects)?;
    // Locked like a membership change: no Cloud Specialist may be added between the
    // check below and the account becoming a government cloud.
    let mut tx = members::write::begin_change(db, account).await?;
    let found: Option<(String, bool)> =
        tx.fetch_optional(&sql!("SELECT name, government_cloud FROM accounts WHERE id = $1", account)).await?;
    let Some((old_name, was_gov)) = found else {
        return Err(AppError::not_found(format!("There is no account with the id {account}.")));
    };
    ensure_org_id_free(&mut tx, &org_id, Some(account.0)).await?;
    if f.government_cloud && !was_gov {
        // Cloud affiliations are not available on a government cloud (SPEC F8).
        let cat = Catalogue::load_tx(&mut tx).await?;
        let holders: i64 = tx
            .scalar(&sql!(
                "SELECT COUNT(*) FROM memberships WHERE account_id = $1 AND (role_bits & $2) <> 0",
                account,
                cat.cloud_mask()
            ))
            .await?;
        if holders > 0 {
            return Err(AppError::Conflict(format!(
                "{holders} members of {old_name} hold a cloud role, which a government-cloud account does not allow. \
                 Change their roles first."
            )));
        }
    }
    tx.execute(&sql!(
        "UPDATE accounts SET name = $1, org_id = $2, kind = $3, government_cloud = $4 WHERE id = $5",
        &name,
        &org_id,
        kind,
        f.government_cloud,
        account
    ))
    .await?;
    add_projects(&mut tx, account, &projects).await?;
    let gov = if f.government_cloud { ", government cloud" } else { "" };
    audit::record_as(
        &mut tx,
        Some(operator.actor().person_id),
        Some(account),
        Record {
            subject: None,
            action: AuditAction::AccountUpdated,
            before: Some(old_name),
            after: Some(format!("{name} ({org_id}, {kind}{gov})")),
        },
    )
    .await?;
    tx.commit().await?;
    Ok(format!("Saved the account {name}."))
}

/// Makes the registered person with `email` an Account Administrator of `account`:
/// adds them with that role, or gives a member the role.
pub async fn grant_admin(db: &Db, operator: &Operator, account: AccountId, email: &str) -> Result<String> {
    set_admin(db, operator, account, email, true).await
}

/// Takes the Account Administrator role from a member (never from the last one).
pub async fn revoke_admin(db: &Db, operator: &Operator, account: AccountId, email: &str) -> Result<String> {
    set_admin(db, operator, account, email, false).await
}

async fn set_admin(db: &Db, operator: &Operator, account: AccountId, email: &str, admin: bool) -> Result<String> {
    let email = EmailAddress::parse(email, "Enter the person's full email address, like name@example.com.")?;
    let as_admin = operator.actor().clone().manage(db, account).await?;
    let cat = Catalogue::load(db).await?;
    let admin_keys: Vec<String> = cat.0.iter().filter(|d| d.role.is_admin).map(|d| d.role.key.clone()).collect();
    let member: Option<(i64, i64, i64, String)> = db
        .fetch_optional(&sql!(
            "SELECT id, version, role_bits, name FROM memberships WHERE account_id = $1 AND email_key = $2",
            account,
            email.key()
        ))
        .await?;
    match (member, admin) {
        (None, true) => {
            let change = RoleChange { roles: admin_keys, cloud: None };
            members::write::add(db, &as_admin, &PersonRef::Email(email.to_string()), &change).await?;
            Ok(format!("{} is now an Account Administrator.", email))
        }
        (None, false) => Err(AppError::not_found(format!("{} is not a member of this account.", email))),
        (Some((id, version, bits, name)), admin) => {
            let mut keys = cat.keys_of(bits);
            keys.retain(|k| !admin_keys.contains(k));
            if admin {
                keys.extend(admin_keys);
            }
            let details = members::write::details(db, &as_admin, MembershipId(id)).await?;
            let change = RoleChange { roles: keys, cloud: details.cloud };
            members::write::update(db, &as_admin, MembershipId(id), Version(version), &change).await?;
            Ok(if admin {
                format!("{name} is now an Account Administrator.")
            } else {
                format!("{name} is no longer an Account Administrator.")
            })
        }
    }
}

#[derive(sqlx::FromRow)]
struct AccountRow {
    id: i64,
    organisation_id: i64,
    name: String,
    org_id: String,
    kind: String,
    government_cloud: bool,
}

/// Every customer and partner organisation with its domains and accounts.
pub async fn overview(db: &Db, _operator: &Operator) -> Result<Vec<ConsoleOrganisation>> {
    let orgs: Vec<(i64, String, String)> = db
        .fetch_all(&sql!("SELECT id, name, kind FROM organisations WHERE kind <> 'vendor' ORDER BY name, id"))
        .await?;
    let domains: Vec<(i64, String)> =
        db.fetch_all(&sql!("SELECT organisation_id, domain FROM organisation_domains ORDER BY domain")).await?;
    let accounts: Vec<AccountRow> = db
        .fetch_all(&sql!(
            "SELECT id, organisation_id, name, org_id, kind, government_cloud FROM accounts ORDER BY name, id"
        ))
        .await?;
    let projects: Vec<(i64, String)> =
        db.fetch_all(&sql!("SELECT account_id, name FROM account_projects ORDER BY name")).await?;
    let cat = Catalogue::load(db).await?;
    // A few administrators per account: a walk that stops early, not a scan of a large
    // account's members.
    let mut admins: Vec<(i64, String)> = Vec::new();
    for a in &accounts {
        let names: Vec<(String,)> = db
            .fetch_all(&sql!(
                "SELECT name FROM memberships WHERE account_id = $1 AND status = 'active' AND (role_bits & $2) <> 0 \
                 LIMIT $3",
                a.id,
                cat.admin_mask(),
                ADMINS_SHOWN
            ))
            .await?;
        admins.extend(names.into_iter().map(|(n,)| (a.id, n)));
    }
    Ok(orgs
        .into_iter()
        .map(|(id, name, kind)| ConsoleOrganisation {
            domains: domains.iter().filter(|(o, _)| *o == id).map(|(_, d)| d.clone()).collect(),
            accounts: accounts
                .iter()
                .filter(|a| a.organisation_id == id)
                .map(|a| ConsoleAccount {
                    id: a.id,
                    name: a.name.clone(),
                    org_id: a.org_id.clone(),
                    kind: a.kind.clone(),
                    government_cloud: a.government_cloud,
                    projects: projects.iter().filter(|(p, _)| *p == a.id).map(|(_, n)| n.clone()).collect(),
                    admins: admins.iter().filter(|(acc, _)| *acc == a.id).map(|(_, n)| n.clone()).collect(),
                })
                .collect(),
            id,
            name,
            kind,
        })
        .collect())
}
