-- Designated approvers and access requests (issue 13, SPEC F22–F23). The PostgreSQL twin
-- of this file is ../postgres/0012_access_requests.sql; keep the two in step.

-- A person of a partner who decides its members' access requests: for one deployment
-- (account_id) or, with account_id NULL, for every deployment the partner supports.
CREATE TABLE approvers (
    id          INTEGER PRIMARY KEY,
    partner_id  INTEGER NOT NULL REFERENCES organisations(id) ON DELETE CASCADE,
    person_id   INTEGER NOT NULL REFERENCES people(id) ON DELETE CASCADE,
    account_id  INTEGER REFERENCES accounts(id) ON DELETE CASCADE,
    granted_at  INTEGER NOT NULL,
    granted_by  INTEGER REFERENCES people(id) ON DELETE SET NULL
);
-- Once per scope: the database, not a check before the insert, keeps grants single.
CREATE UNIQUE INDEX approvers_once ON approvers(partner_id, person_id, COALESCE(account_id, 0));
CREATE INDEX approvers_account ON approvers(account_id);
CREATE INDEX approvers_person ON approvers(person_id);

-- One deployment of a partner member's request: each is decided on its own.
-- state: pending, approved, declined or expired (a pending one past expires_at is expired
-- already; the hourly cleanup and a new request for the same deployment write it so).
CREATE TABLE access_requests (
    id             INTEGER PRIMARY KEY,
    partner_id     INTEGER NOT NULL REFERENCES organisations(id) ON DELETE CASCADE,
    account_id     INTEGER NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    person_id      INTEGER NOT NULL REFERENCES people(id) ON DELETE CASCADE,
    requested_by   INTEGER NOT NULL REFERENCES people(id) ON DELETE CASCADE,
    support_level  TEXT NOT NULL REFERENCES support_levels(key),
    reason         TEXT NOT NULL,
    created_at     INTEGER NOT NULL,
    expires_at     INTEGER NOT NULL,
    state          TEXT NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'approved', 'declined', 'expired')),
    decided_by     INTEGER REFERENCES people(id) ON DELETE SET NULL,
    decided_by_name TEXT,
    decided_at     INTEGER
);
-- At most one undecided request per person and deployment.
CREATE UNIQUE INDEX access_requests_one_pending ON access_requests(person_id, account_id) WHERE state = 'pending';
-- The Approvals inbox: a partner's undecided requests, newest first.
CREATE INDEX access_requests_pending ON access_requests(partner_id, id) WHERE state = 'pending';
-- "My requests": for whom, and by whom; a deployment's requests.
CREATE INDEX access_requests_person ON access_requests(person_id, id);
CREATE INDEX access_requests_requested_by ON access_requests(requested_by, id);
CREATE INDEX access_requests_account ON access_requests(account_id, id);
