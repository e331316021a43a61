-- Partners (issue 13, SPEC F21): the customer deployments a partner organisation supports,
-- and the support access levels partners pick instead of single roles. The SQLite twin
-- of this file is ../sqlite/0011_partners.sql; keep the two in step.

-- A support access level is a named set of catalogue roles (role bits), data like roles.
CREATE TABLE support_levels (
    key          TEXT PRIMARY KEY,
    label        TEXT NOT NULL UNIQUE,
    description  TEXT NOT NULL,
    role_bits    BIGINT NOT NULL,
    position     INTEGER NOT NULL
);
INSERT INTO support_levels (key, label, description, role_bits, position) VALUES
 ('case_handling', 'Case handling', 'Open and follow support cases.', 1, 0),
 ('technical', 'Technical support', 'Cases and security notices.', 5, 1),
 ('full', 'Full support', 'Cases, security notices, billing and licences.', 53, 2);

-- Which partner supports which deployment (an account of a customer), since when.
CREATE TABLE partner_deployments (
    partner_id  BIGINT NOT NULL REFERENCES organisations(id) ON DELETE CASCADE,
    account_id  BIGINT NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    since       BIGINT NOT NULL,
    added_by    BIGINT REFERENCES people(id) ON DELETE SET NULL,
    PRIMARY KEY (partner_id, account_id)
);
CREATE INDEX partner_deployments_account ON partner_deployments(account_id);

-- The level a partner member holds on a deployment (their roles are its role bits).
ALTER TABLE memberships ADD COLUMN support_level TEXT REFERENCES support_levels(key);
