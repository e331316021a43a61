//! Partners (SPEC F21): the deployments a partner organisation supports, as its members
//! list them, and the vendor operators' record of that support, whose end takes every
//! partner membership off the deployment with the F11 cascade, in one transaction.

use super::access::{Operator, PartnerMember};
use super::audit::{self, Record};
use super::db::{Db, Sql, Tx};
use super::keyset;
use super::members::write::{begin_change, remove_within};
use super::now;
use super::roles::Catalogue;
use crate::error::{AppError, Result};
use crate::model::SortColumn as _;
use crate::model::{
    clean_search, AccountId, AuditAction, Cursor, CursorKey, DeploymentContact, DeploymentDetail, DeploymentPage,
    DeploymentQuery, DeploymentRow, DeploymentSort, Deployments, MembershipId, PageCursor, PartnerSupport,
    SupportLevel,
};
use crate::{bind_args, on_lane, sql};

/// What a partner member holds on a deployment without a level (roles given one by one).
pub const CUSTOM_ROLES: &str = "Custom roles";

#[derive(sqlx::FromRow)]
struct Listed {
    account: i64,
    customer: String,
    name: String,
    org_id: String,
    kind: String,
    access: Option<String>,
    member: bool,
    sort_key: String,
}

/// The value each order sorts by (with the account id after it).
fn sort_expr(sort: DeploymentSort) -> &'static str {
    match sort {
        DeploymentSort::Customer => "lower(o.name)",
        DeploymentSort::Name => "lower(a.name)",
        DeploymentSort::OrgId => "lower(a.org_id)",
        DeploymentSort::Kind => "a.kind",
        DeploymentSort::Access => "COALESCE(lower(l.label), CASE WHEN m.id IS NULL THEN '' ELSE 'custom' END)",
    }
}

/// One page of the deployments the member's partner supports, with their own access on
/// each. A partner supports thousands at most, so the join is sorted as a whole; paging
/// is by keyset like every table.
pub async fn deployments(db: &Db, member: &PartnerMember, q: &DeploymentQuery) -> Result<Deployments> {
    let p = &q.list;
    keyset::check_kind(p.cursor.as_ref(), p.sort.is_text())?;
    let ascending = keyset::ascending(p.dir, p.cursor.as_ref());
    let key = sort_expr(p.sort);
    let mut sql = Sql::new(&format!(
        "SELECT a.id AS account, o.name AS customer, a.name, a.org_id, a.kind, \
         CASE WHEN m.id IS NULL THEN NULL ELSE COALESCE(l.label, '{CUSTOM_ROLES}') END AS access, \
         (m.id IS NOT NULL) AS member, {key} AS sort_key \
         FROM partner_deployments pd JOIN accounts a ON a.id = pd.account_id \
         JOIN organisations o ON o.id = a.organisation_id \
         LEFT JOIN memberships m ON m.account_id = a.id AND m.person_id = "
    ));
    sql.bind_int(member.actor().person_id)
        .push(" AND m.status = 'active' LEFT JOIN support_levels l ON l.key = m.support_level WHERE pd.partner_id = ")
        .bind_int(member.partner());
    let search = clean_search(&p.search).to_lowercase();
    sql.push_contains(&["o.name", "a.name", "a.org_id"], &search);
    if let Some(PageCursor::After(c) | PageCursor::Before(c)) = &p.cursor {
        keyset::push_past(&mut sql, key, "a.id", ascending, c);
    }
    keyset::push_order(&mut sql, key, "a.id", ascending, p.page_size);
    sql.refuse_nul()?;
    // A search is planned for its own pattern: a statement prepared once gets one plan for
    // every pattern, made for few matches, which loops over memberships per deployment
    // when a short pattern matches them all (17 ms against 9 at 5,000 on PostgreSQL).
    let persistent = search.is_empty();
    let rows: Vec<Listed> = on_lane!(db, conn => bind_args!(sqlx::query_as::<_, Listed>(&sql.text), &sql.args)
        .persistent(persistent)
        .fetch_all(conn)
        .await?);
    let (rows, prev, next) = keyset::finish(rows, p.page_size, p.cursor.as_ref(), |r| Cursor {
        key: CursorKey::Text(r.sort_key.clone()),
        id: r.account,
    });
    let rows = rows
        .into_iter()
        .map(|r| DeploymentRow {
            account: r.account,
            customer: r.customer,
            name: r.name,
            org_id: r.org_id,
            kind: r.kind,
            access: r.access,
            member: r.member,
        })
        .collect();
    let total = db
        .scalar::<i64>(&sql!("SELECT COUNT(*) FROM partner_deployments WHERE partner_id = $1", member.partner()))
        .await?;
    Ok(Deployments {
        partner: member.partner_name().to_string(),
        total,
        page: DeploymentPage { rows, prev, next, window: None },
    })
}

/// One deployment the member's partner supports, with the partner's contacts there and
/// its approvers. One the partner does not support is not found, whether it exists or not.
pub async fn deployment(db: &Db, member: &PartnerMember, account: AccountId) -> Result<DeploymentDetail> {
    let found: Option<(i64, String, String, String, String)> = db
        .fetch_optional(&sql!(
            "SELECT a.id, o.name, a.name, a.org_id, a.kind FROM partner_deployments pd \
             JOIN accounts a ON a.id = pd.account_id JOIN organisations o ON o.id = a.organisation_id \
             WHERE pd.partner_id = $1 AND pd.account_id = $2",
            member.partner(),
            account
        ))
        .await?;
    let Some((account_id, customer, name, org_id, kind)) = found else {
        return Err(AppError::not_found(format!("{} does not support that deployment.", member.partner_name())));
    };
    let contacts: Vec<(i64, String, String, String, String)> = db
        .fetch_all(&sql!(
            format!(
                "SELECT m.person_id, m.name, m.email, COALESCE(l.label, '{CUSTOM_ROLES}'), m.status FROM memberships m \
                 JOIN people p ON p.id = m.person_id LEFT JOIN support_levels l ON l.key = m.support_level \
                 WHERE m.account_id = $1 AND p.organisation_id = $2 ORDER BY m.name_key, m.id"
            ),
            account,
            member.partner()
        ))
        .await?;
    let member_here = contacts.iter().any(|c| c.0 == member.actor().person_id && c.4 == "active");
    let approvers: Vec<(String, String, bool)> = db
        .fetch_all(&sql!(
            "SELECT p.display_name, p.email, MIN(CASE WHEN ap.account_id IS NULL THEN 1 ELSE 0 END) = 1 \
             FROM approvers ap JOIN people p ON p.id = ap.person_id \
             WHERE ap.partner_id = $1 AND (ap.account_id IS NULL OR ap.account_id = $2) \
             GROUP BY p.id, p.display_name, p.email ORDER BY p.display_name",
            member.partner(),
            account
        ))
        .await?;
    Ok(DeploymentDetail {
        account: account_id,
        customer,
        name,
        org_id,
        kind,
        partner: member.partner_name().to_string(),
        member: member_here,
        contacts: contacts
            .into_iter()
            .map(|(_, name, email, level, status)| DeploymentContact { name, email, level, active: status == "active" })
            .collect(),
        approvers,
    })
}

/// The support access levels, in their order.
pub async fn levels(db: &Db) -> Result<Vec<SupportLevel>> {
    db.fetch_all(&sql!("SELECT key, label, description FROM support_levels ORDER BY position")).await
}

/// Every partner organisation with the deployments it supports (the console).
pub async fn support(db: &Db, _operator: &Operator) -> Result<Vec<PartnerSupport>> {
    let partners: Vec<(i64, String)> = db
        .fetch_all(&sql!("SELECT id, name FROM organisations WHERE kind = 'partner' ORDER BY lower(name), id"))
        .await?;
    let rows: Vec<(i64, i64, String, String, String)> = db
        .fetch_all(&sql!(
            "SELECT pd.partner_id, a.id, o.name, a.name, a.org_id FROM partner_deployments pd \
             JOIN accounts a ON a.id = pd.account_id JOIN organisations o ON o.id = a.organisation_id \
             ORDER BY lower(o.name), lower(a.name), a.id"
        ))
        .await?;
    Ok(partners
        .into_iter()
        .map(|(partner, name)| PartnerSupport {
            partner,
            name,
            deployments: rows
                .iter()
                .filter(|r| r.0 == partner)
                .map(|(_, account, customer, deployment, org_id)| {
                    (*account, customer.clone(), deployment.clone(), org_id.clone())
                })
                .collect(),
        })
        .collect())
}

/// The partner organisation `partner`, refused when it is not one.
async fn partner_named(db: &Db, partner: i64) -> Result<String> {
    db.fetch_optional::<(String,)>(&sql!("SELECT name FROM organisations WHERE id = $1 AND kind = 'partner'", partner))
        .await?
        .map(|(name,)| name)
        .ok_or_else(|| AppError::not_found("There is no such partner."))
}

/// Records that `partner` supports the deployment with `org_id` (a customer's account).
/// Returns what was done, in words.
pub async fn start_support(db: &Db, operator: &Operator, partner: i64, org_id: &str) -> Result<String> {
    let partner_name = partner_named(db, partner).await?;
    let org_id = org_id.trim();
    let found: Option<(i64, String, String)> = db
        .fetch_optional(&sql!(
            "SELECT a.id, a.name, o.kind FROM accounts a JOIN organisations o ON o.id = a.organisation_id \
             WHERE lower(a.org_id) = $1",
            org_id.to_lowercase()
        ))
        .await?;
    let Some((account, name, kind)) = found else {
        return Err(AppError::invalid(format!("No deployment has the Org ID {org_id:?}.")));
    };
    if kind != "customer" {
        return Err(AppError::invalid(format!("{name} is not a customer's deployment.")));
    }
    let admin = operator.actor().clone().manage(db, AccountId(account)).await?;
    let mut tx = begin_change(db, AccountId(account)).await?;
    let added = tx
        .execute(&sql!(
            "INSERT INTO partner_deployments (partner_id, account_id, since, added_by) VALUES ($1, $2, $3, $4) \
             ON CONFLICT (partner_id, account_id) DO NOTHING",
            partner,
            account,
            now(),
            operator.actor().person_id
        ))
        .await?;
    if added == 0 {
        return Err(AppError::Conflict(format!("{partner_name} supports {name} already.")));
    }
    audit::record(
        &mut tx,
        &admin,
        Record {
            subject: None,
            action: AuditAction::PartnerSupportStarted,
            before: None,
            after: Some(partner_name.clone()),
        },
    )
    .await?;
    let asleep: i64 = tx
        .scalar(&sql!(
            format!(
                "SELECT COUNT(*) FROM memberships m WHERE m.account_id = $1 AND m.status = 'active' AND NOT {}",
                super::access::gives_access("m")
            ),
            account
        ))
        .await?;
    tx.commit().await?;
    Ok(match asleep {
        0 => format!("{partner_name} now supports {name}."),
        1 => format!(
            "{partner_name} now supports {name}; its one member of the customer's own keeps their roles but has no \
             portal access while {partner_name} supports it."
        ),
        n => format!(
            "{partner_name} now supports {name}; its {n} members of the customer's own keep their roles but have no \
             portal access while {partner_name} supports it."
        ),
    })
}

/// Refuses to make `person` a member of `account` when a partner supports it and they
/// are not one of the partner's people: its contacts come from the partner (seed 004).
pub(in crate::backend) async fn check_may_join(tx: &mut Tx, account: AccountId, person: i64) -> Result<()> {
    let refused: Option<(String, String)> = tx
        .fetch_optional(&sql!(
            "SELECT a.name, o.name FROM partner_deployments pd JOIN accounts a ON a.id = pd.account_id \
             JOIN organisations o ON o.id = pd.partner_id WHERE pd.account_id = $1 \
             AND NOT EXISTS (SELECT 1 FROM partner_deployments q JOIN people p ON p.organisation_id = q.partner_id \
             WHERE q.account_id = $1 AND p.id = $2) ORDER BY o.name LIMIT 1",
            account,
            person
        ))
        .await?;
    match refused {
        Some((account, partner)) => Err(AppError::invalid(format!(
            "{account} is supported by {partner}: only people of {partner} can be its contacts."
        ))),
        None => Ok(()),
    }
}

/// Ends `partner`'s support of `account`: in one transaction, the record goes and so does
/// every membership of the partner's people on the deployment, each with the F11 cascade
/// (off its cases, open cases to the operator… as removing them in Manage Users would).
/// Returns what was done, in words.
pub async fn end_support(db: &Db, operator: &Operator, partner: i64, account: AccountId) -> Result<String> {
    let partner_name = partner_named(db, partner).await?;
    let admin = operator.actor().clone().manage(db, account).await?;
    let mut tx = begin_change(db, account).await?;
    let ended = tx
        .execute(&sql!("DELETE FROM partner_deployments WHERE partner_id = $1 AND account_id = $2", partner, account))
        .await?;
    if ended == 0 {
        return Err(AppError::not_found(format!("{partner_name} does not support that deployment.")));
    }
    let cat = Catalogue::load_tx(&mut tx).await?;
    let theirs: Vec<(i64,)> = tx
        .fetch_all(&sql!(
            "SELECT m.id FROM memberships m JOIN people p ON p.id = m.person_id \
             WHERE m.account_id = $1 AND p.organisation_id = $2 ORDER BY m.id",
            account,
            partner
        ))
        .await?;
    for (membership,) in &theirs {
        remove_within(&mut tx, &admin, &cat, MembershipId(*membership)).await?;
    }
    audit::record(
        &mut tx,
        &admin,
        Record {
            subject: None,
            action: AuditAction::PartnerSupportEnded,
            before: Some(partner_name.clone()),
            after: None,
        },
    )
    .await?;
    tx.commit().await?;
    let name = db.scalar::<String>(&sql!("SELECT name FROM accounts WHERE id = $1", account)).await?;
    let said = match theirs.len() {
        0 => format!("{partner_name} no longer supports {name}."),
        1 => format!("{partner_name} no longer supports {name}; its one member there was removed."),
        n => format!("{partner_name} no longer supports {name}; its {n} members there were removed."),
    };
    let still =
        db.scalar::<i64>(&sql!("SELECT COUNT(*) FROM partner_deployments WHERE account_id = $1", account)).await?;
    Ok(if still == 0 { format!("{said} The customer's own members have portal access again.") } else { said })
}
