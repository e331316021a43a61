-- API tokens (issue 15, SPEC F25): an account's administrators make them for scripts and
-- identity providers. The postgres twin of this file is ../postgres/0015_api_tokens.sql; keep
-- the two in step.

-- The secret is shown once; only its SHA-256 is kept. A token acts with its maker's
-- authority over its account, and only while the maker still administers it.
-- window_start / window_calls count the calls of the current minute (the rate limit),
-- updated in the one statement that also stamps last_used_at.
CREATE TABLE api_tokens (
    id            INTEGER PRIMARY KEY,
    account_id    INTEGER NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    name          TEXT NOT NULL,
    scope         TEXT NOT NULL CHECK (scope IN ('read', 'write')),
    secret_hash   TEXT NOT NULL UNIQUE,
    created_by    INTEGER NOT NULL REFERENCES people(id) ON DELETE CASCADE,
    created_at    INTEGER NOT NULL,
    expires_at    INTEGER NOT NULL,
    last_used_at  INTEGER,
    revoked_at    INTEGER,
    revoked_by    INTEGER REFERENCES people(id) ON DELETE SET NULL,
    window_start  INTEGER NOT NULL DEFAULT 0,
    window_calls  INTEGER NOT NULL DEFAULT 0
);
-- One live token per name in an account: the database keeps names apart.
CREATE UNIQUE INDEX api_tokens_live_name ON api_tokens(account_id, name) WHERE revoked_at IS NULL;
CREATE INDEX api_tokens_account ON api_tokens(account_id, id);

-- What a token did is audited under its name.
ALTER TABLE audit_log ADD COLUMN token_id INTEGER REFERENCES api_tokens(id) ON DELETE SET NULL;
