//! CSV import of members (SPEC F27): what the import page shows of an uploaded file.

use serde::{Deserialize, Serialize};

/// The most data rows one file may hold.
pub const IMPORT_MAX_ROWS: usize = 100_000;
/// The largest file the upload route takes.
pub const IMPORT_MAX_BYTES: usize = 20 * 1024 * 1024;
/// Rows checked or applied in one transaction.
pub const IMPORT_BATCH: usize = 500;
/// Rows of the report the page shows (the download has them all).
pub const IMPORT_SHOWN_ROWS: usize = 100;

/// Where an import is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum ImportState {
    /// The file is being read (or its upload stopped half way).
    Uploading,
    /// The dry run is under way.
    Checking,
    /// The dry run is done: the report is ready, nothing is changed yet.
    Checked,
    /// Being applied, batch by batch (or stopped half way: resume it).
    Applying,
    Finished,
    /// The file could not be read; `ImportStatus::problem` says why.
    Failed,
}

impl ImportState {
    pub fn as_str(self) -> &'static str {
        match self {
            ImportState::Uploading => "uploading",
            ImportState::Checking => "checking",
            ImportState::Checked => "checked",
            ImportState::Applying => "applying",
            ImportState::Finished => "finished",
            ImportState::Failed => "failed",
        }
    }

    pub fn parse(s: &str) -> Option<ImportState> {
        [
            ImportState::Uploading,
            ImportState::Checking,
            ImportState::Checked,
            ImportState::Applying,
            ImportState::Finished,
            ImportState::Failed,
        ]
        .into_iter()
        .find(|v| v.as_str() == s)
    }

    pub fn label(self) -> &'static str {
        match self {
            ImportState::Uploading => "Upload incomplete",
            ImportState::Checking => "Checking",
            ImportState::Checked => "Checked, not applied",
            ImportState::Applying => "Applying",
            ImportState::Finished => "Finished",
            ImportState::Failed => "File refused",
        }
    }
}

/// What a row does (dry run) or did (applied).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum RowOutcome {
    Create,
    Update,
    Unchanged,
    Error,
}

impl RowOutcome {
    pub fn as_str(self) -> &'static str {
        match self {
            RowOutcome::Create => "create",
            RowOutcome::Update => "update",
            RowOutcome::Unchanged => "unchanged",
            RowOutcome::Error => "error",
        }
    }

    pub fn parse(s: &str) -> Option<RowOutcome> {
        [RowOutcome::Create, RowOutcome::Update, RowOutcome::Unchanged, RowOutcome::Error]
            .into_iter()
            .find(|v| v.as_str() == s)
    }

    /// Words for the report: before applying (`applied` false) and after.
    pub fn label(self, done: bool) -> &'static str {
        match (self, done) {
            (RowOutcome::Create, false) => "Will create",
            (RowOutcome::Create, true) => "Created",
            (RowOutcome::Update, false) => "Will update",
            (RowOutcome::Update, true) => "Updated",
            (RowOutcome::Unchanged, _) => "Unchanged",
            (RowOutcome::Error, _) => "Error",
        }
    }
}

/// An import as the page shows it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ImportStatus {
    pub id: i64,
    pub account: i64,
    pub file_name: String,
    pub state: ImportState,
    pub created_by: String,
    pub created_at: i64,
    pub finished_at: Option<i64>,
    /// Why the file was refused (state `Failed`).
    pub problem: Option<String>,
    /// Columns of the file that were not used.
    pub ignored_columns: Vec<String>,
    /// Whether the file has a Roles column (without one, members keep their roles).
    pub has_roles: bool,
    pub total: i64,
    /// Rows the dry run has looked at.
    pub checked: i64,
    /// Rows the apply has gone through (stored, unchanged or refused).
    pub done: i64,
    /// Of those, rows whose change is stored.
    pub changed: i64,
    pub creates: i64,
    pub updates: i64,
    pub unchanged: i64,
    pub errors: i64,
}

impl ImportStatus {
    /// Whether a step (a batch of the dry run or of the apply) is still to do.
    pub fn working(&self) -> bool {
        matches!(self.state, ImportState::Checking | ImportState::Applying)
    }

    /// Whether the rows' outcomes are those of the apply rather than the dry run.
    pub fn applying(&self) -> bool {
        matches!(self.state, ImportState::Applying | ImportState::Finished)
    }
}

/// One row of the report.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ImportRow {
    /// The line of the file the row starts on (the header is line 1).
    pub line: i64,
    pub email: String,
    pub outcome: Option<RowOutcome>,
    /// Why (an error), or what (the roles a row gives).
    pub message: String,
    /// The row's change is stored.
    pub applied: bool,
}
