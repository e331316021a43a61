//! Memberships of an account: the Manage Users list.

use crate::backend::access::{AccountAdmin, NO_ACCESS};
use crate::backend::db::{like_escape, Arg, Backend, Db, Row, Sql};
use crate::backend::keyset;
use crate::backend::ACTIVE_WINDOW_SECS;
use crate::error::{AppError, Result};
use crate::model::SortColumn as _;
use crate::model::{
    clean_search, ColumnValues, Cursor, CursorKey, FilterColumn, MemberPage, MemberQuery, MemberRow, PageCursor,
    SortKey, MAX_FILTER_VALUES,
};
use crate::{bind_args, on_lane, sql};

/// A listed row together with the values its page cursor is made of.
#[derive(sqlx::FromRow)]
struct Listed {
    #[sqlx(flatten)]
    row: MemberRow,
    name_key: String,
    email_key: String,
}

/// A row of a `keys_only` read, of which only the id is wanted.
#[derive(sqlx::FromRow)]
struct Keyed {
    membership_id: i64,
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
pub fn sort_column(sort: SortKey) -> &'static str {
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
    if role.contains('\0') || role.chars().count() > 100 {
        return Err(crate::backend::roles::unknown_role(role));
    }
    let found: Option<(i64, String)> = on_lane!(db, conn => sqlx::query_as("SELECT bit, label FROM roles WHERE key = $1")
        .bind(role)
        .fetch_optional(conn)
        .await?);
    found.ok_or_else(|| crate::backend::roles::unknown_role(role))
}

/// Holds a view to the account its proof is for: a query naming another account is
/// refused as that account's data would be.
fn checked_scope(admin: &AccountAdmin, q: &MemberQuery) -> Result<()> {
    if q.account != admin.account().0 {
        return Err(AppError::Forbidden(NO_ACCESS.into()));
    }
    keyset::check_kind(q.cursor.as_ref(), q.sort.is_text())?;
    checked_query(q)
}

/// Refuses a view whose column filters list more values than a view can hold
/// (`MAX_FILTER_VALUES`, as links are cut to): a request made by hand could otherwise
/// send thousands, each a query parameter and an index seek.
pub fn checked_query(q: &MemberQuery) -> Result<()> {
    if q.names.len() > MAX_FILTER_VALUES {
        return Err(AppError::invalid(format!("The Name filter may hold at most {MAX_FILTER_VALUES} names.")));
    }
    if q.emails.len() > MAX_FILTER_VALUES {
        return Err(AppError::invalid(format!(
            "The Email filter may hold at most {MAX_FILTER_VALUES} email addresses."
        )));
    }
    Ok(())
}

/// Appends the filter part of a query over a view's members (everything but paging) to
/// `sql`, for work on a whole view (bulk actions, exports, the filter popover's values).
/// It is the list's own filter builder (`Plan`), with Search Text served by the search
/// index where there is one, so the two cannot disagree about which rows a view holds.
pub async fn push_filter(db: &Db, admin: &AccountAdmin, q: &MemberQuery, sql: &mut Sql) -> Result<()> {
    checked_scope(admin, q)?;
    let mask = match &q.role {
        Some(role) => Some(1_i64 << role_bit(db, role).await?.0),
        None => None,
    };
    let search = clean_search(&q.search).to_lowercase();
    let backend = db.backend();
    let driver = (backend == Backend::Sqlite && searchable(&search)).then_some(Driver::Search);
    let plan = Plan {
        q,
        backend,
        driver,
        search: &search,
        mask,
        role_values: &[],
        found: &[],
        active_since: 0,
        ascending: true,
        until: None,
        keys_only: false,
    };
    sql.push(" FROM memberships m WHERE ");
    plan.push_view(sql);
    if let Some(driver) = driver {
        plan.push_driver(sql, driver);
    }
    plan.push_filters(sql);
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
    /// In the name and email orders, with Search Text of three characters or more and no
    /// column filter: read the matches that begin the sort column (a range of its index)
    /// apart from the others (see `collect_apart`), which the app does when looking a
    /// little way ahead finds less than a page. Otherwise as `Auto`.
    Apart,
}

/// The filter a `Drive` starts from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Driver {
    /// The exact names or emails of the column filters.
    Values,
    /// Search Text of three characters or more, through the trigram indexes.
    Search,
    /// The role filter, through the index on role bits.
    Role,
    /// The members a look ahead found (`Plan::found`), by id.
    Found,
    /// The members whose sort column (name or email) begins with Search Text: a range
    /// of the sort index, walked in place.
    Beginning,
    /// The members with Search Text anywhere but at the beginning of the sort column,
    /// from the search indexes.
    Elsewhere,
}

/// One page of an account's members, by keyset pagination on the chosen sort order.
pub async fn list(db: &Db, admin: &AccountAdmin, q: &MemberQuery, now: i64) -> Result<MemberPage> {
    list_with(db, admin, q, now, Strategy::Auto).await
}

/// `list` with the way of reading the page forced; every strategy gives the same page.
pub async fn list_with(
    db: &Db,
    admin: &AccountAdmin,
    q: &MemberQuery,
    now: i64,
    strategy: Strategy,
) -> Result<MemberPage> {
    list_within(db, admin, q, now, strategy, SHORT_SEARCH_WINDOW).await
}

/// `list_with`, with the window of a short search given, which also sizes how far a
/// longer one looks ahead (five windows); tests use small ones.
pub async fn list_within(
    db: &Db,
    admin: &AccountAdmin,
    q: &MemberQuery,
    now: i64,
    strategy: Strategy,
    window: u32,
) -> Result<MemberPage> {
    checked_scope(admin, q)?;
    let backend = db.backend();
    let role = match &q.role {
        Some(role) => Some(role_bit(db, role).await?),
        None => None,
    };
    let mask = role.as_ref().map(|(bit, _)| 1_i64 << bit);
    let search = clean_search(&q.search).to_lowercase();
    let driver = choose(db, q, &search, mask, strategy).await?;
    let role_values = match driver {
        Some(Driver::Role) => role_values(db, q, mask.unwrap_or(0)).await?,
        _ => Vec::new(),
    };
    let plan = Plan {
        q,
        backend,
        driver,
        search: &search,
        mask,
        role_values: &role_values,
        found: &[],
        active_since: now - ACTIVE_WINDOW_SECS,
        ascending: keyset::ascending(q.dir, q.cursor.as_ref()),
        until: None,
        keys_only: false,
    };

    let cursor = match &q.cursor {
        Some(PageCursor::After(c) | PageCursor::Before(c)) => Some(c),
        None => None,
    };
    // PostgreSQL settles on a generic plan for a prepared statement after a few runs,
    // planned without the values; for a filtered view that plan can be the wrong one
    // for the next search text or role (a full sort, say). Such a view is planned for
    // its values every time instead (about a tenth of a millisecond).
    let filtered = driver.is_some() || mask.is_some() || !search.is_empty();
    let persistent = backend == Backend::Sqlite || !filtered;
    // One or two characters of Search Text with no other filter to drive from: no index
    // serves them, so the page looks through a window of the view past the cursor and
    // takes the matches among those (see `SHORT_SEARCH_WINDOW`).
    let window_size = window.max(1);
    let window = (!search.is_empty() && !searchable(&search) && driver.is_none()).then_some(window_size);
    // A Search Text with many matches (too many to collect, on SQLite; any, on
    // PostgreSQL, which judges by its statistics) is best served by walking the sort
    // order, if its matches are spread over it. But the matches of a first name ("oliv")
    // sit together where that name sorts, and walking to them read 700,000 rows (2 s on
    // PostgreSQL, 100 ms on SQLite). So such a page first looks a little way past the
    // cursor, which a common string fills at once (a few ms); only when it does not are
    // the matches collected from the trigram index and sorted (their number, not the
    // view's size, is then the cost: 1 µs a match on SQLite, 3–4 on PostgreSQL). Either
    // way the page holds the same rows.
    let probing = strategy == Strategy::Auto && driver.is_none() && searchable(&search);
    let collect = Plan { driver: Some(Driver::Search), ..plan };
    let by_key = matches!(q.sort, SortKey::Name | SortKey::Email);
    let apart =
        strategy == Strategy::Apart && by_key && searchable(&search) && q.names.is_empty() && q.emails.is_empty();
    let found_rows = |ids: Vec<i64>| async move {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        fetch(db, &Plan { driver: Some(Driver::Found), found: &ids, ..plan }, cursor, persistent).await
    };
    // A window that found less than a page: the next page goes on from its last member.
    let mut boundary = None;
    let rows = if apart {
        found_rows(collect_apart(db, &plan, cursor).await?).await?
    } else if let Some(n) = window {
        let (ids, last) = if backend == Backend::Postgres && q.names.is_empty() && q.emails.is_empty() {
            // PostgreSQL reads the window as its filter asks for members and stops at a
            // page of matches ("a": 0.5 ms); only a window with less than a page then
            // needs its last member, found on the sort index. (The look-ahead does not
            // test the Name and Email column filters, which a window meets only when a
            // test forces a walk.)
            let found = plan.matches_ahead(db, cursor, n, Ahead::RoleMembers).await?;
            if found.ids.len() > q.page_size as usize {
                (found.ids, None)
            } else {
                (found.ids, plan.nth_past(db, cursor, n).await?)
            }
        } else {
            // The window ends at its `n`-th member, found on the sort index; the matches
            // up to it are found the same way where the index carries names and emails.
            plan.ids_within(db, cursor, &plan, n).await?
        };
        if ids.len() <= q.page_size as usize {
            boundary = last;
        }
        found_rows(ids).await?
    } else if probing && (by_key || backend == Backend::Postgres) {
        // The name and email indexes carry both columns Search Text looks at: the next
        // entries are tested on the index alone, a fraction of the cost of their rows.
        // In other orders (PostgreSQL) the next rows of the role, if any, are read.
        let (entries, ahead) =
            if by_key { (window_size.saturating_mul(5), Ahead::Entries) } else { (window_size, Ahead::RoleMembers) };
        let mut found = plan.matches_ahead(db, cursor, entries, ahead).await?;
        if !found.complete && found.ids.len() <= q.page_size as usize && ahead == Ahead::Entries && plan.mask.is_some()
        {
            // A role too rare to leave a page among those entries: its next members.
            found = plan.matches_ahead(db, cursor, entries, Ahead::RoleMembers).await?;
        }
        if found.ids.len() > q.page_size as usize || found.complete {
            // A page, or every match left in the view (its last page: nothing to collect).
            found_rows(found.ids).await?
        } else if by_key {
            found_rows(collect_apart(db, &plan, cursor).await?).await?
        } else {
            fetch(db, &collect, cursor, persistent).await?
        }
    } else {
        fetch(db, &plan, cursor, persistent).await?
    };
    let (rows, prev, next) =
        keyset::finish_within(rows, q.page_size, q.cursor.as_ref(), |r| r.cursor(q.sort), boundary);
    let role_label = role.map(|(_, label)| label);
    Ok(MemberPage { rows: rows.into_iter().map(|l| l.row).collect(), next, prev, role_label, window })
}

/// The ids of a page of the matches of Search Text in the name or email order, from two
/// reads. Matches that sit together in that order mostly begin with the text ("oliv":
/// Olivia, Oliver), and those are one range of the sort index, read in order. The rest
/// are collected from the search indexes, which leave out the first kind before any row
/// is read (a row costs 1 µs on SQLite and 3 on PostgreSQL: 25 and 65 ms for the 24,860
/// matches of "oliv"). The page is the first of both.
async fn collect_apart(db: &Db, plan: &Plan<'_>, cursor: Option<&Cursor>) -> Result<Vec<i64>> {
    let mut keyed = Plan { driver: Some(Driver::Beginning), keys_only: true, ..*plan }.keyed(db, cursor).await?;
    keyed.extend(Plan { driver: Some(Driver::Elsewhere), keys_only: true, ..*plan }.keyed(db, cursor).await?);
    keyed.sort_unstable_by(|(a_id, a), (b_id, b)| (a, a_id).cmp(&(b, b_id)));
    if !plan.ascending {
        keyed.reverse();
    }
    keyed.truncate(plan.q.page_size as usize + 1);
    Ok(keyed.into_iter().map(|(id, _)| id).collect())
}

/// The rows of a page as `plan` reads them.
async fn fetch(db: &Db, plan: &Plan<'_>, cursor: Option<&Cursor>, persistent: bool) -> Result<Vec<Listed>> {
    // PostgreSQL collects a driving filter's members by their ids and sort keys alone,
    // then reads the page's rows: carrying every column of 25,000 matches through the
    // sort took a third longer.
    let (ids, found);
    let plan = match (plan.backend, plan.driver) {
        (Backend::Postgres, Some(Driver::Search | Driver::Role | Driver::Values | Driver::Elsewhere)) => {
            let collected: Vec<(i64,)> = plan.collected(db, cursor).await?;
            ids = collected.into_iter().map(|(id,)| id).collect::<Vec<_>>();
            if ids.is_empty() {
                return Ok(Vec::new());
            }
            found = Plan { driver: Some(Driver::Found), found: &ids, ..*plan };
            &found
        }
        _ => plan,
    };
    let mut sql = Sql::default();
    push_page(plan, &mut sql, cursor);
    sql.refuse_nul()?;
    Ok(on_lane!(db, conn => bind_args!(sqlx::query_as::<_, Listed>(&sql.text), &sql.args)
        .persistent(persistent)
        .fetch_all(conn)
        .await?))
}

/// Which members past the cursor a look-ahead reads (`Plan::matches_ahead`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Ahead {
    /// The next entries of the view, the role tested on them: a bounded read, whatever
    /// the role. (Counting only the role's members walked 670,000 entries for a role of 3 %
    /// of 1,000,000: 63 ms.)
    Entries,
    /// The next members of the role: for a role too rare to fill a page among `Entries`.
    RoleMembers,
}

/// What a look-ahead found (`Plan::matches_ahead`).
struct LookAhead {
    /// The first page (and one) of the matches.
    ids: Vec<i64>,
    /// Whether it read to the end of the view: then `ids` are every match left, and the
    /// last page of a view needs no collecting of matches from the trigram index (which
    /// took 78–117 ms for the last of 5,304 members with "son" and a role on PostgreSQL).
    complete: bool,
}

/// How many members past the cursor a page of a one- or two-character Search Text looks
/// at: a common string fills its page long before, a rare one ends the page early and
/// "Next" goes on from the last member looked at, so no page reads a whole large account.
/// What matches does not change, only how far each page looks. A window's last member is
/// found on the sort index, then the window is walked to it; in the name and email orders
/// both are index-only (1 ms at 1,000,000 members for a string nobody has), in the others
/// each member's row is read to test its name and email (about 1 µs each), which sizes it.
pub const SHORT_SEARCH_WINDOW: u32 = 4_000;

/// The page's `SELECT`, by the plan's way of reading it.
fn push_page(plan: &Plan, sql: &mut Sql, cursor: Option<&Cursor>) {
    match (cursor, plan.backend, plan.driver) {
        (Some(c), Backend::Sqlite, None) => {
            // SQLite seeks on the first column of `(key, id) > (…)` only and steps over
            // the rest, which deep in a long run of equal keys (most members own no
            // case) is thousands of rows. Two exact ranges instead: the rest of the
            // cursor's key, then the keys after it; each is one index seek.
            let order = plan.order();
            sql.push("SELECT * FROM (");
            plan.push_select(sql, Bound::SameKey(c));
            sql.push(") UNION ALL SELECT * FROM (");
            plan.push_select(sql, Bound::LaterKey(c));
            sql.push(&format!(") ORDER BY {} {order}, membership_id {order} LIMIT ", output_column(plan.q.sort)))
                .bind_int(i64::from(plan.q.page_size) + 1);
        }
        (cursor, _, _) => {
            if let Some(driver) = plan.driver.filter(|_| plan.collects()) {
                // PostgreSQL collects the driving filter's rows first (materialised,
                // whatever the planner thinks of walking the sort index), then sorts them.
                sql.push("WITH d AS MATERIALIZED (SELECT m.* FROM memberships m WHERE ");
                plan.push_view(sql);
                plan.push_driver(sql, driver);
                sql.push(") ");
            }
            plan.push_select(sql, cursor.map_or(Bound::None, Bound::After));
        }
    }
}

/// Where a page starts, relative to the cursor (in the direction of reading).
#[derive(Clone, Copy)]
enum Bound<'a> {
    None,
    /// `(key, id)` past the cursor's.
    After(&'a Cursor),
    /// The cursor's key, with an id past the cursor's.
    SameKey(&'a Cursor),
    /// A key past the cursor's.
    LaterKey(&'a Cursor),
}

/// Everything the page's SQL is made from.
struct Plan<'a> {
    q: &'a MemberQuery,
    backend: Backend,
    driver: Option<Driver>,
    search: &'a str,
    mask: Option<i64>,
    role_values: &'a [i64],
    /// The ids of a `Found` drive.
    found: &'a [i64],
    active_since: i64,
    /// The direction rows are read in (the view's, flipped when reading backwards).
    ascending: bool,
    /// The last row a bounded read may reach (`Plan::nth_past`).
    until: Option<&'a Cursor>,
    /// Whether to select the rows' ids and sort keys only: the name and email indexes
    /// answer such a walk alone, Search Text and role included, without reading rows.
    keys_only: bool,
}

impl Plan<'_> {
    /// Whether the driving filter's members are collected before the page is sorted
    /// from them (PostgreSQL), rather than tested as the page's rows are read (SQLite,
    /// and a range of the sort index).
    fn collects(&self) -> bool {
        self.backend == Backend::Postgres && self.driver.is_some_and(|d| d != Driver::Beginning)
    }

    fn order(&self) -> &'static str {
        if self.ascending {
            "ASC"
        } else {
            "DESC"
        }
    }

    /// The table, and on SQLite the index to read it by (so that no statistics can talk
    /// SQLite into another).
    fn from(&self) -> String {
        let q = self.q;
        match (self.driver, self.backend) {
            (None, Backend::Sqlite) => format!("memberships m INDEXED BY {}", sort_index(q.sort)),
            (None | Some(Driver::Beginning), Backend::Postgres) => "memberships m".to_string(),
            // The search index's matches, each joined to its row by rowid as it comes,
            // where `m.id IN (…)` first copied every match into a temporary index
            // ("livia", 12,378 matches: 14 against 16 ms, medians of 20 runs in `sqlite3`).
            (Some(Driver::Search), Backend::Sqlite) => {
                "membership_search s CROSS JOIN memberships m NOT INDEXED ON m.id = s.rowid".to_string()
            }
            // By rowid from the ids found, not by walking an index.
            (Some(Driver::Found), Backend::Sqlite) => "memberships m NOT INDEXED".to_string(),
            // (`Elsewhere` is read in parts, `push_elsewhere`; a plan that read rows by it
            // would walk the sort order and test them.)
            (Some(Driver::Beginning | Driver::Elsewhere), Backend::Sqlite) => {
                format!("memberships m INDEXED BY {}", sort_index(q.sort))
            }
            (Some(Driver::Role), Backend::Sqlite) => "memberships m INDEXED BY memberships_by_role_bits".to_string(),
            (Some(Driver::Values), Backend::Sqlite) => {
                let index = if q.names.is_empty() { "memberships_by_email" } else { "memberships_by_name" };
                format!("memberships m INDEXED BY {index}")
            }
            // The rows the driving filter collected (see `list_with`).
            (Some(_), Backend::Postgres) => "d m".to_string(),
        }
    }

    /// One `SELECT … ORDER BY … LIMIT …` of the page's rows from `bound` on.
    fn push_select(&self, sql: &mut Sql, bound: Bound) {
        let q = self.q;
        let col = sort_column(q.sort);
        if self.keys_only {
            sql.push(&format!("SELECT m.id AS membership_id, {col} AS {} FROM ", output_column(q.sort)));
        } else {
            sql.push(
                "SELECT m.id AS membership_id, m.person_id, m.name, m.email, m.additional_roles, \
                 (m.last_sign_in_at >= ",
            );
            sql.bind_int(self.active_since)
                .push(") AS active, m.last_sign_in_at, m.cases_owned, m.registered, m.name_key, m.email_key FROM ");
        }
        sql.push(&self.from()).push(" WHERE ");
        self.push_view(sql);
        if let Some(driver) = self.driver.filter(|_| !self.collects()) {
            match self.fts_query(driver) {
                // `from` joined the search index.
                Some(query) => {
                    sql.push(" AND s.membership_search MATCH ").bind_text(query);
                }
                None => self.push_driver(sql, driver),
            }
        }
        self.push_filters(sql);
        let later = if self.ascending { ">" } else { "<" };
        match bound {
            Bound::None => {}
            Bound::After(c) => keyset::push_past(sql, col, "m.id", self.ascending, c),
            Bound::SameKey(c) => {
                sql.push(&format!(" AND {col} = "));
                keyset::bind_key(sql, c);
                sql.push(&format!(" AND m.id {later} ")).bind_int(c.id);
            }
            Bound::LaterKey(c) => {
                sql.push(&format!(" AND {col} {later} "));
                keyset::bind_key(sql, c);
            }
        }
        if let Some(c) = self.until {
            keyset::push_until(sql, col, "m.id", self.ascending, c);
        }
        keyset::push_order(sql, col, "m.id", self.ascending, q.page_size);
    }

    /// The ids and sort keys (`(id, key)`, or `(id,)`) of the page's members (and one
    /// more) by the driving filter, sorted by their sort keys alone (PostgreSQL, and the
    /// parts of `Elsewhere` on either database).
    async fn collected<T: Row>(&self, db: &Db, cursor: Option<&Cursor>) -> Result<Vec<T>> {
        let Some(driver) = self.driver else { return Ok(Vec::new()) };
        let mut sql = Sql::new("WITH ");
        if driver == Driver::Elsewhere {
            self.push_elsewhere(&mut sql);
        } else {
            sql.push(&format!(
                "d AS MATERIALIZED (SELECT m.id, {} AS k FROM memberships m WHERE ",
                sort_column(self.q.sort)
            ));
            self.push_view(&mut sql);
            self.push_driver(&mut sql, driver);
            self.push_filters(&mut sql);
            sql.push(")");
        }
        sql.push(" SELECT d.id, d.k FROM d WHERE TRUE");
        if let Some(c) = cursor {
            keyset::push_past(&mut sql, "d.k", "d.id", self.ascending, c);
        }
        keyset::push_order(&mut sql, "d.k", "d.id", self.ascending, self.q.page_size);
        sql.refuse_nul()?;
        // (PostgreSQL plans it for its values every time; see `list_within`.)
        let persistent = self.backend == Backend::Sqlite;
        Ok(on_lane!(db, conn => bind_args!(sqlx::query_as::<_, T>(&sql.text), &sql.args)
            .persistent(persistent)
            .fetch_all(conn)
            .await?))
    }

    /// `RECURSIVE …, d AS (…)`: the members with Search Text anywhere but at
    /// the beginning of the sort column, as `(id, k)`. Most such matches of a string from
    /// inside a first name ("livia": every Olivia) are at a column's second character,
    /// and those are, for each first character, one range of the column's index, which
    /// carries the other column and the role too: they are read from the index alone
    /// (PostgreSQL: 11,763 matches of "livia" in 3 ms, where reading their rows took 11;
    /// SQLite: the whole statement 3.0 ms median, where its search index's matches and
    /// their rows took 14). The trigram indexes of what follows the second character
    /// (migrations 0021 and 0022) find the rest, whose rows are read. Each part leaves
    /// out what the ones before it found, so no member is listed twice and nothing needs
    /// de-duplicating.
    fn push_elsewhere(&self, sql: &mut Sql) {
        let (col, other) = match self.q.sort {
            SortKey::Email => (Column::Email, Column::Name),
            _ => (Column::Name, Column::Email),
        };
        sql.push("RECURSIVE ");
        self.push_first_characters(sql, col);
        sql.push(", ");
        self.push_first_characters(sql, other);
        // PostgreSQL is kept from planning the parts with the sort that follows; SQLite,
        // told each part's index, reads them into that sort as they come (3 ms for
        // "livia", 6.5 when they were first stored apart).
        sql.push(match self.backend {
            Backend::Postgres => ", d AS MATERIALIZED (",
            Backend::Sqlite => ", d AS (",
        });
        let parts = [Place::Second(col), Place::Begins(other), Place::Second(other), Place::Tail];
        for (i, part) in parts.iter().enumerate() {
            if i > 0 {
                sql.push(" UNION ALL ");
            }
            sql.push(&format!("SELECT m.id, {} AS k FROM {} WHERE ", col.key(), self.place_from(part)));
            self.push_view(sql);
            match part {
                Place::Second(c) => {
                    let c = c.key();
                    sql.push(&format!(" AND {c} >= f.c || ")).bind_text(self.search);
                    match prefix_end(self.search) {
                        Some(end) => sql.push(&format!(" AND {c} < f.c || ")).bind_text(end),
                        None => sql.push(&format!(" AND substr({c}, 1, 1) = f.c")),
                    };
                }
                Place::Tail if self.backend == Backend::Sqlite => {
                    sql.push(" AND t.membership_search_tail MATCH ").bind_text(fts_phrase(self.search));
                }
                _ => {
                    sql.push(" AND ");
                    part.push(sql, self.search);
                }
            }
            for found in std::iter::once(&Place::Begins(col)).chain(&parts[..i]) {
                sql.push(" AND NOT ");
                found.push(sql, self.search);
            }
            self.push_filters(sql);
        }
        sql.push(")");
    }

    /// What `push_elsewhere` reads a part from: the index of its column (SQLite is told
    /// which), or the search index of what follows the second characters.
    fn place_from(&self, part: &Place) -> String {
        match (part, self.backend) {
            (Place::Second(c), Backend::Sqlite) => {
                format!("{} f CROSS JOIN memberships m INDEXED BY {}", c.firsts(), c.index())
            }
            (Place::Second(c), Backend::Postgres) => format!("{} f CROSS JOIN memberships m", c.firsts()),
            (Place::Begins(c), Backend::Sqlite) => format!("memberships m INDEXED BY {}", c.index()),
            (Place::Tail, Backend::Sqlite) => {
                "membership_search_tail t CROSS JOIN memberships m NOT INDEXED ON m.id = t.rowid".to_string()
            }
            (Place::Begins(_) | Place::Tail, Backend::Postgres) => "memberships m".to_string(),
        }
    }

    /// `<col>_firsts(c) AS (…)`: the first characters of `col`'s keys in the view, in
    /// order, one index seek each (a skip scan: 23 seeks for 1,000,000 members).
    fn push_first_characters(&self, sql: &mut Sql, col: Column) {
        let (name, key) = (col.firsts(), col.key());
        let (from, chr, code) = match self.backend {
            Backend::Sqlite => (format!("memberships m INDEXED BY {}", col.index()), "char", "unicode"),
            Backend::Postgres => ("memberships m".to_string(), "chr", "ascii"),
        };
        // An empty key has no second character: it is left out.
        sql.push(&format!("{name}(c) AS (SELECT substr(min({key}), 1, 1) FROM {from} WHERE "));
        self.push_view(sql);
        sql.push(&format!(" AND {key} > '' UNION ALL SELECT (SELECT substr(min({key}), 1, 1) FROM {from} WHERE "));
        self.push_view(sql);
        // The next character: one code past this one's, over the surrogates, which are
        // no characters.
        sql.push(&format!(
            " AND {key} >= {chr}(CASE WHEN {code}(f.c) = 55295 THEN 57344 ELSE {code}(f.c) + 1 END)) \
             FROM {name} f WHERE {code}(f.c) < 1114111)"
        ));
    }

    /// `(id, sort key)` of the page's members (and one more) by the driving filter, in
    /// the name or email order, from the indexes where they carry what is tested.
    async fn keyed(&self, db: &Db, cursor: Option<&Cursor>) -> Result<Vec<(i64, String)>> {
        if self.collects() || self.driver == Some(Driver::Elsewhere) {
            return self.collected(db, cursor).await;
        }
        let mut sql = Sql::default();
        push_page(&Plan { keys_only: true, ..*self }, &mut sql, cursor);
        db.fetch_all(&sql).await
    }

    /// The `n`-th member past the cursor that the plan's view and filters keep (Search
    /// Text aside), found from the sort index alone: the last member a bounded read of
    /// `n` looks at, or `None` when fewer are left.
    async fn nth_past(&self, db: &Db, cursor: Option<&Cursor>, n: u32) -> Result<Option<Cursor>> {
        let q = self.q;
        let order = self.order();
        let offset = i64::from(n.max(1) - 1);
        let mut sql = Sql::default();
        match (cursor, self.backend, q.sort.is_text()) {
            (Some(_), Backend::Sqlite, false) => {
                // The two ranges of `push_page` (see there), merged, then the `n`-th.
                let first_n = MemberQuery { page_size: n.max(1) - 1, ..q.clone() };
                sql.push("SELECT * FROM (");
                push_page(&Plan { q: &first_n, search: "", keys_only: true, ..*self }, &mut sql, cursor);
                let out = output_column(q.sort);
                sql.push(&format!(") ORDER BY {out} {order}, membership_id {order} LIMIT 1 OFFSET ")).bind_int(offset);
            }
            (cursor, ..) => {
                let one = MemberQuery { page_size: 0, ..q.clone() };
                Plan { q: &one, search: "", keys_only: true, ..*self }
                    .push_select(&mut sql, cursor.map_or(Bound::None, Bound::After));
                sql.push(" OFFSET ").bind_int(offset);
            }
        }
        Ok(if q.sort.is_text() {
            let row: Option<(i64, String)> = db.fetch_optional(&sql).await?;
            row.map(|(id, key)| Cursor { key: CursorKey::Text(key), id })
        } else {
            let row: Option<(i64, i64)> = db.fetch_optional(&sql).await?;
            row.map(|(id, key)| Cursor { key: CursorKey::Int(key), id })
        })
    }

    /// The ids of the first page (and one) of the members that match the plan among the
    /// next `entries` of the view past the cursor (`ahead` says which are counted), and
    /// whether those reached the end of the view. The name and email indexes carry
    /// everything tested, so in those orders no row is read but the page's.
    async fn matches_ahead(&self, db: &Db, cursor: Option<&Cursor>, entries: u32, ahead: Ahead) -> Result<LookAhead> {
        if self.backend == Backend::Sqlite {
            // SQLite sorts what a subquery returns before the first row reaches the
            // filter over it, so the one statement below would read all the entries
            // every time. It finds where they end first instead (an index-only walk,
            // 0.7 ms for 20,000), then walks to there, stopping at a page of matches.
            let counted = Plan { mask: self.mask.filter(|_| ahead == Ahead::RoleMembers), ..*self };
            let (ids, last) = self.ids_within(db, cursor, &counted, entries).await?;
            return Ok(LookAhead { ids, complete: last.is_none() });
        }
        // PostgreSQL reads the entries as the filter asks for them and stops at a page of
        // matches, where finding their end first would cost 4 ms for 20,000.
        let col = sort_column(self.q.sort);
        let from = "memberships m WHERE ";
        let role = |sql: &mut Sql, alias: &str| {
            if let Some(mask) = self.mask {
                sql.push(&format!(" AND ({alias}.role_bits & ")).bind_int(mask).push(") <> 0");
            }
        };
        let hit = |sql: &mut Sql| {
            sql.push("(TRUE");
            if ahead == Ahead::Entries {
                role(sql, "w");
            }
            self.push_search(sql, "w");
            sql.push(")");
        };
        // ` = <the view's last member>` (of the role, when only its members are read): the
        // look-ahead returns it too when it gets that far. Counting the entries read would
        // tell the same but read them all, where a page of matches ends the read early.
        let last = |sql: &mut Sql| {
            sql.push(&format!(" = (SELECT m.id FROM {from}"));
            self.push_view(sql);
            if ahead == Ahead::RoleMembers {
                role(sql, "m");
            }
            keyset::push_order(sql, col, "m.id", !self.ascending, 0);
            sql.push(")");
        };
        let mut sql = Sql::new("SELECT w.id, ");
        hit(&mut sql);
        sql.push(" AS hit, COALESCE(w.id");
        last(&mut sql);
        sql.push(&format!(
            ", FALSE) AS last FROM (SELECT m.id, {col} AS k, m.name_key, m.email_key, m.role_bits FROM {from}"
        ));
        self.push_view(&mut sql);
        if ahead == Ahead::RoleMembers {
            role(&mut sql, "m");
        }
        if let Some(c) = cursor {
            keyset::push_past(&mut sql, col, "m.id", self.ascending, c);
        }
        keyset::push_order(&mut sql, col, "m.id", self.ascending, entries.saturating_sub(1));
        sql.push(") w WHERE ");
        hit(&mut sql);
        sql.push(" OR w.id");
        last(&mut sql);
        let order = self.order();
        sql.push(&format!(" ORDER BY w.k {order}, w.id {order} LIMIT ")).bind_int(i64::from(self.q.page_size) + 1);
        sql.refuse_nul()?;
        let rows: Vec<(i64, bool, bool)> = db.fetch_all(&sql).await?;
        Ok(LookAhead {
            complete: rows.iter().any(|(_, _, last)| *last),
            ids: rows.into_iter().filter(|(_, hit, _)| *hit).map(|(id, _, _)| id).collect(),
        })
    }

    /// A bounded read: the ids of the page's members (and one more) among the next `n`
    /// members past the cursor that `counted` keeps, and the last of those (`None`: fewer
    /// were left, so the read went to the end of the view).
    async fn ids_within(
        &self,
        db: &Db,
        cursor: Option<&Cursor>,
        counted: &Plan<'_>,
        n: u32,
    ) -> Result<(Vec<i64>, Option<Cursor>)> {
        let last = counted.nth_past(db, cursor, n).await?;
        let ids = Plan { until: last.as_ref(), ..*self }.ids(db, cursor).await?;
        Ok((ids, last))
    }

    /// The ids of the page's members (and one more) by a walk of the sort index, which
    /// reads no row where the index carries what the filters test.
    async fn ids(&self, db: &Db, cursor: Option<&Cursor>) -> Result<Vec<i64>> {
        let mut sql = Sql::default();
        push_page(&Plan { keys_only: true, ..*self }, &mut sql, cursor);
        let rows: Vec<Keyed> = db.fetch_all(&sql).await?;
        Ok(rows.into_iter().map(|r| r.membership_id).collect())
    }

    /// `m.account_id = … AND m.status = …`
    fn push_view(&self, sql: &mut Sql) {
        sql.push("m.account_id = ").bind_int(self.q.account).push(" AND m.status = ").bind_text(self.q.status.as_str());
    }

    /// ` AND <the driving filter>`, in the form its index serves.
    fn push_driver(&self, sql: &mut Sql, driver: Driver) {
        if let Some(query) = self.fts_query(driver) {
            sql.push(" AND m.id IN (SELECT rowid FROM membership_search WHERE membership_search MATCH ")
                .bind_text(query)
                .push(")");
            return;
        }
        let q = self.q;
        match driver {
            Driver::Values if q.names.is_empty() => {
                sql.push(" AND m.email_key IN ").bind_list(q.emails.iter().map(|e| Arg::Text(e.to_lowercase())));
            }
            Driver::Values => {
                sql.push(" AND m.name_key IN ").bind_list(q.names.iter().map(|n| Arg::Text(n.to_lowercase())));
            }
            Driver::Role => {
                // The role_bits values that have the role's bit, as a list the role
                // index is searched for (and PostgreSQL's statistics can weigh).
                let mut values: Vec<Arg> = self.role_values.iter().map(|v| Arg::Int(*v)).collect();
                if values.is_empty() {
                    values.push(Arg::NullInt);
                }
                sql.push(" AND m.role_bits IN ").bind_list(values);
            }
            Driver::Found => {
                sql.push(" AND m.id IN ").bind_list(self.found.iter().map(|id| Arg::Int(*id)));
            }
            Driver::Search => push_like(sql, "m", self.search),
            Driver::Beginning => {
                sql.push(" AND ");
                push_begins(sql, sort_column(q.sort), self.search);
            }
            Driver::Elsewhere => {
                // What `push_elsewhere` reads in parts, tested row by row.
                self.push_search(sql, "m");
                sql.push(" AND NOT ");
                push_begins(sql, sort_column(q.sort), self.search);
            }
        }
    }

    /// What SQLite's search index is asked for a driver it serves.
    fn fts_query(&self, driver: Driver) -> Option<String> {
        if self.backend != Backend::Sqlite {
            return None;
        }
        (driver == Driver::Search).then(|| fts_phrase(self.search))
    }

    /// ` AND <Search Text>` over the rows of `alias`, when there is one.
    fn push_search(&self, sql: &mut Sql, alias: &str) {
        let (driver, search) = (self.driver, self.search);
        if search.is_empty() {
            return;
        }
        if driver.is_none() && self.backend == Backend::Postgres && searchable(search) && self.until.is_none() {
            // PostgreSQL weighs Search Text itself: its statistics estimate how many rows
            // a substring matches, and it walks the sort index for a common one or
            // collects a rare one's rows from the trigram indexes, whichever costs less.
            // A bounded read tests it row by row, as it walks.
            push_like(sql, alias, search);
        } else {
            let f = if self.backend == Backend::Sqlite { "instr" } else { "strpos" };
            sql.push(&format!(" AND ({f}({alias}.name_key, "))
                .bind_text(search)
                .push(&format!(") > 0 OR {f}({alias}.email_key, "))
                .bind_text(search)
                .push(") > 0)");
        }
    }

    /// The filters other than the driving one, tested row by row.
    fn push_filters(&self, sql: &mut Sql) {
        let (q, driver) = (self.q, self.driver);
        if let Some(mask) = self.mask.filter(|_| driver != Some(Driver::Role)) {
            sql.push(" AND (m.role_bits & ").bind_int(mask).push(") <> 0");
        }
        if !matches!(driver, Some(Driver::Search | Driver::Elsewhere | Driver::Beginning)) {
            self.push_search(sql, "m");
        }
        // A `Values` drive goes by the names when there are any, else by the emails.
        let by_values = driver == Some(Driver::Values);
        let by_names = by_values && !q.names.is_empty();
        let by_emails = by_values && q.names.is_empty();
        if !q.names.is_empty() && !by_names {
            sql.push(" AND m.name_key IN ").bind_list(q.names.iter().map(|n| Arg::Text(n.to_lowercase())));
        }
        if !q.emails.is_empty() && !by_emails {
            sql.push(" AND m.email_key IN ").bind_list(q.emails.iter().map(|e| Arg::Text(e.to_lowercase())));
        }
    }
}

/// ` AND (<alias>.name_key LIKE '%…%' OR <alias>.email_key LIKE '%…%')`: Search Text in
/// the form PostgreSQL's trigram indexes serve.
fn push_like(sql: &mut Sql, alias: &str, search: &str) {
    sql.push(" AND ");
    push_like_pair(sql, &format!("{alias}.name_key"), &format!("{alias}.email_key"), search);
}

/// What follows the second character of a member's name and email: the expressions of
/// PostgreSQL's trigram indexes of migration 0021, which serve only these expressions.
const NAME_TAIL: &str = "substr(m.name_key, 3)";
const EMAIL_TAIL: &str = "substr(m.email_key, 3)";

/// A column Search Text looks at, as `Plan::push_elsewhere` reads it.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Column {
    Name,
    Email,
}

impl Column {
    fn key(self) -> &'static str {
        match self {
            Column::Name => "m.name_key",
            Column::Email => "m.email_key",
        }
    }

    /// Its index, which carries the other column and the role bits too.
    fn index(self) -> &'static str {
        match self {
            Column::Name => sort_index(SortKey::Name),
            Column::Email => sort_index(SortKey::Email),
        }
    }

    /// The name of its first characters' table (`Plan::push_first_characters`).
    fn firsts(self) -> &'static str {
        match self {
            Column::Name => "name_firsts",
            Column::Email => "email_firsts",
        }
    }
}

/// Where in a member's name or email Search Text is found (`Plan::push_elsewhere`).
enum Place {
    /// At the beginning of the column.
    Begins(Column),
    /// At the column's second character.
    Second(Column),
    /// Past the second character of the name or the email.
    Tail,
}

impl Place {
    /// `(…)`: whether a row's Search Text is found there.
    fn push(&self, sql: &mut Sql, search: &str) {
        match self {
            Place::Begins(col) => push_begins(sql, col.key(), search),
            Place::Second(col) => push_begins(sql, &format!("substr({}, 2)", col.key()), search),
            Place::Tail => push_like_pair(sql, NAME_TAIL, EMAIL_TAIL, search),
        }
    }
}

/// `(<name> LIKE '%…%' OR <email> LIKE '%…%')` over two text expressions, each one a
/// trigram index serves.
fn push_like_pair(sql: &mut Sql, name: &str, email: &str, search: &str) {
    let pattern = format!("%{}%", like_escape(search));
    sql.push(&format!("({name} LIKE "))
        .bind_text(pattern.clone())
        .push(&format!(" ESCAPE '\\' OR {email} LIKE "))
        .bind_text(pattern)
        .push(" ESCAPE '\\')");
}

/// `(<col> >= '…' AND <col> < '…')`: the keys of a text column that begin with `prefix`,
/// a range of its index.
fn push_begins(sql: &mut Sql, col: &str, prefix: &str) {
    sql.push(&format!("({col} >= ")).bind_text(prefix);
    if let Some(end) = prefix_end(prefix) {
        sql.push(&format!(" AND {col} < ")).bind_text(end);
    }
    sql.push(")");
}

/// The sort column as the list query's output names it.
fn output_column(sort: SortKey) -> &'static str {
    match sort {
        SortKey::Name => "name_key",
        SortKey::Email => "email_key",
        SortKey::Roles => "additional_roles",
        SortKey::Active | SortKey::LastSignOn => "last_sign_in_at",
        SortKey::CasesOwned => "cases_owned",
    }
}

/// The distinct role_bits values in the view that have `mask`'s bit: a skip scan of the
/// role index, one index seek per distinct value (a few dozen), never a scan of rows.
async fn role_values(db: &Db, q: &MemberQuery, mask: i64) -> Result<Vec<i64>> {
    let rows: Vec<(i64,)> = db
        .fetch_all(&sql!(
            "WITH RECURSIVE v(b) AS (\
             SELECT MIN(role_bits) FROM memberships WHERE account_id = $1 AND status = $2 \
             UNION ALL SELECT (SELECT MIN(role_bits) FROM memberships \
             WHERE account_id = $1 AND status = $2 AND role_bits > v.b) FROM v WHERE v.b IS NOT NULL) \
             SELECT b FROM v WHERE b IS NOT NULL AND (b & $3) <> 0",
            q.account,
            q.status.as_str(),
            mask
        ))
        .await?;
    Ok(rows.into_iter().map(|(b,)| b).collect())
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

/// The first text after every text that begins with `prefix` (its last character
/// raised by one), if there is one: the end of the range of keys that begin with it.
fn prefix_end(prefix: &str) -> Option<String> {
    let mut chars: Vec<char> = prefix.chars().collect();
    while let Some(last) = chars.pop() {
        let next = match last {
            '\u{D7FF}' => Some('\u{E000}'),
            c => char::from_u32(u32::from(c) + 1),
        };
        if let Some(next) = next {
            chars.push(next);
            return Some(chars.into_iter().collect());
        }
    }
    None
}

/// Search Text as an FTS5 phrase: the trigram index finds substrings, and a phrase keeps
/// the text literal.
pub(crate) fn fts_phrase(search: &str) -> String {
    format!("\"{}\"", search.replace('"', "\"\""))
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
    // A forced drive from Search Text; in the app PostgreSQL's way to a search is a
    // probe first (see `list_within`).
    if strategy == Strategy::Drive && db.backend() == Backend::Postgres && searchable(search) {
        return Ok(Some(Driver::Search));
    }
    // The trigram indexes need three characters.
    let searchable = searchable(search) && db.backend() == Backend::Sqlite;
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
    // SQLite's sort indexes carry role_bits, so a walk tests the role on index entries
    // alone, several times cheaper per row than collecting rows; it pays to walk
    // further before driving from the role.
    let role_limit = if db.backend() == Backend::Sqlite { limit / 3 } else { limit };
    let role = mask.map(|_| in_role.unwrap_or(0)).filter(|n| *n <= role_limit);
    // Count search matches only as far as they could beat the role (or the limit).
    let search_n = if searchable {
        let cap = role.unwrap_or(limit).saturating_add(1);
        let n = count_matches(db, search, cap).await?;
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

/// Whether Search Text is long enough for the trigram indexes.
pub(crate) fn searchable(search: &str) -> bool {
    search.chars().count() >= 3
}

/// Rows SQLite's search index matches for Search Text, counted up to `cap`. The index
/// covers every account and status: enough to judge by, and cheap to count.
async fn count_matches(db: &Db, search: &str, cap: i64) -> Result<i64> {
    db.scalar::<i64>(&sql!(
        "SELECT COUNT(*) FROM (SELECT 1 FROM membership_search WHERE membership_search MATCH $1 LIMIT $2)",
        fts_phrase(search),
        cap.min(1_000_000_000)
    ))
    .await
}

/// How many values the filter popover loads at a time.
pub const VALUES_PAGE: i64 = 50;

/// Distinct names or emails of the account's members (in the view's status and role),
/// containing `text`, after `after`, in order.
pub async fn column_values(
    db: &Db,
    admin: &AccountAdmin,
    q: &MemberQuery,
    column: FilterColumn,
    text: &str,
    after: Option<&str>,
) -> Result<ColumnValues> {
    let (key, shown) = match column {
        FilterColumn::Name => ("m.name_key", "m.name"),
        FilterColumn::Email => ("m.email_key", "m.email"),
    };
    checked_scope(admin, q)?;
    let scope = MemberQuery { search: String::new(), names: Vec::new(), emails: Vec::new(), ..q.clone() };
    let mut sql = Sql::new(&format!("SELECT {key} AS k, MIN({shown}) AS v"));
    push_filter(db, admin, &scope, &mut sql).await?;
    let text = clean_search(text).to_lowercase();
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

#[cfg(test)]
mod tests {
    use super::prefix_end;

    #[test]
    fn the_keys_that_begin_with_a_text_end_where_its_last_character_is_raised() {
        assert_eq!(prefix_end("oliv").as_deref(), Some("oliw"));
        assert_eq!(prefix_end("ab\u{D7FF}").as_deref(), Some("ab\u{E000}"));
        // The highest character cannot be raised: the one before it is.
        assert_eq!(prefix_end("a\u{10FFFF}").as_deref(), Some("b"));
        assert_eq!(prefix_end("\u{10FFFF}"), None);
        assert_eq!(prefix_end(""), None);
        // Every key that begins with the text sorts before the end, byte by byte as
        // SQLite compares them.
        for key in ["oliv", "olivia", "oliv\u{10FFFF}", "oliv~"] {
            assert!(key >= "oliv" && key < prefix_end("oliv").unwrap().as_str(), "{key:?}");
        }
        assert!("oliw" >= prefix_end("oliv").unwrap().as_str());
    }
}
