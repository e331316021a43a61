-- Search Text looks ahead along the name and email orders (issue 16).
--
-- A page of a common Search Text first reads, from the sort index alone, which of the
-- next 20,000 members past the cursor match (an index-only scan: the entries carry
-- both columns Search Text looks at, and the role bits the role filter tests); only if
-- fewer than a page do are the matches collected from the trigram indexes. SQLite's
-- indexes carry these columns since 0004.
DROP INDEX memberships_by_name;
CREATE INDEX memberships_by_name ON memberships(account_id, status, name_key, id) INCLUDE (email_key, role_bits);
DROP INDEX memberships_by_email;
CREATE INDEX memberships_by_email ON memberships(account_id, status, email_key, id) INCLUDE (name_key, role_bits);
