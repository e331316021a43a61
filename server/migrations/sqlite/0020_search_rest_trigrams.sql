-- Search Text whose matches sit together in the name or email order (issue 16).
--
-- The PostgreSQL twin indexes the trigrams of what follows each name's and email's first
-- character; SQLite's FTS5 index finds a phrase at the start of a column itself
-- (`^"…"`), so here there is nothing to add; this file keeps the two directories in step.
SELECT 1;
