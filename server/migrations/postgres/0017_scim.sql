-- SCIM 2.0 (issue 15, SPEC F26): what an identity provider says about a member beyond
-- Roster's own data: its userName (the IdP's login; a member without a row here has
-- their email as userName), externalId, name parts and the type and primary flag of its email. The
-- sqlite twin of this file is ../sqlite/0017_scim.sql; keep the two in step.
CREATE TABLE scim_users (
    membership_id  BIGINT PRIMARY KEY REFERENCES memberships(id) ON DELETE CASCADE,
    account_id     BIGINT NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    user_name      TEXT NOT NULL,
    user_name_key  TEXT NOT NULL,
    external_id    TEXT,
    given_name     TEXT,
    family_name    TEXT,
    email_type     TEXT,
    email_primary  BIGINT,          -- 1 true, 0 false, NULL not sent
    updated_at     BIGINT NOT NULL
);
-- userName is unique within an account, any case; `filter=userName eq "…"` and
-- `externalId eq "…"` are index lookups.
CREATE UNIQUE INDEX scim_users_user_name ON scim_users(account_id, user_name_key);
CREATE INDEX scim_users_external_id ON scim_users(account_id, external_id);
