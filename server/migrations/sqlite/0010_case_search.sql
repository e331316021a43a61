-- Search Text over case numbers and titles without a scan of the account's cases
-- (issue 14: an account of 1,000,000 cases). The PostgreSQL twin of this file is
-- ../postgres/0010_case_search.sql; keep the two in step.
CREATE VIRTUAL TABLE case_search USING fts5(
    title_key, number, content='cases', content_rowid='id', tokenize='trigram'
);
INSERT INTO case_search(case_search) VALUES ('rebuild');
CREATE TRIGGER cases_search_insert AFTER INSERT ON cases BEGIN
    INSERT INTO case_search(rowid, title_key, number) VALUES (new.id, new.title_key, new.number);
END;
CREATE TRIGGER cases_search_delete AFTER DELETE ON cases BEGIN
    INSERT INTO case_search(case_search, rowid, title_key, number) VALUES ('delete', old.id, old.title_key, old.number);
END;
CREATE TRIGGER cases_search_update AFTER UPDATE OF title_key, number ON cases BEGIN
    INSERT INTO case_search(case_search, rowid, title_key, number) VALUES ('delete', old.id, old.title_key, old.number);
    INSERT INTO case_search(rowid, title_key, number) VALUES (new.id, new.title_key, new.number);
END;
