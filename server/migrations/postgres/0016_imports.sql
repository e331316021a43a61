-- CSV import of members (issue 15, SPEC F27). The sqlite twin of this file is
-- ../sqlite/0016_imports.sql; keep the two in step.

-- One uploaded file. Its rows are checked (the dry run) and then applied in batches, each
-- batch one transaction that also moves checked_through / applied_through (the last line
-- done): a batch is stored whole or not at all, and a stopped import goes on after them.
CREATE TABLE imports (
    id               BIGSERIAL PRIMARY KEY,
    account_id       BIGINT NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    created_by       BIGINT REFERENCES people(id) ON DELETE SET NULL,
    file_name        TEXT NOT NULL,
    state            TEXT NOT NULL CHECK (state IN ('uploading', 'checking', 'checked', 'applying', 'finished', 'failed')),
    problem          TEXT,
    ignored_columns  TEXT NOT NULL DEFAULT '',
    has_roles        BOOLEAN NOT NULL DEFAULT FALSE,
    total_rows       BIGINT NOT NULL DEFAULT 0,
    checked_through  BIGINT NOT NULL DEFAULT 0,
    checked_rows     BIGINT NOT NULL DEFAULT 0,
    applied_through  BIGINT NOT NULL DEFAULT 0,
    applied_rows     BIGINT NOT NULL DEFAULT 0,
    creates          BIGINT NOT NULL DEFAULT 0,
    updates          BIGINT NOT NULL DEFAULT 0,
    unchanged        BIGINT NOT NULL DEFAULT 0,
    errors           BIGINT NOT NULL DEFAULT 0,
    changed          BIGINT NOT NULL DEFAULT 0,
    created_at       BIGINT NOT NULL,
    finished_at      BIGINT
);
CREATE INDEX imports_account ON imports(account_id, id);

-- One data row of the file, by its line (where the record starts). data holds its cells
-- as JSON; email_key and role_bits are what the checks across the file look at.
-- outcome: NULL until checked, then 'create' | 'update' | 'unchanged' | 'error'; applied:
-- the row's change is stored.
CREATE TABLE import_rows (
    import_id  BIGINT NOT NULL REFERENCES imports(id) ON DELETE CASCADE,
    line       BIGINT NOT NULL,
    email_key  TEXT,
    role_bits  BIGINT,
    data       TEXT NOT NULL,
    outcome    TEXT CHECK (outcome IN ('create', 'update', 'unchanged', 'error')),
    message    TEXT NOT NULL DEFAULT '',
    applied    BOOLEAN NOT NULL DEFAULT FALSE,
    PRIMARY KEY (import_id, line)
);
CREATE INDEX import_rows_email ON import_rows(import_id, email_key, line);
