//! Keyset paging, as every table of Roster pages: a page starts after (or before) the
//! sort value and id of its neighbour's last (or first) row, so that reading page 1,000
//! costs what reading page 1 does, and rows added meanwhile never shift a page.

use super::db::Sql;
use crate::error::{AppError, Result};
use crate::model::{Cursor, CursorKey, PageCursor, SortDir};

/// Refuses a cursor whose sort value is not of the kind the sorted column holds (`text`
/// or a number): a link made by hand, or one kept from another sort. SQL would otherwise
/// compare a number with text, which PostgreSQL answers with an error.
pub fn check_kind(cursor: Option<&PageCursor>, text: bool) -> Result<()> {
    match cursor {
        Some(PageCursor::After(c) | PageCursor::Before(c)) if matches!(c.key, CursorKey::Text(_)) != text => {
            Err(AppError::invalid("This page link does not fit the sort order. Start again from the first page."))
        }
        _ => Ok(()),
    }
}

/// The direction rows are read in: the view's, flipped when reading backwards (towards
/// the previous page; `finish` turns those rows around again).
pub fn ascending(dir: SortDir, cursor: Option<&PageCursor>) -> bool {
    (dir == SortDir::Asc) != matches!(cursor, Some(PageCursor::Before(_)))
}

/// Binds a cursor's sort value.
pub fn bind_key(sql: &mut Sql, c: &Cursor) {
    match &c.key {
        CursorKey::Int(v) => sql.bind_int(*v),
        CursorKey::Text(t) => sql.bind_text(t.clone()),
    };
}

/// ` AND (col, id_col) > (value, id)`: the rows past the cursor in the reading direction.
pub fn push_past(sql: &mut Sql, col: &str, id_col: &str, ascending: bool, c: &Cursor) {
    push_compared(sql, col, id_col, if ascending { ">" } else { "<" }, c);
}

/// ` AND (col, id_col) <= (value, id)`: the rows up to the cursor's in the reading
/// direction, for a read that may go no further (both databases end an index walk there).
pub fn push_until(sql: &mut Sql, col: &str, id_col: &str, ascending: bool, c: &Cursor) {
    push_compared(sql, col, id_col, if ascending { "<=" } else { ">=" }, c);
}

/// ` AND (col, id_col) <op> (value, id)`
fn push_compared(sql: &mut Sql, col: &str, id_col: &str, op: &str, c: &Cursor) {
    sql.push(&format!(" AND ({col}, {id_col}) {op} ("));
    bind_key(sql, c);
    sql.push(", ").bind_int(c.id).push(")");
}

/// ` ORDER BY col, id_col LIMIT page_size + 1`: one row more than a page says whether
/// another page follows.
pub fn push_order(sql: &mut Sql, col: &str, id_col: &str, ascending: bool, page_size: u32) {
    let order = if ascending { "ASC" } else { "DESC" };
    sql.push(&format!(" ORDER BY {col} {order}, {id_col} {order} LIMIT ")).bind_int(i64::from(page_size) + 1);
}

/// A page from the rows read (up to `page_size + 1` of them, in reading direction): the
/// rows in the view's order, and the cursors of the previous and the next page.
pub fn finish<R>(
    mut rows: Vec<R>,
    page_size: u32,
    cursor: Option<&PageCursor>,
    key: impl Fn(&R) -> Cursor,
) -> (Vec<R>, Option<Cursor>, Option<Cursor>) {
    let more = rows.len() > page_size as usize;
    rows.truncate(page_size as usize);
    let (has_prev, has_next) = match cursor {
        None => (false, more),
        Some(PageCursor::After(_)) => (true, more),
        Some(PageCursor::Before(_)) => {
            rows.reverse();
            (more, true)
        }
    };
    let prev = if has_prev { rows.first().map(&key) } else { None };
    let next = if has_next { rows.last().map(&key) } else { None };
    (rows, prev, next)
}

/// `finish` for a read that looked at no more than a window of rows past the cursor (a
/// search no index serves): when the window ran out before a page of matches, the page
/// goes on from `boundary`, the window's last row, so that the next read starts there.
/// A stretch without a match has no row to page back from: "First page" leads back.
pub fn finish_within<R>(
    rows: Vec<R>,
    page_size: u32,
    cursor: Option<&PageCursor>,
    key: impl Fn(&R) -> Cursor,
    boundary: Option<Cursor>,
) -> (Vec<R>, Option<Cursor>, Option<Cursor>) {
    let more = rows.len() > page_size as usize;
    let (rows, mut prev, mut next) = finish(rows, page_size, cursor, key);
    let backward = matches!(cursor, Some(PageCursor::Before(_)));
    if let (false, Some(b)) = (more, boundary) {
        if backward {
            prev = Some(b);
        } else {
            next = Some(b);
        }
    }
    (rows, prev, next)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(id: i64) -> Cursor {
        Cursor { key: CursorKey::Int(id), id }
    }

    #[test]
    fn a_window_that_ran_out_goes_on_from_its_last_row() {
        // Two matches in a window of ten rows that ended at 10: "Next" starts after 10.
        let (rows, prev, next) = finish_within(vec![3, 7], 2, None, |r| at(*r), Some(at(10)));
        assert_eq!((rows, prev, next), (vec![3, 7], None, Some(at(10))));
        // A whole page of matches: the page's own last row, as ever.
        let (rows, _, next) = finish_within(vec![3, 7, 8], 2, None, |r| at(*r), Some(at(10)));
        assert_eq!((rows, next), (vec![3, 7], Some(at(7))));
        // Nothing in the stretch after 10 up to 20: on from 20.
        let after = PageCursor::After(at(10));
        let (rows, prev, next) = finish_within(Vec::<i64>::new(), 2, Some(&after), |r| at(*r), Some(at(20)));
        assert_eq!((rows, prev, next), (vec![], None, Some(at(20))));
        // Backwards from 20, nothing down to 10: on (back) from 10.
        let before = PageCursor::Before(at(20));
        let (rows, prev, _) = finish_within(Vec::<i64>::new(), 2, Some(&before), |r| at(*r), Some(at(10)));
        assert_eq!((rows, prev), (vec![], Some(at(10))));
        // The window did not run out: nothing beyond.
        let (_, _, next) = finish_within(vec![3], 2, None, |r| at(*r), None);
        assert_eq!(next, None);
    }

    #[test]
    fn a_page_knows_its_neighbours() {
        let key = |r: &i64| at(*r);
        assert_eq!(finish(vec![1, 2, 3], 2, None, key), (vec![1, 2], None, Some(at(2))));
        assert_eq!(finish(vec![1, 2], 2, None, key), (vec![1, 2], None, None));
        let after = PageCursor::After(at(0));
        assert_eq!(finish(vec![1, 2], 2, Some(&after), key), (vec![1, 2], Some(at(1)), None));
        // Read backwards from 5: 4, 3, 2 (one more than a page).
        let before = PageCursor::Before(at(5));
        assert_eq!(finish(vec![4, 3, 2], 2, Some(&before), key), (vec![3, 4], Some(at(3)), Some(at(4))));
        assert_eq!(finish(vec![4, 3], 2, Some(&before), key), (vec![3, 4], None, Some(at(4))));
    }

    #[test]
    fn reading_backwards_flips_the_direction() {
        assert!(ascending(SortDir::Asc, None));
        assert!(!ascending(SortDir::Asc, Some(&PageCursor::Before(at(1)))));
        assert!(ascending(SortDir::Desc, Some(&PageCursor::Before(at(1)))));
    }
}
