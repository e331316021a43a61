//! CSV import of members (SPEC F27).
//!
//! An upload is read as it arrives (`upload`): the CSV is parsed on a blocking thread fed
//! chunk by chunk, and its rows are stored in `import_rows` in chunks, so that 100,000
//! rows never sit in memory together. Then `step` works through the rows one batch of
//! `IMPORT_BATCH` at a time, each batch one transaction under the account's lock:
//!
//! - the **dry run** (state `checking`) decides what each row would do (will create, will
//!   update, unchanged, or the refusal) and stores it, writing nothing else;
//! - the **apply** (state `applying`, after `start_apply`) makes the changes and marks
//!   the rows applied, and moves `applied_through` to the batch's last line, in the same
//!   transaction: a batch is stored whole or not at all, and a stopped import goes on
//!   after the last stored batch.
//!
//! Both decide a batch set-wise (`setwise`): a few queries look up what the rules need for
//! all its rows, each row is decided in Rust by the rules of the Manage Users dialogs
//! (`members::write`, `contacts`: their pure parts and messages), seeing what the rows
//! before it in the batch changed, and the apply writes the batch with multi-row
//! statements. A batch that path does not cover, or that the database refuses (a change
//! made in between), is made row by row instead with the dialogs' own functions, each
//! row in a savepoint (`try_row`; undone at the end of the dry run).
//!
//! Checks across the file come from the stored rows: an email given on an earlier line,
//! a role held once per account (Primary) given on an earlier line.

use std::io::{self, Read};

use serde::{Deserialize, Serialize};
use tokio::sync::mpsc;

use super::access::AccountAdmin;
use super::audit::{self, Record};
use super::contacts;
use super::db::{Arg, Db, Sql, Tx};
use super::mail::{EmailAddress, FULL_EMAIL};
use super::members::write::{self, Wanted, NOT_REGISTERED};
use super::now;
use super::roles::{requested_bits, unknown_role, Catalogue};
use crate::error::{AppError, Result};
use crate::model::{
    thousands, AuditAction, ImportRow, ImportState, ImportStatus, MembershipId, RoleChange, RowOutcome, IMPORT_BATCH,
    IMPORT_MAX_ROWS,
};
use crate::sql;

mod setwise;

/// Where the columns Roster uses are in the file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Columns {
    pub email: usize,
    pub first_name: Option<usize>,
    pub last_name: Option<usize>,
    pub roles: Option<usize>,
    pub active: Option<usize>,
    /// The other columns, by their heading, with why they are not used.
    pub ignored: Vec<String>,
}

/// The columns of Roster's own export that Roster works out itself: an exported file is
/// accepted as it is, and these are left alone.
const COMPUTED: [&str; 5] = ["name", "additional roles", "active", "last sign on", "cases owned"];

fn heading_key(h: &str) -> String {
    h.trim().to_lowercase().replace(['_', '-'], " ").split_whitespace().collect::<Vec<_>>().join(" ")
}

/// A heading as the report repeats it: visible characters, at most 40 of them.
fn shown_heading(h: &str) -> String {
    let h: String = h.trim().chars().filter(|c| !crate::model::is_hidden_char(*c)).take(40).collect();
    if h.is_empty() {
        "(a column without a heading)".into()
    } else {
        h
    }
}

/// Finds the columns in the header line (case-insensitive). The Email column is needed;
/// a column named twice is refused (which one would count?).
pub fn map_header(header: &[String]) -> Result<Columns> {
    let mut cols =
        Columns { email: usize::MAX, first_name: None, last_name: None, roles: None, active: None, ignored: vec![] };
    let mut seen: Vec<&str> = Vec::new();
    for (i, h) in header.iter().enumerate() {
        let key = heading_key(h);
        let slot = match key.as_str() {
            "email" | "e mail" | "email address" | "primary email" => Some(("Email", None)),
            "first name" | "firstname" | "given name" => Some(("First name", Some(&mut cols.first_name))),
            "last name" | "lastname" | "surname" | "family name" => Some(("Last name", Some(&mut cols.last_name))),
            "roles" | "role" => Some(("Roles", Some(&mut cols.roles))),
            "active login" | "status" => Some(("Active login", Some(&mut cols.active))),
            _ => None,
        };
        match slot {
            Some((name, target)) => {
                if seen.contains(&name) {
                    return Err(AppError::invalid(format!(
                        "The file has two {name} columns. Keep one and upload it again."
                    )));
                }
                seen.push(name);
                match target {
                    Some(t) => *t = Some(i),
                    None => cols.email = i,
                }
            }
            None if COMPUTED.contains(&key.as_str()) => {
                cols.ignored.push(format!("{} (worked out by Roster)", shown_heading(h)))
            }
            None => cols.ignored.push(shown_heading(h)),
        }
    }
    if cols.email == usize::MAX {
        return Err(AppError::invalid(
            "The file has no Email column. Its first line must name the columns, one of them Email \
             (Roster's own CSV export has the right headings).",
        ));
    }
    Ok(cols)
}

/// `;` when the header line has more semicolons than commas (outside quotes), else `,`.
pub fn sniff_delimiter(first_line: &[u8]) -> u8 {
    let (mut commas, mut semicolons, mut quoted) = (0, 0, false);
    for b in first_line {
        match b {
            b'"' => quoted = !quoted,
            b',' if !quoted => commas += 1,
            b';' if !quoted => semicolons += 1,
            _ => {}
        }
    }
    if semicolons > commas {
        b';'
    } else {
        b','
    }
}

/// The role keys a Roles cell names: catalogue keys or labels, any case, separated by
/// `;`, `,`, `|` or line breaks.
pub fn role_keys(cat: &Catalogue, cell: &str) -> Result<Vec<String>> {
    let mut keys = Vec::new();
    for part in cell.split([';', ',', '|', '\n', '\r']).map(str::trim).filter(|p| !p.is_empty()) {
        let found = cat
            .0
            .iter()
            .find(|d| d.role.key.eq_ignore_ascii_case(part) || d.role.label.to_lowercase() == part.to_lowercase());
        match found {
            Some(d) => keys.push(d.role.key.clone()),
            None => return Err(unknown_role(part)),
        }
    }
    if keys.is_empty() {
        return Err(AppError::invalid("No role: list at least one role in the Roles column, like General Support."));
    }
    Ok(keys)
}

/// An Active login cell: Yes / No (empty: as it is).
pub fn parse_active(cell: &str) -> Result<Option<bool>> {
    match cell.trim().to_lowercase().as_str() {
        "" => Ok(None),
        "yes" | "y" | "true" | "1" | "active" => Ok(Some(true)),
        "no" | "n" | "false" | "0" | "inactive" | "deactivated" => Ok(Some(false)),
        _ => Err(AppError::invalid("Write Yes or No in the Active login column.")),
    }
}

/// The cells of one data row that Roster uses, as stored in `import_rows.data`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Cells {
    #[serde(rename = "e")]
    pub email: String,
    #[serde(rename = "f", default, skip_serializing_if = "Option::is_none")]
    pub first_name: Option<String>,
    #[serde(rename = "l", default, skip_serializing_if = "Option::is_none")]
    pub last_name: Option<String>,
    #[serde(rename = "r", default, skip_serializing_if = "Option::is_none")]
    pub roles: Option<String>,
    #[serde(rename = "a", default, skip_serializing_if = "Option::is_none")]
    pub active: Option<String>,
}

/// What the parser hands on.
#[derive(Debug)]
pub enum Parsed {
    Header(Columns),
    Rows(Vec<(i64, Cells)>),
}

const BOM: &[u8] = b"\xEF\xBB\xBF";

fn not_utf8(line: u64) -> AppError {
    AppError::invalid(format!(
        "Line {line} is not UTF-8 text. Save the file as \"CSV UTF-8\" and upload it again; nothing was imported."
    ))
}

fn read_error(e: csv::Error) -> AppError {
    let line = e.position().map(|p| p.line());
    match e.into_kind() {
        csv::ErrorKind::Io(io) => match io.get_ref().and_then(|i| i.downcast_ref::<AppError>()) {
            Some(app) => app.clone(),
            None => AppError::invalid("The file could not be read to its end. Upload it again."),
        },
        csv::ErrorKind::Utf8 { pos, .. } => not_utf8(pos.map(|p| p.line()).or(line).unwrap_or(0)),
        _ => AppError::invalid(match line {
            Some(l) => format!("Line {l} could not be read as CSV."),
            None => "The file could not be read as CSV.".to_string(),
        }),
    }
}

/// Reads a CSV file from `input` (blocking): UTF-8 with or without a byte-order mark,
/// comma or semicolon separated (as its header line shows), quoted cells across lines.
/// Hands `sink` the columns, then the rows in chunks of `IMPORT_BATCH`; a row is its
/// first line and its cells. Blank rows are skipped. A file it cannot read is refused
/// whole, with the line.
pub fn read_csv<R: Read>(mut input: R, sink: &mut dyn FnMut(Parsed) -> Result<()>) -> Result<()> {
    let mut head = Vec::new();
    let mut tmp = [0_u8; 8192];
    loop {
        let n = input.read(&mut tmp).map_err(|e| read_error(csv::Error::from(e)))?;
        if n == 0 {
            break;
        }
        head.extend_from_slice(&tmp[..n]);
        if head.contains(&b'\n') || head.len() > 64 * 1024 {
            break;
        }
    }
    if head.starts_with(b"\xFF\xFE") || head.starts_with(b"\xFE\xFF") {
        return Err(AppError::invalid(
            "The file is UTF-16 text. Save it as \"CSV UTF-8\" and upload it again; nothing was imported.",
        ));
    }
    let body = head.strip_prefix(BOM).unwrap_or(&head).to_vec();
    if body.iter().all(u8::is_ascii_whitespace) {
        return Err(AppError::invalid("The file is empty. Its first line must name the columns, one of them Email."));
    }
    let first_line = body.split(|b| *b == b'\n').next().unwrap_or_default();
    let delimiter = sniff_delimiter(first_line);
    let mut reader = csv::ReaderBuilder::new()
        .delimiter(delimiter)
        .has_headers(false)
        .flexible(true)
        // Lines end at `\n` only: with CR LF as one terminator, the reader reports a
        // record after a CR LF line on the line before it. A CR left at a line's end is
        // white space around the last cell, which is trimmed.
        .terminator(csv::Terminator::Any(b'\n'))
        .from_reader(io::Cursor::new(body).chain(input));
    let mut record = csv::ByteRecord::new();
    if !reader.read_byte_record(&mut record).map_err(read_error)? {
        return Err(AppError::invalid("The file is empty. Its first line must name the columns, one of them Email."));
    }
    let header = record
        .iter()
        .map(|f| std::str::from_utf8(f).map(str::to_string).map_err(|_| not_utf8(1)))
        .collect::<Result<Vec<_>>>()?;
    let cols = map_header(&header)?;
    sink(Parsed::Header(cols.clone()))?;
    let mut chunk = Vec::with_capacity(IMPORT_BATCH);
    let mut count = 0_usize;
    while reader.read_byte_record(&mut record).map_err(read_error)? {
        let line = record.position().map(|p| p.line()).unwrap_or(0);
        for field in record.iter() {
            let text = std::str::from_utf8(field).map_err(|_| not_utf8(line))?;
            if text.contains('\0') {
                return Err(AppError::invalid(format!(
                    "Line {line} holds a NUL character, which is not text. Check the file and upload it again."
                )));
            }
        }
        if record.iter().all(|f| f.iter().all(u8::is_ascii_whitespace)) {
            continue;
        }
        count += 1;
        if count > IMPORT_MAX_ROWS {
            return Err(AppError::invalid(format!(
                "The file has more than {} rows. Split it and import the parts one after another.",
                thousands(IMPORT_MAX_ROWS as u64)
            )));
        }
        let cell = |i: usize| record.get(i).map(|b| String::from_utf8_lossy(b).trim().to_string()).unwrap_or_default();
        let cells = Cells {
            email: cell(cols.email),
            first_name: cols.first_name.map(cell),
            last_name: cols.last_name.map(cell),
            roles: cols.roles.map(cell),
            active: cols.active.map(cell),
        };
        chunk.push((line as i64, cells));
        if chunk.len() == IMPORT_BATCH {
            sink(Parsed::Rows(std::mem::take(&mut chunk)))?;
        }
    }
    if !chunk.is_empty() {
        sink(Parsed::Rows(chunk))?;
    }
    if count == 0 {
        return Err(AppError::invalid("The file has a header line but no rows under it."));
    }
    Ok(())
}

/// A `Read` over the chunks of an upload as they arrive (on a blocking thread). An error
/// sent in their place (the upload is too large) ends the reading with that error.
struct ChannelReader {
    rx: mpsc::Receiver<Result<Vec<u8>>>,
    buf: Vec<u8>,
    pos: usize,
}

impl Read for ChannelReader {
    fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
        while self.pos >= self.buf.len() {
            match self.rx.blocking_recv() {
                None => return Ok(0),
                Some(Ok(b)) => {
                    self.buf = b;
                    self.pos = 0;
                }
                Some(Err(e)) => return Err(io::Error::other(e)),
            }
        }
        let n = out.len().min(self.buf.len() - self.pos);
        out[..n].copy_from_slice(&self.buf[self.pos..self.pos + n]);
        self.pos += n;
        Ok(n)
    }
}

/// A file name as the page shows it: its last part, visible characters, at most 120.
fn checked_file_name(name: &str) -> String {
    let last = name.rsplit(['/', '\\']).next().unwrap_or_default();
    let name: String = last.trim().chars().filter(|c| !crate::model::is_hidden_char(*c)).take(120).collect();
    if name.is_empty() {
        "upload.csv".into()
    } else {
        name
    }
}

/// Reads an upload, whose chunks arrive on `chunks`, into a new import of the account.
/// A file Roster cannot read leaves a `failed` import that says why, and that reason
/// comes back too; a readable one is stored, ready for its dry run (`step`).
pub async fn upload(
    db: &Db,
    admin: &AccountAdmin,
    file_name: &str,
    chunks: mpsc::Receiver<Result<Vec<u8>>>,
) -> Result<(ImportStatus, Option<AppError>)> {
    let cat = Catalogue::load(db).await?;
    let id: i64 = db
        .scalar(&sql!(
            "INSERT INTO imports (account_id, created_by, file_name, state, created_at) \
             VALUES ($1, $2, $3, 'uploading', $4) RETURNING id",
            admin.account(),
            admin.actor().person_id,
            checked_file_name(file_name),
            now()
        ))
        .await?;
    let (parsed_tx, mut parsed_rx) = mpsc::channel::<Parsed>(2);
    let reader = ChannelReader { rx: chunks, buf: Vec::new(), pos: 0 };
    let parser = tokio::task::spawn_blocking(move || {
        read_csv(reader, &mut |p| parsed_tx.blocking_send(p).map_err(|_| AppError::Internal))
    });
    let mut stored = Ok(0_i64);
    while let Some(p) = parsed_rx.recv().await {
        let done = match p {
            Parsed::Header(cols) => db
                .execute(&sql!(
                    "UPDATE imports SET ignored_columns = $1, has_roles = $2 WHERE id = $3",
                    serde_json::to_string(&cols.ignored).map_err(|_| AppError::Internal)?,
                    cols.roles.is_some(),
                    id
                ))
                .await
                .map(|_| 0),
            Parsed::Rows(rows) => store_rows(db, &cat, id, &rows).await.map(|_| rows.len() as i64),
        };
        match (done, &mut stored) {
            (Ok(n), Ok(total)) => *total += n,
            (Err(e), _) => {
                stored = Err(e);
                break;
            }
            _ => {}
        }
    }
    drop(parsed_rx);
    let parsed = parser.await.map_err(|e| {
        tracing::error!(error = %e, "the CSV reader stopped");
        AppError::Internal
    })?;
    let total = stored?;
    let problem = match parsed {
        Ok(()) => None,
        Err(e @ (AppError::Internal | AppError::Unavailable | AppError::Busy)) => return Err(e),
        Err(e) => Some(e),
    };
    match &problem {
        None => {
            db.execute(&sql!("UPDATE imports SET state = 'checking', total_rows = $1 WHERE id = $2", total, id))
                .await?;
        }
        Some(e) => {
            // Nothing of a refused file is kept but the reason.
            db.execute(&sql!("DELETE FROM import_rows WHERE import_id = $1", id)).await?;
            db.execute(&sql!(
                "UPDATE imports SET state = 'failed', problem = $1, finished_at = $2 WHERE id = $3",
                e.to_string(),
                now(),
                id
            ))
            .await?;
        }
    }
    Ok((status(db, admin, id).await?, problem))
}

async fn store_rows(db: &Db, cat: &Catalogue, import: i64, rows: &[(i64, Cells)]) -> Result<()> {
    for chunk in rows.chunks(setwise::rows_per_statement(db.backend(), 5)) {
        let mut q = Sql::new("INSERT INTO import_rows (import_id, line, email_key, role_bits, data) VALUES ");
        for (i, (line, cells)) in chunk.iter().enumerate() {
            if i > 0 {
                q.push(", ");
            }
            let key = EmailAddress::parse(&cells.email, FULL_EMAIL).ok().map(|a| a.key().to_string());
            let bits = cells.roles.as_deref().and_then(|r| role_keys(cat, r).ok()).and_then(|k| cat.bits(&k).ok());
            let data = serde_json::to_string(cells).map_err(|_| AppError::Internal)?;
            q.push("(").bind_int(import).push(", ").bind_int(*line).push(", ");
            q.bind(key.into()).push(", ").bind(bits.into()).push(", ").bind_text(data).push(")");
        }
        db.execute(&q).await?;
    }
    Ok(())
}

#[derive(sqlx::FromRow)]
struct Stored {
    id: i64,
    account_id: i64,
    file_name: String,
    state: String,
    problem: Option<String>,
    created_by: Option<String>,
    created_at: i64,
    finished_at: Option<i64>,
    ignored_columns: String,
    has_roles: bool,
    total_rows: i64,
    checked_rows: i64,
    applied_rows: i64,
    changed: i64,
    creates: i64,
    updates: i64,
    unchanged: i64,
    errors: i64,
}

impl Stored {
    fn status(self) -> Result<ImportStatus> {
        Ok(ImportStatus {
            id: self.id,
            account: self.account_id,
            file_name: self.file_name,
            state: ImportState::parse(&self.state).ok_or(AppError::Internal)?,
            problem: self.problem,
            created_by: self.created_by.unwrap_or_else(|| "someone".into()),
            created_at: self.created_at,
            finished_at: self.finished_at,
            ignored_columns: serde_json::from_str(&self.ignored_columns).unwrap_or_default(),
            has_roles: self.has_roles,
            total: self.total_rows,
            checked: self.checked_rows,
            done: self.applied_rows,
            changed: self.changed,
            creates: self.creates,
            updates: self.updates,
            unchanged: self.unchanged,
            errors: self.errors,
        })
    }
}

const STATUS: &str = "SELECT i.id, i.account_id, i.file_name, i.state, i.problem, p.display_name AS created_by, \
     i.created_at, i.finished_at, i.ignored_columns, i.has_roles, i.total_rows, i.checked_rows, i.applied_rows, \
     i.changed, i.creates, i.updates, i.unchanged, i.errors FROM imports i LEFT JOIN people p ON p.id = i.created_by";

fn no_import() -> AppError {
    AppError::not_found("There is no such import in this account.")
}

/// An import of the administrator's account.
pub async fn status(db: &Db, admin: &AccountAdmin, import: i64) -> Result<ImportStatus> {
    let s: Stored = db
        .fetch_optional(&sql!(format!("{STATUS} WHERE i.id = $1 AND i.account_id = $2"), import, admin.account()))
        .await?
        .ok_or_else(no_import)?;
    s.status()
}

/// The account's latest imports, newest first.
pub async fn list(db: &Db, admin: &AccountAdmin) -> Result<Vec<ImportStatus>> {
    let rows: Vec<Stored> = db
        .fetch_all(&sql!(format!("{STATUS} WHERE i.account_id = $1 ORDER BY i.id DESC LIMIT 10"), admin.account()))
        .await?;
    rows.into_iter().map(Stored::status).collect()
}

#[derive(sqlx::FromRow)]
struct StoredRow {
    line: i64,
    data: String,
    outcome: Option<String>,
    message: String,
    applied: bool,
}

/// Rows of an import's report after line `after`, at most `limit`, only the refused ones
/// when `errors_only`.
pub async fn rows(
    db: &Db,
    admin: &AccountAdmin,
    import: i64,
    after: i64,
    limit: i64,
    errors_only: bool,
) -> Result<Vec<ImportRow>> {
    status(db, admin, import).await?;
    let filter = if errors_only { " AND outcome = 'error'" } else { "" };
    let found: Vec<StoredRow> = db
        .fetch_all(&sql!(
            format!(
                "SELECT line, data, outcome, message, applied FROM import_rows WHERE import_id = $1 AND line > $2{filter} \
                 ORDER BY line LIMIT $3"
            ),
            import,
            after,
            limit.clamp(1, 5_000)
        ))
        .await?;
    Ok(found
        .into_iter()
        .map(|r| ImportRow {
            line: r.line,
            email: serde_json::from_str::<Cells>(&r.data).map(|c| c.email).unwrap_or_default(),
            outcome: r.outcome.as_deref().and_then(RowOutcome::parse),
            message: r.message,
            applied: r.applied,
        })
        .collect())
}

#[derive(sqlx::FromRow)]
struct Locked {
    state: String,
    file_name: String,
    has_roles: bool,
    checked_through: i64,
    applied_through: i64,
}

async fn locked(tx: &mut Tx, admin: &AccountAdmin, import: i64) -> Result<Locked> {
    tx.fetch_optional(&sql!(
        "SELECT state, file_name, has_roles, checked_through, applied_through FROM imports \
         WHERE id = $1 AND account_id = $2",
        import,
        admin.account()
    ))
    .await?
    .ok_or_else(no_import)
}

/// Starts applying a checked import. Applying one already under way changes nothing.
pub async fn start_apply(db: &Db, admin: &AccountAdmin, import: i64) -> Result<ImportStatus> {
    let mut tx = write::begin_change(db, admin.account()).await?;
    let imp = locked(&mut tx, admin, import).await?;
    match ImportState::parse(&imp.state) {
        Some(ImportState::Checked) => {}
        Some(ImportState::Applying | ImportState::Finished) => return status(db, admin, import).await,
        Some(ImportState::Checking) => {
            return Err(AppError::Conflict("The dry run of this file is not finished yet.".into()));
        }
        _ => return Err(AppError::Conflict("This file was not read; there is nothing to apply.".into())),
    }
    let s = status(db, admin, import).await?;
    tx.execute(&sql!("UPDATE imports SET state = 'applying' WHERE id = $1", import)).await?;
    audit::record(
        &mut tx,
        admin,
        Record {
            subject: None,
            action: AuditAction::ImportStarted,
            before: None,
            after: Some(format!(
                "{}: {} rows ({} to create, {} to update, {} unchanged, {} with errors)",
                imp.file_name, s.total, s.creates, s.updates, s.unchanged, s.errors
            )),
        },
    )
    .await?;
    tx.commit().await?;
    status(db, admin, import).await
}

/// Does the next batch of an import's dry run or apply, in one transaction; returns
/// where the import is now. An import with nothing left to do is returned as it is.
pub async fn step(db: &Db, admin: &AccountAdmin, import: i64) -> Result<ImportStatus> {
    let mut tx = write::begin_change(db, admin.account()).await?;
    let imp = locked(&mut tx, admin, import).await?;
    match ImportState::parse(&imp.state) {
        Some(ImportState::Checking) => check_batch(&mut tx, admin, import, &imp).await?,
        Some(ImportState::Applying) => apply_batch(&mut tx, admin, import, &imp).await?,
        _ => return status(db, admin, import).await,
    }
    tx.commit().await?;
    status(db, admin, import).await
}

#[derive(sqlx::FromRow)]
struct BatchRow {
    line: i64,
    data: String,
    role_bits: Option<i64>,
    first_line: Option<i64>,
    outcome: Option<String>,
}

async fn batch(tx: &mut Tx, import: i64, after: i64) -> Result<Vec<BatchRow>> {
    tx.fetch_all(&sql!(
        "SELECT r.line, r.data, r.role_bits, r.outcome, \
         (SELECT MIN(d.line) FROM import_rows d WHERE d.import_id = r.import_id AND d.email_key = r.email_key) \
         AS first_line FROM import_rows r WHERE r.import_id = $1 AND r.line > $2 ORDER BY r.line LIMIT $3",
        import,
        after,
        IMPORT_BATCH as i64
    ))
    .await
}

/// Whether an error is about the row (reported) or about the server (the batch stops).
fn is_row_error(e: &AppError) -> bool {
    !matches!(e, AppError::Internal | AppError::Unavailable | AppError::Busy | AppError::Transport(_))
}

/// Per outcome, how many rows moved to it (negative: away from it).
#[derive(Default)]
struct Counts {
    creates: i64,
    updates: i64,
    unchanged: i64,
    errors: i64,
}

impl Counts {
    fn add(&mut self, o: Option<RowOutcome>, n: i64) {
        match o {
            Some(RowOutcome::Create) => self.creates += n,
            Some(RowOutcome::Update) => self.updates += n,
            Some(RowOutcome::Unchanged) => self.unchanged += n,
            Some(RowOutcome::Error) => self.errors += n,
            None => {}
        }
    }
}

async fn check_batch(tx: &mut Tx, admin: &AccountAdmin, import: i64, imp: &Locked) -> Result<()> {
    let cat = Catalogue::load_tx(tx).await?;
    let rows = batch(tx, import, imp.checked_through).await?;
    // The first line of the file giving each role held once per account (of those a row
    // of the batch gives: the others are no question here).
    let given = rows.iter().fold(0, |bits, r| bits | r.role_bits.unwrap_or(0));
    let last = rows.last().map_or(0, |r| r.line);
    let mut unique_first = Vec::new();
    for d in cat.unique_roles().filter(|d| given & d.mask() != 0) {
        let first: Option<i64> = tx
            .scalar(&sql!(
                "SELECT MIN(line) FROM import_rows WHERE import_id = $1 AND line <= $2 AND (role_bits & $3) <> 0",
                import,
                last,
                d.mask()
            ))
            .await?;
        if let Some(first) = first {
            unique_first.push((d.mask(), d.role.label.clone(), first));
        }
    }
    let mut results = Vec::with_capacity(rows.len());
    let mut cells = Vec::with_capacity(rows.len());
    for r in &rows {
        let c: Cells = serde_json::from_str(&r.data).map_err(|_| AppError::Internal)?;
        let across = match (r.first_line, r.role_bits) {
            (Some(first), _) if first != r.line => {
                Some(format!("The email {} is on line {first} already: give each person one row.", c.email))
            }
            (_, Some(bits)) => unique_first.iter().find(|(mask, _, first)| bits & mask != 0 && *first != r.line).map(
                |(_, label, first)| {
                    format!("Line {first} gives the role {label} already: only one member of an account may hold it.")
                },
            ),
            _ => None,
        };
        results.push((r.line, across.map(|why| (RowOutcome::Error, why))));
        cells.push(c);
    }
    // The rows the checks across the file let through, decided set-wise.
    let open: Vec<&Cells> = results.iter().zip(&cells).filter(|((_, d), _)| d.is_none()).map(|(_, c)| c).collect();
    let decided = match setwise::check(tx, admin, &cat, imp.has_roles, &open).await? {
        Some(decided) => decided,
        None => {
            tracing::info!(import, "an import batch is checked row by row");
            // Made and undone one by one, as the apply would make them.
            let mut decided = Vec::with_capacity(open.len());
            tx.execute(&sql!("SAVEPOINT import_check")).await?;
            for c in &open {
                decided.push(try_row(tx, admin, &cat, imp.has_roles, c).await?);
            }
            // The dry run's changes go; what it found stays.
            tx.execute(&sql!("ROLLBACK TO SAVEPOINT import_check")).await?;
            tx.execute(&sql!("RELEASE SAVEPOINT import_check")).await?;
            decided
        }
    };
    let mut decided = decided.into_iter();
    let results: Vec<(i64, (RowOutcome, String), bool)> = results
        .into_iter()
        .map(|(line, across)| across.or_else(|| decided.next()).map(|d| (line, d, false)).ok_or(AppError::Internal))
        .collect::<Result<_>>()?;
    let mut counts = Counts::default();
    for (_, (outcome, _), _) in &results {
        counts.add(Some(*outcome), 1);
    }
    store_outcomes(tx, import, &results).await?;
    let last = rows.last().map_or(imp.checked_through, |r| r.line);
    let state = if rows.len() < IMPORT_BATCH { "checked" } else { "checking" };
    tx.execute(&sql!(
        "UPDATE imports SET checked_through = $1, checked_rows = checked_rows + $2, creates = creates + $3, \
         updates = updates + $4, unchanged = unchanged + $5, errors = errors + $6, state = $7 WHERE id = $8",
        last,
        rows.len() as i64,
        counts.creates,
        counts.updates,
        counts.unchanged,
        counts.errors,
        state,
        import
    ))
    .await?;
    Ok(())
}

async fn apply_batch(tx: &mut Tx, admin: &AccountAdmin, import: i64, imp: &Locked) -> Result<()> {
    let cat = Catalogue::load_tx(tx).await?;
    let rows = batch(tx, import, imp.applied_through).await?;
    let mut counts = Counts::default();
    let mut changed = 0_i64;
    // A row the dry run refused stays refused: the checks across the file (an email or a
    // Primary given twice) hold for the apply too.
    let mut todo = Vec::with_capacity(rows.len());
    for r in &rows {
        let before = r.outcome.as_deref().and_then(RowOutcome::parse);
        if before != Some(RowOutcome::Error) {
            let cells: Cells = serde_json::from_str(&r.data).map_err(|_| AppError::Internal)?;
            todo.push((r.line, before, cells));
        }
    }
    let cells: Vec<&Cells> = todo.iter().map(|(_, _, c)| c).collect();
    // Set-wise, under a savepoint: should the database refuse what the rules let through
    // (a change made in between), the batch is made again row by row, each refusal its
    // row's outcome.
    tx.execute(&sql!("SAVEPOINT import_apply")).await?;
    let setwise = setwise::apply(tx, admin, &cat, imp.has_roles, &cells).await;
    let decided = match setwise {
        Ok(Some(decided)) => {
            tx.execute(&sql!("RELEASE SAVEPOINT import_apply")).await?;
            decided
        }
        other => {
            match &other {
                Err(e) => tracing::warn!(error = %e, import, "an import batch is applied row by row"),
                _ => tracing::info!(import, "an import batch is applied row by row"),
            }
            tx.execute(&sql!("ROLLBACK TO SAVEPOINT import_apply")).await?;
            tx.execute(&sql!("RELEASE SAVEPOINT import_apply")).await?;
            let mut decided = Vec::with_capacity(cells.len());
            for c in &cells {
                decided.push(try_row(tx, admin, &cat, imp.has_roles, c).await?);
            }
            decided
        }
    };
    let mut results = Vec::with_capacity(todo.len());
    for ((line, before, _), (outcome, message)) in todo.iter().zip(decided) {
        let applied = matches!(outcome, RowOutcome::Create | RowOutcome::Update);
        changed += i64::from(applied);
        counts.add(*before, -1);
        counts.add(Some(outcome), 1);
        results.push((*line, (outcome, message), applied));
    }
    store_outcomes(tx, import, &results).await?;
    let last = rows.last().map_or(imp.applied_through, |r| r.line);
    let finished = rows.len() < IMPORT_BATCH;
    tx.execute(&sql!(
        "UPDATE imports SET applied_through = $1, applied_rows = applied_rows + $2, changed = changed + $3, \
         creates = creates + $4, updates = updates + $5, unchanged = unchanged + $6, errors = errors + $7, \
         state = $8, finished_at = $9 WHERE id = $10",
        last,
        rows.len() as i64,
        changed,
        counts.creates,
        counts.updates,
        counts.unchanged,
        counts.errors,
        if finished { "finished" } else { "applying" },
        if finished { Some(now()) } else { None },
        import
    ))
    .await?;
    if finished {
        let (creates, updates, unchanged, errors): (i64, i64, i64, i64) = tx
            .fetch_optional(&sql!("SELECT creates, updates, unchanged, errors FROM imports WHERE id = $1", import))
            .await?
            .ok_or(AppError::Internal)?;
        audit::record(
            tx,
            admin,
            Record {
                subject: None,
                action: AuditAction::ImportFinished,
                before: None,
                after: Some(format!(
                    "{}: {creates} created, {updates} updated, {unchanged} unchanged, {errors} with errors",
                    imp.file_name
                )),
            },
        )
        .await?;
    }
    Ok(())
}

/// Stores rows' outcomes, messages and whether they are applied, a few statements for a
/// batch (the rows exist: the upsert only updates them).
async fn store_outcomes(tx: &mut Tx, import: i64, results: &[(i64, (RowOutcome, String), bool)]) -> Result<()> {
    for chunk in results.chunks(setwise::rows_per_statement(setwise::backend(tx), 5)) {
        let mut q = Sql::new("INSERT INTO import_rows (import_id, line, data, outcome, message, applied) VALUES ");
        for (i, (line, (outcome, message), applied)) in chunk.iter().enumerate() {
            q.push(if i == 0 { "(" } else { ", (" });
            q.bind_int(import).push(", ").bind_int(*line).push(", '', ").bind_text(outcome.as_str()).push(", ");
            q.bind_text(message.as_str()).push(", ").bind(Arg::Bool(*applied)).push(")");
        }
        q.push(
            " ON CONFLICT (import_id, line) DO UPDATE SET outcome = excluded.outcome, message = excluded.message, \
             applied = excluded.applied",
        );
        tx.execute(&q).await?;
    }
    Ok(())
}

/// Makes one row's change inside a savepoint: kept when it succeeds, undone when the
/// rules refuse it (the refusal is the row's outcome). Errors of the server stop the batch.
async fn try_row(
    tx: &mut Tx,
    admin: &AccountAdmin,
    cat: &Catalogue,
    has_roles: bool,
    cells: &Cells,
) -> Result<(RowOutcome, String)> {
    tx.execute(&sql!("SAVEPOINT import_row")).await?;
    match row_change(tx, admin, cat, has_roles, cells).await {
        Ok(done) => {
            tx.execute(&sql!("RELEASE SAVEPOINT import_row")).await?;
            Ok(done)
        }
        Err(e) if is_row_error(&e) => {
            tx.execute(&sql!("ROLLBACK TO SAVEPOINT import_row")).await?;
            tx.execute(&sql!("RELEASE SAVEPOINT import_row")).await?;
            Ok((RowOutcome::Error, e.to_string()))
        }
        Err(e) => Err(e),
    }
}

/// One row's change, made with the functions of the Manage Users dialogs: a member's
/// roles (Update) and login (Active Login), a registered person added (Add new user), or
/// a new contact (New Contact) for an email nobody has, when the row names them.
async fn row_change(
    tx: &mut Tx,
    admin: &AccountAdmin,
    cat: &Catalogue,
    has_roles: bool,
    cells: &Cells,
) -> Result<(RowOutcome, String)> {
    let address = EmailAddress::parse(&cells.email, FULL_EMAIL)?;
    let change = match (has_roles, cells.roles.as_deref()) {
        (true, cell) => Some(RoleChange { roles: role_keys(cat, cell.unwrap_or_default())?, cloud: None }),
        (false, _) => None,
    };
    let active = parse_active(cells.active.as_deref().unwrap_or_default())?;
    let person: Option<(i64,)> =
        tx.fetch_optional(&sql!("SELECT id FROM people WHERE email_key = $1", address.key())).await?;
    let membership: Option<(i64,)> = match person {
        Some((p,)) => {
            tx.fetch_optional(&sql!(
                "SELECT id FROM memberships WHERE account_id = $1 AND person_id = $2",
                admin.account(),
                p
            ))
            .await?
        }
        None => None,
    };
    let roles_text = |change: &RoleChange| requested_bits(cat, change).map(|b| cat.describe(b));
    let login = match active {
        Some(true) => "; login active",
        Some(false) => "; login deactivated",
        None => "",
    };
    if let Some((m,)) = membership {
        let changed = write::update_within(tx, admin, cat, MembershipId(m), change.as_ref(), active).await?;
        let what = match &change {
            Some(c) => format!("Roles: {}{login}", roles_text(c)?),
            None => format!("Roles kept{login}"),
        };
        return Ok((if changed { RowOutcome::Update } else { RowOutcome::Unchanged }, what));
    }
    let change = change.unwrap_or(RoleChange { roles: vec![], cloud: None });
    let roles = roles_text(&change)?;
    let (membership, what) = if person.is_some() {
        let id = write::add_within(tx, cat, admin, Wanted::Email(address), &change).await?;
        (id, format!("Adds a registered person; roles: {roles}{login}"))
    } else {
        let first = cells.first_name.as_deref().unwrap_or_default();
        let last = cells.last_name.as_deref().unwrap_or_default();
        if first.trim().is_empty() && last.trim().is_empty() {
            return Err(AppError::invalid(format!(
                "{NOT_REGISTERED}. To create a contact instead, give their First name and Last name."
            )));
        }
        let name =
            format!("{} {}", contacts::checked_part(first, "first name")?, contacts::checked_part(last, "last name")?);
        let (id, _) = contacts::create_within(tx, cat, admin, &name, &address, &change).await?;
        (id, format!("New contact {name}; roles: {roles}{login}"))
    };
    if active == Some(false) {
        write::update_within(tx, admin, cat, MembershipId(membership), None, Some(false)).await?;
    }
    Ok((RowOutcome::Create, what))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn header(h: &[&str]) -> Result<Columns> {
        map_header(&h.iter().map(|s| s.to_string()).collect::<Vec<_>>())
    }

    #[test]
    fn import_header_is_matched_case_insensitively_and_the_rest_reported() {
        let c = header(&["E-Mail", "FIRST_NAME", "last name", "Roles", "Active Login", "Shoe size"]).unwrap();
        assert_eq!((c.email, c.first_name, c.last_name, c.roles, c.active), (0, Some(1), Some(2), Some(3), Some(4)));
        assert_eq!(c.ignored, vec!["Shoe size".to_string()]);
        let export = header(&["Name", "Email", "Additional roles", "Active", "Last sign-on", "Cases owned"]).unwrap();
        assert_eq!(export.email, 1);
        assert_eq!(export.ignored.len(), 5);
        assert!(export.ignored[0].starts_with("Name"));
        assert!(header(&["Name", "Roles"]).unwrap_err().to_string().contains("no Email column"));
        assert!(header(&["Email", "email"]).unwrap_err().to_string().contains("two Email columns"));
    }

    #[test]
    fn import_delimiter_is_sniffed_from_the_header() {
        assert_eq!(sniff_delimiter(b"Email;Roles;\"First, name\""), b';');
        assert_eq!(sniff_delimiter(b"Email,Roles"), b',');
        assert_eq!(sniff_delimiter(b"\"a;b;c\",Email"), b',');
    }

    #[test]
    fn import_active_login_cells() {
        assert_eq!(parse_active(" Yes "), Ok(Some(true)));
        assert_eq!(parse_active("no"), Ok(Some(false)));
        assert_eq!(parse_active(""), Ok(None));
        assert!(parse_active("maybe").is_err());
    }

    fn parse(bytes: &[u8]) -> Result<(Columns, Vec<(i64, Cells)>)> {
        let mut cols = None;
        let mut rows = Vec::new();
        read_csv(bytes, &mut |p| {
            match p {
                Parsed::Header(c) => cols = Some(c),
                Parsed::Rows(r) => rows.extend(r),
            }
            Ok(())
        })?;
        Ok((cols.unwrap(), rows))
    }

    #[test]
    fn import_reads_bom_semicolons_and_quotes_across_lines() {
        let text = "\u{feff}email;Roles;First name\r\na@x.example;\"Primary;\nGeneral Support\";Ann\r\n\r\nb@x.example;;\"B; \"\"Bo\"\"\"\n";
        let (cols, rows) = parse(text.as_bytes()).unwrap();
        assert_eq!(cols.email, 0);
        assert_eq!(rows.len(), 2);
        assert_eq!(rows[0].0, 2);
        assert_eq!(rows[0].1.roles.as_deref(), Some("Primary;\nGeneral Support"));
        assert_eq!(rows[1].0, 5, "the second row starts on line 5");
        assert_eq!(rows[1].1.first_name.as_deref(), Some("B; \"Bo\""));
    }

    #[test]
    fn import_refuses_bad_encoding_naming_the_line() {
        let mut bytes = b"Email,Roles\na@x.example,Primary\nb@x.example,".to_vec();
        bytes.extend_from_slice(b"Caf\xe9\n");
        let e = parse(&bytes).unwrap_err().to_string();
        assert!(e.contains("Line 3 is not UTF-8"), "{e}");
        assert!(parse(b"\xff\xfeE\0m\0").unwrap_err().to_string().contains("UTF-16"));
        assert!(parse(b"").unwrap_err().to_string().contains("empty"));
        assert!(parse(b"Email\n").unwrap_err().to_string().contains("no rows"));
    }
}
