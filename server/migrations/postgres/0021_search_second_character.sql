-- Search Text inside a first name ("livia": every Olivia) (issue 16).
--
-- 0020's trigram indexes of what follows a column's first character found every Olivia
-- for "livia", and each match's row was read for its sort key (10,280 table pages, most
-- of the statement's 18 ms). A match at a column's second character is, for each first
-- character, one range of the name or email index (`c || 'livia'`), read from the index
-- alone after a skip scan of the first characters. These trigram indexes hold what
-- follows the second character, so only the rarer matches further in are read from rows.
DROP INDEX memberships_name_rest_trgm;
DROP INDEX memberships_email_rest_trgm;
CREATE INDEX memberships_name_tail_trgm ON memberships USING gin (substr(name_key, 3) gin_trgm_ops);
CREATE INDEX memberships_email_tail_trgm ON memberships USING gin (substr(email_key, 3) gin_trgm_ops);
