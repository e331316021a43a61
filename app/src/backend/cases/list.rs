//! The case list of an account (SPEC F20): searched, filtered, sorted and paged in SQL,
//! by the keyset paging every table shares.

use crate::backend::access::{CaseAccess, NO_ACCESS};
use crate::backend::db::{like_escape, Backend, Db, Sql};
use crate::backend::keyset;
use crate::backend::members::read::{fts_phrase, searchable};
use crate::error::{AppError, Result};
use crate::model::SortColumn as _;
use crate::model::{
    clean_search, CaseId, CasePage, CaseQuery, CaseRow, CaseSort, CaseStatus, Cursor, CursorKey, PageCursor,
};
use crate::{bind_args, on_lane, sql};

#[derive(sqlx::FromRow)]
struct Listed {
    id: i64,
    number: String,
    title: String,
    #[sqlx(try_from = "String")]
    status: CaseStatus,
    primary_name: String,
    updated_at: i64,
    title_key: String,
    primary_name_key: String,
}

impl Listed {
    fn cursor(&self, sort: CaseSort) -> Cursor {
        let key = match sort {
            CaseSort::Number => CursorKey::Int(self.id),
            CaseSort::Title => CursorKey::Text(self.title_key.clone()),
            CaseSort::Status => CursorKey::Text(self.status.as_str().to_string()),
            CaseSort::Primary => CursorKey::Text(self.primary_name_key.clone()),
            CaseSort::Updated => CursorKey::Int(self.updated_at),
        };
        Cursor { key, id: self.id }
    }
}

/// The indexed column each order walks (`cases_by_*`).
fn sort_column(sort: CaseSort) -> &'static str {
    match sort {
        CaseSort::Number => "c.id",
        CaseSort::Title => "c.title_key",
        CaseSort::Status => "c.status",
        CaseSort::Primary => "c.primary_name_key",
        CaseSort::Updated => "c.updated_at",
    }
}

/// How many cases past the cursor a page of a one- or two-character Search Text looks at
/// (no index serves those): a common string fills its page long before, a rare one ends
/// the page early with "Next" going on from the last case looked at, so no page reads
/// the whole account. What matches does not change, only how far each page looks.
pub const SHORT_SEARCH_WINDOW: u32 = 20_000;

/// One page of the account's cases that `lister` may see.
pub async fn list(db: &Db, lister: &CaseAccess, q: &CaseQuery) -> Result<CasePage> {
    list_within(db, lister, q, SHORT_SEARCH_WINDOW).await
}

/// `list`, with the window of a short search given (tests use a small one).
pub async fn list_within(db: &Db, lister: &CaseAccess, q: &CaseQuery, window: u32) -> Result<CasePage> {
    if q.account != lister.account().0 {
        return Err(AppError::Forbidden(NO_ACCESS.into()));
    }
    let p = &q.list;
    keyset::check_kind(p.cursor.as_ref(), p.sort.is_text())?;
    let ascending = keyset::ascending(p.dir, p.cursor.as_ref());
    let col = sort_column(p.sort);
    let backend = db.backend();
    let search = clean_search(&p.search).to_lowercase();
    let short = !search.is_empty() && !searchable(&search);
    let window = window.max(1);
    let mine = q.mine || !lister.is_admin();
    // On SQLite a rare search term's cases are collected from the search index and
    // sorted; a common one's are found by walking the sort index, as are the cases of
    // a person (their own, few). PostgreSQL weighs this itself.
    let by_search_index = backend == Backend::Sqlite
        && searchable(&search)
        && count_matches(db, &search, DRIVE_BELOW).await? < DRIVE_BELOW;
    let drive = by_search_index || (backend == Backend::Sqlite && mine);
    let from = if drive { "cases c NOT INDEXED" } else { "cases c" };
    let person = mine.then(|| lister.actor().person_id);
    // The cases in view past the cursor, in the reading order, before any Search Text.
    let mut scope = Sql::new(&format!("SELECT {COLUMNS} FROM {from} WHERE c.account_id = "));
    scope.bind_int(q.account);
    if let Some(status) = q.status {
        scope.push(" AND c.status = ").bind_text(status.as_str());
    }
    // A member only ever sees their own cases; "mine" asks the same of an administrator.
    if let Some(person) = person {
        scope
            .push(" AND c.id IN (SELECT id FROM cases WHERE account_id = ")
            .bind_int(q.account)
            .push(" AND primary_contact_id = ")
            .bind_int(person)
            .push(" UNION SELECT case_id FROM case_contacts WHERE person_id = ")
            .bind_int(person)
            .push(" UNION SELECT case_id FROM case_followers WHERE person_id = ")
            .bind_int(person)
            .push(")");
    }
    if let Some(PageCursor::After(c) | PageCursor::Before(c)) = &p.cursor {
        keyset::push_past(&mut scope, col, "c.id", ascending, c);
    }
    // On PostgreSQL, Search Text of several words is looked up in the trigram index by its
    // rarest word only (see `rarest_word`).
    let index_word = match backend {
        Backend::Postgres if searchable(&search) => rarest_word(db, &search).await?,
        _ => None,
    };
    let sql = if short {
        // The first `window` cases of the scope, then the matches among them.
        let mut sql = Sql { text: format!("SELECT * FROM ({}", scope.text), args: scope.args.clone() };
        keyset::push_order(&mut sql, col, "c.id", ascending, window - 1);
        sql.push(") c WHERE TRUE");
        push_search(&mut sql, backend, &search, false, None);
        keyset::push_order(&mut sql, col, "c.id", ascending, p.page_size);
        sql
    } else {
        let mut sql = scope.clone();
        if !search.is_empty() {
            push_search(&mut sql, backend, &search, by_search_index, index_word.as_deref());
        }
        keyset::push_order(&mut sql, col, "c.id", ascending, p.page_size);
        sql
    };
    let rows = fetch(db, &sql).await?;
    // A short search that found less than a page: if the window was full, the next page
    // goes on from its last case.
    let boundary = if short && rows.len() <= p.page_size as usize {
        let mut last = scope;
        let order = if ascending { "ASC" } else { "DESC" };
        last.push(&format!(" ORDER BY {col} {order}, c.id {order} LIMIT 1 OFFSET ")).bind_int(i64::from(window) - 1);
        fetch(db, &last).await?.first().map(|r| r.cursor(p.sort))
    } else {
        None
    };
    let (rows, prev, next) =
        keyset::finish_within(rows, p.page_size, p.cursor.as_ref(), |r| r.cursor(p.sort), boundary);
    let rows = rows
        .into_iter()
        .map(|r| CaseRow {
            id: CaseId(r.id),
            number: r.number,
            title: r.title,
            status: r.status,
            primary_name: r.primary_name,
            updated_at: r.updated_at,
        })
        .collect();
    Ok(CasePage { rows, prev, next, window: short.then_some(window) })
}

const COLUMNS: &str =
    "c.id, c.number, c.title, c.status, c.primary_name, c.updated_at, c.title_key, c.primary_name_key";

async fn fetch(db: &Db, sql: &Sql) -> Result<Vec<Listed>> {
    sql.refuse_nul()?;
    Ok(on_lane!(db, conn => bind_args!(sqlx::query_as::<_, Listed>(&sql.text), &sql.args)
        .fetch_all(conn)
        .await?))
}

/// Below this many matches a search drives the query from the search index (SQLite).
/// Walking the sort index visits about `page × cases / matches` rows and driving about
/// `matches`; for 25 rows of 1,000,000 cases the two meet near 5,000.
const DRIVE_BELOW: i64 = 5_000;

/// Cases of every account the search index matches, counted up to `cap`: enough to
/// judge by, and cheap to count.
async fn count_matches(db: &Db, search: &str, cap: i64) -> Result<i64> {
    db.scalar::<i64>(&sql!(
        "SELECT COUNT(*) FROM (SELECT 1 FROM case_search WHERE case_search MATCH $1 LIMIT $2)",
        fts_phrase(search),
        cap
    ))
    .await
}

/// The case number Search Text names, if it names one: the number itself, letter case
/// aside ("c-0000042"), or its digits ("42", "0000042").
fn named_number(search: &str) -> Option<String> {
    if search.len() <= 18 && !search.is_empty() && search.bytes().all(|b| b.is_ascii_digit()) {
        return search.parse::<i64>().ok().map(|n| format!("C-{n:07}"));
    }
    let upper = search.to_uppercase();
    (upper.len() <= 40 && upper.contains('-')).then_some(upper)
}

/// Search Text matches a case whose title holds it, letter case aside, or whose number
/// it names (`named_number`): an exact match, found through the numbers' unique index.
fn push_search(sql: &mut Sql, backend: Backend, search: &str, by_search_index: bool, index_word: Option<&str>) {
    let number = named_number(search);
    if backend == Backend::Sqlite && by_search_index {
        // One set of ids from both indexes: the outer query reads cases by rowid only.
        sql.push(" AND c.id IN (SELECT rowid FROM case_search WHERE case_search MATCH ").bind_text(fts_phrase(search));
        if let Some(number) = number {
            sql.push(" UNION ALL SELECT id FROM cases WHERE number = ").bind_text(number);
        }
        sql.push(")");
        return;
    }
    sql.push(" AND (");
    match backend {
        // The trigram index serves LIKE, and PostgreSQL's statistics say how many rows a
        // pattern matches, so it chooses between it and walking the sort order.
        Backend::Postgres if searchable(search) => {
            let whole = format!("%{}%", like_escape(search));
            match index_word {
                // The index finds the rare word's cases; the whole text is tested on
                // those rows only (`|| ''` keeps it out of the index's hands).
                Some(word) => {
                    sql.push("(c.title_key LIKE ")
                        .bind_text(format!("%{}%", like_escape(word)))
                        .push(" ESCAPE '\\' AND (c.title_key || '') LIKE ")
                        .bind_text(whole)
                        .push(" ESCAPE '\\')");
                }
                None => {
                    sql.push("c.title_key LIKE ").bind_text(whole).push(" ESCAPE '\\'");
                }
            }
        }
        _ => {
            let f = if backend == Backend::Sqlite { "instr" } else { "strpos" };
            sql.push(&format!("{f}(c.title_key, ")).bind_text(search).push(") > 0");
        }
    }
    if let Some(number) = number {
        sql.push(" OR c.number = ").bind_text(number);
    }
    sql.push(")");
}

/// The word of a several-word Search Text that PostgreSQL expects in the fewest titles,
/// from its own statistics (an EXPLAIN per word, a fraction of a millisecond each). The
/// trigram index looks up every trigram of the text, and the trigrams of common words
/// ("problem" in every title) have posting lists as long as the table: "problem 12345"
/// took 22 ms that way at 1,000,000 cases, and 1.7 ms looking up "12345" alone.
async fn rarest_word(db: &Db, search: &str) -> Result<Option<String>> {
    let words: Vec<&str> = search.split_whitespace().filter(|w| searchable(w)).collect();
    if words.len() < 2 {
        return Ok(None);
    }
    let mut best: Option<(f64, &str)> = None;
    for word in words {
        // Unprepared, so that the plan is made for this word's value.
        let explain = sql!(
            "EXPLAIN SELECT 1 FROM cases c WHERE c.title_key LIKE $1 ESCAPE '\\'",
            format!("%{}%", like_escape(word))
        );
        let plan: Vec<(String,)> = on_lane!(db, conn => bind_args!(sqlx::query_as::<_, (String,)>(&explain.text), &explain.args)
            .persistent(false)
            .fetch_all(conn)
            .await?);
        let rows = plan.first().and_then(|(line,)| estimated_rows(line)).unwrap_or(f64::MAX);
        if best.is_none_or(|(n, _)| rows < n) {
            best = Some((rows, word));
        }
    }
    Ok(best.map(|(_, w)| w.to_string()))
}

/// The row estimate of an EXPLAIN line: "Seq Scan on cases c  (cost=0.00..1.00 rows=42 width=4)".
fn estimated_rows(line: &str) -> Option<f64> {
    let rest = &line[line.find("rows=")? + 5..];
    rest.split(|c: char| !c.is_ascii_digit() && c != '.').next()?.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::{estimated_rows, named_number};

    #[test]
    fn an_explain_line_gives_its_row_estimate() {
        let line = "Bitmap Heap Scan on cases c  (cost=12.77..403.25 rows=100 width=4)";
        assert_eq!(estimated_rows(line), Some(100.0));
        assert_eq!(estimated_rows("Seq Scan on cases c  (cost=0.00..1.00 rows=1000534 width=4)"), Some(1_000_534.0));
        assert_eq!(estimated_rows("Result"), None);
    }

    #[test]
    fn a_number_is_named_by_itself_or_its_digits() {
        assert_eq!(named_number("42").as_deref(), Some("C-0000042"));
        assert_eq!(named_number("0000042").as_deref(), Some("C-0000042"));
        assert_eq!(named_number("c-0000042").as_deref(), Some("C-0000042"));
        assert_eq!(named_number("login"), None);
        assert_eq!(named_number("99999999999999999999"), None);
    }
}
