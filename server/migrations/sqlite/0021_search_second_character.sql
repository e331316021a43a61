-- Search Text inside a first name ("livia": every Olivia) (issue 16).
--
-- The PostgreSQL twin moves its trigram indexes past each column's second character and
-- finds matches at the second character on the name and email indexes; SQLite's FTS5
-- index reads those matches without their rows already, so here there is nothing to
-- change; this file keeps the two directories in step.
SELECT 1;
