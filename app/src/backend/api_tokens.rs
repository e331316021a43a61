//! An account's API tokens (SPEC F25): made and revoked by its administrators, for
//! scripts and identity providers. A call with one is checked by `access::token_grant`.

use super::access::AccountAdmin;
use super::audit::{self, Record};
use super::db::Db;
use super::{checked_text, now, token};
use crate::error::{AppError, Result};
use crate::model::{ApiToken, AuditAction, NewApiToken, TokenScope, TOKEN_LIFETIMES, TOKEN_NAME_MAX};
use crate::sql;

/// What a secret starts with, so that a leaked one is recognised (by a secret scanner, or
/// a person reading a log) for what it is.
pub const SECRET_PREFIX: &str = "roster_";

#[derive(sqlx::FromRow)]
struct Stored {
    id: i64,
    name: String,
    scope: String,
    created_by: String,
    created_at: i64,
    expires_at: i64,
    last_used_at: Option<i64>,
    revoked_at: Option<i64>,
}

impl Stored {
    fn token(self) -> Result<ApiToken> {
        Ok(ApiToken {
            id: self.id,
            name: self.name,
            scope: TokenScope::from_key(&self.scope).ok_or(AppError::Internal)?,
            created_by: self.created_by,
            created_at: self.created_at,
            expires_at: self.expires_at,
            last_used_at: self.last_used_at,
            revoked_at: self.revoked_at,
            expired: self.expires_at <= now(),
        })
    }
}

const SELECT: &str = "SELECT t.id, t.name, t.scope, p.display_name AS created_by, t.created_at, t.expires_at, \
     t.last_used_at, t.revoked_at FROM api_tokens t JOIN people p ON p.id = t.created_by";

/// The account's tokens, newest first (revoked ones too: what they did stays audited
/// under their names).
pub async fn list(db: &Db, admin: &AccountAdmin) -> Result<Vec<ApiToken>> {
    let rows: Vec<Stored> = db
        .fetch_all(&sql!(format!("{SELECT} WHERE t.account_id = $1 ORDER BY t.id DESC LIMIT 500"), admin.account()))
        .await?;
    rows.into_iter().map(Stored::token).collect()
}

/// Makes a token that lives `days` days; its secret is in the answer and nowhere else.
pub async fn create(db: &Db, admin: &AccountAdmin, name: &str, scope: TokenScope, days: i64) -> Result<NewApiToken> {
    let name = checked_text(
        name,
        TOKEN_NAME_MAX,
        format!("Name the token (at most {TOKEN_NAME_MAX} characters), after what will use it."),
    )?;
    if !TOKEN_LIFETIMES.contains(&days) {
        return Err(AppError::invalid("Choose how long the token lives: 7, 30, 90 or 365 days."));
    }
    let (raw, _) = token::new();
    let secret = format!("{SECRET_PREFIX}{raw}");
    let t = now();
    let mut tx = db.begin().await?;
    let taken: Option<(i64,)> = tx
        .fetch_optional(&sql!(
            "SELECT id FROM api_tokens WHERE account_id = $1 AND name = $2 AND revoked_at IS NULL",
            admin.account(),
            &name
        ))
        .await?;
    if taken.is_some() {
        return Err(AppError::Conflict(format!("A live token is named \"{name}\" already. Choose another name.")));
    }
    // The unique index on live names holds against a parallel create.
    let id: i64 = tx
        .scalar(&sql!(
            "INSERT INTO api_tokens (account_id, name, scope, secret_hash, created_by, created_at, expires_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
            admin.account(),
            &name,
            scope.key(),
            token::hash(&secret),
            admin.actor().person_id,
            t,
            t + days * 86_400
        ))
        .await?;
    audit::record(
        &mut tx,
        admin,
        Record {
            subject: None,
            action: AuditAction::ApiTokenCreated,
            before: None,
            after: Some(format!("{name} ({}, {days} days)", scope.label().to_lowercase())),
        },
    )
    .await?;
    let stored: Stored =
        tx.fetch_optional(&sql!(format!("{SELECT} WHERE t.id = $1"), id)).await?.ok_or(AppError::Internal)?;
    tx.commit().await?;
    Ok(NewApiToken { token: stored.token()?, secret })
}

/// Revokes one of the account's tokens: calls with it are refused from now on.
pub async fn revoke(db: &Db, admin: &AccountAdmin, id: i64) -> Result<String> {
    let mut tx = db.begin().await?;
    let found: Option<(String, Option<i64>)> = tx
        .fetch_optional(&sql!(
            "SELECT name, revoked_at FROM api_tokens WHERE id = $1 AND account_id = $2",
            id,
            admin.account()
        ))
        .await?;
    // Another account's token is as unknown as one that never was.
    let Some((name, revoked_at)) = found else {
        return Err(AppError::not_found("There is no such API token in this account."));
    };
    if revoked_at.is_some() {
        return Err(AppError::Conflict(format!("The token \"{name}\" is revoked already.")));
    }
    let changed = tx
        .execute(&sql!(
            "UPDATE api_tokens SET revoked_at = $1, revoked_by = $2 WHERE id = $3 AND revoked_at IS NULL",
            now(),
            admin.actor().person_id,
            id
        ))
        .await?;
    if changed == 0 {
        return Err(AppError::Conflict(format!("The token \"{name}\" is revoked already.")));
    }
    audit::record(
        &mut tx,
        admin,
        Record { subject: None, action: AuditAction::ApiTokenRevoked, before: Some(name.clone()), after: None },
    )
    .await?;
    tx.commit().await?;
    Ok(format!("Token \"{name}\" revoked: calls with it are refused from now on."))
}
