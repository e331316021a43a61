//! Accounts as the pages list and show them.

use super::db::Db;
use crate::error::{AppError, Result};
use crate::model::AccountSummary;
use crate::on_db;

// Every member holds the default role, so its active count is the member count, read
// from the maintained counts instead of counting memberships.
const SUMMARY: &str = "SELECT a.id, a.name, o.name AS organisation, a.kind, a.government_cloud, a.org_id, \
     COALESCE((SELECT c.n FROM role_counts c JOIN roles r ON r.key = c.role_key AND r.is_default \
       WHERE c.account_id = a.id AND c.status = 'active'), 0) AS members \
     FROM accounts a JOIN organisations o ON o.id = a.organisation_id";

pub async fn list(db: &Db) -> Result<Vec<AccountSummary>> {
    let sql = format!("{SUMMARY} ORDER BY o.name, a.name, a.id");
    Ok(on_db!(db, pool => sqlx::query_as::<_, AccountSummary>(&sql).fetch_all(pool).await?))
}

pub async fn get(db: &Db, id: i64) -> Result<AccountSummary> {
    let sql = format!("{SUMMARY} WHERE a.id = $1");
    let found = on_db!(db, pool => sqlx::query_as::<_, AccountSummary>(&sql)
        .bind(id)
        .fetch_optional(pool)
        .await?);
    found.ok_or_else(|| AppError::not_found(format!("There is no account with the id {id}.")))
}
