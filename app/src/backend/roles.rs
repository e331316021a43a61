//! The role catalogue, and turning role keys into `memberships.role_bits` and back.

use super::db::{Db, Tx};
use crate::error::{AppError, Result};
use crate::model::{Role, RoleChange};
use crate::sql;

#[derive(Clone, Debug, sqlx::FromRow)]
pub struct RoleDef {
    #[sqlx(flatten)]
    pub role: Role,
    pub bit: i64,
}

impl RoleDef {
    pub fn mask(&self) -> i64 {
        1_i64 << self.bit
    }
}

const CATALOGUE: &str =
    "SELECT key, label, description, is_default, is_admin, unique_per_account, cloud_affiliation, bit \
     FROM roles ORDER BY position, key";

#[derive(Clone, Debug)]
pub struct Catalogue(pub Vec<RoleDef>);

impl Catalogue {
    /// Read once per database handle (`db::Shared`), not once per request.
    pub async fn load(db: &Db) -> Result<Catalogue> {
        let kept = match db {
            Db::Sqlite(_, shared) => &shared.catalogue,
            Db::Postgres(_, shared) => &shared.catalogue,
        };
        kept.get_or_try_init(|| Catalogue::read(db)).await.cloned()
    }

    /// The catalogue as stored now.
    async fn read(db: &Db) -> Result<Catalogue> {
        Ok(Catalogue(db.fetch_all(&sql!(CATALOGUE)).await?))
    }

    pub async fn load_tx(tx: &mut Tx) -> Result<Catalogue> {
        Ok(Catalogue(tx.fetch_all(&sql!(CATALOGUE)).await?))
    }

    pub fn roles(&self) -> Vec<Role> {
        self.0.iter().map(|d| d.role.clone()).collect()
    }

    pub fn default_mask(&self) -> i64 {
        self.mask_where(|r| r.is_default)
    }

    pub fn admin_mask(&self) -> i64 {
        self.mask_where(|r| r.is_admin)
    }

    pub fn cloud_mask(&self) -> i64 {
        self.mask_where(|r| r.cloud_affiliation)
    }

    /// The bits of the roles held once per account (Primary).
    pub fn unique_mask(&self) -> i64 {
        self.mask_where(|r| r.unique_per_account)
    }

    fn mask_where(&self, f: impl Fn(&Role) -> bool) -> i64 {
        self.0.iter().filter(|d| f(&d.role)).fold(0, |m, d| m | d.mask())
    }

    /// The role bits for a set of role keys, always including the default roles.
    pub fn bits(&self, keys: &[String]) -> Result<i64> {
        checked_key_count(keys)?;
        keys.iter().try_fold(self.default_mask(), |bits, key| {
            self.0.iter().find(|d| &d.role.key == key).map(|d| bits | d.mask()).ok_or_else(|| unknown_role(key))
        })
    }

    /// The keys of the roles in `bits`.
    pub fn keys_of(&self, bits: i64) -> Vec<String> {
        self.0.iter().filter(|d| bits & d.mask() != 0).map(|d| d.role.key.clone()).collect()
    }

    pub fn roles_of(&self, bits: i64) -> Vec<Role> {
        self.0.iter().filter(|d| bits & d.mask() != 0).map(|d| d.role.clone()).collect()
    }

    /// "General Support, Security Contact" — for emails and the audit log.
    pub fn describe(&self, bits: i64) -> String {
        self.roles_of(bits).into_iter().map(|r| r.label).collect::<Vec<_>>().join(", ")
    }

    pub fn unique_roles(&self) -> impl Iterator<Item = &RoleDef> {
        self.0.iter().filter(|d| d.role.unique_per_account)
    }
}

/// The most role keys one request may name: each role owns one of 63 bits, so a longer
/// list can only repeat or invent keys.
pub const MAX_ROLE_KEYS: usize = 63;

fn checked_key_count(keys: &[String]) -> Result<()> {
    if keys.len() > MAX_ROLE_KEYS {
        return Err(AppError::invalid(format!("Choose at most {MAX_ROLE_KEYS} roles.")));
    }
    Ok(())
}

/// The refusal of a role key the catalogue does not have. The key is repeated only when
/// it looks like one, so that the message never shows text Roster did not write.
pub fn unknown_role(key: &str) -> AppError {
    let key_like =
        !key.is_empty() && key.len() <= 40 && key.chars().all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-');
    if key_like {
        AppError::invalid(format!("There is no role \"{key}\"."))
    } else {
        AppError::invalid("There is no such role.")
    }
}

/// The unique indexes that let at most one member of an account hold a role: the bit of
/// each `unique_per_account` role of the catalogue, and the index of migration 0008 on
/// `memberships(account_id) WHERE (role_bits & 1 << bit) <> 0` that enforces it.
pub const UNIQUE_ROLE_INDEXES: [(i64, &str); 1] = [(6, "memberships_one_primary")];

/// The refusal when the database itself stops a second holder of a unique role.
pub const UNIQUE_ROLE_HELD: &str = "Only one member may hold the role Primary, and another member holds it.";

/// Whether a database error is one of the `UNIQUE_ROLE_INDEXES` refusing a second holder.
/// PostgreSQL names the index; SQLite names only its column, which no other unique
/// index of `memberships` has alone.
pub fn is_unique_role_violation(e: &dyn sqlx::error::DatabaseError) -> bool {
    e.is_unique_violation()
        && match e.constraint() {
            Some(name) => UNIQUE_ROLE_INDEXES.iter().any(|(_, index)| *index == name),
            None => e.message().ends_with("constraint failed: memberships.account_id"),
        }
}

/// Start-up check that every `unique_per_account` role of the catalogue (which is data)
/// has its unique index: a role added to the catalogue without one would be held "once
/// per account" only as long as no two requests grant it at the same moment.
pub async fn check_unique_roles_indexed(db: &Db) -> std::result::Result<(), String> {
    // As stored: the check is of the table, not of what a request was given.
    let cat = Catalogue::read(db).await.map_err(|e| e.to_string())?;
    for d in cat.unique_roles() {
        let Some((_, index)) = UNIQUE_ROLE_INDEXES.iter().find(|(bit, _)| *bit == d.bit) else {
            return Err(format!(
                "the role {} is unique per account but no unique index enforces it: add one in a migration \
                 (like memberships_one_primary) and list it in roles::UNIQUE_ROLE_INDEXES",
                d.role.key
            ));
        };
        let found: Option<(i64,)> = db
            .fetch_optional(&match db.backend() {
                super::Backend::Sqlite => {
                    sql!("SELECT 1 FROM sqlite_master WHERE type = 'index' AND name = $1", *index)
                }
                super::Backend::Postgres => sql!("SELECT 1::BIGINT FROM pg_indexes WHERE indexname = $1", *index),
            })
            .await
            .map_err(|e| e.to_string())?;
        if found.is_none() {
            return Err(format!("the unique index {index} of the role {} is missing", d.role.key));
        }
    }
    Ok(())
}

/// The roles a change asks for, checked against the catalogue: known keys, no repeats.
pub fn requested_bits(catalogue: &Catalogue, change: &RoleChange) -> Result<i64> {
    checked_key_count(&change.roles)?;
    let mut keys = change.roles.clone();
    keys.sort();
    keys.dedup();
    catalogue.bits(&keys)
}
