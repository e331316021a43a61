-- Manage Users at a million members (issue 6).
--
-- The role index lets a rare role's members be collected directly (the distinct
-- role_bits values of a view are found by a skip scan of it) instead of walking a whole
-- sort index to find them.
CREATE INDEX memberships_by_role_bits ON memberships(account_id, status, role_bits);

-- The sort indexes carry role_bits, so that a walk with a role filter tests it on the
-- index entry and reads only the rows that have the role. (SQLite tests index columns
-- before it reads the row; PostgreSQL does not, so its twin keeps the narrower indexes.)
DROP INDEX memberships_by_name;
CREATE INDEX memberships_by_name ON memberships(account_id, status, name_key, id, role_bits);
DROP INDEX memberships_by_email;
CREATE INDEX memberships_by_email ON memberships(account_id, status, email_key, id, role_bits);
DROP INDEX memberships_by_roles;
CREATE INDEX memberships_by_roles ON memberships(account_id, status, additional_roles, id, role_bits);
DROP INDEX memberships_by_sign_in;
CREATE INDEX memberships_by_sign_in ON memberships(account_id, status, last_sign_in_at, id, role_bits);
DROP INDEX memberships_by_cases;
CREATE INDEX memberships_by_cases ON memberships(account_id, status, cases_owned, id, role_bits);
