//! Memberships of an account: the Manage Users list.

use super::db::{like_escape, Arg, Backend, Db, Sql};
use super::ACTIVE_WINDOW_SECS;
use crate::error::{AppError, Result};
use crate::model::{
    ColumnValues, Cursor, CursorKey, FilterColumn, MemberPage, MemberQuery, MemberRow, PageCursor, SortDir, SortKey,
};
use crate::{bind_args, on_db};

/// A listed row together with the values its page cursor is made of.
#[derive(sqlx::FromRow)]
struct Listed {
    #[sqlx(flatten)]
    row: MemberRow,
    name_key: String,
    email_key: String,
}

impl Listed {
    fn cursor(&self, sort: SortKey) -> Cursor {
        let key = match sort {
            SortKey::Name => CursorKey::Text(self.name_key.clone()),
            SortKey::Email => CursorKey::Text(self.email_key.clone()),
            SortKey::Roles => CursorKey::Int(self.row.additional_roles),
            SortKey::Active | SortKey::LastSignOn => CursorKey::Int(self.row.last_sign_in_at),
            SortKey::CasesOwned => CursorKey::Int(self.row.cases_owned),
        };
        Cursor { key, id: self.row.membership_id }
    }
}

/// The indexed column each sort order walks. "Active" is a coarse view of the last
/// sign-in, so it sorts by it too.
fn sort_column(sort: SortKey) -> &'static str {
    match sort {
        SortKey::Name => "m.name_key",
        SortKey::Email => "m.email_key",
        SortKey::Roles => "m.additional_roles",
        SortKey::Active | SortKey::LastSignOn => "m.last_sign_in_at",
        SortKey::CasesOwned => "m.cases_owned",
    }
}

/// The bit of `memberships.role_bits` that a role key owns, and the role's label.
pub async fn role_bit(db: &Db, role: &str) -> Result<(i64, String)> {
    let found: Option<(i64, String)> = on_db!(db, pool => sqlx::query_as("SELECT bit, label FROM roles WHERE key = $1")
        .bind(role)
        .fetch_optional(pool)
        .await?);
    found.ok_or_else(|| AppError::invalid(format!("There is no role \"{role}\".")))
}

/// Appends the filter part of the list query (everything but paging) to `sql`. The list
/// and the exports share it, so they always agree on which members a view holds.
pub async fn push_filter(db: &Db, q: &MemberQuery, sql: &mut Sql) -> Result<()> {
    sql.push(" FROM memberships m WHERE m.account_id = ")
        .bind_int(q.account)
        .push(" AND m.status = ")
        .bind_text(q.status.as_str());
    if let Some(role) = &q.role {
        let (bit, _) = role_bit(db, role).await?;
        sql.push(" AND (m.role_bits & ").bind_int(1_i64 << bit).push(") <> 0");
    }
    let search = q.search.to_lowercase();
    if !search.is_empty() {
        if db.backend() == Backend::Sqlite && search.chars().count() >= 3 {
            // The trigram index finds substrings; a phrase query keeps the text literal.
            let phrase = format!("\"{}\"", search.replace('"', "\"\""));
            sql.push(" AND m.id IN (SELECT rowid FROM membership_search WHERE membership_search MATCH ")
                .bind_text(phrase)
                .push(")");
        } else {
            // PostgreSQL serves this from its trigram GIN indexes.
            let pattern = format!("%{}%", like_escape(&search));
            sql.push(" AND (m.name_key LIKE ")
                .bind_text(pattern.clone())
                .push(" ESCAPE '\\' OR m.email_key LIKE ")
                .bind_text(pattern)
                .push(" ESCAPE '\\')");
        }
    }
    if !q.names.is_empty() {
        sql.push(" AND m.name_key IN ").bind_list(q.names.iter().map(|n| Arg::Text(n.to_lowercase())));
    }
    if !q.emails.is_empty() {
        sql.push(" AND m.email_key IN ").bind_list(q.emails.iter().map(|e| Arg::Text(e.to_lowercase())));
    }
    Ok(())
}

/// One page of an account's members, by keyset pagination on the chosen sort order.
pub async fn list(db: &Db, q: &MemberQuery, now: i64) -> Result<MemberPage> {
    let col = sort_column(q.sort);
    let mut sql = Sql::new(
        "SELECT m.id AS membership_id, m.person_id, m.name, m.email, m.additional_roles, \
         (m.last_sign_in_at >= ",
    );
    sql.bind_int(now - ACTIVE_WINDOW_SECS)
        .push(") AS active, m.last_sign_in_at, m.cases_owned, m.name_key, m.email_key");
    push_filter(db, q, &mut sql).await?;

    // Walking backwards (to the previous page) flips the comparison and the order; the
    // rows are turned around again below.
    let backwards = matches!(q.cursor, Some(PageCursor::Before(_)));
    let ascending = (q.dir == SortDir::Asc) != backwards;
    if let Some(PageCursor::After(c) | PageCursor::Before(c)) = &q.cursor {
        sql.push(&format!(" AND ({col}, m.id) {} (", if ascending { ">" } else { "<" }));
        match &c.key {
            CursorKey::Int(v) => sql.bind_int(*v),
            CursorKey::Text(t) => sql.bind_text(t.clone()),
        };
        sql.push(", ").bind_int(c.id).push(")");
    }
    let order = if ascending { "ASC" } else { "DESC" };
    sql.push(&format!(" ORDER BY {col} {order}, m.id {order} LIMIT ")).bind_int(i64::from(q.page_size) + 1);

    let mut rows: Vec<Listed> = on_db!(db, pool => bind_args!(sqlx::query_as::<_, Listed>(&sql.text), &sql.args)
        .fetch_all(pool)
        .await?);
    let more = rows.len() > q.page_size as usize;
    rows.truncate(q.page_size as usize);
    if backwards {
        rows.reverse();
    }
    let (has_prev, has_next) = match q.cursor {
        None => (false, more),
        Some(PageCursor::After(_)) => (true, more),
        Some(PageCursor::Before(_)) => (more, true),
    };
    let prev = if has_prev { rows.first().map(|r| r.cursor(q.sort)) } else { None };
    let next = if has_next { rows.last().map(|r| r.cursor(q.sort)) } else { None };
    let role_label = match &q.role {
        Some(role) => Some(role_bit(db, role).await?.1),
        None => None,
    };
    Ok(MemberPage { rows: rows.into_iter().map(|l| l.row).collect(), next, prev, role_label })
}

/// How many values the filter popover loads at a time.
pub const VALUES_PAGE: i64 = 50;

/// Distinct names or emails of the account's members (in the view's status and role),
/// containing `text`, after `after`, in order.
pub async fn column_values(
    db: &Db,
    q: &MemberQuery,
    column: FilterColumn,
    text: &str,
    after: Option<&str>,
) -> Result<ColumnValues> {
    let (key, shown) = match column {
        FilterColumn::Name => ("m.name_key", "m.name"),
        FilterColumn::Email => ("m.email_key", "m.email"),
    };
    let scope = MemberQuery { search: String::new(), names: Vec::new(), emails: Vec::new(), ..q.clone() };
    let mut sql = Sql::new(&format!("SELECT {key} AS k, MIN({shown}) AS v"));
    push_filter(db, &scope, &mut sql).await?;
    let text = text.trim().to_lowercase();
    if !text.is_empty() {
        sql.push(&format!(" AND {key} LIKE ")).bind_text(format!("%{}%", like_escape(&text))).push(" ESCAPE '\\'");
    }
    if let Some(after) = after {
        sql.push(&format!(" AND {key} > ")).bind_text(after.to_string());
    }
    sql.push(&format!(" GROUP BY {key} ORDER BY {key} LIMIT ")).bind_int(VALUES_PAGE + 1);
    let mut rows: Vec<(String, String)> = db.fetch_all(&sql).await?;
    let more = rows.len() as i64 > VALUES_PAGE;
    rows.truncate(VALUES_PAGE as usize);
    let next = if more { rows.last().map(|(k, _)| k.clone()) } else { None };
    Ok(ColumnValues { values: rows.into_iter().map(|(_, v)| v).collect(), next })
}
