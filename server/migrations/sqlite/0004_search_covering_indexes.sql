-- Search Text in the name and email orders (issue 6).
--
-- The name and email indexes also carry the other key, so that Search Text (which
-- looks at both) is tested on the index entry, without reading the row. A term such as
-- a surname matches in runs along the name order ("Anna Kowalski", "Ava Kowalski", …
-- are thousands of rows apart), so a page that starts at the end of one run walks to
-- the next; on the index alone that walk is several times cheaper. (SQLite tests index
-- columns before it reads the row; PostgreSQL does not, so its twin changes nothing.)
DROP INDEX memberships_by_name;
CREATE INDEX memberships_by_name ON memberships(account_id, status, name_key, id, role_bits, email_key);
DROP INDEX memberships_by_email;
CREATE INDEX memberships_by_email ON memberships(account_id, status, email_key, id, role_bits, name_key);
