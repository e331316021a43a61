-- Registration proves the email (issue 11, finding 1), and tries are limited in the
-- database (finding 5). The PostgreSQL twin is ../postgres/0007_email_proof_and_attempts.sql.

-- A registration waiting for its email to be proven: nothing of it is in `people` until
-- the emailed link is followed. One per email; registering again replaces it (a new
-- link, the old one dead). Only a hash of the link's token is kept.
CREATE TABLE pending_registrations (
    id             INTEGER PRIMARY KEY,
    display_name   TEXT NOT NULL,
    email          TEXT NOT NULL,
    email_key      TEXT NOT NULL UNIQUE,            -- lower-cased email
    password_hash  TEXT NOT NULL,                   -- emptied once verified
    token_hash     TEXT NOT NULL UNIQUE,
    created_at     INTEGER NOT NULL,
    expires_at     INTEGER NOT NULL,
    verified_at    INTEGER
);
CREATE INDEX pending_registrations_expiry ON pending_registrations(expires_at);

-- One row per try of something limited (a sign-in, a registration, …) and per key it
-- counts against (`email:…`, `ip:…`, `person:…`), written before the try is worked on.
CREATE TABLE attempts (
    id         INTEGER PRIMARY KEY,
    action     TEXT NOT NULL,
    limit_key  TEXT NOT NULL,
    at         INTEGER NOT NULL
);
CREATE INDEX attempts_key ON attempts(action, limit_key, at);
CREATE INDEX attempts_at ON attempts(at);

-- A key that went over its limit, refused until `locked_until`. The row makes the lockout
-- audited once, however many tries hit it at the same moment.
CREATE TABLE lockouts (
    action        TEXT NOT NULL,
    limit_key     TEXT NOT NULL,
    locked_until  INTEGER NOT NULL,
    PRIMARY KEY (action, limit_key)
);
