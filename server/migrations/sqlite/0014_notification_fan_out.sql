-- PostgreSQL's twin drops two per-row foreign-key checks from notifications (they cost a
-- trigger call per row there). SQLite checks foreign keys in-process for a few
-- microseconds a row, and dropping one would mean rebuilding the table: kept.
SELECT 1;
