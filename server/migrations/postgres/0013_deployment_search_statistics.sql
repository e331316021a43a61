-- Statistics on the lower-cased deployment names and Org IDs that My deployments searches
-- (issue 13). Without them the planner guesses that a pattern matches a couple of
-- deployments, and for a word most of them share it then probes memberships once per
-- deployment: 25 ms instead of 9 at 5,000 deployments. SQLite has no such statistics; its
-- twin, ../sqlite/0013_deployment_search_statistics.sql, changes nothing.
CREATE STATISTICS IF NOT EXISTS accounts_search ON lower(name), lower(org_id) FROM accounts;
ANALYZE accounts;
