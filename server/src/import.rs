//! The upload of a CSV import (SPEC F27) and the download of its report.
//!
//! Server functions take bodies of at most 1 MiB (`web::MAX_BODY_BYTES`); a file of
//! 100,000 rows is several. This route takes up to `IMPORT_MAX_BYTES` and never holds
//! the file: its chunks go, as they arrive, to the CSV reader of
//! `app::backend::import::upload`, which stores the rows in chunks.
//!
//! - `POST /accounts/{account}/import` with the file as the body (`text/csv`, a file name in
//!   `?name=`): answers 201 with the import as JSON, or the refusal with its status
//!   (400 for a file Roster cannot read, 413 above the limit).
//! - The same with a `multipart/form-data` form (the import page's, which works without
//!   JavaScript): its `file` field is read the same way, and the answer is a redirect to
//!   the import page showing the import (or why the file was refused).
//!
//! Both sit behind the session and the same-origin rule of the pages, like the exports.

use crate::web::ErrorReply;
use app::backend::access::{AccountAdmin, Actor};
use app::backend::{import, Db};
use app::error::AppError;
use app::model::{ImportStatus, RowOutcome, IMPORT_MAX_BYTES};
use axum::body::{Body, Bytes};
use axum::extract::{FromRequest, Path, Query, Request, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use futures_util::stream::{self, StreamExt};
use tokio::sync::mpsc;
use tower_sessions::Session;

pub const UPLOAD_PATH: &str = "/accounts/{account}/import";
pub const REPORT_PATH: &str = "/accounts/{account}/import/{import}/report.csv";

/// Whether a request is an upload of an import (which `web::body_limit` leaves to us).
pub fn is_upload(method: &axum::http::Method, path: &str) -> bool {
    let mut parts = path.trim_end_matches('/').split('/');
    method == axum::http::Method::POST
        && parts.next() == Some("")
        && parts.next() == Some("accounts")
        && parts.next().is_some_and(|id| !id.is_empty())
        && parts.next() == Some("import")
        && parts.next().is_none()
}

fn too_large() -> AppError {
    AppError::TooLarge(format!("The file is too large: at most {} MiB.", IMPORT_MAX_BYTES / (1024 * 1024)))
}

async fn admin(db: &Db, session: &Session, id: &str) -> Result<AccountAdmin, AppError> {
    let actor = Actor::from_session(db, session).await?;
    let account: i64 = id.parse().map_err(|_| AppError::not_found(format!("There is no account with the id {id}.")))?;
    actor.manage(db, app::model::AccountId(account)).await
}

#[derive(serde::Deserialize)]
pub struct UploadQuery {
    name: Option<String>,
}

/// `POST /accounts/{id}/import`
pub async fn upload(
    State(db): State<Db>,
    session: Session,
    Path(id): Path<String>,
    Query(q): Query<UploadQuery>,
    req: Request,
) -> Result<Response, ErrorReply> {
    let admin = admin(&db, &session, &id).await?;
    let announced =
        req.headers().get(header::CONTENT_LENGTH).and_then(|v| v.to_str().ok()).and_then(|v| v.parse::<u64>().ok());
    let is_form = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("multipart/form-data"));
    // A form's body holds a little more than its file: its boundaries and headings.
    let slack = if is_form { 64 * 1024 } else { 0 };
    if announced.is_some_and(|n| n > (IMPORT_MAX_BYTES + slack) as u64) {
        return Err(too_large().into());
    }
    let (chunks_tx, chunks_rx) = mpsc::channel::<Result<Vec<u8>, AppError>>(4);
    if is_form {
        let page = format!("/accounts/{}/import", admin.account().0);
        let mut form = axum::extract::Multipart::from_request(req, &())
            .await
            .map_err(|_| AppError::invalid("The form could not be read. Choose the file again."))?;
        let field = loop {
            match form.next_field().await {
                Ok(Some(f)) if f.name() == Some("file") => break f,
                Ok(Some(_)) => continue,
                _ => return Err(AppError::invalid("Choose a CSV file to import.").into()),
            }
        };
        let name = field.file_name().unwrap_or("upload.csv").to_string();
        let chunks = Box::pin(field.map(|c| c.map_err(|_| ())));
        let (_, done) = tokio::join!(feed_chunks(chunks, chunks_tx), import::upload(&db, &admin, &name, chunks_rx));
        let (status, _) = done?;
        return Ok(Redirect::to(&format!("{page}?import={}", status.id)).into_response());
    }
    let body = Box::pin(req.into_body().into_data_stream().map(|c| c.map_err(|_| ())));
    let name = q.name.unwrap_or_else(|| "upload.csv".into());
    let (_, done) = tokio::join!(feed_chunks(body, chunks_tx), import::upload(&db, &admin, &name, chunks_rx));
    let (status, problem) = done?;
    match problem {
        Some(e) => Err(e.into()),
        None => Ok((StatusCode::CREATED, axum::Json(status)).into_response()),
    }
}

/// Hands the body's chunks to the reader, up to `IMPORT_MAX_BYTES`; past it, the reader
/// gets the refusal instead. Stops when the reader stops (a file it refused).
async fn feed_chunks<S>(mut body: S, to: mpsc::Sender<Result<Vec<u8>, AppError>>)
where
    S: futures_util::Stream<Item = Result<Bytes, ()>> + Unpin,
{
    let mut total = 0_usize;
    while let Some(chunk) = body.next().await {
        let sent = match chunk {
            Ok(bytes) => {
                total += bytes.len();
                if total > IMPORT_MAX_BYTES {
                    let _ = to.send(Err(too_large())).await;
                    return;
                }
                to.send(Ok(bytes.to_vec())).await
            }
            Err(()) => {
                let _ = to
                    .send(Err(AppError::invalid("The upload stopped before the end of the file. Upload it again.")))
                    .await;
                return;
            }
        };
        if sent.is_err() {
            return;
        }
    }
}

/// Rows of the report read at a time.
const REPORT_PAGE: i64 = 2_000;

/// `GET /accounts/{id}/import/{import}/report.csv`: every row with its outcome.
pub async fn report(
    State(db): State<Db>,
    session: Session,
    Path((id, import_id)): Path<(String, String)>,
) -> Result<Response, ErrorReply> {
    let admin = admin(&db, &session, &id).await?;
    let import_id: i64 =
        import_id.parse().map_err(|_| AppError::not_found("There is no such import in this account."))?;
    let status = import::status(&db, &admin, import_id).await?;
    let first = import::rows(&db, &admin, import_id, 0, REPORT_PAGE, false).await?;
    let mut head = csv_rows(&status, None)?;
    head.extend(csv_rows(&status, Some(&first))?);
    let next = (first.len() as i64 == REPORT_PAGE).then(|| first.last().map(|r| r.line)).flatten();
    let head = stream::once(async move { Ok::<_, std::io::Error>(Bytes::from(head)) });
    let rest = stream::unfold(next.map(|after| (db, admin, status, after)), move |state| async move {
        let (db, admin, status, after) = state?;
        match import::rows(&db, &admin, import_id, after, REPORT_PAGE, false).await {
            Ok(rows) => {
                let chunk = csv_rows(&status, Some(&rows)).map_err(|e| std::io::Error::other(e.to_string()));
                let next = (rows.len() as i64 == REPORT_PAGE)
                    .then(|| rows.last().map(|r| r.line))
                    .flatten()
                    .map(|after| (db, admin, status, after));
                Some((chunk.map(Bytes::from), next))
            }
            Err(e) => {
                tracing::error!(error = %e, "import report stopped");
                Some((Err(std::io::Error::other(e.to_string())), None))
            }
        }
    });
    let mut response = Response::new(Body::from_stream(head.chain(rest).fuse()));
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(crate::export::CSV_CONTENT_TYPE));
    let file = format!("import-{import_id}-report.csv");
    if let Ok(v) = HeaderValue::from_str(&format!("attachment; filename=\"{file}\"")) {
        headers.insert(header::CONTENT_DISPOSITION, v);
    }
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    headers.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    Ok(response)
}

/// The report's columns.
pub const REPORT_COLUMNS: [&str; 5] = ["Line", "Email", "Outcome", "Applied", "Message"];

fn csv_rows(status: &ImportStatus, rows: Option<&[app::model::ImportRow]>) -> Result<Vec<u8>, AppError> {
    let mut w = csv::WriterBuilder::new().from_writer(Vec::new());
    let done = status.applying();
    let written = match rows {
        None => w.write_record(REPORT_COLUMNS),
        Some(rows) => rows.iter().try_for_each(|r| {
            let outcome =
                r.outcome.map_or("Not checked", |o| o.label(done && (r.applied || o == RowOutcome::Unchanged)));
            w.write_record([
                r.line.to_string().as_str(),
                defused(&r.email).as_str(),
                outcome,
                if r.applied { "Yes" } else { "No" },
                defused(&r.message).as_str(),
            ])
        }),
    };
    written.map_err(|_| AppError::Internal)?;
    w.into_inner().map_err(|_| AppError::Internal)
}

/// Text a spreadsheet will not run as a formula (as the export writes it).
fn defused(s: &str) -> String {
    match s.chars().next() {
        Some('=' | '+' | '-' | '@' | '\t' | '\r') => format!("'{s}"),
        _ => s.to_string(),
    }
}
