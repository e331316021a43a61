-- Manage Users at a million members (issue 6).
--
-- The role index lets a rare role's members be collected directly (the distinct
-- role_bits values of a view are found by a skip scan of it) instead of walking a whole
-- sort index to find them. (The SQLite twin also adds role_bits to the sort indexes,
-- which helps there only: SQLite tests index columns before reading the row.)
CREATE INDEX memberships_by_role_bits ON memberships(account_id, status, role_bits);
