//! SCIM 2.0 (SPEC F26) storage: an account's members as an identity provider sees them
//! (Users), found by a filter, and what the provider says about them beyond Roster's own
//! data (`scim_users`: userName, externalId, name parts, the email's type). Adding,
//! deactivating, removing members and changing roles go through `members::write` and
//! `contacts` as from the pages; this module only reads, and keeps the provider's data.
//! Every call takes an `AccountAdmin` proof: nothing of another account is reachable.

use super::access::AccountAdmin;
use super::audit::{self, Record};
use super::contacts;
use super::db::{like_escape, Db, Sql, Tx};
use super::mail::EmailAddress;
use super::members::write::{add_within, begin_change, checked_change, join_with, set_active_within, Wanted};
use super::roles::Catalogue;
use crate::error::{AppError, Result};
use crate::model::{AuditAction, MembershipId, RoleChange};
use crate::sql;

/// A parsed SCIM filter (RFC 7644 §3.4.2.2). Attribute paths are lower case, without a
/// schema URN: `username`, `emails.value`, `name.givenname`, …
#[derive(Clone, Debug, PartialEq)]
pub enum Filter {
    And(Box<Filter>, Box<Filter>),
    Or(Box<Filter>, Box<Filter>),
    Not(Box<Filter>),
    Present(String),
    Compare(String, CompareOp, FilterValue),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CompareOp {
    Eq,
    Ne,
    Co,
    Sw,
    Ew,
    Gt,
    Ge,
    Lt,
    Le,
}

#[derive(Clone, Debug, PartialEq)]
pub enum FilterValue {
    Str(String),
    Num(f64),
    Bool(bool),
    Null,
}

/// One member as a SCIM User.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct ScimUser {
    pub id: i64,
    pub person_id: i64,
    pub name: String,
    pub email: String,
    pub status: String,
    pub role_bits: i64,
    pub added_at: i64,
    pub version: i64,
    pub registered: bool,
    pub user_name: Option<String>,
    pub external_id: Option<String>,
    pub given_name: Option<String>,
    pub family_name: Option<String>,
    pub email_type: Option<String>,
    /// The primary flag the provider sent with the email (1 or 0), if it sent one.
    pub email_primary: Option<i64>,
    pub updated_at: Option<i64>,
}

impl ScimUser {
    /// The userName: the provider's, else the email.
    pub fn user_name(&self) -> &str {
        self.user_name.as_deref().unwrap_or(&self.email)
    }

    pub fn active(&self) -> bool {
        self.status == "active"
    }
}

const USER: &str = "SELECT m.id, m.person_id, m.name, m.email, m.status, m.role_bits, m.added_at, m.version, \
     m.registered, s.user_name, s.external_id, s.given_name, s.family_name, s.email_type, s.email_primary, s.updated_at \
     FROM memberships m LEFT JOIN scim_users s ON s.membership_id = m.id";

/// What the provider says about a member, as a PUT or PATCH leaves it.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Identity {
    pub user_name: String,
    pub external_id: Option<String>,
    pub given_name: Option<String>,
    pub family_name: Option<String>,
    pub email_type: Option<String>,
    pub email_primary: Option<bool>,
}

/// The most characters of one of the provider's values.
pub const MAX_VALUE: usize = 256;

/// A member of the account, or "not found".
pub async fn user(db: &Db, admin: &AccountAdmin, id: MembershipId) -> Result<ScimUser> {
    db.fetch_optional(&sql!(format!("{USER} WHERE m.id = $1 AND m.account_id = $2"), id, admin.account()))
        .await?
        .ok_or_else(|| AppError::not_found(format!("There is no user {id} in this account.")))
}

/// The members matching `filter` (all without one), by id, `offset` skipped, at most
/// `limit`; and how many match in all. A filter naming an attribute that cannot be
/// filtered on is refused as invalid.
pub async fn users(
    db: &Db,
    admin: &AccountAdmin,
    filter: Option<&Filter>,
    offset: i64,
    limit: i64,
) -> Result<(i64, Vec<ScimUser>)> {
    let account = admin.account().0;
    let mut cond = Sql::new(" WHERE m.account_id = ");
    cond.bind_int(account);
    if let Some(f) = filter {
        cond.push(" AND ");
        push_filter(&mut cond, account, f)?;
    }
    cond.refuse_nul()?;
    let mut count = Sql::new("SELECT COUNT(*) FROM memberships m LEFT JOIN scim_users s ON s.membership_id = m.id");
    count.push(&cond.text);
    count.args = cond.args.clone();
    let total: i64 = db.scalar(&count).await?;
    if limit == 0 || offset >= total {
        return Ok((total, Vec::new()));
    }
    let mut page = Sql::new(USER);
    page.push(&cond.text);
    page.args = cond.args;
    page.push(" ORDER BY m.id LIMIT ").bind_int(limit).push(" OFFSET ").bind_int(offset);
    Ok((total, db.fetch_all(&page).await?))
}

fn invalid_filter(msg: impl Into<String>) -> AppError {
    AppError::invalid(msg)
}

/// The SQL of an attribute: its expression, and whether it compares without case.
fn column(attr: &str) -> Result<(&'static str, Kind)> {
    Ok(match attr {
        "username" => ("COALESCE(s.user_name_key, m.email_key)", Kind::Text),
        "emails" | "emails.value" => ("m.email_key", Kind::Text),
        "displayname" | "name.formatted" => ("m.name_key", Kind::Text),
        "name.givenname" => ("lower(s.given_name)", Kind::Text),
        "name.familyname" => ("lower(s.family_name)", Kind::Text),
        "externalid" => ("s.external_id", Kind::Exact),
        "id" => ("m.id", Kind::Id),
        "active" => ("m.status", Kind::Active),
        other => return Err(invalid_filter(format!("Users cannot be filtered on \"{other}\"."))),
    })
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    /// Case-insensitive text (the column holds lower case).
    Text,
    /// Case-sensitive text.
    Exact,
    Id,
    Active,
}

fn push_filter(sql: &mut Sql, account: i64, f: &Filter) -> Result<()> {
    match f {
        Filter::And(a, b) | Filter::Or(a, b) => {
            sql.push("(");
            push_filter(sql, account, a)?;
            sql.push(if matches!(f, Filter::And(..)) { " AND " } else { " OR " });
            push_filter(sql, account, b)?;
            sql.push(")");
        }
        Filter::Not(a) => {
            // SQL's NOT of an unknown (NULL) is unknown: COALESCE makes "not" total.
            sql.push("NOT COALESCE((");
            push_filter(sql, account, a)?;
            sql.push("), FALSE)");
        }
        Filter::Present(attr) => {
            let (col, kind) = column(attr)?;
            match kind {
                Kind::Id | Kind::Active => sql.push("1 = 1"),
                _ => sql.push(&format!("({col} IS NOT NULL AND {col} <> '')")),
            };
        }
        Filter::Compare(attr, op, value) => push_compare(sql, account, attr, *op, value)?,
    }
    Ok(())
}

fn push_compare(sql: &mut Sql, account: i64, attr: &str, op: CompareOp, value: &FilterValue) -> Result<()> {
    let (col, kind) = column(attr)?;
    match kind {
        Kind::Active => {
            let FilterValue::Bool(b) = value else {
                return Err(invalid_filter("active compares with true or false."));
            };
            let want = match op {
                CompareOp::Eq => *b,
                CompareOp::Ne => !*b,
                _ => return Err(invalid_filter("active takes eq, ne or pr.")),
            };
            sql.push(if want { "m.status = 'active'" } else { "m.status = 'inactive'" });
        }
        Kind::Id => {
            let id = match value {
                FilterValue::Str(s) => s.trim().parse::<i64>().ok(),
                FilterValue::Num(n) if n.fract() == 0.0 && n.abs() < 9.0e15 => Some(*n as i64),
                FilterValue::Null => None,
                _ => return Err(invalid_filter("id compares with a string.")),
            };
            match (op, id) {
                (CompareOp::Eq, Some(id)) => {
                    sql.push("m.id = ").bind_int(id);
                }
                (CompareOp::Ne, Some(id)) => {
                    sql.push("m.id <> ").bind_int(id);
                }
                (CompareOp::Ne, None) => {
                    sql.push("1 = 1");
                }
                (CompareOp::Eq | CompareOp::Co | CompareOp::Sw | CompareOp::Ew, _) => {
                    // Ids are numbers: a text pattern on them matches as text would.
                    match (op, value) {
                        (CompareOp::Eq, _) => sql.push("1 = 0"),
                        (_, FilterValue::Str(s)) => {
                            let pattern = pattern(op, s);
                            sql.push("CAST(m.id AS TEXT) LIKE ").bind_text(pattern).push(" ESCAPE '\\'")
                        }
                        _ => return Err(invalid_filter("id compares with a string.")),
                    };
                }
                (_, Some(id)) => {
                    sql.push(&format!("m.id {} ", ordering(op))).bind_int(id);
                }
                (_, None) => return Err(invalid_filter("id compares with a string.")),
            }
        }
        Kind::Text | Kind::Exact => {
            let text = match value {
                FilterValue::Str(s) => s.clone(),
                FilterValue::Null => {
                    match op {
                        CompareOp::Eq => sql.push(&format!("({col} IS NULL OR {col} = '')")),
                        CompareOp::Ne => sql.push(&format!("({col} IS NOT NULL AND {col} <> '')")),
                        _ => return Err(invalid_filter("null compares with eq or ne only.")),
                    };
                    return Ok(());
                }
                _ => return Err(invalid_filter(format!("\"{attr}\" compares with a string."))),
            };
            if text.chars().count() > MAX_VALUE {
                return Err(invalid_filter(format!("A filter value may have at most {MAX_VALUE} characters.")));
            }
            let text = if kind == Kind::Text { text.to_lowercase() } else { text };
            match op {
                // The index lookups: the provider's userName, else the email.
                CompareOp::Eq if attr == "username" => {
                    sql.push("m.id IN (SELECT su.membership_id FROM scim_users su WHERE su.account_id = ")
                        .bind_int(account)
                        .push(" AND su.user_name_key = ")
                        .bind_text(text.clone())
                        .push(" UNION ALL SELECT mm.id FROM memberships mm WHERE mm.account_id = ")
                        .bind_int(account)
                        .push(" AND mm.status IN ('active', 'inactive') AND mm.email_key = ")
                        .bind_text(text)
                        .push(" AND NOT EXISTS (SELECT 1 FROM scim_users sx WHERE sx.membership_id = mm.id))");
                }
                CompareOp::Eq if col == "m.email_key" => {
                    sql.push("(m.status IN ('active', 'inactive') AND m.email_key = ").bind_text(text).push(")");
                }
                CompareOp::Eq => {
                    sql.push(&format!("{col} = ")).bind_text(text);
                }
                CompareOp::Ne => {
                    sql.push(&format!("({col} IS NULL OR {col} <> ")).bind_text(text).push(")");
                }
                CompareOp::Co | CompareOp::Sw | CompareOp::Ew => {
                    sql.push(&format!("{col} LIKE ")).bind_text(pattern(op, &text)).push(" ESCAPE '\\'");
                }
                _ => {
                    sql.push(&format!("{col} {} ", ordering(op))).bind_text(text);
                }
            }
        }
    }
    Ok(())
}

fn pattern(op: CompareOp, text: &str) -> String {
    let t = like_escape(text);
    match op {
        CompareOp::Sw => format!("{t}%"),
        CompareOp::Ew => format!("%{t}"),
        _ => format!("%{t}%"),
    }
}

fn ordering(op: CompareOp) -> &'static str {
    match op {
        CompareOp::Gt => ">",
        CompareOp::Ge => ">=",
        CompareOp::Lt => "<",
        _ => "<=",
    }
}

/// Checks a value the provider sends: one line, not too long.
fn checked(value: &str, what: &str) -> Result<String> {
    let v = value.trim();
    if v.chars().count() > MAX_VALUE || v.chars().any(|c| c.is_control()) {
        return Err(AppError::invalid(format!("{what} must be one line of at most {MAX_VALUE} characters.")));
    }
    Ok(v.to_string())
}

/// Checks what the provider says before anything is written.
pub fn check_identity(identity: &Identity) -> Result<()> {
    checked_identity(identity).map(|_| ())
}

/// Refuses a userName another member of the account has (as theirs, or as their email
/// when the provider gave them none).
pub async fn ensure_user_name_free(db: &Db, admin: &AccountAdmin, user_name: &str, except: Option<i64>) -> Result<()> {
    let taken: Option<(i64,)> = db.fetch_optional(&user_name_taken(admin, user_name, except)?).await?;
    match taken {
        Some(_) => Err(user_name_conflict(user_name)),
        None => Ok(()),
    }
}

fn user_name_taken(admin: &AccountAdmin, user_name: &str, except: Option<i64>) -> Result<Sql> {
    let mut sql = Sql::new("SELECT m.id FROM memberships m WHERE m.account_id = ");
    sql.bind_int(admin.account().0).push(" AND m.id <> ").bind_int(except.unwrap_or(0)).push(" AND ");
    push_compare(&mut sql, admin.account().0, "username", CompareOp::Eq, &FilterValue::Str(user_name.to_string()))?;
    sql.push(" LIMIT 1");
    sql.refuse_nul()?;
    Ok(sql)
}

fn user_name_conflict(user_name: &str) -> AppError {
    AppError::Conflict(format!("Another user of this account has the userName {user_name}."))
}

/// Keeps what the provider says about member `id`, and (for a contact who has not
/// registered, and is a member of this account only) a new email, and the login's state
/// (`active`), as one change: a refused deactivation (the last Account Administrator)
/// leaves the name as it was too. `version` is the member's version the change was made
/// from, if the provider sent one (If-Match). The member's version moves on when
/// anything changes.
pub async fn set_identity(
    db: &Db,
    admin: &AccountAdmin,
    id: MembershipId,
    version: Option<i64>,
    identity: &Identity,
    email: Option<&str>,
    active: Option<bool>,
) -> Result<()> {
    let identity = checked_identity(identity)?;
    let new_email = match email {
        Some(e) => Some(EmailAddress::parse(e, SCIM_EMAIL)?),
        None => None,
    };
    let mut tx = begin_change(db, admin.account()).await?;
    identity_within(&mut tx, admin, id, version, &identity, new_email).await?;
    if let Some(active) = active {
        set_active_within(&mut tx, admin, id, active).await?;
    }
    tx.commit().await
}

/// What the provider says, each part checked; empty parts are none.
fn checked_identity(identity: &Identity) -> Result<Identity> {
    let user_name = checked(&identity.user_name, "userName")?;
    if user_name.is_empty() {
        return Err(AppError::invalid("userName is required."));
    }
    let opt = |v: &Option<String>, what: &str| -> Result<Option<String>> {
        match v {
            Some(v) => Ok(Some(checked(v, what)?).filter(|v| !v.is_empty())),
            None => Ok(None),
        }
    };
    Ok(Identity {
        user_name,
        external_id: opt(&identity.external_id, "externalId")?,
        given_name: opt(&identity.given_name, "name.givenName")?,
        family_name: opt(&identity.family_name, "name.familyName")?,
        email_type: opt(&identity.email_type, "emails.type")?,
        email_primary: identity.email_primary,
    })
}

const SCIM_EMAIL: &str = "emails.value must be a full email address, like name@example.com.";

/// A new user as an identity provider sends it (SPEC F26), made in one change: a
/// registered person is added, a contact who has not registered (one the account's
/// organisation or partner knows) is related again, anyone else becomes a new contact
/// named `contact_name`; then the provider's data and the login's state are kept. A
/// refusal at any step leaves nothing behind. Returns the membership.
pub async fn create_user(
    db: &Db,
    admin: &AccountAdmin,
    email: &str,
    contact_name: &str,
    change: &RoleChange,
    identity: &Identity,
    active: Option<bool>,
) -> Result<MembershipId> {
    let identity = checked_identity(identity)?;
    let address = EmailAddress::parse(email, SCIM_EMAIL)?;
    let mut tx = begin_change(db, admin.account()).await?;
    let cat = Catalogue::load_tx(&mut tx).await?;
    let found: Option<(i64, Option<i64>, Option<i64>)> = tx
        .fetch_optional(&sql!(
            "SELECT p.id, p.registered_at, m.id FROM people p \
             LEFT JOIN memberships m ON m.person_id = p.id AND m.account_id = $2 WHERE p.email_key = $1",
            address.key(),
            admin.account()
        ))
        .await?;
    let id = match found {
        Some((_, _, Some(_))) => {
            return Err(AppError::Conflict(format!("{} is already a user of this account.", address.as_str())))
        }
        Some((_, Some(_), None)) => add_within(&mut tx, &cat, admin, Wanted::Email(address.clone()), change).await?,
        Some((person, None, None)) => relate_within(&mut tx, &cat, admin, person, change).await?,
        None => {
            let name = contacts::whole_name(contact_name)?;
            contacts::create_within(&mut tx, &cat, admin, &name, &address, change).await?.0
        }
    };
    let id = MembershipId(id);
    identity_within(&mut tx, admin, id, None, &identity, None).await?;
    if let Some(active) = active {
        set_active_within(&mut tx, admin, id, active).await?;
    }
    tx.commit().await?;
    Ok(id)
}

/// The provider's data of member `id` kept, and the email of a contact who has not
/// registered changed, inside a change under way (see `set_identity`).
async fn identity_within(
    tx: &mut Tx,
    admin: &AccountAdmin,
    id: MembershipId,
    version: Option<i64>,
    identity: &Identity,
    new_email: Option<EmailAddress>,
) -> Result<()> {
    let user_name = identity.user_name.clone();
    // Checked under the account's lock: two calls cannot both take one userName.
    let taken: Option<(i64,)> = tx.fetch_optional(&user_name_taken(admin, &user_name, Some(id.0))?).await?;
    if taken.is_some() {
        return Err(user_name_conflict(&user_name));
    }
    let current: ScimUser = tx
        .fetch_optional(&sql!(format!("{USER} WHERE m.id = $1 AND m.account_id = $2"), id, admin.account()))
        .await?
        .ok_or_else(|| AppError::not_found(format!("There is no user {id} in this account.")))?;
    if version.is_some_and(|v| v != current.version) {
        return Err(AppError::Conflict(format!("{} was changed since; read them again.", current.name)));
    }
    let mut changed = false;
    if let Some(address) = new_email.filter(|a| a.as_str() != current.email) {
        if current.registered {
            return Err(AppError::invalid(format!(
                "{} has registered: their email is their sign-in, which only they can change.",
                current.name
            )));
        }
        let elsewhere: i64 = tx
            .scalar(&sql!(
                "SELECT COUNT(*) FROM memberships WHERE person_id = $1 AND id <> $2",
                current.person_id,
                current.id
            ))
            .await?;
        if elsewhere > 0 {
            return Err(AppError::Conflict(format!(
                "{} is a contact of other accounts too; change their email from Roster.",
                current.name
            )));
        }
        let taken: Option<(i64,)> = tx
            .fetch_optional(&sql!(
                "SELECT id FROM people WHERE email_key = $1 AND id <> $2",
                address.key(),
                current.person_id
            ))
            .await?;
        if taken.is_some() {
            return Err(AppError::Conflict(format!("Someone else has the email {}.", address.as_str())));
        }
        let domain = address.key().rsplit('@').next().unwrap_or_default().to_string();
        tx.execute(&sql!(
            "UPDATE people SET email = $1, email_key = $2, email_domain = $3 WHERE id = $4 AND registered_at IS NULL",
            address.as_str(),
            address.key(),
            domain,
            current.person_id
        ))
        .await?;
        tx.execute(&sql!(
            "UPDATE memberships SET email = $1, email_key = $2 WHERE id = $3",
            address.as_str(),
            address.key(),
            current.id
        ))
        .await?;
        audit::record(
            tx,
            admin,
            Record {
                subject: Some(current.person_id),
                action: AuditAction::ContactUpdated,
                before: Some(current.email.clone()),
                after: Some(address.as_str().to_string()),
            },
        )
        .await?;
        changed = true;
    }
    let stored = Identity {
        user_name: current.user_name.clone().unwrap_or_default(),
        external_id: current.external_id.clone(),
        given_name: current.given_name.clone(),
        family_name: current.family_name.clone(),
        email_type: current.email_type.clone(),
        email_primary: current.email_primary.map(|p| p != 0),
    };
    if stored != *identity || current.user_name.is_none() {
        tx.execute(&sql!(
            "INSERT INTO scim_users (membership_id, account_id, user_name, user_name_key, external_id, given_name, \
             family_name, email_type, email_primary, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) \
             ON CONFLICT (membership_id) DO UPDATE SET user_name = excluded.user_name, \
             user_name_key = excluded.user_name_key, external_id = excluded.external_id, \
             given_name = excluded.given_name, family_name = excluded.family_name, \
             email_type = excluded.email_type, email_primary = excluded.email_primary, \
             updated_at = excluded.updated_at",
            current.id,
            admin.account(),
            &identity.user_name,
            identity.user_name.to_lowercase(),
            identity.external_id.clone(),
            identity.given_name.clone(),
            identity.family_name.clone(),
            identity.email_type.clone(),
            identity.email_primary.map(i64::from),
            super::now()
        ))
        .await?;
        changed = changed || stored != *identity;
    }
    if changed {
        tx.execute(&sql!("UPDATE memberships SET version = version + 1 WHERE id = $1", current.id)).await?;
    }
    Ok(())
}

/// Relates a contact who has not registered (one the account's organisation, or the
/// partner supporting it, already knows: removed earlier, say) to the account again with
/// the roles of `change`, as New Contact relates a new one. Returns the membership.
async fn relate_within(
    tx: &mut Tx,
    cat: &Catalogue,
    admin: &AccountAdmin,
    person: i64,
    change: &RoleChange,
) -> Result<i64> {
    let (bits, cloud) = checked_change(tx, cat, admin.account(), change).await?;
    let known: Option<(i64,)> = tx
        .fetch_optional(&sql!(
            "SELECT p.id FROM people p WHERE p.id = $1 AND p.registered_at IS NULL \
             AND (p.organisation_id = (SELECT organisation_id FROM accounts WHERE id = $2) \
             OR EXISTS (SELECT 1 FROM partner_deployments pd WHERE pd.account_id = $2 AND pd.partner_id = p.organisation_id))",
            person,
            admin.account()
        ))
        .await?;
    if known.is_none() {
        return Err(AppError::Conflict("The email belongs to someone outside this account's organisation.".into()));
    }
    let id = join_with(tx, cat, admin.account(), person, bits, cloud.as_ref(), admin).await?;
    audit::record(
        tx,
        admin,
        Record {
            subject: Some(person),
            action: AuditAction::MemberAdded,
            before: None,
            after: Some(cat.describe(bits)),
        },
    )
    .await?;
    Ok(id)
}

/// The members holding the role of `mask`, by id, at most `limit`: (membership id, name).
pub async fn role_holders(db: &Db, admin: &AccountAdmin, mask: i64, limit: i64) -> Result<Vec<(i64, String)>> {
    db.fetch_all(&sql!(
        "SELECT id, name FROM memberships WHERE account_id = $1 AND (role_bits & $2) <> 0 ORDER BY id LIMIT $3",
        admin.account(),
        mask,
        limit
    ))
    .await
}
