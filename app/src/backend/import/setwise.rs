//! One batch of an import decided set-wise (issue 15): a handful of queries look up what
//! the rules need for the whole batch (the people by email, their memberships of the
//! account, the account, its partners, the holders of the roles held once per account,
//! the active administrators), each row is decided in Rust from that and from what the
//! rows before it in the batch changed, and the apply writes the batch's changes with
//! multi-row statements.
//!
//! The rules are those of `members::write` and `contacts` (the Manage Users dialogs),
//! through the same pure functions and messages, checked in the same order. What this
//! path does not cover returns `None` and the batch goes the per-row way
//! (`super::try_row`): a member holding a cloud-affiliation role whose roles the file
//! sets (their projects), or one email on two rows of the batch.

use std::collections::{BTreeMap, HashMap, HashSet};

use super::{is_row_error, parse_active, role_keys, Cells};
use crate::backend::access::AccountAdmin;
use crate::backend::contacts;
use crate::backend::db::{Arg, Sql, Tx};
use crate::backend::mail::{outbox::Email, templates, EmailAddress, FULL_EMAIL};
use crate::backend::members::write::{self, NOT_REGISTERED};
use crate::backend::now;
use crate::backend::partners;
use crate::backend::roles::{requested_bits, Catalogue};
use crate::backend::Backend;
use crate::error::{AppError, Result};
use crate::model::{AuditAction, CloudAffiliation, MemberStatus, RoleChange, RowOutcome};
use crate::sql;

/// How many rows of `columns` parameters one multi-row statement takes on `backend`.
/// SQLite's driver looks each parameter's name up in a list as long as their number
/// (binding n of them takes n² steps): past a couple of hundred, one statement costs more
/// than several. PostgreSQL takes up to 65,535.
pub(super) fn rows_per_statement(backend: Backend, columns: usize) -> usize {
    let most = match backend {
        Backend::Sqlite => 200,
        Backend::Postgres => 10_000,
    };
    (most / columns).max(1)
}

pub(super) fn backend(tx: &Tx) -> Backend {
    match tx {
        Tx::Sqlite(_) => Backend::Sqlite,
        Tx::Postgres(_) => Backend::Postgres,
    }
}

/// A row's outcome and the words of the report.
pub(super) type Decided = (RowOutcome, String);

/// What a row asks for, its cells checked in the order `row_change` checks them.
struct Asked {
    address: EmailAddress,
    change: Option<RoleChange>,
    active: Option<bool>,
}

fn asked(cat: &Catalogue, has_roles: bool, cells: &Cells) -> Result<Asked> {
    let address = EmailAddress::parse(&cells.email, FULL_EMAIL)?;
    let change = match (has_roles, cells.roles.as_deref()) {
        (true, cell) => Some(RoleChange { roles: role_keys(cat, cell.unwrap_or_default())?, cloud: None }),
        (false, _) => None,
    };
    let active = parse_active(cells.active.as_deref().unwrap_or_default())?;
    Ok(Asked { address, change, active })
}

/// A person of the batch, with their membership of the account if they have one.
#[derive(Clone, Debug, sqlx::FromRow)]
struct Found {
    person_id: i64,
    display_name: String,
    email: String,
    email_key: String,
    name_key: String,
    registered_at: Option<i64>,
    last_sign_in_at: Option<i64>,
    organisation_id: Option<i64>,
    membership_id: Option<i64>,
    name: Option<String>,
    status: Option<String>,
    role_bits: Option<i64>,
    version: Option<i64>,
}

struct Member {
    id: i64,
    name: String,
    status: MemberStatus,
    role_bits: i64,
    version: i64,
}

impl Found {
    fn member(&self) -> Result<Option<Member>> {
        let Some(id) = self.membership_id else { return Ok(None) };
        let status = MemberStatus::try_from(self.status.clone().unwrap_or_default()).map_err(|_| AppError::Internal)?;
        Ok(Some(Member {
            id,
            name: self.name.clone().unwrap_or_default(),
            status,
            role_bits: self.role_bits.unwrap_or_default(),
            version: self.version.unwrap_or_default(),
        }))
    }
}

/// What the rules need to know about the account, looked up once for the batch.
struct Account {
    name: String,
    government_cloud: bool,
    /// The account's own organisation: a new contact's, unless a partner has the domain.
    organisation: (i64, String),
    /// The partners supporting the account: only their people may join it then.
    partners: Vec<i64>,
    /// The refusal of anyone else (`partners::check_may_join`'s).
    outsider: Option<AppError>,
    /// The partners' domains: domain → organisation.
    partner_domains: HashMap<String, (i64, String)>,
}

/// What the rows of the batch change that later rows' checks look at.
#[derive(Clone)]
struct State {
    /// The active Account Administrators (looked up when a row could need them).
    admins: Option<i64>,
    /// Per role held once per account (its mask) that a row asks for: who holds it.
    holders: HashMap<i64, Option<String>>,
}

impl State {
    /// `ensure_another_admin`: refuses to leave the account without an active administrator.
    fn another_admin(&self, cat: &Catalogue, status: MemberStatus, bits: i64, name: &str) -> Result<()> {
        if status != MemberStatus::Active || bits & cat.admin_mask() == 0 {
            return Ok(());
        }
        match self.admins {
            Some(n) if n > 1 => Ok(()),
            Some(_) => Err(write::last_admin(name)),
            None => Err(AppError::Internal),
        }
    }

    /// `ensure_unique_free`: refuses a role held once per account when someone holds it.
    fn unique_free(&self, cat: &Catalogue, new_bits: i64, old_bits: i64) -> Result<()> {
        for d in cat.unique_roles().filter(|d| new_bits & d.mask() != 0 && old_bits & d.mask() == 0) {
            match self.holders.get(&d.mask()) {
                Some(None) => {}
                Some(Some(who)) => return Err(write::unique_role_held(&d.role.label, who)),
                None => return Err(AppError::Internal),
            }
        }
        Ok(())
    }

    /// A member's roles and status moved from `before` to `after`.
    fn moved(&mut self, cat: &Catalogue, name: &str, before: (MemberStatus, i64), after: (MemberStatus, i64)) {
        let admin = |(status, bits): (MemberStatus, i64)| {
            i64::from(status == MemberStatus::Active && bits & cat.admin_mask() != 0)
        };
        if let Some(n) = &mut self.admins {
            *n += admin(after) - admin(before);
        }
        for d in cat.unique_roles() {
            if let Some(holder) = self.holders.get_mut(&d.mask()) {
                match (before.1 & d.mask() != 0, after.1 & d.mask() != 0) {
                    (false, true) => *holder = Some(name.to_string()),
                    (true, false) => *holder = None,
                    _ => {}
                }
            }
        }
    }
}

/// One row's change, as the apply writes it.
enum Plan {
    Nothing,
    Update {
        member: Member,
        person: i64,
        /// New roles and affiliation, when they change.
        roles: Option<(i64, Option<CloudAffiliation>)>,
        /// New status, when it changes.
        status: Option<MemberStatus>,
    },
    /// A registered person added.
    Add {
        person: Found,
        bits: i64,
        cloud: Option<CloudAffiliation>,
        inactive: bool,
    },
    /// A new contact, related to the account.
    Contact {
        name: String,
        address: EmailAddress,
        organisation: i64,
        bits: i64,
        inactive: bool,
    },
}

/// A new membership, as `insert` writes it.
struct Join<'a> {
    person: i64,
    bits: i64,
    cloud: Option<&'a CloudAffiliation>,
    inactive: bool,
    name: &'a str,
    name_key: String,
    email: &'a str,
    email_key: &'a str,
    sign_in: i64,
    owned: i64,
    registered: bool,
}

/// The batch looked up.
struct Snapshot {
    account: Account,
    people: HashMap<String, Found>,
    state: State,
}

/// On PostgreSQL, plans the statements that follow, until `custom_plans(tx, false)` or the
/// transaction's end, for their own values. A connection's prepared statement otherwise
/// keeps, after its first few runs, a plan made for any values, chosen while the tables
/// were small: the lookups by lists of keys then scan `people` as the import makes it
/// grow, and a batch's time grows with it. (The writes keep their cached plans: planning
/// a multi-row INSERT each time costs more than it gives.)
async fn custom_plans(tx: &mut Tx, custom: bool) -> Result<()> {
    if let Tx::Postgres(_) = tx {
        let mode = if custom { "force_custom_plan" } else { "auto" };
        tx.execute(&sql!(format!("SET LOCAL plan_cache_mode = {mode}"))).await?;
    }
    Ok(())
}

/// `rows` (each with its cells) looked up; `None` when the batch is not for this path.
async fn snapshot(
    tx: &mut Tx,
    admin: &AccountAdmin,
    cat: &Catalogue,
    has_roles: bool,
    asks: &[Result<Asked>],
) -> Result<Option<Snapshot>> {
    custom_plans(tx, true).await?;
    // An error ends the transaction, or goes back to a savepoint made before this, and
    // the setting with it.
    let found = look_up(tx, admin, cat, has_roles, asks).await?;
    custom_plans(tx, false).await?;
    Ok(found)
}

async fn look_up(
    tx: &mut Tx,
    admin: &AccountAdmin,
    cat: &Catalogue,
    has_roles: bool,
    asks: &[Result<Asked>],
) -> Result<Option<Snapshot>> {
    let account_id = admin.account();
    let keys: Vec<&str> = asks.iter().filter_map(|a| a.as_ref().ok()).map(|a| a.address.key()).collect();
    let distinct: HashSet<&str> = keys.iter().copied().collect();
    if distinct.len() != keys.len() {
        return Ok(None);
    }
    // The people, then their memberships: two lookups by unique keys each, which no
    // query plan can turn into a scan of the account's members (a join can).
    let mut people: HashMap<String, Found> = HashMap::new();
    for chunk in keys.chunks(rows_per_statement(backend(tx), 1)) {
        let mut q = Sql::new(
            "SELECT id AS person_id, display_name, email, email_key, name_key, registered_at, last_sign_in_at, \
             organisation_id, CAST(NULL AS BIGINT) AS membership_id, CAST(NULL AS TEXT) AS name, \
             CAST(NULL AS TEXT) AS status, CAST(NULL AS BIGINT) AS role_bits, CAST(NULL AS BIGINT) AS version \
             FROM people WHERE email_key IN ",
        );
        q.bind_list(chunk.iter().map(|k| Arg::Text(k.to_string())));
        let found: Vec<Found> = tx.fetch_all(&q).await?;
        people.extend(found.into_iter().map(|f| (f.email_key.clone(), f)));
    }
    let ids: HashMap<i64, String> = people.values().map(|f| (f.person_id, f.email_key.clone())).collect();
    let person_ids: Vec<i64> = ids.keys().copied().collect();
    for chunk in person_ids.chunks(rows_per_statement(backend(tx), 1)) {
        let mut q =
            Sql::new("SELECT person_id, id, name, status, role_bits, version FROM memberships WHERE account_id = ");
        q.bind_int(account_id.0).push(" AND person_id IN ");
        q.bind_list(chunk.iter().map(|id| Arg::Int(*id)));
        let found: Vec<(i64, i64, String, String, i64, i64)> = tx.fetch_all(&q).await?;
        for (person, id, name, status, bits, version) in found {
            if let Some(f) = ids.get(&person).and_then(|key| people.get_mut(key)) {
                f.membership_id = Some(id);
                f.name = Some(name);
                f.status = Some(status);
                f.role_bits = Some(bits);
                f.version = Some(version);
            }
        }
    }
    // A member with a cloud affiliation whose roles are set: their projects are the
    // per-row path's business.
    if has_roles && people.values().any(|f| f.role_bits.is_some_and(|b| b & cat.cloud_mask() != 0)) {
        return Ok(None);
    }
    let (name, government_cloud, org_id, org_name): (String, bool, i64, String) = tx
        .fetch_optional(&sql!(
            "SELECT a.name, a.government_cloud, o.id, o.name FROM accounts a \
             JOIN organisations o ON o.id = a.organisation_id WHERE a.id = $1",
            account_id
        ))
        .await?
        .ok_or_else(|| AppError::not_found(format!("There is no account with the id {account_id}.")))?;
    let partners: Vec<(i64,)> =
        tx.fetch_all(&sql!("SELECT partner_id FROM partner_deployments WHERE account_id = $1", account_id)).await?;
    let (mut outsider, mut partner_domains) = (None, HashMap::new());
    if !partners.is_empty() {
        // Person 0 is nobody: the refusal anyone outside the partners gets.
        match partners::check_may_join(tx, account_id, 0).await {
            Ok(()) => {}
            Err(e) if is_row_error(&e) => outsider = Some(e),
            Err(e) => return Err(e),
        }
        let domains: Vec<(String, i64, String)> = tx
            .fetch_all(&sql!(
                "SELECT d.domain, o.id, o.name FROM partner_deployments pd \
                 JOIN organisations o ON o.id = pd.partner_id JOIN organisation_domains d ON d.organisation_id = o.id \
                 WHERE pd.account_id = $1",
                account_id
            ))
            .await?;
        partner_domains = domains.into_iter().map(|(d, id, name)| (d, (id, name))).collect();
    }
    // What the rows ask for, and whom they change: what the checks will look at.
    let mut asked_bits = 0_i64;
    let mut admins_needed = false;
    for a in asks.iter().filter_map(|a| a.as_ref().ok()) {
        let bits = requested_bits(cat, a.change.as_ref().unwrap_or(&RoleChange::default())).unwrap_or(0);
        asked_bits |= bits;
        let held = people.get(a.address.key()).and_then(|f| f.role_bits).unwrap_or(0);
        admins_needed |= (bits | held) & cat.admin_mask() != 0;
    }
    let admins = match admins_needed {
        true => Some(
            tx.scalar::<i64>(&sql!(
                "SELECT COUNT(*) FROM memberships WHERE account_id = $1 AND status = 'active' AND (role_bits & $2) <> 0",
                account_id,
                cat.admin_mask()
            ))
            .await?,
        ),
        false => None,
    };
    let mut holders = HashMap::new();
    for d in cat.unique_roles().filter(|d| asked_bits & d.mask() != 0) {
        let holder = write::unique_role_holder(tx, account_id, d).await?;
        holders.insert(d.mask(), holder);
    }
    let account = Account {
        name,
        government_cloud,
        organisation: (org_id, org_name),
        partners: partners.into_iter().map(|(p,)| p).collect(),
        outsider,
        partner_domains,
    };
    Ok(Some(Snapshot { account, people, state: State { admins, holders } }))
}

impl Account {
    /// `partners::check_may_join` for a person of `organisation`.
    fn may_join(&self, organisation: Option<i64>) -> Result<()> {
        if self.partners.is_empty() || organisation.is_some_and(|o| self.partners.contains(&o)) {
            return Ok(());
        }
        match &self.outsider {
            Some(e) => Err(e.clone()),
            None => Ok(()),
        }
    }
}

/// Decides one row as `row_change` would make it, against `state` (changed only when the
/// row's change is made).
fn decide(cat: &Catalogue, snap: &mut Snapshot, cells: &Cells, ask: Asked) -> Result<(Decided, Plan)> {
    let Asked { address, change, active } = ask;
    let login = match active {
        Some(true) => "; login active",
        Some(false) => "; login deactivated",
        None => "",
    };
    let found = snap.people.get(address.key()).cloned();
    let mut state = snap.state.clone();
    if let Some(m) = found.as_ref().map(Found::member).transpose()?.flatten() {
        // `update_within`: roles first (`set_roles`), then the login (`set_status`).
        let person = found.as_ref().map_or(0, |f| f.person_id);
        let (status, mut bits) = (m.status, m.role_bits);
        let mut roles = None;
        if let Some(change) = &change {
            let new_bits = requested_bits(cat, change)?;
            // The member holds no cloud-affiliation role (or the batch is not on this path).
            let cloud = write::cloud_shape(cat, snap.account.government_cloud, new_bits, change.cloud.as_ref())?;
            if new_bits != m.role_bits || cloud.is_some() {
                if m.role_bits & cat.admin_mask() != 0 && new_bits & cat.admin_mask() == 0 {
                    state.another_admin(cat, m.status, m.role_bits, &m.name)?;
                }
                state.unique_free(cat, new_bits, m.role_bits)?;
                state.moved(cat, &m.name, (status, bits), (status, new_bits));
                bits = new_bits;
                roles = Some((new_bits, cloud));
            }
        }
        let mut new_status = None;
        if let Some(active) = active {
            let wanted = if active { MemberStatus::Active } else { MemberStatus::Inactive };
            if wanted != status {
                if !active {
                    state.another_admin(cat, status, bits, &m.name)?;
                }
                state.moved(cat, &m.name, (status, bits), (wanted, bits));
                new_status = Some(wanted);
            }
        }
        let what = match &change {
            Some(c) => format!("Roles: {}{login}", cat.describe(requested_bits(cat, c)?)),
            None => format!("Roles kept{login}"),
        };
        let changed = roles.is_some() || new_status.is_some();
        snap.state = state;
        return Ok(match changed {
            true => ((RowOutcome::Update, what), Plan::Update { member: m, person, roles, status: new_status }),
            false => ((RowOutcome::Unchanged, what), Plan::Nothing),
        });
    }
    let change = change.unwrap_or(RoleChange { roles: vec![], cloud: None });
    let roles = cat.describe(requested_bits(cat, &change)?);
    let inactive = active == Some(false);
    let (what, name, bits, plan) = match found {
        Some(person) => {
            // `add_within`, then `insert`.
            let bits = requested_bits(cat, &change)?;
            let cloud = write::cloud_shape(cat, snap.account.government_cloud, bits, change.cloud.as_ref())?;
            if person.registered_at.is_none() {
                return Err(AppError::invalid(NOT_REGISTERED));
            }
            state.unique_free(cat, bits, 0)?;
            snap.account.may_join(person.organisation_id)?;
            let name = person.display_name.clone();
            (
                format!("Adds a registered person; roles: {roles}{login}"),
                name,
                bits,
                Plan::Add { person, bits, cloud, inactive },
            )
        }
        None => {
            let first = cells.first_name.as_deref().unwrap_or_default();
            let last = cells.last_name.as_deref().unwrap_or_default();
            if first.trim().is_empty() && last.trim().is_empty() {
                return Err(AppError::invalid(format!(
                    "{NOT_REGISTERED}. To create a contact instead, give their First name and Last name."
                )));
            }
            let name = format!(
                "{} {}",
                contacts::checked_part(first, "first name")?,
                contacts::checked_part(last, "last name")?
            );
            // `create_within`, then `join_with` and `insert`.
            let bits = requested_bits(cat, &change)?;
            write::cloud_shape(cat, snap.account.government_cloud, bits, change.cloud.as_ref())?;
            contacts::needs_a_role(bits)?;
            let domain = address.key().rsplit('@').next().unwrap_or_default();
            let (organisation, _) =
                snap.account.partner_domains.get(domain).cloned().unwrap_or_else(|| snap.account.organisation.clone());
            state.unique_free(cat, bits, 0)?;
            snap.account.may_join(Some(organisation))?;
            (
                format!("New contact {name}; roles: {roles}{login}"),
                name.clone(),
                bits,
                Plan::Contact { name, address, organisation, bits, inactive },
            )
        }
    };
    state.moved(cat, &name, (MemberStatus::Inactive, 0), (MemberStatus::Active, bits));
    if inactive {
        // `update_within(None, Some(false))` on the new member.
        state.another_admin(cat, MemberStatus::Active, bits, &name)?;
        state.moved(cat, &name, (MemberStatus::Active, bits), (MemberStatus::Inactive, bits));
    }
    snap.state = state;
    Ok(((RowOutcome::Create, what), plan))
}

/// Decides the rows in order; `None` when the batch is not for this path.
async fn decide_all(
    tx: &mut Tx,
    admin: &AccountAdmin,
    cat: &Catalogue,
    has_roles: bool,
    rows: &[&Cells],
) -> Result<Option<(Snapshot, Vec<(Decided, Plan)>)>> {
    let asks: Vec<Result<Asked>> = rows.iter().map(|c| asked(cat, has_roles, c)).collect();
    let Some(mut snap) = snapshot(tx, admin, cat, has_roles, &asks).await? else { return Ok(None) };
    let mut out = Vec::with_capacity(rows.len());
    for (cells, ask) in rows.iter().zip(asks) {
        let done = ask.and_then(|a| decide(cat, &mut snap, cells, a));
        match done {
            Ok(d) => out.push(d),
            Err(e) if is_row_error(&e) => out.push(((RowOutcome::Error, e.to_string()), Plan::Nothing)),
            Err(e) => return Err(e),
        }
    }
    Ok(Some((snap, out)))
}

/// The dry run of `rows`: what each would do, nothing written.
pub(super) async fn check(
    tx: &mut Tx,
    admin: &AccountAdmin,
    cat: &Catalogue,
    has_roles: bool,
    rows: &[&Cells],
) -> Result<Option<Vec<Decided>>> {
    Ok(decide_all(tx, admin, cat, has_roles, rows).await?.map(|(_, d)| d.into_iter().map(|(d, _)| d).collect()))
}

/// The apply of `rows`: each decided, and the changes written set-wise. An error leaves
/// the caller to undo what was written (a savepoint) and go the per-row way.
pub(super) async fn apply(
    tx: &mut Tx,
    admin: &AccountAdmin,
    cat: &Catalogue,
    has_roles: bool,
    rows: &[&Cells],
) -> Result<Option<Vec<Decided>>> {
    let Some((snap, decided)) = decide_all(tx, admin, cat, has_roles, rows).await? else { return Ok(None) };
    let account = admin.account().0;
    let actor = admin.actor().person_id;
    let at = now();
    let default_cloud = CloudAffiliation::default();

    // New contacts: their people first.
    let mut contact_ids: HashMap<String, i64> = HashMap::new();
    let contacts: Vec<&Plan> = decided.iter().map(|(_, p)| p).filter(|p| matches!(p, Plan::Contact { .. })).collect();
    for chunk in contacts.chunks(rows_per_statement(backend(tx), 6)) {
        let mut q = Sql::new(
            "INSERT INTO people (display_name, name_key, email, email_key, email_domain, organisation_id) VALUES ",
        );
        for (i, p) in chunk.iter().enumerate() {
            let Plan::Contact { name, address, organisation, .. } = p else { continue };
            let domain = address.key().rsplit('@').next().unwrap_or_default();
            q.push(if i == 0 { "(" } else { ", (" });
            q.bind_text(name.as_str()).push(", ").bind_text(name.to_lowercase()).push(", ");
            q.bind_text(address.as_str()).push(", ").bind_text(address.key()).push(", ");
            q.bind_text(domain).push(", ").bind_int(*organisation).push(")");
        }
        q.push(" RETURNING id, email_key");
        let made: Vec<(i64, String)> = tx.fetch_all(&q).await?;
        contact_ids.extend(made.into_iter().map(|(id, key)| (key, id)));
    }
    // Open cases the registered people added own already (`insert`'s `cases_owned`).
    let added: Vec<i64> = decided
        .iter()
        .filter_map(|(_, p)| match p {
            Plan::Add { person, .. } => Some(person.person_id),
            _ => None,
        })
        .collect();
    let mut owned: HashMap<i64, i64> = HashMap::new();
    for chunk in added.chunks(rows_per_statement(backend(tx), 1)) {
        let mut q = Sql::new("SELECT primary_contact_id, COUNT(*) FROM cases WHERE account_id = ");
        q.bind_int(account).push(" AND status = 'open' AND primary_contact_id IN ");
        q.bind_list(chunk.iter().map(|p| Arg::Int(*p)));
        q.push(" GROUP BY primary_contact_id");
        let found: Vec<(i64, i64)> = tx.fetch_all(&q).await?;
        owned.extend(found);
    }

    let mut counts: BTreeMap<(&'static str, String), i64> = BTreeMap::new();
    let mut count = |status: MemberStatus, bits: i64, delta: i64| {
        for d in cat.0.iter().filter(|d| bits & d.mask() != 0) {
            *counts.entry((status.as_str(), d.role.key.clone())).or_default() += delta;
        }
    };
    // (subject, action, before, after), in the rows' order.
    let mut audit: Vec<(i64, AuditAction, Option<String>, Option<String>)> = Vec::new();
    let mut mail: Vec<Email> = Vec::new();
    let mut joins: Vec<Join> = Vec::new();
    let mut role_updates: Vec<i64> = Vec::new();
    let deactivated = |person: i64| {
        (person, AuditAction::MemberDeactivated, Some("active".to_string()), Some("inactive".to_string()))
    };
    for (_, plan) in &decided {
        match plan {
            Plan::Nothing => {}
            Plan::Update { member: m, person, roles, status } => {
                let mut q = Sql::new("UPDATE memberships SET version = version + ");
                q.bind_int(i64::from(roles.is_some()) + i64::from(status.is_some()));
                let bits = roles.as_ref().map_or(m.role_bits, |(b, _)| *b);
                let new_status = status.unwrap_or(m.status);
                if let Some((bits, cloud)) = roles {
                    let c = cloud.as_ref().unwrap_or(&default_cloud);
                    q.push(", role_bits = ").bind_int(*bits);
                    q.push(", additional_roles = ").bind_int(write::additional_roles(cat, *bits));
                    q.push(", cloud_all_projects = ").bind(Arg::Bool(c.all_projects));
                    q.push(", cloud_environment = ").bind_text(c.environment.as_str());
                    role_updates.push(m.id);
                    audit.push((
                        *person,
                        AuditAction::MemberRolesChanged,
                        Some(write::describe_with(cat, m.role_bits, None, &[])),
                        Some(write::describe_with(cat, *bits, cloud.as_ref(), &[])),
                    ));
                }
                if let Some(s) = status {
                    q.push(", status = ").bind_text(s.as_str());
                    audit.push((
                        *person,
                        match s {
                            MemberStatus::Active => AuditAction::MemberReactivated,
                            MemberStatus::Inactive => AuditAction::MemberDeactivated,
                        },
                        Some(m.status.as_str().to_string()),
                        Some(s.as_str().to_string()),
                    ));
                }
                q.push(" WHERE id = ").bind_int(m.id).push(" AND version = ").bind_int(m.version);
                if tx.execute(&q).await? != 1 {
                    // Changed since it was looked up: the per-row way says how.
                    return Err(AppError::Internal);
                }
                count(m.status, m.role_bits, -1);
                count(new_status, bits, 1);
            }
            Plan::Add { person: p, bits, cloud, inactive } => {
                let roles = write::describe_with(cat, *bits, cloud.as_ref(), &[]);
                audit.push((p.person_id, AuditAction::MemberAdded, None, Some(roles.clone())));
                mail.push(templates::welcome(
                    &p.display_name,
                    &p.email,
                    &admin.actor().name,
                    &snap.account.name,
                    &roles,
                ));
                if *inactive {
                    audit.push(deactivated(p.person_id));
                }
                joins.push(Join {
                    person: p.person_id,
                    bits: *bits,
                    cloud: cloud.as_ref(),
                    inactive: *inactive,
                    name: &p.display_name,
                    name_key: p.name_key.clone(),
                    email: &p.email,
                    email_key: &p.email_key,
                    sign_in: p.last_sign_in_at.unwrap_or(0),
                    owned: owned.get(&p.person_id).copied().unwrap_or(0),
                    registered: p.registered_at.is_some(),
                });
                count(if *inactive { MemberStatus::Inactive } else { MemberStatus::Active }, *bits, 1);
            }
            Plan::Contact { name, address, bits, inactive, .. } => {
                let person = *contact_ids.get(address.key()).ok_or(AppError::Internal)?;
                audit.push((
                    person,
                    AuditAction::ContactCreated,
                    None,
                    Some(contacts::created_text(cat, name, address.as_str(), *bits)),
                ));
                if *inactive {
                    audit.push(deactivated(person));
                }
                // A new person: never signed in, owning no case; not registered.
                joins.push(Join {
                    person,
                    bits: *bits,
                    cloud: None,
                    inactive: *inactive,
                    name,
                    name_key: name.to_lowercase(),
                    email: address.as_str(),
                    email_key: address.key(),
                    sign_in: 0,
                    owned: 0,
                    registered: false,
                });
                count(if *inactive { MemberStatus::Inactive } else { MemberStatus::Active }, *bits, 1);
            }
        }
    }
    for chunk in role_updates.chunks(rows_per_statement(backend(tx), 1)) {
        let mut q = Sql::new("DELETE FROM membership_projects WHERE membership_id IN ");
        q.bind_list(chunk.iter().map(|id| Arg::Int(*id)));
        tx.execute(&q).await?;
    }
    for chunk in joins.chunks(rows_per_statement(backend(tx), 17)) {
        let mut q = Sql::new(
            "INSERT INTO memberships (account_id, person_id, status, version, role_bits, additional_roles, \
             cloud_all_projects, cloud_environment, added_by, added_at, name, name_key, email, email_key, \
             last_sign_in_at, cases_owned, registered) VALUES ",
        );
        for (i, j) in chunk.iter().enumerate() {
            // The affiliation `store_cloud` writes (the default one without a cloud role).
            let c = j.cloud.unwrap_or(&default_cloud);
            q.push(if i == 0 { "(" } else { ", (" });
            q.bind_int(account).push(", ").bind_int(j.person).push(", ");
            // Deactivated at once (`set_status`): one version more.
            q.bind_text(if j.inactive { "inactive" } else { "active" }).push(", ");
            q.bind_int(if j.inactive { 2 } else { 1 }).push(", ").bind_int(j.bits).push(", ");
            q.bind_int(write::additional_roles(cat, j.bits)).push(", ").bind(Arg::Bool(c.all_projects)).push(", ");
            q.bind_text(c.environment.as_str()).push(", ").bind_int(actor).push(", ").bind_int(at).push(", ");
            q.bind_text(j.name).push(", ").bind_text(j.name_key.as_str()).push(", ").bind_text(j.email).push(", ");
            q.bind_text(j.email_key).push(", ").bind_int(j.sign_in).push(", ").bind_int(j.owned).push(", ");
            q.bind(Arg::Bool(j.registered)).push(")");
        }
        tx.execute(&q).await?;
    }
    let counts: Vec<_> = counts.into_iter().filter(|(_, n)| *n != 0).collect();
    if !counts.is_empty() {
        let mut q = Sql::new("INSERT INTO role_counts (account_id, status, role_key, n) VALUES ");
        for (i, ((status, key), n)) in counts.iter().enumerate() {
            q.push(if i == 0 { "(" } else { ", (" });
            q.bind_int(account).push(", ").bind_text(*status).push(", ").bind_text(key.as_str()).push(", ");
            q.bind_int(*n).push(")");
        }
        q.push(" ON CONFLICT (account_id, status, role_key) DO UPDATE SET n = role_counts.n + excluded.n");
        tx.execute(&q).await?;
    }
    for chunk in audit.chunks(rows_per_statement(backend(tx), 8)) {
        let mut q = Sql::new(
            "INSERT INTO audit_log (at, actor_id, account_id, subject_person_id, action, before, after, token_id) \
             VALUES ",
        );
        for (i, (subject, action, before, after)) in chunk.iter().enumerate() {
            q.push(if i == 0 { "(" } else { ", (" });
            q.bind_int(at).push(", ").bind_int(actor).push(", ").bind_int(account).push(", ");
            q.bind_int(*subject).push(", ").bind_text(action.key()).push(", ");
            q.bind(before.clone().into()).push(", ").bind(after.clone().into()).push(", ");
            q.bind(admin.token().into()).push(")");
        }
        tx.execute(&q).await?;
    }
    for chunk in mail.chunks(rows_per_statement(backend(tx), 5)) {
        let mut q = Sql::new("INSERT INTO outbox (recipient, subject, body_text, body_html, created_at) VALUES ");
        for (i, e) in chunk.iter().enumerate() {
            q.push(if i == 0 { "(" } else { ", (" });
            q.bind_text(e.to.as_str()).push(", ").bind_text(e.subject.as_str()).push(", ");
            q.bind_text(e.text.as_str()).push(", ").bind_text(e.html.as_str()).push(", ").bind_int(at).push(")");
        }
        tx.execute(&q).await?;
    }
    Ok(Some(decided.into_iter().map(|(d, _)| d).collect()))
}
