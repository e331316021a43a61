//! "Export to Excel" and CSV of the Manage Users list (SPEC F13).
//!
//! Both routes take the query string of the Manage Users page and export every member
//! of that filtered, sorted view (all pages, whatever page the link points at). Pages
//! are read from the database one at a time and never held together:
//!
//! - CSV goes out as a chunked body, one chunk per page, as the pages are read.
//! - The workbook is written row by row by a `rust_xlsxwriter` worksheet in constant
//!   memory mode (its cells go to a temporary file), on a blocking thread fed page by
//!   page over a small channel. The response starts once every row is in the sheet, so
//!   a database error still becomes a proper error response; the zip container is then
//!   streamed to the client as it is compressed.

use std::io::{self, Write};

use crate::web::ErrorReply;
use app::backend::access::{AccountAdmin, Actor};
use app::backend::{accounts, members, now, Db};
use app::error::AppError;
use app::model::{format_date, ListView, MemberQuery, MemberRow, PageCursor};
use axum::body::{Body, Bytes};
use axum::extract::{Path, RawQuery, State};
use axum::http::{header, HeaderValue};
use axum::response::Response;
use futures_util::stream::{self, StreamExt};
use rust_xlsxwriter::{ExcelDateTime, Format, Workbook, XlsxError};
use tokio::sync::{mpsc, oneshot};
use tower_sessions::Session;

/// Where the exports live, next to the Manage Users page.
pub const XLSX_PATH: &str = "/accounts/{id}/users/export.xlsx";
pub const CSV_PATH: &str = "/accounts/{id}/users/export.csv";

/// Rows read from the database at a time.
pub const EXPORT_PAGE_SIZE: u32 = 2_000;

/// Data rows an Excel worksheet holds (1,048,576 rows less the header).
pub const XLSX_MAX_ROWS: usize = 1_048_575;

pub const XLSX_CONTENT_TYPE: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";
pub const CSV_CONTENT_TYPE: &str = "text/csv; charset=utf-8";

/// The exported columns, as the Manage Users table heads them.
pub const COLUMNS: [&str; 6] = ["Name", "Email", "Additional roles", "Active", "Last sign-on", "Cases owned"];

/// Column widths in the workbook, in Excel character units.
const WIDTHS: [f64; 6] = [28.0, 38.0, 17.0, 9.0, 14.0, 13.0];

/// Chunks of the workbook handed to the response body at a time.
const XLSX_CHUNK: usize = 64 * 1024;

/// `GET /accounts/{id}/users/export.xlsx?<view>`
pub async fn xlsx(
    State(db): State<Db>,
    session: Session,
    Path(id): Path<String>,
    RawQuery(raw): RawQuery,
) -> Result<Response, ErrorReply> {
    let (admin, name, query) = prepare(&db, &session, &id, raw.as_deref()).await?;

    let (rows_tx, rows_rx) = mpsc::channel::<Feed>(2);
    let (ready_tx, ready_rx) = oneshot::channel::<Result<(), AppError>>();
    let (bytes_tx, bytes_rx) = mpsc::channel::<io::Result<Bytes>>(8);
    tokio::task::spawn_blocking(move || write_workbook(rows_rx, ready_tx, bytes_tx));

    // Read the view page by page and hand each page to the sheet writer. On an error
    // the writer is dropped without `Feed::Done`, which makes it give up.
    let now = now();
    let mut query = query;
    let mut written = 0_usize;
    loop {
        let page = members::read::list(&db, &admin, &query, now).await?;
        written += page.rows.len();
        if written > XLSX_MAX_ROWS {
            return Err(AppError::invalid(format!(
                "This view has more than {XLSX_MAX_ROWS} members, more than an Excel sheet holds. \
                 Narrow it with a filter or search, or export CSV instead."
            ))
            .into());
        }
        let next = page.next;
        if rows_tx.send(Feed::Rows(page.rows)).await.is_err() {
            // The writer stopped; its reason arrives on `ready_rx`.
            break;
        }
        match next {
            Some(c) => query.cursor = Some(PageCursor::After(c)),
            None => {
                let _ = rows_tx.send(Feed::Done).await;
                break;
            }
        }
    }
    drop(rows_tx);
    match ready_rx.await {
        Ok(Ok(())) => {}
        Ok(Err(e)) => return Err(e.into()),
        Err(_) => {
            tracing::error!("the workbook writer ended without a result");
            return Err(AppError::Internal.into());
        }
    }

    // Fused: body layers (compression) may poll once more after the end.
    let body = Body::from_stream(
        stream::unfold(bytes_rx, |mut rx| async move { rx.recv().await.map(|chunk| (chunk, rx)) }).fuse(),
    );
    Ok(download(body, XLSX_CONTENT_TYPE, &format!("{}-users.xlsx", slug(&name))))
}

/// `GET /accounts/{id}/users/export.csv?<view>`
pub async fn csv(
    State(db): State<Db>,
    session: Session,
    Path(id): Path<String>,
    RawQuery(raw): RawQuery,
) -> Result<Response, ErrorReply> {
    let (admin, name, query) = prepare(&db, &session, &id, raw.as_deref()).await?;
    let now = now();
    // The first page is read before the response starts, so that a view the database
    // refuses (an unknown role, say) gets a proper error response.
    let first = members::read::list(&db, &admin, &query, now).await?;
    let mut head = csv_chunk(None)?;
    head.extend(csv_chunk(Some(&first.rows))?);
    let next = first.next.map(|c| MemberQuery { cursor: Some(PageCursor::After(c)), ..query });

    let first_chunk = stream::once(async move { Ok::<_, io::Error>(Bytes::from(head)) });
    let rest = stream::unfold(next.map(|q| (db, admin, q)), move |state| async move {
        let (db, admin, query) = state?;
        match members::read::list(&db, &admin, &query, now).await {
            Ok(page) => {
                let chunk = csv_chunk(Some(&page.rows)).map_err(|e| io::Error::other(e.to_string()));
                let next = page.next.map(|c| (db, admin, MemberQuery { cursor: Some(PageCursor::After(c)), ..query }));
                Some((chunk.map(Bytes::from), next))
            }
            Err(e) => {
                // The response has started: all that is left is to cut it short, which
                // the client sees as an incomplete download rather than a short list.
                tracing::error!(error = %e, "CSV export stopped");
                Some((Err(io::Error::other(e.to_string())), None))
            }
        }
    });
    let body = Body::from_stream(first_chunk.chain(rest).fuse());
    Ok(download(body, CSV_CONTENT_TYPE, &format!("{}-users.csv", slug(&name))))
}

/// Checks access, reads the view from the query string, and returns the proof of access
/// and the account's name with the view from its first page at the export page size.
async fn prepare(
    db: &Db,
    session: &Session,
    id: &str,
    raw: Option<&str>,
) -> Result<(AccountAdmin, String, MemberQuery), AppError> {
    let actor = Actor::from_session(db, session).await?;
    let account: i64 = id.parse().map_err(|_| AppError::not_found(format!("There is no account with the id {id}.")))?;
    let admin = actor.manage(db, app::model::AccountId(account)).await?;
    let summary = accounts::get(db, &admin).await?;

    let pairs: Vec<(String, String)> =
        form_urlencoded::parse(raw.unwrap_or("").as_bytes()).map(|(k, v)| (k.into_owned(), v.into_owned())).collect();
    let get = |key: &str| pairs.iter().find(|(k, _)| k == key).map(|(_, v)| v.clone());
    let get_all = |key: &str| pairs.iter().filter(|(k, _)| k == key).map(|(_, v)| v.clone()).collect();
    // Notices describe defaults that replaced nonsense in the link; the page shows
    // them, an export just uses the defaults.
    let (query, _notices) = MemberQuery::from_params(account, get, get_all);
    let query = MemberQuery { page_size: EXPORT_PAGE_SIZE, ..query.first_page() };
    Ok((admin, summary.name, query))
}

fn download(body: Body, content_type: &'static str, filename: &str) -> Response {
    let mut response = Response::new(body);
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    if let Ok(v) = HeaderValue::from_str(&format!("attachment; filename=\"{filename}\"")) {
        headers.insert(header::CONTENT_DISPOSITION, v);
    }
    // Contact data: not for shared caches, nor for the browser's.
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    headers.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    response
}

/// The account name as a file name: lower-case ASCII letters and digits joined by
/// single hyphens ("Northwind Production" → "northwind-production").
pub fn slug(name: &str) -> String {
    let mut out = String::new();
    for c in name.chars() {
        if c.is_ascii_alphanumeric() {
            out.push(c.to_ascii_lowercase());
        } else if !out.is_empty() && !out.ends_with('-') {
            out.push('-');
        }
    }
    let out = out.trim_end_matches('-');
    if out.is_empty() {
        "account".to_string()
    } else {
        out.chars().take(80).collect::<String>().trim_end_matches('-').to_string()
    }
}

/// The CSV text of the header row (`rows` is None) or of some member rows.
fn csv_chunk(rows: Option<&[MemberRow]>) -> Result<Vec<u8>, AppError> {
    let mut w = csv::WriterBuilder::new().from_writer(Vec::new());
    let result = match rows {
        None => w.write_record(COLUMNS),
        Some(rows) => rows.iter().try_for_each(|r| {
            w.write_record([
                csv_text(&r.name).as_ref(),
                csv_text(&r.email).as_ref(),
                &r.additional_roles.to_string(),
                yes_no(r.active),
                &format_date(r.last_sign_in_at).unwrap_or_default(),
                &r.cases_owned.to_string(),
            ])
        }),
    };
    result.map_err(internal)?;
    w.into_inner().map_err(internal)
}

/// Text as a CSV cell that a spreadsheet will not run as a formula: a leading
/// `=`, `+`, `-`, `@`, tab or carriage return gets a `'` in front (OWASP's advice).
fn csv_text(s: &str) -> std::borrow::Cow<'_, str> {
    match s.chars().next() {
        Some('=' | '+' | '-' | '@' | '\t' | '\r') => format!("'{s}").into(),
        _ => s.into(),
    }
}

fn yes_no(b: bool) -> &'static str {
    if b {
        "Yes"
    } else {
        "No"
    }
}

fn internal(e: impl std::fmt::Display) -> AppError {
    tracing::error!(error = %e, "export failed");
    AppError::Internal
}

/// What the page reader sends the sheet writer.
enum Feed {
    Rows(Vec<MemberRow>),
    /// Every row has been sent; without it, a closed channel means "give up".
    Done,
}

/// Runs on a blocking thread: writes the rows it is fed into a constant-memory sheet,
/// reports on `ready` whether the sheet is complete, then streams the xlsx file.
fn write_workbook(
    mut rows: mpsc::Receiver<Feed>,
    ready: oneshot::Sender<Result<(), AppError>>,
    bytes: mpsc::Sender<io::Result<Bytes>>,
) {
    let mut workbook = Workbook::new();
    match fill_sheet(&mut workbook, &mut rows) {
        Ok(true) => {}
        Ok(false) => return, // The reader gave up and reports its own error.
        Err(e) => {
            let _ = ready.send(Err(internal(e)));
            return;
        }
    }
    if ready.send(Ok(())).is_err() {
        return; // The request is gone.
    }
    let mut out = ChunkWriter { buf: Vec::with_capacity(XLSX_CHUNK), tx: bytes.clone() };
    let saved = workbook.save_to_writer(&mut out).map_err(io::Error::other).and_then(|()| out.flush());
    if let Err(e) = saved {
        if e.kind() != io::ErrorKind::BrokenPipe {
            tracing::error!(error = %e, "writing the xlsx export failed");
            let _ = bytes.blocking_send(Err(e));
        }
    }
}

/// Writes the header and every fed row. `Ok(false)`: the feed stopped without `Done`.
fn fill_sheet(workbook: &mut Workbook, rows: &mut mpsc::Receiver<Feed>) -> Result<bool, XlsxError> {
    let bold = Format::new().set_bold();
    let date = Format::new().set_num_format("yyyy-mm-dd");
    let sheet = workbook.add_worksheet_with_constant_memory()?;
    sheet.set_name("Users")?;
    for (col, width) in WIDTHS.iter().enumerate() {
        sheet.set_column_width(col as u16, *width)?;
    }
    for (col, title) in COLUMNS.iter().enumerate() {
        sheet.write_string_with_format(0, col as u16, *title, &bold)?;
    }
    sheet.set_freeze_panes(1, 0)?;
    let mut row: u32 = 0;
    loop {
        match rows.blocking_recv() {
            Some(Feed::Rows(page)) => {
                for r in page {
                    row += 1;
                    sheet.write_string(row, 0, r.name)?;
                    sheet.write_string(row, 1, r.email)?;
                    sheet.write_number(row, 2, r.additional_roles as f64)?;
                    sheet.write_string(row, 3, yes_no(r.active))?;
                    if let Some(day) = sign_on_day(r.last_sign_in_at) {
                        sheet.write_datetime_with_format(row, 4, &day, &date)?;
                    }
                    sheet.write_number(row, 5, r.cases_owned as f64)?;
                }
            }
            Some(Feed::Done) => break,
            None => return Ok(false),
        }
    }
    sheet.autofilter(0, 0, row, (COLUMNS.len() - 1) as u16)?;
    Ok(true)
}

/// The UTC day of a sign-in as an Excel date; `None` for never (0) or out of range.
fn sign_on_day(unix: i64) -> Option<ExcelDateTime> {
    if unix <= 0 {
        return None;
    }
    ExcelDateTime::from_timestamp(unix - unix.rem_euclid(86_400)).ok()
}

/// Hands what it is given to the response body in chunks of `XLSX_CHUNK` bytes, waiting
/// while the client catches up. A closed body (client gone) is a `BrokenPipe`.
struct ChunkWriter {
    buf: Vec<u8>,
    tx: mpsc::Sender<io::Result<Bytes>>,
}

impl ChunkWriter {
    fn send(&mut self) -> io::Result<()> {
        if self.buf.is_empty() {
            return Ok(());
        }
        let chunk = std::mem::replace(&mut self.buf, Vec::with_capacity(XLSX_CHUNK));
        self.tx.blocking_send(Ok(Bytes::from(chunk))).map_err(|_| io::Error::from(io::ErrorKind::BrokenPipe))
    }
}

impl Write for ChunkWriter {
    fn write(&mut self, data: &[u8]) -> io::Result<usize> {
        self.buf.extend_from_slice(data);
        if self.buf.len() >= XLSX_CHUNK {
            self.send()?;
        }
        Ok(data.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        self.send()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slugs() {
        assert_eq!(slug("Northwind Production"), "northwind-production");
        assert_eq!(slug("  Contoso / Health — Cloud! "), "contoso-health-cloud");
        assert_eq!(slug("Ωμέγα"), "account");
    }

    #[test]
    fn csv_cells_are_quoted_and_defused() {
        let row = MemberRow {
            membership_id: 1,
            person_id: 1,
            name: "O'Brien, \"Pat\"".into(),
            email: "=cmd@x.example".into(),
            additional_roles: 2,
            active: false,
            last_sign_in_at: 951_782_400,
            cases_owned: 0,
            registered: true,
        };
        let text = String::from_utf8(csv_chunk(Some(&[row])).unwrap()).unwrap();
        assert_eq!(text, "\"O'Brien, \"\"Pat\"\"\",'=cmd@x.example,2,No,2000-02-29,0\n");
    }
}
