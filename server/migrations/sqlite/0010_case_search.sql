-- Search Text over case titles without a scan of the account's cases (issue 14: an
-- account of 1,000,000 cases). A number is found by its own unique index (see
-- backend/cases/list.rs). The PostgreSQL twin of this file is
-- ../postgres/0010_case_search.sql; keep the two in step.
CREATE VIRTUAL TABLE case_search USING fts5(title_key, content='cases', content_rowid='id', tokenize='trigram');
INSERT INTO case_search(case_search) VALUES ('rebuild');
CREATE TRIGGER cases_search_insert AFTER INSERT ON cases BEGIN
    INSERT INTO case_search(rowid, title_key) VALUES (new.id, new.title_key);
END;
CREATE TRIGGER cases_search_delete AFTER DELETE ON cases BEGIN
    INSERT INTO case_search(case_search, rowid, title_key) VALUES ('delete', old.id, old.title_key);
END;
CREATE TRIGGER cases_search_update AFTER UPDATE OF title_key ON cases BEGIN
    INSERT INTO case_search(case_search, rowid, title_key) VALUES ('delete', old.id, old.title_key);
    INSERT INTO case_search(rowid, title_key) VALUES (new.id, new.title_key);
END;
