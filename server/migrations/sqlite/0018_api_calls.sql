-- Every call made with an API token (issue 15, SPEC F25), reads included: what a token did
-- is audited under its name. Changes are also in audit_log, with their before and after;
-- this keeps the calls themselves (what was asked, how it was answered) for 90 days. The
-- postgres twin of this file is ../postgres/0018_api_calls.sql; keep the two in step.
CREATE TABLE api_calls (
    id          INTEGER PRIMARY KEY,
    token_id    INTEGER NOT NULL REFERENCES api_tokens(id) ON DELETE CASCADE,
    account_id  INTEGER NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    at          INTEGER NOT NULL,
    method      TEXT NOT NULL,
    path        TEXT NOT NULL,
    status      INTEGER NOT NULL
);
CREATE INDEX api_calls_account ON api_calls(account_id, id);
CREATE INDEX api_calls_token ON api_calls(token_id, id);
CREATE INDEX api_calls_at ON api_calls(at);
