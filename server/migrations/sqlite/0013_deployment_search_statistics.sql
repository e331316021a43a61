-- The PostgreSQL twin of this file (../postgres/0013_deployment_search_statistics.sql) gives
-- the planner statistics on lower-cased deployment names and Org IDs; SQLite keeps none of
-- that kind, so this migration only keeps the two lists in step.
SELECT 1;
