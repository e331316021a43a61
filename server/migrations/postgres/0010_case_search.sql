-- Search Text over case titles without a scan of the account's cases (issue 14). A
-- number is found by its own unique index. The SQLite twin of this file is
-- ../sqlite/0010_case_search.sql.
CREATE INDEX cases_title_trgm ON cases USING gin (title_key gin_trgm_ops);
