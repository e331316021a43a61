//! Memberships of an account: the Manage Users list.

use super::db::{like_escape, Arg, Backend, Db, Sql};
use super::ACTIVE_WINDOW_SECS;
use crate::error::{AppError, Result};
use crate::model::{
    ColumnValues, Cursor, CursorKey, FilterColumn, MemberPage, MemberQuery, MemberRow, PageCursor, SortDir, SortKey,
};
use crate::{bind_args, on_db, sql};

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

/// How `list` reads a page.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Strategy {
    /// The cheaper of the two below for this view, judged from the sizes of its filters
    /// (what the app uses).
    Auto,
    /// Walk the sort order's index from the cursor and test each row against the
    /// filters, until a page is full. Cheap when the filters keep many rows; a filter
    /// that keeps few rows makes it walk far.
    Walk,
    /// Collect the rows of the most selective filter through that filter's own index
    /// (the search index, the role index, the name or email index), then test the
    /// other filters and sort. Cheap when that filter keeps few rows.
    Drive,
}

/// The filter a `Drive` starts from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Driver {
    /// The exact names or emails of the column filters.
    Values,
    /// Search Text, through the trigram index (three characters or more).
    Search,
    /// The role filter, through the index on role bits.
    Role,
}

/// One page of an account's members, by keyset pagination on the chosen sort order.
pub async fn list(db: &Db, q: &MemberQuery, now: i64) -> Result<MemberPage> {
    list_with(db, q, now, Strategy::Auto).await
}

/// `list` with the way of reading the page forced; every strategy gives the same page.
pub async fn list_with(db: &Db, q: &MemberQuery, now: i64, strategy: Strategy) -> Result<MemberPage> {
    let col = sort_column(q.sort);
    let backend = db.backend();
    let role = match &q.role {
        Some(role) => Some(role_bit(db, role).await?),
        None => None,
    };
    let mask = role.as_ref().map(|(bit, _)| 1_i64 << bit);
    let search = q.search.to_lowercase();
    let driver = choose(db, q, &search, mask, strategy).await?;

    // The ids the driving filter picks, as a subquery.
    let mut ids = Sql::default();
    let mut sql = Sql::default();
    if let Some(driver) = driver {
        if driver == Driver::Role {
            // The distinct role_bits values of the view, by a skip scan of the role index
            // (a few dozen index seeks), so that the role index can be searched for the
            // values that have the role's bit.
            sql.push("WITH RECURSIVE v(b) AS (SELECT MIN(role_bits) FROM memberships WHERE account_id = ")
                .bind_int(q.account)
                .push(" AND status = ")
                .bind_text(q.status.as_str())
                .push(" UNION ALL SELECT (SELECT MIN(role_bits) FROM memberships WHERE account_id = ")
                .bind_int(q.account)
                .push(" AND status = ")
                .bind_text(q.status.as_str())
                .push(" AND role_bits > v.b) FROM v WHERE v.b IS NOT NULL)");
        }
        if driver == Driver::Search && backend == Backend::Sqlite {
            ids.push("SELECT rowid FROM membership_search WHERE membership_search MATCH ")
                .bind_text(fts_phrase(&search));
        } else {
            let index = match driver {
                Driver::Values if q.names.is_empty() => "memberships_by_email",
                Driver::Values => "memberships_by_name",
                Driver::Role => "memberships_by_role_bits",
                Driver::Search => "",
            };
            ids.push("SELECT id FROM memberships");
            if backend == Backend::Sqlite {
                ids.push(&format!(" INDEXED BY {index}"));
            }
            ids.push(" WHERE account_id = ").bind_int(q.account).push(" AND status = ").bind_text(q.status.as_str());
            match driver {
                Driver::Values if q.names.is_empty() => {
                    ids.push(" AND email_key IN ").bind_list(q.emails.iter().map(|e| Arg::Text(e.to_lowercase())));
                }
                Driver::Values => {
                    ids.push(" AND name_key IN ").bind_list(q.names.iter().map(|n| Arg::Text(n.to_lowercase())));
                }
                Driver::Role => {
                    ids.push(" AND role_bits IN (SELECT b FROM v WHERE b IS NOT NULL AND (b & ")
                        .bind_int(mask.unwrap_or(0))
                        .push(") <> 0)");
                }
                Driver::Search => {
                    // PostgreSQL serves this from its trigram GIN indexes.
                    let pattern = format!("%{}%", like_escape(&search));
                    ids.push(" AND (name_key LIKE ")
                        .bind_text(pattern.clone())
                        .push(" ESCAPE '\\' OR email_key LIKE ")
                        .bind_text(pattern)
                        .push(" ESCAPE '\\')");
                }
            }
        }
        if backend == Backend::Postgres {
            // Materialised: computed first, whatever the planner thinks of the sort index.
            sql.push(if driver == Driver::Role { ", " } else { "WITH " }).push("d AS MATERIALIZED (");
            append(&mut sql, &ids);
            sql.push(")");
        }
    }

    sql.push(
        " SELECT m.id AS membership_id, m.person_id, m.name, m.email, m.additional_roles, \
         (m.last_sign_in_at >= ",
    );
    sql.bind_int(now - ACTIVE_WINDOW_SECS)
        .push(") AS active, m.last_sign_in_at, m.cases_owned, m.name_key, m.email_key FROM ");
    match (driver, backend) {
        (None, Backend::Sqlite) => {
            sql.push(&format!("memberships m INDEXED BY {}", sort_index(q.sort)));
        }
        (None, Backend::Postgres) => {
            sql.push("memberships m");
        }
        (Some(_), Backend::Sqlite) => {
            // Rows by rowid from the driving filter's ids, not by walking an index.
            sql.push("memberships m NOT INDEXED");
        }
        (Some(_), Backend::Postgres) => {
            sql.push("d JOIN memberships m ON m.id = d.id");
        }
    }
    sql.push(" WHERE m.account_id = ").bind_int(q.account).push(" AND m.status = ").bind_text(q.status.as_str());
    if driver.is_some() && backend == Backend::Sqlite {
        sql.push(" AND m.id IN (");
        append(&mut sql, &ids);
        sql.push(")");
    }
    // The other filters, tested row by row.
    if let Some(mask) = mask.filter(|_| driver != Some(Driver::Role)) {
        sql.push(" AND (m.role_bits & ").bind_int(mask).push(") <> 0");
    }
    if !search.is_empty() && driver != Some(Driver::Search) {
        let f = if backend == Backend::Sqlite { "instr" } else { "strpos" };
        sql.push(&format!(" AND ({f}(m.name_key, "))
            .bind_text(search.clone())
            .push(&format!(") > 0 OR {f}(m.email_key, "))
            .bind_text(search.clone())
            .push(") > 0)");
    }
    let by_values = driver == Some(Driver::Values);
    if !q.names.is_empty() && !by_values {
        sql.push(" AND m.name_key IN ").bind_list(q.names.iter().map(|n| Arg::Text(n.to_lowercase())));
    }
    if !q.emails.is_empty() && (!by_values || !q.names.is_empty()) {
        sql.push(" AND m.email_key IN ").bind_list(q.emails.iter().map(|e| Arg::Text(e.to_lowercase())));
    }

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
    let role_label = role.map(|(_, label)| label);
    Ok(MemberPage { rows: rows.into_iter().map(|l| l.row).collect(), next, prev, role_label })
}

/// The index each sort order walks (SQLite is told which, so that no statistics can
/// talk it into another).
fn sort_index(sort: SortKey) -> &'static str {
    match sort {
        SortKey::Name => "memberships_by_name",
        SortKey::Email => "memberships_by_email",
        SortKey::Roles => "memberships_by_roles",
        SortKey::Active | SortKey::LastSignOn => "memberships_by_sign_in",
        SortKey::CasesOwned => "memberships_by_cases",
    }
}

/// Search Text as an FTS5 phrase: the trigram index finds substrings, and a phrase keeps
/// the text literal.
fn fts_phrase(search: &str) -> String {
    format!("\"{}\"", search.replace('"', "\"\""))
}

/// Appends `part` to `sql`, renumbering its placeholders after those already in `sql`.
fn append(sql: &mut Sql, part: &Sql) {
    let offset = sql.args.len();
    let text = &part.text;
    let mut i = 0;
    let bytes = text.as_bytes();
    while i < bytes.len() {
        if bytes[i] == b'$' && i + 1 < bytes.len() && bytes[i + 1].is_ascii_digit() {
            let start = i + 1;
            let mut end = start;
            while end < bytes.len() && bytes[end].is_ascii_digit() {
                end += 1;
            }
            let n: usize = text[start..end].parse().unwrap_or(0);
            sql.text.push_str(&format!("${}", n + offset));
            i = end;
        } else {
            let c = text[i..].chars().next().unwrap_or_default();
            sql.text.push(c);
            i += c.len_utf8();
        }
    }
    sql.args.extend(part.args.iter().cloned());
}

/// Below this many rows, a filter's rows are collected and sorted (`Drive`); above it,
/// walking the sort index finds a page sooner. Walking visits about
/// `page × view / matches` rows and driving about `matches`; this is where the two meet.
fn drive_threshold(view: i64, page_size: u32) -> i64 {
    ((view.max(1) as f64) * f64::from(page_size + 1)).sqrt().clamp(200.0, 20_000.0) as i64
}

/// The filter to drive from, if any, for this view and strategy.
async fn choose(
    db: &Db,
    q: &MemberQuery,
    search: &str,
    mask: Option<i64>,
    strategy: Strategy,
) -> Result<Option<Driver>> {
    if strategy == Strategy::Walk {
        return Ok(None);
    }
    // A column filter names at most a hundred values, each found by an index seek.
    if !q.names.is_empty() || !q.emails.is_empty() {
        return Ok(Some(Driver::Values));
    }
    // The trigram indexes need three characters.
    let searchable = search.chars().count() >= 3;
    if mask.is_none() && !searchable {
        return Ok(None);
    }
    // Members of the view, and of the role in it, from the maintained counts.
    let (view, in_role): (Option<i64>, Option<i64>) = db
        .fetch_optional(&sql!(
            "SELECT MAX(CASE WHEN r.is_default THEN c.n END), MAX(CASE WHEN r.key = $3 THEN c.n END) \
             FROM role_counts c JOIN roles r ON r.key = c.role_key WHERE c.account_id = $1 AND c.status = $2",
            q.account,
            q.status.as_str(),
            q.role.clone().unwrap_or_default()
        ))
        .await?
        .unwrap_or((None, None));
    let limit = if strategy == Strategy::Drive { i64::MAX } else { drive_threshold(view.unwrap_or(0), q.page_size) };
    let role = mask.map(|_| in_role.unwrap_or(0)).filter(|n| *n <= limit);
    // Count search matches only as far as they could beat the role (or the limit).
    let search_n = if searchable {
        let cap = role.unwrap_or(limit).saturating_add(1);
        let n = count_matches(db, q, search, cap).await?;
        Some(n).filter(|n| *n < cap)
    } else {
        None
    };
    Ok(match (search_n, role) {
        (Some(_), _) => Some(Driver::Search),
        (None, Some(_)) => Some(Driver::Role),
        (None, None) => None,
    })
}

/// Rows Search Text matches, counted up to `cap`: on SQLite in the whole search index
/// (every account; enough to judge), on PostgreSQL in the view.
async fn count_matches(db: &Db, q: &MemberQuery, search: &str, cap: i64) -> Result<i64> {
    let cap = cap.min(1_000_000_000);
    let sql = match db.backend() {
        Backend::Sqlite => sql!(
            "SELECT COUNT(*) FROM (SELECT 1 FROM membership_search WHERE membership_search MATCH $1 LIMIT $2)",
            fts_phrase(search),
            cap
        ),
        Backend::Postgres => {
            let pattern = format!("%{}%", like_escape(search));
            sql!(
                "SELECT COUNT(*) FROM (SELECT 1 FROM memberships WHERE account_id = $1 AND status = $2 \
                 AND (name_key LIKE $3 ESCAPE '\\' OR email_key LIKE $3 ESCAPE '\\') LIMIT $4) s",
                q.account,
                q.status.as_str(),
                pattern,
                cap
            )
        }
    };
    db.scalar::<i64>(&sql).await
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
