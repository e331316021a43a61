//! Copying (mirroring) a partner's support access from one deployment to others (SPEC
//! F24): on each target the partner's people end up with the levels they hold on the
//! source: added, level changed, removed (with the F11 cascade) or unchanged. A preview
//! says it per person; applying is one transaction per target, audited.

use std::collections::BTreeMap;

use super::access::AccessCopier;
use super::audit::{self, Record};
use super::db::{Db, Tx};
use super::members::write::{begin_change, grant_level, remove_within};
use super::partners::CUSTOM_ROLES;
use super::roles::Catalogue;
use crate::error::{AppError, Result};
use crate::model::{AccountId, AuditAction, CopyChange, CopyPreview, CopyTarget, MembershipId};
use crate::sql;

/// A partner person's membership of a deployment.
#[derive(sqlx::FromRow)]
struct Held {
    membership: i64,
    person_id: i64,
    name: String,
    email: String,
    level: Option<String>,
    label: Option<String>,
    bits: Option<i64>,
    status: String,
}

impl Held {
    /// The level in words, as the preview shows it.
    fn shown(&self) -> String {
        let label = self.label.clone().unwrap_or_else(|| CUSTOM_ROLES.to_string());
        if self.status == "active" {
            label
        } else {
            format!("{label} (deactivated)")
        }
    }
}

async fn held(tx: &mut Tx, partner: i64, account: AccountId) -> Result<Vec<Held>> {
    tx.fetch_all(&sql!(
        "SELECT m.id AS membership, m.person_id, m.name, m.email, m.support_level AS level, l.label, \
         l.role_bits AS bits, m.status FROM memberships m JOIN people p ON p.id = m.person_id \
         LEFT JOIN support_levels l ON l.key = m.support_level \
         WHERE m.account_id = $1 AND p.organisation_id = $2 ORDER BY m.name_key, m.id",
        account,
        partner
    ))
    .await
}

/// One planned change: the person, what happens, and what to do.
struct Planned {
    person_id: i64,
    name: String,
    email: String,
    change: CopyChange,
    act: Act,
}

enum Act {
    Grant { level: String, bits: i64 },
    Remove { membership: i64 },
    Keep,
}

/// What mirroring `source` onto `target` does to each of the partner's people. People
/// on the source with roles given one by one (no level) are left as they are on the
/// target: there is no level to copy.
async fn plan(tx: &mut Tx, partner: i64, source: AccountId, target: AccountId) -> Result<Vec<Planned>> {
    let from: Vec<Held> = held(tx, partner, source).await?.into_iter().filter(|h| h.status == "active").collect();
    let to: BTreeMap<i64, Held> = held(tx, partner, target).await?.into_iter().map(|h| (h.person_id, h)).collect();
    let mut planned = Vec::new();
    for s in &from {
        let there = to.get(&s.person_id);
        let (change, act) = match (&s.level, &s.label, s.bits, there) {
            (Some(level), Some(label), Some(bits), None) => {
                (CopyChange::Added { level: label.clone() }, Act::Grant { level: level.clone(), bits })
            }
            (Some(level), Some(label), Some(bits), Some(t))
                if t.level.as_ref() != Some(level) || t.status != "active" =>
            {
                (
                    CopyChange::LevelChanged { from: t.shown(), to: label.clone() },
                    Act::Grant { level: level.clone(), bits },
                )
            }
            (_, _, _, Some(t)) => (CopyChange::Unchanged { level: t.shown() }, Act::Keep),
            _ => continue,
        };
        planned.push(Planned { person_id: s.person_id, name: s.name.clone(), email: s.email.clone(), change, act });
    }
    for t in to.values().filter(|t| !from.iter().any(|s| s.person_id == t.person_id)) {
        planned.push(Planned {
            person_id: t.person_id,
            name: t.name.clone(),
            email: t.email.clone(),
            change: CopyChange::Removed { level: t.shown() },
            act: Act::Remove { membership: t.membership },
        });
    }
    planned.sort_by(|a, b| a.name.to_lowercase().cmp(&b.name.to_lowercase()).then(a.email.cmp(&b.email)));
    Ok(planned)
}

/// What copying would do, per target and person. Writes nothing.
pub async fn preview(db: &Db, copier: &AccessCopier) -> Result<CopyPreview> {
    let mut tx = db.begin().await?;
    let (source, source_name, source_org_id) = copier.source().clone();
    let mut targets = Vec::new();
    for (account, name, org_id) in copier.targets() {
        let planned = plan(&mut tx, copier.partner(), source, *account).await?;
        targets.push(CopyTarget {
            account: account.0,
            name: name.clone(),
            org_id: org_id.clone(),
            changes: planned.into_iter().map(|p| (p.name, p.email, p.change)).collect(),
        });
    }
    drop(tx);
    Ok(CopyPreview { partner: copier.partner(), source: source_name, source_org_id, targets })
}

/// Copies: one transaction per target (each target is all or nothing; one that fails
/// leaves the ones before it copied and says so). Returns what was done, in words.
pub async fn apply(db: &Db, copier: &AccessCopier) -> Result<String> {
    let (source, source_name, _) = copier.source().clone();
    let (mut added, mut changed, mut removed, mut unchanged) = (0, 0, 0, 0);
    let mut done = Vec::new();
    for (account, name, _) in copier.targets() {
        let admin = copier.acting_admin(*account).ok_or(AppError::Internal)?;
        let result: Result<()> = async {
            let mut tx = begin_change(db, *account).await?;
            let cat = Catalogue::load_tx(&mut tx).await?;
            for p in plan(&mut tx, copier.partner(), source, *account).await? {
                match p.act {
                    Act::Keep => unchanged += 1,
                    Act::Remove { membership } => {
                        remove_within(&mut tx, &admin, &cat, MembershipId(membership)).await?;
                        removed += 1;
                    }
                    Act::Grant { level, bits } => {
                        let (before, after) =
                            grant_level(&mut tx, *account, p.person_id, &level, bits, copier.actor().person_id).await?;
                        if before.is_some() {
                            changed += 1
                        } else {
                            added += 1
                        }
                        audit::record(
                            &mut tx,
                            &admin,
                            Record {
                                subject: Some(p.person_id),
                                action: AuditAction::AccessCopied,
                                before,
                                after: Some(format!("{after} (copied from {source_name})")),
                            },
                        )
                        .await?;
                    }
                }
            }
            tx.commit().await
        }
        .await;
        if let Err(e) = result {
            let before =
                if done.is_empty() { String::new() } else { format!(" {} were copied before it.", done.join(", ")) };
            return Err(AppError::Conflict(format!("Copying to {name} failed, nothing changed there: {e}{before}")));
        }
        done.push(name.clone());
    }
    Ok(format!(
        "Copied the support access of {source_name} to {}: {added} added, {changed} changed, {removed} removed, {unchanged} unchanged.",
        done.join(", ")
    ))
}
