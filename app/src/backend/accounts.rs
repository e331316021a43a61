//! Accounts as the pages list and show them.

use super::access::{AccountAdmin, Actor, CaseAccess, Operator};
use super::db::{Db, Sql};
use super::roles::Catalogue;
use crate::error::{AppError, Result};
use crate::model::{AccountId, AccountPage, AccountSummary, Overview, Project, RoleCount};
use crate::{on_lane, sql};

// Every member holds the default role, so its active count is the member count, read
// from the maintained counts instead of counting memberships.
macro_rules! summary_columns {
    () => {
        "a.id, a.name, o.name AS organisation, a.kind, a.government_cloud, a.org_id, \
         COALESCE((SELECT c.n FROM role_counts c JOIN roles r ON r.key = c.role_key AND r.is_default \
           WHERE c.account_id = a.id AND c.status = 'active'), 0) AS members, \
         (SELECT MIN(po.name) FROM partner_deployments pd JOIN organisations po ON po.id = pd.partner_id \
           WHERE pd.account_id = a.id) AS supported_by"
    };
}
const SUMMARY: &str =
    concat!("SELECT ", summary_columns!(), " FROM accounts a JOIN organisations o ON o.id = a.organisation_id");

/// The order accounts are listed in, and the switcher takes its first from.
const ORDER: &str = "ORDER BY o.name, a.name, a.id";

/// Every account, for a vendor operator.
pub async fn list(db: &Db, _operator: &Operator) -> Result<Vec<AccountSummary>> {
    all(db).await
}

/// A page of every account, for a vendor operator: those whose name, organisation or Org
/// ID contains `search` (any case), in the list's order, after the account `after`. A
/// vendor may have thousands of customers' accounts; a page of them is one statement.
pub async fn page(db: &Db, _operator: &Operator, search: &str, after: Option<i64>) -> Result<AccountPage> {
    let mut sql = Sql::new(SUMMARY);
    sql.push(" WHERE 1 = 1");
    sql.push_contains(&["a.name", "o.name", "a.org_id"], &crate::model::clean_search(search).to_lowercase());
    if let Some(after) = after {
        // Past that account in the list's order (organisation, name, id).
        sql.push(
            " AND (o.name, a.name, a.id) > (SELECT o2.name, a2.name, a2.id FROM accounts a2 \
             JOIN organisations o2 ON o2.id = a2.organisation_id WHERE a2.id = ",
        )
        .bind_int(after)
        .push(")");
    }
    sql.push(" ").push(ORDER).push(" LIMIT ").bind_int(AccountPage::SIZE + 1);
    let mut accounts: Vec<AccountSummary> = db.fetch_all(&sql).await?;
    let more = accounts.len() as i64 > AccountPage::SIZE;
    accounts.truncate(AccountPage::SIZE as usize);
    let next = if more { accounts.last().map(|a| a.id) } else { None };
    Ok(AccountPage { accounts, next, searchable: true })
}

/// The accounts list `actor` sees: a vendor operator every account, a page at a time,
/// those matching `search` after `after` (`page`); anyone else the accounts they are an
/// active member of (`list_for`), whole.
pub async fn visible(db: &Db, actor: &Actor, search: &str, after: Option<i64>) -> Result<AccountPage> {
    if actor.is_operator {
        return page(db, &actor.clone().operator()?, search, after).await;
    }
    Ok(AccountPage { accounts: list_for(db, actor).await?, next: None, searchable: false })
}

async fn all(db: &Db) -> Result<Vec<AccountSummary>> {
    let sql = format!("{SUMMARY} {ORDER}");
    Ok(on_lane!(db, conn => sqlx::query_as::<_, AccountSummary>(&sql).fetch_all(conn).await?))
}

/// The accounts `actor` may see: every account for a vendor operator, else those they
/// are an active member of (on a deployment a partner supports, only the partner's people).
/// Read once per request (see `backend::memo`): the header and the account picker both ask.
pub async fn list_for(db: &Db, actor: &Actor) -> Result<Vec<AccountSummary>> {
    Ok(seen_by(db, actor).await?.into_iter().map(|a| a.summary).collect())
}

/// Whether `actor` administers `account`, by the rule `Actor::manage` checks, answered
/// from the accounts they may see (`list_for`), which every page's header reads anyway.
pub async fn administers(db: &Db, actor: &Actor, account: AccountId) -> Result<bool> {
    Ok(seen_by(db, actor).await?.iter().any(|a| a.summary.id == account.0 && a.administers))
}

/// An account someone may see, and whether they administer it.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct Seen {
    #[sqlx(flatten)]
    pub summary: AccountSummary,
    pub administers: bool,
}

async fn seen_by(db: &Db, actor: &Actor) -> Result<Vec<Seen>> {
    super::memo::once(seen_key(actor.person_id), || async {
        if actor.is_operator {
            return Ok(all(db).await?.into_iter().map(|summary| Seen { summary, administers: true }).collect());
        }
        let mask = Catalogue::load(db).await?.admin_mask();
        db.fetch_all(&sql!(seen_sql("", "memberships m", "m.person_id = $1", "$2"), actor.person_id, mask)).await
    })
    .await
}

/// The accounts a person who is not a vendor operator may see, each with whether they
/// administer it (`Seen`), in the list's order: `lead` columns first, `from` a `FROM`
/// with the memberships `m`, `mask` the administrators' role bits. One membership at most
/// per person and account: one row per account. Its conditions and the administrators'
/// bits are `Actor::manage`'s.
fn seen_sql(lead: &str, from: &str, condition: &str, mask: &str) -> String {
    format!(
        "SELECT {lead}{}, (m.role_bits & {mask}) <> 0 AS administers FROM {from} \
         JOIN accounts a ON a.id = m.account_id JOIN organisations o ON o.id = a.organisation_id \
         WHERE {condition} AND m.status = 'active' AND {} {ORDER}",
        summary_columns!(),
        super::access::gives_access("m")
    )
}

/// The statement that reads the signed-in person (`person` columns of `people p`, which
/// must not be named as an account's) with the accounts they may see: `$1` and `$2` as
/// `auth::LIVE` takes them, `$3` the administrators' role bits. A page's header asks for
/// both. No rows for a vendor operator, or for a person with no account to see.
pub(super) fn seen_with_person_sql(person: &str) -> String {
    let from = "people p JOIN memberships m ON m.person_id = p.id";
    seen_sql(&format!("{person}, "), from, &format!("{} AND NOT p.is_operator", super::auth::LIVE), "$3")
}

/// Keeps what a page read of the accounts `person` may see with the person
/// (`seen_with_person_sql`) as this request's answer.
pub(super) fn remember_seen(person: i64, seen: Vec<Seen>) {
    super::memo::remember(seen_key(person), seen);
}

fn seen_key(person: i64) -> String {
    format!("accounts_for:{person}")
}

/// The header's account switcher: the first `CurrentUser::SWITCHER_MAX + 1` of the accounts
/// `actor` may see, by id and name (one more says there are more). A vendor operator's are
/// every account, so theirs is its own short statement rather than every account's summary;
/// anyone else's come from `list_for`, which Manage Users reads in the same request anyway.
pub async fn switcher(db: &Db, actor: &Actor) -> Result<Vec<(i64, String)>> {
    let take = crate::model::CurrentUser::SWITCHER_MAX + 1;
    if actor.is_operator {
        let sql = format!(
            "SELECT a.id, a.name FROM accounts a JOIN organisations o ON o.id = a.organisation_id \
             {ORDER} LIMIT {take}"
        );
        return Ok(on_lane!(db, conn => sqlx::query_as::<_, (i64, String)>(&sql).fetch_all(conn).await?));
    }
    Ok(list_for(db, actor).await?.into_iter().take(take).map(|a| (a.id, a.name)).collect())
}

/// The account an administrator manages. On a page it is among the accounts the header
/// reads for the person anyway (once per request), so it costs no statement of its own.
/// (A vendor operator's access check has read it already; their list is every account.)
pub async fn get(db: &Db, admin: &AccountAdmin) -> Result<AccountSummary> {
    if !admin.actor().is_operator && super::memo::remembers() {
        let id = admin.account();
        if let Some(found) = list_for(db, admin.actor()).await?.into_iter().find(|a| a.id == id.0) {
            return Ok(found);
        }
    }
    find(db, admin.account()).await
}

/// The name of the account whose cases someone reads.
pub async fn name(db: &Db, access: &CaseAccess) -> Result<String> {
    Ok(find(db, access.account()).await?.name)
}

/// One account; read once per request (see `backend::memo`): a page's server functions
/// each check that the account exists. Only the access rules look accounts up by id.
pub(super) async fn find(db: &Db, id: AccountId) -> Result<AccountSummary> {
    super::memo::once(format!("account:{id}"), || async {
        let sql = format!("{SUMMARY} WHERE a.id = $1");
        let found = on_lane!(db, conn => sqlx::query_as::<_, AccountSummary>(&sql)
            .bind(id.0)
            .fetch_optional(conn)
            .await?);
        found.ok_or_else(|| AppError::not_found(format!("There is no account with the id {id}.")))
    })
    .await
}

/// A row of the overview's statement: a count (status, role key, members) or a project
/// (id, name).
type OverviewRow = (Option<String>, Option<String>, Option<i64>, Option<i64>, Option<String>);

/// Members per role (active members), inactive members, and the account's projects.
pub async fn overview(db: &Db, admin: &AccountAdmin) -> Result<Overview> {
    let id = admin.account();
    let account = get(db, admin).await?;
    let cat = Catalogue::load(db).await?;
    // The counts and the projects in one statement (a page's statements are much of what
    // it costs): a row is a count or a project, the projects in name order.
    let rows: Vec<OverviewRow> = db
        .fetch_all(&sql!(
            "SELECT status, role_key, n, NULL AS project_id, NULL AS project_name \
             FROM role_counts WHERE account_id = $1 \
             UNION ALL SELECT NULL, NULL, NULL, id, name FROM account_projects WHERE account_id = $1 \
             ORDER BY project_name, project_id",
            id
        ))
        .await?;
    let mut counts = Vec::new();
    let mut projects = Vec::new();
    for row in rows {
        match row {
            (Some(status), Some(key), Some(n), None, None) => counts.push((status, key, n)),
            (None, None, None, Some(id), Some(name)) => projects.push(Project { id, name }),
            _ => {}
        }
    }
    let count = |status: &str, key: &str| {
        counts.iter().find(|(s, k, _)| s == status && k == key).map(|(_, _, n)| *n).unwrap_or(0)
    };
    let inactive =
        cat.0.iter().filter(|d| d.role.is_default).map(|d| count("inactive", &d.role.key)).max().unwrap_or(0);
    let roles = cat.roles().into_iter().map(|role| RoleCount { count: count("active", &role.key), role }).collect();
    Ok(Overview { account, roles, inactive, projects })
}
