//! Server functions of the CSV import (SPEC F27). The file itself is uploaded to its own
//! route (`POST /accounts/{account}/import`, in the server crate): server functions take
//! bodies of at most 1 MiB.

use leptos::prelude::*;

#[cfg(feature = "ssr")]
use super::admin_of;
use crate::error::AppError;
use crate::model::{ImportRow, ImportStatus};

/// One import of the account.
#[server(prefix = "/api", endpoint = "import/status")]
pub async fn get_import(account: i64, import: i64) -> Result<ImportStatus, AppError> {
    use crate::backend::{db, import, respond};
    respond(
        async {
            let db = db()?;
            let admin = admin_of(&db, account).await?;
            import::status(&db, &admin, import).await
        }
        .await,
    )
}

/// The account's latest imports, newest first.
#[server(prefix = "/api", endpoint = "import/list")]
pub async fn list_imports(account: i64) -> Result<Vec<ImportStatus>, AppError> {
    use crate::backend::{db, import, respond};
    respond(
        async {
            let db = db()?;
            let admin = admin_of(&db, account).await?;
            import::list(&db, &admin).await
        }
        .await,
    )
}

/// The first rows of an import's report (the refused ones only, when `errors_only`).
#[server(prefix = "/api", endpoint = "import/rows")]
pub async fn import_rows(account: i64, import: i64, errors_only: bool) -> Result<Vec<ImportRow>, AppError> {
    use crate::backend::{db, import, respond};
    use crate::model::IMPORT_SHOWN_ROWS;
    respond(
        async {
            let db = db()?;
            let admin = admin_of(&db, account).await?;
            import::rows(&db, &admin, import, 0, IMPORT_SHOWN_ROWS as i64, errors_only).await
        }
        .await,
    )
}

/// Does the next batch of the import's dry run or apply; the page calls it until the
/// import is checked or finished (and again to resume one that stopped).
#[server(prefix = "/api", endpoint = "import/step")]
pub async fn step_import(account: i64, import: i64) -> Result<ImportStatus, AppError> {
    use crate::backend::{db, import, respond};
    respond(
        async {
            let db = db()?;
            let admin = admin_of(&db, account).await?;
            import::step(&db, &admin, import).await
        }
        .await,
    )
}

/// Starts applying a checked import (its batches are then done by `step_import`).
#[server(prefix = "/api", endpoint = "import/apply")]
pub async fn apply_import(account: i64, import: i64) -> Result<ImportStatus, AppError> {
    use crate::backend::{db, import, respond};
    respond(
        async {
            let db = db()?;
            let admin = admin_of(&db, account).await?;
            import::start_apply(&db, &admin, import).await
        }
        .await,
    )
}

/// Moves an import on for at most [`RUN_SLICE_MS`] milliseconds of batches, after starting
/// its apply when `apply` is set: what the page's "Apply" and "Go on" buttons post when
/// JavaScript is off (the form comes back to the page, which shows how far it got; the
/// person posts again to go on). With JavaScript the page steps the import itself.
#[server(prefix = "/api", endpoint = "import/run")]
pub async fn run_import(account: i64, import: i64, apply: bool) -> Result<ImportStatus, AppError> {
    use crate::backend::{db, import as store, respond};
    use crate::model::ImportState;
    respond(
        async {
            let db = db()?;
            let admin = admin_of(&db, account).await?;
            let mut status = store::status(&db, &admin, import).await?;
            if apply && status.state == ImportState::Checked {
                status = store::start_apply(&db, &admin, import).await?;
            }
            let until = std::time::Instant::now() + std::time::Duration::from_millis(RUN_SLICE_MS);
            while status.working() && std::time::Instant::now() < until {
                status = store::step(&db, &admin, import).await?;
            }
            Ok(status)
        }
        .await,
    )
}

/// How long one `run_import` call works before it answers.
pub const RUN_SLICE_MS: u64 = 3_000;
