//! An account's API tokens (SPEC F25): made and revoked by its administrators, for
//! scripts and identity providers. A call with one is checked by `access::token_grant`.

use super::access::AccountAdmin;
use super::audit::{self, Record};
use super::db::Db;
use super::{checked_text, now, token};
use crate::error::{AppError, Result};
use crate::model::{
    ApiCall, ApiCalls, ApiToken, AuditAction, NewApiToken, TokenScope, API_CALLS_KEPT_DAYS, API_CALLS_PAGE,
    TOKEN_LIFETIMES, TOKEN_NAME_MAX,
};
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

/// The longest address a call is recorded with; longer ones are cut.
const CALL_PATH_MAX: usize = 500;

/// Records a call made with the token whose secret is `secret`, answered with `status`.
/// Only a live token's calls within its minute's limit are recorded: an unknown secret
/// has no token to put them under, and a revoked or expired token's, or the calls past
/// the limit, would let whoever holds a leaked secret fill the table (the 401 and 429
/// answers say enough). Now and then, calls older than [`API_CALLS_KEPT_DAYS`] days go.
pub async fn record_call(db: &Db, secret: &str, method: &str, path: &str, status: u16) -> Result<()> {
    use std::sync::atomic::{AtomicU64, Ordering};
    static CALLS: AtomicU64 = AtomicU64::new(0);
    let path: String = match path.char_indices().nth(CALL_PATH_MAX) {
        Some((cut, _)) => format!("{}…", &path[..cut]),
        None => path.to_string(),
    };
    let at = now();
    db.execute(&sql!(
        "INSERT INTO api_calls (token_id, account_id, at, method, path, status) \
         SELECT id, account_id, $1, $2, $3, $4 FROM api_tokens WHERE secret_hash = $5 \
         AND revoked_at IS NULL AND expires_at > $1 AND window_calls <= $6",
        at,
        method,
        path,
        i64::from(status),
        token::hash(secret),
        super::access::calls_per_minute()
    ))
    .await?;
    if CALLS.fetch_add(1, Ordering::Relaxed).is_multiple_of(1_000) {
        db.execute(&sql!("DELETE FROM api_calls WHERE at < $1", at - API_CALLS_KEPT_DAYS * 86_400)).await?;
    }
    Ok(())
}

/// The calls made with the account's tokens, newest first, [`API_CALLS_PAGE`] at a time,
/// from before call `before` when given.
pub async fn calls(db: &Db, admin: &AccountAdmin, before: Option<i64>) -> Result<ApiCalls> {
    #[derive(sqlx::FromRow)]
    struct Row {
        id: i64,
        token: String,
        at: i64,
        method: String,
        path: String,
        status: i64,
    }
    let rows: Vec<Row> = db
        .fetch_all(&sql!(
            "SELECT c.id, t.name AS token, c.at, c.method, c.path, c.status FROM api_calls c \
             JOIN api_tokens t ON t.id = c.token_id WHERE c.account_id = $1 AND c.id < $2 ORDER BY c.id DESC LIMIT $3",
            admin.account(),
            before.unwrap_or(i64::MAX),
            API_CALLS_PAGE + 1
        ))
        .await?;
    let mut calls: Vec<ApiCall> = rows
        .into_iter()
        .map(|r| ApiCall { id: r.id, token: r.token, at: r.at, method: r.method, path: r.path, status: r.status })
        .collect();
    let older = if calls.len() as i64 > API_CALLS_PAGE {
        calls.truncate(API_CALLS_PAGE as usize);
        calls.last().map(|c| c.id)
    } else {
        None
    };
    Ok(ApiCalls { calls, older })
}
