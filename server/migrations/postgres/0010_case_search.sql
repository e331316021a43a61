-- Search Text over case numbers and titles without a scan of the account's cases
-- (issue 14). The SQLite twin of this file is ../sqlite/0010_case_search.sql.
CREATE INDEX cases_title_trgm ON cases USING gin (title_key gin_trgm_ops);
CREATE INDEX cases_number_trgm ON cases USING gin (number gin_trgm_ops);
