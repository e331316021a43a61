-- Search Text inside a first name ("livia": every Olivia), on SQLite (issue 16).
--
-- The SQLite twin adds a search index of what follows each name's and email's second
-- character, as 0021 did here; this file keeps the two directories in step.
SELECT 1;
