-- Search Text whose matches sit together in the name or email order (issue 16).
--
-- The matches of a first name ("oliv": Olivia, Oliver) mostly begin the name, and those
-- are a range of the name index, read in order. The trigram indexes of 0001 cannot tell
-- where in a column a match lies, so collecting the others from them read the rows of
-- all 24,860 matches of "oliv" (17,000 table pages, 65 ms) to keep the few that match
-- elsewhere. These index what follows a column's first character: a match that does not
-- begin the column is a match in it, and a match that only begins it is not.
CREATE INDEX memberships_name_rest_trgm ON memberships USING gin (substr(name_key, 2) gin_trgm_ops);
CREATE INDEX memberships_email_rest_trgm ON memberships USING gin (substr(email_key, 2) gin_trgm_ops);
