-- Roster schema (SQLite). Times are Unix seconds. The PostgreSQL twin of this file is
-- ../postgres/0001_schema.sql; keep the two in step.

CREATE TABLE organisations (
    id          INTEGER PRIMARY KEY,
    name        TEXT NOT NULL,
    kind        TEXT NOT NULL CHECK (kind IN ('vendor', 'customer', 'partner')),
    created_at  INTEGER NOT NULL
);

CREATE TABLE organisation_domains (
    organisation_id INTEGER NOT NULL REFERENCES organisations(id) ON DELETE CASCADE,
    domain          TEXT NOT NULL,
    PRIMARY KEY (organisation_id, domain)
);
CREATE UNIQUE INDEX organisation_domains_domain ON organisation_domains(domain);

CREATE TABLE people (
    id               INTEGER PRIMARY KEY,
    display_name     TEXT NOT NULL,
    name_key         TEXT NOT NULL,                -- lower-cased name
    email            TEXT NOT NULL,
    email_domain     TEXT NOT NULL,                 -- lower-cased part after the @
    email_key        TEXT NOT NULL UNIQUE,          -- lower-cased email
    password_hash    TEXT,
    registered_at    INTEGER,                       -- NULL: known contact, not registered
    last_sign_in_at  INTEGER,
    is_operator      INTEGER NOT NULL DEFAULT 0,
    organisation_id  INTEGER REFERENCES organisations(id)
);

CREATE INDEX people_domain_name ON people(email_domain, name_key);

CREATE TABLE accounts (
    id                INTEGER PRIMARY KEY,
    organisation_id   INTEGER NOT NULL REFERENCES organisations(id),
    name              TEXT NOT NULL,
    org_id            TEXT NOT NULL UNIQUE,         -- the external Org ID
    kind              TEXT NOT NULL CHECK (kind IN ('on-premises', 'client-managed cloud', 'cloud')),
    government_cloud  INTEGER NOT NULL DEFAULT 0,
    created_at        INTEGER NOT NULL
);
CREATE INDEX accounts_organisation ON accounts(organisation_id);

CREATE TABLE account_projects (
    id          INTEGER PRIMARY KEY,
    account_id  INTEGER NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    name        TEXT NOT NULL,
    UNIQUE (account_id, name)
);

-- The role catalogue is data. Each role owns one bit of memberships.role_bits.
CREATE TABLE roles (
    key                 TEXT PRIMARY KEY,
    label               TEXT NOT NULL,
    description         TEXT NOT NULL,
    bit                 INTEGER NOT NULL UNIQUE CHECK (bit BETWEEN 0 AND 62),
    position            INTEGER NOT NULL,
    is_default          INTEGER NOT NULL DEFAULT 0,
    is_admin            INTEGER NOT NULL DEFAULT 0,
    unique_per_account  INTEGER NOT NULL DEFAULT 0,
    cloud_affiliation   INTEGER NOT NULL DEFAULT 0
);

INSERT INTO roles (key, label, description, bit, position, is_default, is_admin, unique_per_account, cloud_affiliation) VALUES
 ('general_support', 'General Support', 'Open and follow support cases for the account.', 0, 0, 1, 0, 0, 0),
 ('account_admin', 'Account Administrator', 'Manage the support contacts of the account.', 1, 1, 0, 1, 0, 0),
 ('security_contact', 'Security Contact', 'Receives security advisories and incident notices.', 2, 2, 0, 0, 0, 0),
 ('cloud_specialist', 'Cloud Specialist', 'Works on cloud environments of the account.', 3, 3, 0, 0, 0, 1),
 ('billing_contact', 'Billing contact', 'Receives invoices and billing notices.', 4, 4, 0, 0, 0, 0),
 ('license_contact', 'License contact', 'Manages licence keys and entitlements.', 5, 5, 0, 0, 0, 0),
 ('primary', 'Primary', 'The main contact of the account; one member at most.', 6, 6, 0, 0, 1, 0);

-- A person's membership of an account. name_key, email_key and last_sign_in_at are
-- copies from people, and cases_owned/additional_roles are derived counts: they are
-- kept here so that every sort order of Manage Users is one index range scan.
CREATE TABLE memberships (
    id                  INTEGER PRIMARY KEY,
    account_id          INTEGER NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    person_id           INTEGER NOT NULL REFERENCES people(id) ON DELETE CASCADE,
    status              TEXT NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'inactive')),
    role_bits           INTEGER NOT NULL DEFAULT 1,
    additional_roles    INTEGER NOT NULL DEFAULT 0,
    cloud_all_projects  INTEGER NOT NULL DEFAULT 1,
    cloud_environment   TEXT CHECK (cloud_environment IN ('production', 'non-production', 'all')),
    added_by            INTEGER REFERENCES people(id) ON DELETE SET NULL,
    added_at            INTEGER NOT NULL,
    version             INTEGER NOT NULL DEFAULT 1,
    name                TEXT NOT NULL,
    name_key            TEXT NOT NULL,
    email               TEXT NOT NULL,
    email_key           TEXT NOT NULL,
    last_sign_in_at     INTEGER NOT NULL DEFAULT 0,   -- 0: never
    cases_owned         INTEGER NOT NULL DEFAULT 0,
    UNIQUE (account_id, person_id)
);
CREATE INDEX memberships_person ON memberships(person_id);
CREATE INDEX memberships_by_name ON memberships(account_id, status, name_key, id);
CREATE INDEX memberships_by_email ON memberships(account_id, status, email_key, id);
CREATE INDEX memberships_by_roles ON memberships(account_id, status, additional_roles, id);
CREATE INDEX memberships_by_sign_in ON memberships(account_id, status, last_sign_in_at, id);
CREATE INDEX memberships_by_cases ON memberships(account_id, status, cases_owned, id);

-- Substring search over name and email without a scan.
CREATE VIRTUAL TABLE membership_search USING fts5(
    name_key, email_key, content='memberships', content_rowid='id', tokenize='trigram'
);
CREATE TRIGGER memberships_search_insert AFTER INSERT ON memberships BEGIN
    INSERT INTO membership_search(rowid, name_key, email_key) VALUES (new.id, new.name_key, new.email_key);
END;
CREATE TRIGGER memberships_search_delete AFTER DELETE ON memberships BEGIN
    INSERT INTO membership_search(membership_search, rowid, name_key, email_key)
    VALUES ('delete', old.id, old.name_key, old.email_key);
END;
CREATE TRIGGER memberships_search_update AFTER UPDATE OF name_key, email_key ON memberships BEGIN
    INSERT INTO membership_search(membership_search, rowid, name_key, email_key)
    VALUES ('delete', old.id, old.name_key, old.email_key);
    INSERT INTO membership_search(rowid, name_key, email_key) VALUES (new.id, new.name_key, new.email_key);
END;

CREATE TABLE membership_projects (
    membership_id  INTEGER NOT NULL REFERENCES memberships(id) ON DELETE CASCADE,
    project_id     INTEGER NOT NULL REFERENCES account_projects(id) ON DELETE CASCADE,
    PRIMARY KEY (membership_id, project_id)
);

-- Members per role and status, kept in step with memberships so the overview never
-- counts a million rows.
CREATE TABLE role_counts (
    account_id  INTEGER NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    status      TEXT NOT NULL,
    role_key    TEXT NOT NULL,
    n           INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (account_id, status, role_key)
);

CREATE TABLE cases (
    id                  INTEGER PRIMARY KEY,
    account_id          INTEGER NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    number              TEXT NOT NULL UNIQUE,
    title               TEXT NOT NULL,
    status              TEXT NOT NULL CHECK (status IN ('open', 'resolved')),
    primary_contact_id  INTEGER REFERENCES people(id) ON DELETE SET NULL,
    opened_at           INTEGER NOT NULL,
    resolved_at         INTEGER
);
CREATE INDEX cases_account ON cases(account_id, status);
CREATE INDEX cases_primary ON cases(primary_contact_id);

CREATE TABLE case_contacts (
    case_id    INTEGER NOT NULL REFERENCES cases(id) ON DELETE CASCADE,
    person_id  INTEGER NOT NULL REFERENCES people(id) ON DELETE CASCADE,
    PRIMARY KEY (case_id, person_id)
);
CREATE INDEX case_contacts_person ON case_contacts(person_id);

CREATE TABLE case_followers (
    case_id    INTEGER NOT NULL REFERENCES cases(id) ON DELETE CASCADE,
    person_id  INTEGER NOT NULL REFERENCES people(id) ON DELETE CASCADE,
    PRIMARY KEY (case_id, person_id)
);
CREATE INDEX case_followers_person ON case_followers(person_id);

CREATE TABLE pulse_messages (
    id          INTEGER PRIMARY KEY,
    case_id     INTEGER NOT NULL REFERENCES cases(id) ON DELETE CASCADE,
    author_id   INTEGER REFERENCES people(id) ON DELETE SET NULL,
    body        TEXT NOT NULL,
    created_at  INTEGER NOT NULL
);
CREATE INDEX pulse_messages_case ON pulse_messages(case_id, id);

CREATE TABLE notifications (
    id          INTEGER PRIMARY KEY,
    person_id   INTEGER NOT NULL REFERENCES people(id) ON DELETE CASCADE,
    case_id     INTEGER NOT NULL REFERENCES cases(id) ON DELETE CASCADE,
    message_id  INTEGER REFERENCES pulse_messages(id) ON DELETE CASCADE,
    created_at  INTEGER NOT NULL
);
CREATE INDEX notifications_person ON notifications(person_id, case_id);

CREATE TABLE invitations (
    id           INTEGER PRIMARY KEY,
    account_id   INTEGER NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    name         TEXT NOT NULL,
    email        TEXT NOT NULL,
    role_bits    INTEGER NOT NULL DEFAULT 1,
    token_hash   TEXT NOT NULL UNIQUE,
    invited_by   INTEGER REFERENCES people(id) ON DELETE SET NULL,
    created_at   INTEGER NOT NULL,
    expires_at   INTEGER NOT NULL,
    accepted_at  INTEGER,
    revoked_at   INTEGER
);
CREATE INDEX invitations_account ON invitations(account_id);

CREATE TABLE outbox (
    id          INTEGER PRIMARY KEY,
    recipient   TEXT NOT NULL,
    subject     TEXT NOT NULL,
    body_text   TEXT NOT NULL,
    body_html   TEXT NOT NULL,
    created_at  INTEGER NOT NULL,
    sent_at     INTEGER,
    attempts    INTEGER NOT NULL DEFAULT 0,
    last_error  TEXT
);
CREATE INDEX outbox_unsent ON outbox(sent_at, id);

CREATE TABLE audit_log (
    id                 INTEGER PRIMARY KEY,
    at                 INTEGER NOT NULL,
    actor_id           INTEGER REFERENCES people(id) ON DELETE SET NULL,
    account_id         INTEGER REFERENCES accounts(id) ON DELETE CASCADE,
    subject_person_id  INTEGER REFERENCES people(id) ON DELETE SET NULL,
    action             TEXT NOT NULL,
    before             TEXT,
    after              TEXT
);
CREATE INDEX audit_log_account ON audit_log(account_id, id);
CREATE INDEX audit_log_subject ON audit_log(account_id, subject_person_id, id);
