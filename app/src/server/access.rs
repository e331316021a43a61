//! Who is acting, and what they may do. A write to an account's contacts needs an
//! `AccountAdmin`, which only `Actor::manage` hands out after checking.

use super::db::Db;
use crate::error::{AppError, Result};
use crate::sql;

/// The refusal SPEC F18 words for anyone who may not manage contacts.
pub const NO_ACCESS: &str = "You do not have access to this feature.";

/// Until sign-in exists, every request acts as the demo account's administrator. This
/// is the one place that decides it; sessions will replace it.
pub const ACTING_ADMIN_EMAIL: &str = "adam.admin@northwind.example";

#[derive(Clone, Debug, sqlx::FromRow)]
pub struct Actor {
    pub person_id: i64,
    pub name: String,
    pub email: String,
    pub is_operator: bool,
}

/// Proof that `actor` may manage the contacts of `account`.
#[derive(Clone, Debug)]
pub struct AccountAdmin {
    pub actor: Actor,
    pub account: i64,
}

impl Actor {
    /// The person this request acts for.
    pub async fn current(db: &Db) -> Result<Actor> {
        db.fetch_optional::<Actor>(&sql!(
            "SELECT id AS person_id, display_name AS name, email, is_operator FROM people WHERE email_key = $1",
            ACTING_ADMIN_EMAIL
        ))
        .await?
        .ok_or_else(|| AppError::Forbidden(NO_ACCESS.into()))
    }

    /// Checks that this person may manage the account's contacts: a vendor operator, or
    /// an active member holding a role flagged admin.
    pub async fn manage(self, db: &Db, account: i64) -> Result<AccountAdmin> {
        if self.is_operator {
            return Ok(AccountAdmin { actor: self, account });
        }
        // The mask comes from the catalogue: PostgreSQL has no `integer << bigint`, and
        // its SUM of bigints is numeric, which `&` with a bigint does not take.
        let mask = super::roles::Catalogue::load(db).await?.admin_mask();
        let admin: Option<(i64,)> = db
            .fetch_optional(&sql!(
                "SELECT m.id FROM memberships m WHERE m.account_id = $1 AND m.person_id = $2 AND m.status = 'active' \
                 AND (m.role_bits & $3) <> 0",
                account,
                self.person_id,
                mask
            ))
            .await?;
        match admin {
            Some(_) => Ok(AccountAdmin { actor: self, account }),
            None => Err(AppError::Forbidden(NO_ACCESS.into())),
        }
    }
}
