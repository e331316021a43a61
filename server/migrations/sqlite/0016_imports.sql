-- CSV import of members (issue 15, SPEC F27). The postgres twin of this file is
-- ../postgres/0016_imports.sql; keep the two in step.

-- One uploaded file. Its rows are checked (the dry run) and then applied in batches, each
-- batch one transaction that also moves checked_through / applied_through (the last line
-- done): a batch is stored whole or not at all, and a stopped import goes on after them.
CREATE TABLE imports (
    id               INTEGER PRIMARY KEY,
    account_id       INTEGER NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    created_by       INTEGER REFERENCES people(id) ON DELETE SET NULL,
    file_name        TEXT NOT NULL,
    state            TEXT NOT NULL CHECK (state IN ('uploading', 'checking', 'checked', 'applying', 'finished', 'failed')),
    problem          TEXT,
    ignored_columns  TEXT NOT NULL DEFAULT '',
    has_roles        BOOLEAN NOT NULL DEFAULT FALSE,
    total_rows       INTEGER NOT NULL DEFAULT 0,
    checked_through  INTEGER NOT NULL DEFAULT 0,
    checked_rows     INTEGER NOT NULL DEFAULT 0,
    applied_through  INTEGER NOT NULL DEFAULT 0,
    applied_rows     INTEGER NOT NULL DEFAULT 0,
    creates          INTEGER NOT NULL DEFAULT 0,
    updates          INTEGER NOT NULL DEFAULT 0,
    unchanged        INTEGER NOT NULL DEFAULT 0,
    errors           INTEGER NOT NULL DEFAULT 0,
    changed          INTEGER NOT NULL DEFAULT 0,
    created_at       INTEGER NOT NULL,
    finished_at      INTEGER
);
CREATE INDEX imports_account ON imports(account_id, id);

-- One data row of the file, by its line (where the record starts). data holds its cells
-- as JSON; email_key and role_bits are what the checks across the file look at.
-- outcome: NULL until checked, then 'create' | 'update' | 'unchanged' | 'error'; applied:
-- the row's change is stored.
CREATE TABLE import_rows (
    import_id  INTEGER NOT NULL REFERENCES imports(id) ON DELETE CASCADE,
    line       INTEGER NOT NULL,
    email_key  TEXT,
    role_bits  INTEGER,
    data       TEXT NOT NULL,
    outcome    TEXT CHECK (outcome IN ('create', 'update', 'unchanged', 'error')),
    message    TEXT NOT NULL DEFAULT '',
    applied    BOOLEAN NOT NULL DEFAULT FALSE,
    PRIMARY KEY (import_id, line)
);
CREATE INDEX import_rows_email ON import_rows(import_id, email_key, line);
