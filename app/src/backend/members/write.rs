//! Changes to memberships: add, update roles, remove (with its case cascade), deactivate
//! and reactivate, and bulk actions. Each runs in one transaction, checks the account's
//! rules before it writes, keeps the derived counts in step and writes the audit log.

use crate::backend::access::AccountAdmin;
use crate::backend::audit::{self, Record};
use crate::backend::db::{Db, Tx};
use crate::backend::mail::{outbox, templates, EmailAddress, FULL_EMAIL};
use crate::backend::roles::{requested_bits, Catalogue, RoleDef};
use crate::error::{AppError, Result};
use crate::model::{
    thousands, AccountId, AuditAction, BulkAction, BulkResult, CloudAffiliation, Environment, MemberDetails,
    MemberStatus, MembershipId, PersonId, PersonRef, RoleChange, Selection, Version,
};
use crate::sql;

/// SPEC F8's product wording.
pub const NOT_REGISTERED: &str = "This user must be registered in the Community";
/// The most members one bulk action may touch ("all matching the view" included).
pub const BULK_LIMIT: usize = 10_000;
/// The most members a bulk action may name one by one (rows ticked in the table).
pub const SELECTED_LIMIT: usize = 1_000;
/// The most projects one Cloud Specialist's affiliation may list.
pub const MAX_CLOUD_PROJECTS: usize = 1_000;

#[derive(Clone, Debug, sqlx::FromRow)]
struct Member {
    id: i64,
    person_id: i64,
    name: String,
    email: String,
    #[sqlx(try_from = "String")]
    status: MemberStatus,
    role_bits: i64,
    version: i64,
    cloud_all_projects: bool,
    cloud_environment: Option<String>,
}

#[derive(Clone, Debug, sqlx::FromRow)]
struct Account {
    #[sqlx(try_from = "i64")]
    id: AccountId,
    name: String,
    government_cloud: bool,
}

#[derive(Clone, Debug, sqlx::FromRow)]
struct Person {
    id: i64,
    display_name: String,
    email: String,
    email_key: String,
    name_key: String,
    registered_at: Option<i64>,
    last_sign_in_at: Option<i64>,
}

const PERSON: &str = "SELECT id, display_name, email, email_key, name_key, registered_at, last_sign_in_at FROM people";

/// Starts a transaction that changes the memberships of `account`, holding the account
/// until it ends (`lock_account`). Every write that could take the last administrator
/// away or give a role held once per account starts here, so that its check sees every
/// change made before it and none is made between its check and its write.
pub(in crate::backend) async fn begin_change(db: &Db, account: AccountId) -> Result<Tx> {
    let mut tx = db.begin().await?;
    lock_account(&mut tx, account).await?;
    Ok(tx)
}

/// Locks `account`'s row until the transaction ends, so that one membership change of an
/// account runs at a time: under READ COMMITTED two transactions could each check
/// "another administrator remains" and then each remove the other. On PostgreSQL this
/// is a row lock (inserts that merely refer to the account do not wait for it); on
/// SQLite it takes the database's write lock, and as a transaction's first statement
/// (`begin_change`) it waits for it instead of failing with SQLITE_BUSY, as a write
/// after a read does when another write came between them. The name is written, not
/// the id: SQLite would look through every row referring to an id it writes, a million
/// memberships in a large account.
pub(in crate::backend) async fn lock_account(tx: &mut Tx, account: AccountId) -> Result<()> {
    let locked = tx.execute(&sql!("UPDATE accounts SET name = name WHERE id = $1", account)).await?;
    if locked == 0 {
        return Err(AppError::not_found(format!("There is no account with the id {account}.")));
    }
    Ok(())
}

async fn account(tx: &mut Tx, id: AccountId) -> Result<Account> {
    tx.fetch_optional(&sql!("SELECT id, name, government_cloud FROM accounts WHERE id = $1", id))
        .await?
        .ok_or_else(|| AppError::not_found(format!("There is no account with the id {id}.")))
}

async fn member(tx: &mut Tx, admin: &AccountAdmin, membership_id: MembershipId) -> Result<Member> {
    tx.fetch_optional(&sql!(
        "SELECT id, person_id, name, email, status, role_bits, version, cloud_all_projects, cloud_environment \
         FROM memberships WHERE id = $1 AND account_id = $2",
        membership_id,
        admin.account()
    ))
    .await?
    .ok_or_else(|| AppError::not_found("That user is no longer a member of this account."))
}

async fn cloud_of(tx: &mut Tx, m: &Member) -> Result<CloudAffiliation> {
    let projects: Vec<(i64,)> = tx
        .fetch_all(&sql!(
            "SELECT project_id FROM membership_projects WHERE membership_id = $1 ORDER BY project_id",
            m.id
        ))
        .await?;
    Ok(CloudAffiliation {
        all_projects: m.cloud_all_projects,
        projects: projects.into_iter().map(|(p,)| p).collect(),
        environment: m.cloud_environment.as_deref().and_then(Environment::parse).unwrap_or_default(),
    })
}

/// What a change does to the counts derived from memberships: the members per role and
/// status (`role_counts`) and the open cases handed to the acting administrator (their
/// `cases_owned`). A change of one member writes them as it goes (`Tally::Now`); a bulk
/// action sums them and writes each row once, at its end (`Tally::later`). Thousands of
/// updates of the same few rows in one transaction cost PostgreSQL time that grows with
/// the square of their number (each update walks the versions of the row the transaction
/// has left behind): removing 10,000 members took a minute and a half, most of it there.
enum Tally {
    Now,
    Later { roles: std::collections::BTreeMap<(&'static str, String), i64>, cases_to_actor: i64 },
}

impl Tally {
    fn later() -> Tally {
        Tally::Later { roles: Default::default(), cases_to_actor: 0 }
    }

    /// Adds `delta` to the count of every role in `bits` among members of `status`.
    async fn roles(
        &mut self,
        tx: &mut Tx,
        cat: &Catalogue,
        account: AccountId,
        status: MemberStatus,
        bits: i64,
        delta: i64,
    ) -> Result<()> {
        for d in cat.0.iter().filter(|d| bits & d.mask() != 0) {
            match self {
                Tally::Now => upsert_count(tx, account, status.as_str(), &d.role.key, delta).await?,
                Tally::Later { roles, .. } => *roles.entry((status.as_str(), d.role.key.clone())).or_default() += delta,
            }
        }
        Ok(())
    }

    /// Counts `n` more open cases of which the acting administrator is primary contact.
    async fn cases_to_actor(&mut self, tx: &mut Tx, admin: &AccountAdmin, n: i64) -> Result<()> {
        match self {
            Tally::Now => write_cases_to_actor(tx, admin, n).await,
            Tally::Later { cases_to_actor, .. } => {
                *cases_to_actor += n;
                Ok(())
            }
        }
    }

    /// Takes in the tally of one more member's change (which has been kept).
    fn merge(&mut self, other: Tally) {
        if let (Tally::Later { roles, cases_to_actor }, Tally::Later { roles: more, cases_to_actor: n }) = (self, other)
        {
            for (key, delta) in more {
                *roles.entry(key).or_default() += delta;
            }
            *cases_to_actor += n;
        }
    }

    /// Writes what was summed; a `Now` tally has written everything already.
    async fn write(self, tx: &mut Tx, admin: &AccountAdmin) -> Result<()> {
        let Tally::Later { roles, cases_to_actor } = self else { return Ok(()) };
        for ((status, key), delta) in roles.into_iter().filter(|(_, delta)| *delta != 0) {
            upsert_count(tx, admin.account(), status, &key, delta).await?;
        }
        write_cases_to_actor(tx, admin, cases_to_actor).await
    }
}

async fn write_cases_to_actor(tx: &mut Tx, admin: &AccountAdmin, n: i64) -> Result<()> {
    if n == 0 {
        return Ok(());
    }
    tx.execute(&sql!(
        "UPDATE memberships SET cases_owned = cases_owned + $1 WHERE account_id = $2 AND person_id = $3",
        n,
        admin.account(),
        admin.actor().person_id
    ))
    .await?;
    Ok(())
}

async fn upsert_count(tx: &mut Tx, account: AccountId, status: &str, role_key: &str, delta: i64) -> Result<()> {
    tx.execute(&sql!(
        "INSERT INTO role_counts (account_id, status, role_key, n) VALUES ($1, $2, $3, $4) \
         ON CONFLICT (account_id, status, role_key) DO UPDATE SET n = role_counts.n + excluded.n",
        account,
        status,
        role_key,
        delta
    ))
    .await?;
    Ok(())
}

/// Refuses to leave an account without an active administrator.
async fn ensure_another_admin(tx: &mut Tx, cat: &Catalogue, m: &Member, account: AccountId) -> Result<()> {
    let admin = cat.admin_mask();
    if m.status != MemberStatus::Active || m.role_bits & admin == 0 {
        return Ok(());
    }
    let other: Option<(i64,)> = tx
        .fetch_optional(&sql!(
            "SELECT id FROM memberships WHERE account_id = $1 AND status = 'active' AND (role_bits & $2) <> 0 \
             AND id <> $3 LIMIT 1",
            account,
            admin,
            m.id
        ))
        .await?;
    match other {
        Some(_) => Ok(()),
        None => Err(last_admin(&m.name)),
    }
}

/// The refusal of a change that would leave the account without an active administrator.
pub(in crate::backend) fn last_admin(name: &str) -> AppError {
    AppError::Conflict(format!(
        "{name} is the last Account Administrator of this account. Give another member that role first."
    ))
}

/// The refusal of a role held once per account that `who` holds already.
pub(in crate::backend) fn unique_role_held(label: &str, who: &str) -> AppError {
    AppError::Conflict(format!("Only one member may hold the role {label}, and {who} holds it."))
}

/// `memberships.additional_roles` for `bits`: the roles beyond the default ones.
pub(in crate::backend) fn additional_roles(cat: &Catalogue, bits: i64) -> i64 {
    i64::from((bits & !cat.default_mask()).count_ones())
}

/// Refuses a role held once per account when another member holds it.
pub(in crate::backend) async fn ensure_unique_free(
    tx: &mut Tx,
    cat: &Catalogue,
    account: AccountId,
    new_bits: i64,
    old_bits: i64,
) -> Result<()> {
    for d in cat.unique_roles().filter(|d| new_bits & d.mask() != 0 && old_bits & d.mask() == 0) {
        if let Some(who) = unique_role_holder(tx, account, d).await? {
            return Err(unique_role_held(&d.role.label, &who));
        }
    }
    Ok(())
}

/// Who holds the role `d` (one held once per account) in `account`, by name, if anyone.
pub(in crate::backend) async fn unique_role_holder(
    tx: &mut Tx,
    account: AccountId,
    d: &RoleDef,
) -> Result<Option<String>> {
    let held: i64 = tx
        .scalar(&sql!(
            "SELECT CAST(COALESCE(SUM(n), 0) AS BIGINT) FROM role_counts WHERE account_id = $1 AND role_key = $2",
            account,
            &d.role.key
        ))
        .await?;
    if held == 0 {
        return Ok(None);
    }
    let holder: Option<(String,)> = tx
        .fetch_optional(&sql!(
            "SELECT name FROM memberships WHERE account_id = $1 AND (role_bits & $2) <> 0 LIMIT 1",
            account,
            d.mask()
        ))
        .await?;
    Ok(Some(holder.map(|(n,)| n).unwrap_or_else(|| "another member".into())))
}

/// The affiliation to store for `bits`: required shape with a cloud role, none without.
async fn checked_cloud(
    tx: &mut Tx,
    cat: &Catalogue,
    account: &Account,
    bits: i64,
    cloud: Option<&CloudAffiliation>,
) -> Result<Option<CloudAffiliation>> {
    let cloud = cloud_shape(cat, account.government_cloud, bits, cloud)?;
    if let Some(c) = &cloud {
        if !c.all_projects {
            let known: Vec<(i64,)> =
                tx.fetch_all(&sql!("SELECT id FROM account_projects WHERE account_id = $1", account.id)).await?;
            if let Some(p) = c.projects.iter().find(|p| !known.iter().any(|(k,)| k == *p)) {
                return Err(AppError::invalid(format!("Project {p} is not a project of this account.")));
            }
        }
    }
    Ok(cloud)
}

/// `checked_cloud` but for the projects being the account's: the affiliation to store
/// for `bits` on an account (government cloud or not), in its stored shape.
pub(in crate::backend) fn cloud_shape(
    cat: &Catalogue,
    government_cloud: bool,
    bits: i64,
    cloud: Option<&CloudAffiliation>,
) -> Result<Option<CloudAffiliation>> {
    if bits & cat.cloud_mask() == 0 {
        return Ok(None);
    }
    if government_cloud {
        let labels: Vec<String> = cat.roles_of(bits & cat.cloud_mask()).into_iter().map(|r| r.label).collect();
        return Err(AppError::invalid(format!(
            "{} is not available on a government-cloud account.",
            labels.join(", ")
        )));
    }
    if cloud.is_some_and(|c| c.projects.len() > MAX_CLOUD_PROJECTS) {
        return Err(AppError::invalid(format!(
            "Choose at most {} projects, or All projects.",
            thousands(MAX_CLOUD_PROJECTS as u64)
        )));
    }
    let mut cloud = cloud.cloned().unwrap_or_default();
    if cloud.all_projects {
        cloud.projects.clear();
    } else {
        cloud.projects.sort_unstable();
        cloud.projects.dedup();
        if cloud.projects.is_empty() {
            return Err(AppError::invalid("Choose at least one project, or All projects."));
        }
    }
    Ok(Some(cloud))
}

async fn describe(tx: &mut Tx, cat: &Catalogue, bits: i64, cloud: Option<&CloudAffiliation>) -> Result<String> {
    let mut names = Vec::new();
    if let Some(c) = cloud.filter(|c| !c.all_projects) {
        for p in &c.projects {
            let (name,): (String,) = tx
                .fetch_optional(&sql!("SELECT name FROM account_projects WHERE id = $1", *p))
                .await?
                .unwrap_or((format!("project {p}"),));
            names.push(name);
        }
    }
    Ok(describe_with(cat, bits, cloud, &names))
}

/// Roles in words, with the cloud affiliation's projects (`project_names`, unless it
/// covers all projects) and environment: what the audit log and emails say.
pub(in crate::backend) fn describe_with(
    cat: &Catalogue,
    bits: i64,
    cloud: Option<&CloudAffiliation>,
    project_names: &[String],
) -> String {
    let mut text = cat.describe(bits);
    if let Some(c) = cloud {
        let projects = if c.all_projects { "all projects".to_string() } else { project_names.join(", ") };
        text.push_str(&format!(" (cloud: {projects}; {})", c.environment.label().to_lowercase()));
    }
    text
}

/// The role bits and cloud affiliation `change` asks for on `account`, checked against
/// the catalogue and the account (government cloud, its projects).
pub(in crate::backend) async fn checked_change(
    tx: &mut Tx,
    cat: &Catalogue,
    account_id: AccountId,
    change: &RoleChange,
) -> Result<(i64, Option<CloudAffiliation>)> {
    let acc = account(tx, account_id).await?;
    let bits = requested_bits(cat, change)?;
    let cloud = checked_cloud(tx, cat, &acc, bits, change.cloud.as_ref()).await?;
    Ok((bits, cloud))
}

async fn store_cloud(tx: &mut Tx, membership_id: i64, cloud: Option<&CloudAffiliation>) -> Result<()> {
    tx.execute(&sql!("DELETE FROM membership_projects WHERE membership_id = $1", membership_id)).await?;
    let default = CloudAffiliation::default();
    let c = cloud.unwrap_or(&default);
    tx.execute(&sql!(
        "UPDATE memberships SET cloud_all_projects = $1, cloud_environment = $2 WHERE id = $3",
        c.all_projects,
        c.environment.as_str(),
        membership_id
    ))
    .await?;
    for p in &c.projects {
        tx.execute(&sql!(
            "INSERT INTO membership_projects (membership_id, project_id) VALUES ($1, $2)",
            membership_id,
            *p
        ))
        .await?;
    }
    Ok(())
}

/// Whom `add` looks for: the person with a checked address, or one offered by id.
pub(in crate::backend) enum Wanted {
    Email(EmailAddress),
    Id(i64),
}

/// Adds a registered person to the account (SPEC F8). Returns the new membership id.
pub async fn add(db: &Db, admin: &AccountAdmin, who: &PersonRef, change: &RoleChange) -> Result<i64> {
    // A typed address is checked before the account is locked.
    let wanted = match who {
        PersonRef::Email(email) => Wanted::Email(EmailAddress::parse(email, FULL_EMAIL)?),
        PersonRef::Id(id) => Wanted::Id(*id),
    };
    let mut tx = begin_change(db, admin.account()).await?;
    let cat = Catalogue::load_tx(&mut tx).await?;
    let id = add_within(&mut tx, &cat, admin, wanted, change).await?;
    tx.commit().await?;
    Ok(id)
}

/// `add` inside a change already under way (a batch of a CSV import).
pub(in crate::backend) async fn add_within(
    tx: &mut Tx,
    cat: &Catalogue,
    admin: &AccountAdmin,
    wanted: Wanted,
    change: &RoleChange,
) -> Result<i64> {
    let account = account(tx, admin.account()).await?;
    let bits = requested_bits(cat, change)?;
    let cloud = checked_cloud(tx, cat, &account, bits, change.cloud.as_ref()).await?;
    let person: Option<Person> = match wanted {
        Wanted::Email(email) => tx.fetch_optional(&sql!(format!("{PERSON} WHERE email_key = $1"), email.key())).await?,
        // Only someone the type-ahead offers, and one answer for everyone else, whether
        // or not the id exists: ids must not be a way to find people.
        Wanted::Id(id) => match crate::backend::people::offered(tx, account.id, id).await? {
            true => tx.fetch_optional(&sql!(format!("{PERSON} WHERE id = $1"), id)).await?,
            false => None,
        },
    };
    let person = match person {
        Some(p) if p.registered_at.is_some() => p,
        _ => return Err(AppError::invalid(NOT_REGISTERED)),
    };
    let existing: Option<(String,)> = tx
        .fetch_optional(&sql!(
            "SELECT status FROM memberships WHERE account_id = $1 AND person_id = $2",
            account.id,
            person.id
        ))
        .await?;
    if let Some((status,)) = existing {
        return Err(AppError::Conflict(if status == "active" {
            format!("{} is already a member of this account.", person.display_name)
        } else {
            format!(
                "{} is already a member of this account, with a deactivated login. Reactivate them from Show inactive.",
                person.display_name
            )
        }));
    }
    let id = insert(tx, cat, account.id, &person, bits, cloud.as_ref(), Some(admin.actor().person_id)).await?;
    let roles = describe(tx, cat, bits, cloud.as_ref()).await?;
    audit::record(
        tx,
        admin,
        Record { subject: Some(person.id), action: AuditAction::MemberAdded, before: None, after: Some(roles.clone()) },
    )
    .await?;
    outbox::enqueue(
        tx,
        &templates::welcome(&person.display_name, &person.email, &admin.actor().name, &account.name, &roles),
    )
    .await?;
    Ok(id)
}

/// Writes a new membership of `person` with `bits` (checked by the caller, except that
/// a role held once per account must still be free), keeping the counts in step.
async fn insert(
    tx: &mut Tx,
    cat: &Catalogue,
    account: AccountId,
    person: &Person,
    bits: i64,
    cloud: Option<&CloudAffiliation>,
    added_by: Option<i64>,
) -> Result<i64> {
    ensure_unique_free(tx, cat, account, bits, 0).await?;
    crate::backend::partners::check_may_join(tx, account, person.id).await?;
    let owned: i64 = tx
        .scalar(&sql!(
            "SELECT COUNT(*) FROM cases WHERE account_id = $1 AND status = 'open' AND primary_contact_id = $2",
            account,
            person.id
        ))
        .await?;
    let id: i64 = tx
        .scalar(&sql!(
            "INSERT INTO memberships (account_id, person_id, status, role_bits, additional_roles, added_by, added_at, \
             name, name_key, email, email_key, last_sign_in_at, cases_owned, registered) \
             VALUES ($1, $2, 'active', $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13) RETURNING id",
            account,
            person.id,
            bits,
            additional_roles(cat, bits),
            added_by,
            crate::backend::now(),
            &person.display_name,
            &person.name_key,
            &person.email,
            &person.email_key,
            person.last_sign_in_at.unwrap_or(0),
            owned,
            person.registered_at.is_some()
        ))
        .await?;
    store_cloud(tx, id, cloud).await?;
    Tally::Now.roles(tx, cat, account, MemberStatus::Active, bits, 1).await?;
    Ok(id)
}

/// Adds `person` to `account` with `bits` unless they are a member already (accepting an
/// invitation). Returns the membership, new or found.
pub(in crate::backend) async fn join(
    tx: &mut Tx,
    account: AccountId,
    person_id: i64,
    bits: i64,
    invited_by: Option<i64>,
) -> Result<i64> {
    // The account is locked here rather than when the transaction begins: accepting
    // first works out a password hash, and on SQLite holding the lock (the database's
    // write lock) through that would stall every other write.
    lock_account(tx, account).await?;
    let found: Option<(i64,)> = tx
        .fetch_optional(&sql!(
            "SELECT id FROM memberships WHERE account_id = $1 AND person_id = $2",
            account,
            person_id
        ))
        .await?;
    if let Some((id,)) = found {
        return Ok(id);
    }
    let cat = Catalogue::load_tx(tx).await?;
    let (bits, cloud) =
        checked_change(tx, &cat, account, &RoleChange { roles: cat.keys_of(bits), cloud: None }).await?;
    // The role may have been given to someone else since the invitation was sent; the
    // invitee, not a member yet, is not told who holds it.
    match ensure_unique_free(tx, &cat, account, bits, 0).await {
        Err(AppError::Conflict(_)) => return Err(AppError::Conflict(INVITED_ROLE_TAKEN.into())),
        other => other?,
    }
    let person = person_by_id(tx, person_id).await?;
    insert(tx, &cat, account, &person, bits, cloud.as_ref(), invited_by).await
}

/// Gives `person_id` the support access level `level` (a set of role bits) on `account`
/// (an approved access request, SPEC F23): a new membership, or the level's roles in
/// place of the ones they hold (reactivated if deactivated). An Account Administrator
/// role they hold stays: a request never takes administration away. Returns the roles
/// before, in words (`None`: a new member), and after.
pub(in crate::backend) async fn grant_level(
    tx: &mut Tx,
    account: AccountId,
    person_id: i64,
    level: &str,
    level_bits: i64,
    granted_by: i64,
) -> Result<(Option<String>, String)> {
    lock_account(tx, account).await?;
    let cat = Catalogue::load_tx(tx).await?;
    let found: Option<(i64, String, i64)> = tx
        .fetch_optional(&sql!(
            "SELECT id, status, role_bits FROM memberships WHERE account_id = $1 AND person_id = $2",
            account,
            person_id
        ))
        .await?;
    let Some((id, status, old_bits)) = found else {
        let person = person_by_id(tx, person_id).await?;
        let (bits, cloud) =
            checked_change(tx, &cat, account, &RoleChange { roles: cat.keys_of(level_bits), cloud: None }).await?;
        let id = insert(tx, &cat, account, &person, bits, cloud.as_ref(), Some(granted_by)).await?;
        tx.execute(&sql!("UPDATE memberships SET support_level = $1 WHERE id = $2", level, id)).await?;
        return Ok((None, describe(tx, &cat, bits, cloud.as_ref()).await?));
    };
    let status = MemberStatus::try_from(status).map_err(|_| AppError::Internal)?;
    let bits = level_bits | (old_bits & cat.admin_mask());
    ensure_unique_free(tx, &cat, account, bits, old_bits).await?;
    tx.execute(&sql!(
        "UPDATE memberships SET role_bits = $1, additional_roles = $2, support_level = $3, status = 'active', \
         version = version + 1 WHERE id = $4",
        bits,
        additional_roles(&cat, bits),
        level,
        id
    ))
    .await?;
    Tally::Now.roles(tx, &cat, account, status, old_bits, -1).await?;
    Tally::Now.roles(tx, &cat, account, MemberStatus::Active, bits, 1).await?;
    let before = describe(tx, &cat, old_bits, None).await?;
    let before = if status == MemberStatus::Active { before } else { format!("{before} (deactivated)") };
    Ok((Some(before), describe(tx, &cat, bits, None).await?))
}

/// Why an invitation can no longer be accepted as it was sent.
pub const INVITED_ROLE_TAKEN: &str = "This invitation gives a role that only one member of the account may hold, and \
     another member holds it now. Ask the account's administrator to invite you again.";

/// Relates a new contact to the administrator's account with checked roles.
pub(in crate::backend) async fn join_with(
    tx: &mut Tx,
    cat: &Catalogue,
    account: AccountId,
    person_id: i64,
    bits: i64,
    cloud: Option<&CloudAffiliation>,
    admin: &AccountAdmin,
) -> Result<i64> {
    let person = person_by_id(tx, person_id).await?;
    insert(tx, cat, account, &person, bits, cloud, Some(admin.actor().person_id)).await
}

async fn person_by_id(tx: &mut Tx, id: i64) -> Result<Person> {
    tx.fetch_optional(&sql!(format!("{PERSON} WHERE id = $1"), id)).await?.ok_or(AppError::Internal)
}

/// Changes a member's roles and cloud affiliation (SPEC F9). `version` is the one the
/// caller saw: if the member changed since, nothing is written.
pub async fn update(
    db: &Db,
    admin: &AccountAdmin,
    membership_id: MembershipId,
    version: Version,
    change: &RoleChange,
) -> Result<()> {
    let mut tx = begin_change(db, admin.account()).await?;
    let cat = Catalogue::load_tx(&mut tx).await?;
    let account = account(&mut tx, admin.account()).await?;
    let m = member(&mut tx, admin, membership_id).await?;
    if m.version != version.0 {
        return Err(stale(&m.name));
    }
    let bits = requested_bits(&cat, change)?;
    let cloud = checked_cloud(&mut tx, &cat, &account, bits, change.cloud.as_ref()).await?;
    set_roles(&mut tx, admin, &cat, &m, bits, cloud.as_ref(), &mut Tally::Now).await?;
    tx.commit().await
}

fn stale(name: &str) -> AppError {
    AppError::Conflict(format!(
        "{name} was changed by someone else after you opened this dialog. Their current roles are shown now; \
         make your change again."
    ))
}

/// Checks and writes a new role set for `m`; Ok(false) when nothing changes.
async fn set_roles(
    tx: &mut Tx,
    admin: &AccountAdmin,
    cat: &Catalogue,
    m: &Member,
    bits: i64,
    cloud: Option<&CloudAffiliation>,
    tally: &mut Tally,
) -> Result<bool> {
    let old_cloud = if m.role_bits & cat.cloud_mask() != 0 { Some(cloud_of(tx, m).await?) } else { None };
    if bits == m.role_bits && cloud == old_cloud.as_ref() {
        return Ok(false);
    }
    if m.role_bits & cat.admin_mask() != 0 && bits & cat.admin_mask() == 0 {
        ensure_another_admin(tx, cat, m, admin.account()).await?;
    }
    ensure_unique_free(tx, cat, admin.account(), bits, m.role_bits).await?;
    let changed = tx
        .execute(&sql!(
            "UPDATE memberships SET role_bits = $1, additional_roles = $2, version = version + 1 \
             WHERE id = $3 AND version = $4",
            bits,
            additional_roles(cat, bits),
            m.id,
            m.version
        ))
        .await?;
    if changed == 0 {
        return Err(stale(&m.name));
    }
    store_cloud(tx, m.id, cloud).await?;
    tally.roles(tx, cat, admin.account(), m.status, m.role_bits, -1).await?;
    tally.roles(tx, cat, admin.account(), m.status, bits, 1).await?;
    let before = describe(tx, cat, m.role_bits, old_cloud.as_ref()).await?;
    let after = describe(tx, cat, bits, cloud).await?;
    audit::record(
        tx,
        admin,
        Record {
            subject: Some(m.person_id),
            action: AuditAction::MemberRolesChanged,
            before: Some(before),
            after: Some(after),
        },
    )
    .await?;
    Ok(true)
}

/// Who else loses a role when its holders change: nobody, or every holder not given it
/// (a SCIM PUT of a Group's members), at most `at_most` of them.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum OtherHolders {
    Keep,
    Lose { at_most: usize },
}

/// Gives the role `role_key` to the members `give` and takes it from the members `take`
/// (and, with `OtherHolders::Lose`, from every other holder, found under the account's
/// lock so that someone given the role meanwhile is not missed), as one change: all of
/// it, or nothing when one of them is refused (not a member of the account, the last
/// Account Administrator, a role only one member may hold, a role every member holds).
/// Their other roles and cloud affiliations stay. (A SCIM Group's members, SPEC F26.)
pub async fn change_role_holders(
    db: &Db,
    admin: &AccountAdmin,
    role_key: &str,
    give: &[MembershipId],
    take: &[MembershipId],
    others: OtherHolders,
) -> Result<()> {
    let mut tx = begin_change(db, admin.account()).await?;
    let cat = Catalogue::load_tx(&mut tx).await?;
    let def = cat
        .0
        .iter()
        .find(|r| r.role.key == role_key)
        .ok_or_else(|| AppError::invalid(format!("There is no role {role_key}.")))?;
    let (mask, label, is_default) = (def.mask(), def.role.label.clone(), def.role.is_default);
    let given: std::collections::HashSet<MembershipId> = give.iter().copied().collect();
    let mut take = take.to_vec();
    if let OtherHolders::Lose { at_most } = others {
        let holders: Vec<(i64,)> = tx
            .fetch_all(&sql!(
                "SELECT id FROM memberships WHERE account_id = $1 AND (role_bits & $2) <> 0 ORDER BY id LIMIT $3",
                admin.account(),
                mask,
                (at_most + give.len() + 1) as i64
            ))
            .await?;
        let others: Vec<MembershipId> =
            holders.into_iter().map(|(id,)| MembershipId(id)).filter(|id| !given.contains(id)).collect();
        if others.len() > at_most {
            return Err(AppError::invalid(format!(
                "{label} has more than {at_most} members: add and remove them by name instead."
            )));
        }
        take.extend(others);
    }
    take.retain(|id| !given.contains(id));
    if is_default && !take.is_empty() {
        return Err(AppError::invalid(format!("Every member holds {label}; remove the user instead.")));
    }
    let acc = account(&mut tx, admin.account()).await?;
    let changes = give.iter().map(|id| (*id, true)).chain(take.iter().map(|id| (*id, false)));
    for (id, giving) in changes {
        let m = member(&mut tx, admin, id).await?;
        let bits = if giving { m.role_bits | mask } else { m.role_bits & !mask };
        if bits == m.role_bits {
            continue;
        }
        let current = if m.role_bits & cat.cloud_mask() != 0 { Some(cloud_of(&mut tx, &m).await?) } else { None };
        let cloud = checked_cloud(&mut tx, &cat, &acc, bits, current.as_ref()).await?;
        set_roles(&mut tx, admin, &cat, &m, bits, cloud.as_ref(), &mut Tally::Now).await?;
    }
    tx.commit().await
}

/// Sets a member's roles (`change`; a cloud affiliation they hold is kept) and login
/// status (`active`) inside a change already under way (a batch of a CSV import), with
/// the checks, counts and audit entries of Update and of Active Login. Ok(false) when
/// nothing changes.
pub(in crate::backend) async fn update_within(
    tx: &mut Tx,
    admin: &AccountAdmin,
    cat: &Catalogue,
    membership_id: MembershipId,
    change: Option<&RoleChange>,
    active: Option<bool>,
) -> Result<bool> {
    let mut m = member(tx, admin, membership_id).await?;
    let mut changed = false;
    if let Some(change) = change {
        let acc = account(tx, admin.account()).await?;
        let bits = requested_bits(cat, change)?;
        let current = if m.role_bits & cat.cloud_mask() != 0 { Some(cloud_of(tx, &m).await?) } else { None };
        let cloud = checked_cloud(tx, cat, &acc, bits, change.cloud.as_ref().or(current.as_ref())).await?;
        if set_roles(tx, admin, cat, &m, bits, cloud.as_ref(), &mut Tally::Now).await? {
            changed = true;
            m = member(tx, admin, membership_id).await?;
        }
    }
    if let Some(active) = active {
        changed |= set_status(tx, admin, cat, &m, active, &mut Tally::Now).await?;
    }
    Ok(changed)
}

/// Removes a member (SPEC F11): off every case of this account as primary contact,
/// additional contact or follower, with the removing administrator taking over as
/// primary contact of their open cases; their case notifications go too. Returns the
/// member's name.
pub async fn remove(db: &Db, admin: &AccountAdmin, membership_id: MembershipId) -> Result<String> {
    let mut tx = begin_change(db, admin.account()).await?;
    let cat = Catalogue::load_tx(&mut tx).await?;
    let m = member(&mut tx, admin, membership_id).await?;
    remove_member(&mut tx, admin, &cat, &m, &mut Tally::Now).await?;
    tx.commit().await?;
    Ok(m.name)
}

/// Removes a member, with the F11 cascade, inside a change already under way (ending a
/// partner's support of a deployment); returns their name.
pub(in crate::backend) async fn remove_within(
    tx: &mut Tx,
    admin: &AccountAdmin,
    cat: &Catalogue,
    membership_id: MembershipId,
) -> Result<String> {
    let m = member(tx, admin, membership_id).await?;
    remove_member(tx, admin, cat, &m, &mut Tally::Now).await?;
    Ok(m.name)
}

async fn remove_member(
    tx: &mut Tx,
    admin: &AccountAdmin,
    cat: &Catalogue,
    m: &Member,
    tally: &mut Tally,
) -> Result<()> {
    ensure_another_admin(tx, cat, m, admin.account()).await?;
    let (account, person, actor) = (admin.account(), m.person_id, admin.actor().person_id);
    // The person's rows first (by its index), each checked against its case: `case_id IN
    // (SELECT id FROM cases WHERE account_id = …)` would list the account's every case
    // for each member removed.
    for table in ["case_contacts", "case_followers", "notifications"] {
        tx.execute(&sql!(
            format!(
                "DELETE FROM {table} WHERE person_id = $1 \
                 AND EXISTS (SELECT 1 FROM cases c WHERE c.id = {table}.case_id AND c.account_id = $2)"
            ),
            person,
            account
        ))
        .await?;
    }
    let taken_over = if person == actor {
        0
    } else {
        let name = &admin.actor().name;
        // Only to an administrator who is a member of the account (an operator acting
        // for it is not): otherwise the open cases are left without a primary contact.
        tx.execute(&sql!(
            "UPDATE cases SET primary_contact_id = $1, primary_name = $2, primary_name_key = $3, updated_at = $4 \
             WHERE account_id = $5 AND status = 'open' AND primary_contact_id = $6 \
             AND EXISTS (SELECT 1 FROM memberships WHERE account_id = $5 AND person_id = $1)",
            actor,
            name,
            name.to_lowercase(),
            crate::backend::now(),
            account,
            person
        ))
        .await?
    };
    tx.execute(&sql!(
        "UPDATE cases SET primary_contact_id = NULL, primary_name = '', primary_name_key = '' \
         WHERE account_id = $1 AND primary_contact_id = $2",
        account,
        person
    ))
    .await?;
    tally.cases_to_actor(tx, admin, taken_over as i64).await?;
    tx.execute(&sql!("DELETE FROM memberships WHERE id = $1", m.id)).await?;
    tally.roles(tx, cat, account, m.status, m.role_bits, -1).await?;
    audit::record(
        tx,
        admin,
        Record {
            subject: Some(person),
            action: AuditAction::MemberRemoved,
            before: Some(cat.describe(m.role_bits)),
            after: None,
        },
    )
    .await
}

/// Deactivates or reactivates a member's login for this account (SPEC F12). Returns
/// the member's name.
pub async fn set_active(db: &Db, admin: &AccountAdmin, membership_id: MembershipId, active: bool) -> Result<String> {
    let mut tx = begin_change(db, admin.account()).await?;
    let cat = Catalogue::load_tx(&mut tx).await?;
    let m = member(&mut tx, admin, membership_id).await?;
    set_status(&mut tx, admin, &cat, &m, active, &mut Tally::Now).await?;
    tx.commit().await?;
    Ok(m.name)
}

/// `set_active` inside a change already under way (a SCIM PUT that also changes the
/// provider's data). Ok(false) when the login already is so.
pub(in crate::backend) async fn set_active_within(
    tx: &mut Tx,
    admin: &AccountAdmin,
    membership_id: MembershipId,
    active: bool,
) -> Result<bool> {
    let cat = Catalogue::load_tx(tx).await?;
    let m = member(tx, admin, membership_id).await?;
    set_status(tx, admin, &cat, &m, active, &mut Tally::Now).await
}

async fn set_status(
    tx: &mut Tx,
    admin: &AccountAdmin,
    cat: &Catalogue,
    m: &Member,
    active: bool,
    tally: &mut Tally,
) -> Result<bool> {
    let status = if active { MemberStatus::Active } else { MemberStatus::Inactive };
    if m.status == status {
        return Ok(false);
    }
    if !active {
        ensure_another_admin(tx, cat, m, admin.account()).await?;
    }
    tx.execute(&sql!("UPDATE memberships SET status = $1, version = version + 1 WHERE id = $2", status.as_str(), m.id))
        .await?;
    tally.roles(tx, cat, admin.account(), m.status, m.role_bits, -1).await?;
    tally.roles(tx, cat, admin.account(), status, m.role_bits, 1).await?;
    audit::record(
        tx,
        admin,
        Record {
            subject: Some(m.person_id),
            action: if active { AuditAction::MemberReactivated } else { AuditAction::MemberDeactivated },
            before: Some(m.status.as_str().to_string()),
            after: Some(status.as_str().to_string()),
        },
    )
    .await?;
    Ok(true)
}

/// One member as the details and Update dialogs show them (SPEC F10).
pub async fn details(db: &Db, admin: &AccountAdmin, membership_id: MembershipId) -> Result<MemberDetails> {
    #[derive(sqlx::FromRow)]
    struct Extra {
        last_sign_in_at: i64,
        added_at: i64,
        added_by: Option<String>,
    }
    let mut tx = db.begin().await?;
    let cat = Catalogue::load_tx(&mut tx).await?;
    let m = member(&mut tx, admin, membership_id).await?;
    let extra: Extra = tx
        .fetch_optional(&sql!(
            "SELECT m.last_sign_in_at, m.added_at, p.display_name AS added_by FROM memberships m \
             LEFT JOIN people p ON p.id = m.added_by WHERE m.id = $1",
            m.id
        ))
        .await?
        .ok_or_else(|| AppError::not_found("That user is no longer a member of this account."))?;
    let open: i64 = tx
        .scalar(&sql!(
            "SELECT COUNT(*) FROM cases WHERE account_id = $1 AND status = 'open' AND primary_contact_id = $2",
            admin.account(),
            m.person_id
        ))
        .await?;
    let cloud = if m.role_bits & cat.cloud_mask() != 0 { Some(cloud_of(&mut tx, &m).await?) } else { None };
    tx.commit().await?;
    let history = audit::list(db, admin, Some(PersonId(m.person_id)), None, 20).await?.entries;
    Ok(MemberDetails {
        membership_id: m.id,
        account: admin.account().0,
        person_id: m.person_id,
        name: m.name,
        email: m.email,
        active_login: m.status == MemberStatus::Active,
        roles: cat.roles_of(m.role_bits),
        cloud,
        last_sign_in_at: extra.last_sign_in_at,
        open_cases_owned: open,
        added_at: extra.added_at,
        added_by: extra.added_by,
        version: m.version,
        history,
    })
}

/// Applies one action to many members in one transaction. A member the action may not
/// apply to (the last administrator, say) is left as it was and reported; the rest
/// are changed. Ids that are not members of the account are only counted: their names
/// are another account's business.
pub async fn bulk(db: &Db, admin: &AccountAdmin, selection: &Selection, action: &BulkAction) -> Result<BulkResult> {
    if let Selection::Members(ids) = selection {
        if ids.len() > SELECTED_LIMIT {
            return Err(AppError::invalid(format!(
                "Select at most {} users one by one, or select all users of the view.",
                thousands(SELECTED_LIMIT as u64)
            )));
        }
    }
    let mut tx = begin_change(db, admin.account()).await?;
    let cat = Catalogue::load_tx(&mut tx).await?;
    let account = account(&mut tx, admin.account()).await?;
    let ids: Vec<i64> = match selection {
        Selection::Members(ids) => {
            let mut ids = ids.clone();
            ids.sort_unstable();
            ids.dedup();
            ids
        }
        Selection::AllMatching(q) => {
            // `push_filter` refuses a view of another account.
            let mut sql = crate::backend::db::Sql::new("SELECT m.id");
            crate::backend::members::read::push_filter(db, admin, q, &mut sql).await?;
            sql.push(" ORDER BY m.id LIMIT ").bind_int(BULK_LIMIT as i64 + 1);
            let rows: Vec<(i64,)> = tx.fetch_all(&sql).await?;
            rows.into_iter().map(|(id,)| id).collect()
        }
    };
    if ids.is_empty() {
        return Err(AppError::invalid("Select at least one user."));
    }
    if ids.len() > BULK_LIMIT {
        return Err(AppError::invalid(format!("Select at most {} users at once.", thousands(BULK_LIMIT as u64))));
    }
    // The acting administrator's own membership last: while they are still a member, the
    // open cases of the others removed before them can be handed to them (F11).
    let own: Option<i64> = tx
        .fetch_optional::<(i64,)>(&sql!(
            "SELECT id FROM memberships WHERE account_id = $1 AND person_id = $2",
            admin.account(),
            admin.actor().person_id
        ))
        .await?
        .map(|(id,)| id);
    let mut ids = ids;
    ids.sort_by_key(|id| Some(*id) == own);
    let (add, take) = match action {
        BulkAction::AddRoles(keys) => (cat.bits(keys)? & !cat.default_mask(), 0),
        BulkAction::RemoveRoles(keys) => (0, cat.bits(keys)? & !cat.default_mask()),
        _ => (0, 0),
    };
    if matches!(action, BulkAction::AddRoles(_) | BulkAction::RemoveRoles(_)) && add | take == 0 {
        return Err(AppError::invalid("Choose at least one role other than General Support."));
    }
    // The counts are written once, at the end, unless a role held once per account is
    // given: its check reads them (`ensure_unique_free`), and only one member can take it.
    let unique = cat.unique_mask();
    let deferred = add & unique == 0;
    let mut tally = Tally::later();
    let mut result = BulkResult::default();
    for id in ids {
        // A savepoint per member: a refused member leaves no trace, the others go on.
        tx.execute(&sql!("SAVEPOINT member")).await?;
        let mut this = if deferred { Tally::later() } else { Tally::Now };
        let outcome = async {
            let m = member(&mut tx, admin, MembershipId(id)).await?;
            let changed = match action {
                BulkAction::AddRoles(_) | BulkAction::RemoveRoles(_) => {
                    let bits = (m.role_bits | add) & !take;
                    let had_cloud = m.role_bits & cat.cloud_mask() != 0;
                    let current = if had_cloud { Some(cloud_of(&mut tx, &m).await?) } else { None };
                    let cloud = checked_cloud(&mut tx, &cat, &account, bits, current.as_ref()).await?;
                    set_roles(&mut tx, admin, &cat, &m, bits, cloud.as_ref(), &mut this).await?
                }
                BulkAction::Deactivate => set_status(&mut tx, admin, &cat, &m, false, &mut this).await?,
                BulkAction::Remove => {
                    remove_member(&mut tx, admin, &cat, &m, &mut this).await?;
                    true
                }
            };
            Ok::<_, AppError>((m.name, changed))
        }
        .await;
        match outcome {
            Ok((_, changed)) => {
                tx.execute(&sql!("RELEASE SAVEPOINT member")).await?;
                tally.merge(this);
                if changed {
                    result.changed += 1;
                } else {
                    result.unchanged += 1;
                }
            }
            Err(AppError::Internal) => return Err(AppError::Internal),
            Err(e) => {
                tx.execute(&sql!("ROLLBACK TO SAVEPOINT member")).await?;
                tx.execute(&sql!("RELEASE SAVEPOINT member")).await?;
                let name: Option<(String,)> = tx
                    .fetch_optional(&sql!(
                        "SELECT name FROM memberships WHERE id = $1 AND account_id = $2",
                        id,
                        admin.account()
                    ))
                    .await?;
                match name {
                    Some((name,)) => result.refused.push((name, e.to_string())),
                    None => result.not_members += 1,
                }
            }
        }
    }
    tally.write(&mut tx, admin).await?;
    tx.commit().await?;
    Ok(result)
}
