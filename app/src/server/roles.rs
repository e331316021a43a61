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
    pub async fn load(db: &Db) -> Result<Catalogue> {
        super::memo::once("catalogue", || async { Ok(Catalogue(db.fetch_all(&sql!(CATALOGUE)).await?)) }).await
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

    fn mask_where(&self, f: impl Fn(&Role) -> bool) -> i64 {
        self.0.iter().filter(|d| f(&d.role)).fold(0, |m, d| m | d.mask())
    }

    /// The role bits for a set of role keys, always including the default roles.
    pub fn bits(&self, keys: &[String]) -> Result<i64> {
        keys.iter().try_fold(self.default_mask(), |bits, key| {
            self.0
                .iter()
                .find(|d| &d.role.key == key)
                .map(|d| bits | d.mask())
                .ok_or_else(|| AppError::invalid(format!("There is no role \"{key}\".")))
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

/// The roles a change asks for, checked against the catalogue: known keys, no repeats.
pub fn requested_bits(catalogue: &Catalogue, change: &RoleChange) -> Result<i64> {
    let mut keys = change.roles.clone();
    keys.sort();
    keys.dedup();
    catalogue.bits(&keys)
}
