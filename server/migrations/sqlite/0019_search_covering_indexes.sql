-- Search Text looks ahead along the name and email orders (issue 16).
--
-- The PostgreSQL twin adds the other key and the role bits to its name and email
-- indexes, as 0004 did here; this file keeps the two directories in step.
SELECT 1;
