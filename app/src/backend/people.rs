//! People as the Add new user dialog finds them.

use super::access::AccountAdmin;
use super::db::{Db, Tx};
use crate::error::Result;
use crate::model::{clean_search, AccountId, PersonMatch};
use crate::sql;

/// How many suggestions the type-ahead offers at most.
pub const SUGGESTIONS: i64 = 8;

/// Whom the type-ahead may offer for account `$1` (SPEC F8): registered people of the
/// account's organisation domains, or of its partners' domains on a deployment a partner
/// supports (its contacts come from the partner). Adding by id is limited to them too;
/// anyone else is added by full email, so that nobody can step through ids to find people.
const OFFERED: &str = "p.registered_at IS NOT NULL AND p.email_domain IN (SELECT d.domain FROM organisation_domains d \
     WHERE d.organisation_id IN (SELECT pd.partner_id FROM partner_deployments pd WHERE pd.account_id = $1 \
     UNION SELECT a.organisation_id FROM accounts a WHERE a.id = $1 \
     AND NOT EXISTS (SELECT 1 FROM partner_deployments pd WHERE pd.account_id = $1)))";

/// Registered people of the account's organisation domains whose name (any word) or
/// email starts with `text`, who are not members yet.
pub async fn suggest(db: &Db, admin: &AccountAdmin, text: &str) -> Result<Vec<PersonMatch>> {
    let text = clean_search(text).to_lowercase();
    if text.chars().count() < 2 {
        return Ok(Vec::new());
    }
    let prefix = format!("{}%", super::db::like_escape(&text));
    let word = format!("% {}%", super::db::like_escape(&text));
    db.fetch_all(&sql!(
        format!(
            "SELECT p.id, p.display_name AS name, p.email FROM people p WHERE {OFFERED} \
               AND (p.name_key LIKE $2 ESCAPE '\\' OR p.name_key LIKE $3 ESCAPE '\\' OR p.email_key LIKE $2 ESCAPE '\\') \
               AND NOT EXISTS (SELECT 1 FROM memberships m WHERE m.account_id = $1 AND m.person_id = p.id) \
             ORDER BY p.name_key, p.id LIMIT $4"
        ),
        admin.account(),
        prefix,
        word,
        SUGGESTIONS
    ))
    .await
}

/// Whether the type-ahead may offer `person` for `account` (members aside).
pub(super) async fn offered(tx: &mut Tx, account: AccountId, person: i64) -> Result<bool> {
    let found: Option<(i64,)> = tx
        .fetch_optional(&sql!(format!("SELECT p.id FROM people p WHERE {OFFERED} AND p.id = $2"), account, person))
        .await?;
    Ok(found.is_some())
}
