//! One handle over either database. Queries are written once, with `$1`-style
//! placeholders that both SQLite and PostgreSQL accept, and run through `on_lane!` (or
//! `on_tx!` in a transaction), which expand the same code for each backend's native
//! driver (so each keeps its own types, prepared-statement cache and connection
//! options). Transactions run on the pool; statements outside one on the database's
//! lanes (`backend::lanes`), through `Db`'s query methods and `on_lane!`.

use std::sync::Arc;

use sqlx::postgres::{PgConnection, PgRow};
use sqlx::sqlite::{SqliteConnection, SqliteRow};
use sqlx::{FromRow, PgPool, Postgres, Sqlite, SqlitePool, Transaction};

use super::lanes::{Lane, Lanes};
use crate::error::Result;

#[derive(Clone, Debug)]
pub enum Db {
    Sqlite(SqlitePool, Arc<Shared<SqliteConnection>>),
    Postgres(PgPool, Arc<Shared<PgConnection>>),
}

/// What every clone of a `Db` shares beside its pool.
#[derive(Debug)]
pub struct Shared<C: sqlx::Connection> {
    pub lanes: Lanes<C>,
    /// The role catalogue, read at its first use: only migrations write it, and they run
    /// before the server serves.
    pub(super) catalogue: tokio::sync::OnceCell<super::roles::Catalogue>,
}

impl<C: sqlx::Connection> Shared<C> {
    pub fn new(lanes: Lanes<C>) -> Arc<Self> {
        Arc::new(Shared { lanes, catalogue: tokio::sync::OnceCell::new() })
    }
}

/// A lane of either database, held (see [`Db::hold_lane`]).
pub enum HeldLane<'a> {
    Sqlite(Lane<'a, SqliteConnection>),
    Postgres(Lane<'a, PgConnection>),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

impl Db {
    pub fn backend(&self) -> Backend {
        match self {
            Db::Sqlite(..) => Backend::Sqlite,
            Db::Postgres(..) => Backend::Postgres,
        }
    }

    pub async fn begin(&self) -> Result<Tx> {
        Ok(match self {
            Db::Sqlite(p, _) => Tx::Sqlite(p.begin().await?),
            Db::Postgres(p, _) => Tx::Postgres(p.begin().await?),
        })
    }

    pub async fn close(&self) {
        match self {
            Db::Sqlite(p, shared) => {
                shared.lanes.close().await;
                p.close().await
            }
            Db::Postgres(p, shared) => {
                shared.lanes.close().await;
                p.close().await
            }
        }
    }

    /// Takes a lane and keeps it until the answer is dropped: what a burst of slow
    /// statements does (the outage tests hold every one).
    pub async fn hold_lane(&self) -> std::result::Result<HeldLane<'_>, sqlx::Error> {
        Ok(match self {
            Db::Sqlite(_, shared) => HeldLane::Sqlite(shared.lanes.take().await?),
            Db::Postgres(_, shared) => HeldLane::Postgres(shared.lanes.take().await?),
        })
    }
}

/// A transaction on either database. Storage code that writes takes `&mut Tx` and runs
/// `Sql` through it; nothing is stored unless `commit` is reached.
pub enum Tx {
    Sqlite(Transaction<'static, Sqlite>),
    Postgres(Transaction<'static, Postgres>),
}

/// A row type both drivers can decode.
pub trait Row: Send + Unpin + for<'r> FromRow<'r, SqliteRow> + for<'r> FromRow<'r, PgRow> {}
impl<T> Row for T where T: Send + Unpin + for<'r> FromRow<'r, SqliteRow> + for<'r> FromRow<'r, PgRow> {}

/// The query methods, the same outside a transaction (`Db`, on a lane) and in one (`Tx`).
macro_rules! query_methods {
    ([$($m:tt)?] $dispatch:ident, $conn:ident => $exec:expr) => {
        /// Runs a statement; returns the number of rows it changed.
        pub async fn execute(&$($m)? self, sql: &Sql) -> Result<u64> {
            sql.refuse_nul()?;
            Ok(crate::$dispatch!(self, $conn => crate::bind_args!(sqlx::query(&sql.text), &sql.args).execute($exec).await?.rows_affected()))
        }

        pub async fn fetch_all<T: Row>(&$($m)? self, sql: &Sql) -> Result<Vec<T>> {
            sql.refuse_nul()?;
            Ok(crate::$dispatch!(self, $conn => crate::bind_args!(sqlx::query_as::<_, T>(&sql.text), &sql.args).fetch_all($exec).await?))
        }

        pub async fn fetch_optional<T: Row>(&$($m)? self, sql: &Sql) -> Result<Option<T>> {
            sql.refuse_nul()?;
            Ok(crate::$dispatch!(self, $conn => crate::bind_args!(sqlx::query_as::<_, T>(&sql.text), &sql.args).fetch_optional($exec).await?))
        }

        /// The first column of the only row; a missing row is an internal error.
        pub async fn scalar<T>(&$($m)? self, sql: &Sql) -> Result<T>
        where
            (T,): Row,
        {
            match self.fetch_optional::<(T,)>(sql).await? {
                Some((v,)) => Ok(v),
                None => {
                    tracing::error!(sql = %sql.text, "expected a row");
                    Err(crate::error::AppError::Internal)
                }
            }
        }
    };
}

impl Db {
    query_methods!([] on_lane, conn => conn);
}

impl Tx {
    query_methods!([mut] on_tx, tx => &mut **tx);

    pub async fn commit(self) -> Result<()> {
        match self {
            Tx::Sqlite(tx) => tx.commit().await?,
            Tx::Postgres(tx) => tx.commit().await?,
        }
        Ok(())
    }
}

/// `sql!("… $1 … $2", a, b)`: a `Sql` with its arguments, each converted by `Arg::from`.
#[macro_export]
macro_rules! sql {
    ($text:expr $(, $arg:expr)* $(,)?) => {
        $crate::backend::db::Sql {
            text: ::std::string::String::from($text),
            args: ::std::vec![$($crate::backend::db::Arg::from($arg)),*],
        }
    };
}

/// Runs `$body` with `$pool` bound to the backend's own pool type: for what needs the
/// pool itself (a store, a tool); a statement runs on a lane (`on_lane!`).
#[macro_export]
macro_rules! on_db {
    ($db:expr, $pool:ident => $body:expr) => {
        match $db {
            $crate::backend::db::Db::Sqlite($pool, _) => $body,
            $crate::backend::db::Db::Postgres($pool, _) => $body,
        }
    };
}

/// Runs the statement `$body` with `$conn` bound to a lane's connection of the backend's
/// own type (`&mut SqliteConnection` or `&mut PgConnection`), in a function whose errors
/// convert from `sqlx::Error`. The lane is given back when `$body` has its value; an
/// early return (`?`) closes the connection instead.
#[macro_export]
macro_rules! on_lane {
    // One backend's arm: `$lanes` is its `Lanes`.
    (@on $lanes:expr, $conn:ident => $body:expr) => {{
        let mut lane = $lanes.take().await?;
        let value = {
            let $conn = &mut lane.conn;
            $body
        };
        lane.give_back();
        value
    }};
    ($db:expr, $conn:ident => $body:expr) => {
        match $db {
            $crate::backend::db::Db::Sqlite(_, shared) => $crate::on_lane!(@on shared.lanes, $conn => $body),
            $crate::backend::db::Db::Postgres(_, shared) => $crate::on_lane!(@on shared.lanes, $conn => $body),
        }
    };
}

/// `on_lane!` in a transaction: the transaction's own connection.
#[macro_export]
macro_rules! on_tx {
    ($tx:expr, $conn:ident => $body:expr) => {
        match $tx {
            $crate::backend::db::Tx::Sqlite($conn) => $body,
            $crate::backend::db::Tx::Postgres($conn) => $body,
        }
    };
}

/// A value bound to a query built at run time.
#[derive(Clone, Debug, PartialEq)]
pub enum Arg {
    Int(i64),
    /// An integer column's NULL (PostgreSQL types parameters, so a NULL has one too).
    NullInt,
    Text(String),
    NullText,
    Bool(bool),
}

impl From<Option<i64>> for Arg {
    fn from(v: Option<i64>) -> Self {
        v.map_or(Arg::NullInt, Arg::Int)
    }
}

impl From<Option<String>> for Arg {
    fn from(v: Option<String>) -> Self {
        v.map_or(Arg::NullText, Arg::Text)
    }
}

impl From<i64> for Arg {
    fn from(v: i64) -> Self {
        Arg::Int(v)
    }
}

/// The typed ids bind as the integers they are.
macro_rules! id_args {
    ($($id:ident),*) => {
        $(impl From<crate::model::$id> for Arg {
            fn from(v: crate::model::$id) -> Self {
                Arg::Int(v.0)
            }
        })*
    };
}
id_args!(AccountId, PersonId, MembershipId, InvitationId, Version, CaseId);

impl From<bool> for Arg {
    fn from(v: bool) -> Self {
        Arg::Bool(v)
    }
}

impl From<&str> for Arg {
    fn from(v: &str) -> Self {
        Arg::Text(v.to_string())
    }
}

impl From<String> for Arg {
    fn from(v: String) -> Self {
        Arg::Text(v)
    }
}

impl From<&String> for Arg {
    fn from(v: &String) -> Self {
        Arg::Text(v.clone())
    }
}

/// SQL assembled from pieces, with its arguments numbered as they are pushed.
#[derive(Clone, Debug, Default)]
pub struct Sql {
    pub text: String,
    pub args: Vec<Arg>,
}

impl Sql {
    pub fn new(text: &str) -> Self {
        Sql { text: text.to_string(), args: Vec::new() }
    }

    pub fn push(&mut self, text: &str) -> &mut Self {
        self.text.push_str(text);
        self
    }

    /// Appends a placeholder for `arg`.
    pub fn bind(&mut self, arg: Arg) -> &mut Self {
        self.args.push(arg);
        self.text.push_str(&format!("${}", self.args.len()));
        self
    }

    pub fn bind_int(&mut self, v: i64) -> &mut Self {
        self.bind(Arg::Int(v))
    }

    pub fn bind_text(&mut self, v: impl Into<String>) -> &mut Self {
        self.bind(Arg::Text(v.into()))
    }

    /// ` AND (lower(column) LIKE … OR …)`: rows where one of `columns` contains `search`
    /// (lower-cased already), its wildcards taken literally; nothing for an empty search.
    pub fn push_contains(&mut self, columns: &[&str], search: &str) -> &mut Self {
        if search.is_empty() || columns.is_empty() {
            return self;
        }
        let pattern = format!("%{}%", like_escape(search));
        for (i, column) in columns.iter().enumerate() {
            self.push(if i == 0 { " AND (lower(" } else { " OR lower(" })
                .push(column)
                .push(") LIKE ")
                .bind_text(pattern.clone())
                .push(" ESCAPE '\\'");
        }
        self.push(")")
    }

    /// Refuses text arguments holding NUL. PostgreSQL cannot store or even compare such
    /// text (the query fails, which would be a 500), and SQLite would store it: refused
    /// the same way on both, as bad input, whichever argument of whichever query it is.
    pub fn refuse_nul(&self) -> Result<()> {
        refuse_nul(&self.args)
    }

    /// Appends `(p1, p2, …)` for a non-empty list.
    pub fn bind_list(&mut self, values: impl IntoIterator<Item = Arg>) -> &mut Self {
        self.text.push('(');
        for (i, v) in values.into_iter().enumerate() {
            if i > 0 {
                self.text.push_str(", ");
            }
            self.bind(v);
        }
        self.text.push(')');
        self
    }
}

/// The refusal of text holding NUL, for queries bound outside `Sql` too.
pub fn refuse_nul(args: &[Arg]) -> Result<()> {
    if args.iter().any(|a| matches!(a, Arg::Text(t) if t.contains('\0'))) {
        return Err(crate::error::AppError::invalid(NUL_REFUSED));
    }
    Ok(())
}

/// Why text holding NUL is refused; only a request made by hand sends one.
pub const NUL_REFUSED: &str =
    "The text you sent holds a NUL character, which Roster does not accept. Remove it and try again.";

/// Binds every argument of a `Sql` to a sqlx query (of either backend).
#[macro_export]
macro_rules! bind_args {
    ($query:expr, $args:expr) => {{
        let mut q = $query;
        for a in $args {
            q = match a {
                $crate::backend::db::Arg::Int(v) => q.bind(*v),
                $crate::backend::db::Arg::NullInt => q.bind(None::<i64>),
                $crate::backend::db::Arg::NullText => q.bind(None::<String>),
                $crate::backend::db::Arg::Text(v) => q.bind(v.clone()),
                $crate::backend::db::Arg::Bool(v) => q.bind(*v),
            };
        }
        q
    }};
}

/// Escapes `%`, `_` and `\` for a `LIKE … ESCAPE '\'` pattern.
pub fn like_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        if matches!(c, '%' | '_' | '\\') {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholders_are_numbered_in_order() {
        let mut s = Sql::new("SELECT 1 WHERE a = ");
        s.bind_int(1).push(" AND b IN ").bind_list([Arg::Int(2), Arg::Text("x".into())]);
        assert_eq!(s.text, "SELECT 1 WHERE a = $1 AND b IN ($2, $3)");
        assert_eq!(s.args.len(), 3);
    }

    #[test]
    fn text_with_nul_is_refused_before_any_query() {
        let mut s = Sql::new("SELECT 1 WHERE a = ");
        s.bind_text("fine");
        assert!(s.refuse_nul().is_ok());
        s.push(" AND b = ").bind_text("a\0b");
        assert_eq!(s.refuse_nul(), Err(crate::error::AppError::invalid(NUL_REFUSED)));
    }

    #[test]
    fn like_patterns_are_escaped() {
        assert_eq!(like_escape(r"50%_a\b"), r"50\%\_a\\b");
    }

    #[test]
    fn a_contains_search_is_one_bound_pattern_per_column() {
        let mut s = Sql::new("SELECT 1 WHERE 1 = 1");
        s.push_contains(&["a.name", "o.name"], "50%");
        assert_eq!(
            s.text,
            r"SELECT 1 WHERE 1 = 1 AND (lower(a.name) LIKE $1 ESCAPE '\' OR lower(o.name) LIKE $2 ESCAPE '\')"
        );
        assert_eq!(s.args, [Arg::Text(r"%50\%%".into()), Arg::Text(r"%50\%%".into())]);
        let mut none = Sql::new("SELECT 1");
        none.push_contains(&["a.name"], "");
        assert_eq!((none.text.as_str(), none.args.len()), ("SELECT 1", 0));
    }
}
