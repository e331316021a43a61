-- Search Text inside a first name ("livia": every Olivia), on SQLite (issue 16).
--
-- The search index of 0001 cannot tell where in a column a match lies, so collecting the
-- matches of "livia" away from the start of the sort column read the row of each of the
-- 12,378 Olivias for its sort key (15 ms of the page's 20). As on PostgreSQL (its
-- 0021), a match at a column's second character is now read from the name and email
-- indexes alone, one range per first character, and this index holds what follows the
-- second character, where the rarer remaining matches are found (4–5 ms in all).
-- Contentless: it is only searched, never read back; a member's row has the text.
CREATE VIRTUAL TABLE membership_search_tail USING fts5(
    name_tail, email_tail, content='', contentless_delete=1, tokenize='trigram'
);
INSERT INTO membership_search_tail(rowid, name_tail, email_tail)
    SELECT id, substr(name_key, 3), substr(email_key, 3) FROM memberships;
CREATE TRIGGER memberships_search_tail_insert AFTER INSERT ON memberships BEGIN
    INSERT INTO membership_search_tail(rowid, name_tail, email_tail)
    VALUES (new.id, substr(new.name_key, 3), substr(new.email_key, 3));
END;
CREATE TRIGGER memberships_search_tail_delete AFTER DELETE ON memberships BEGIN
    DELETE FROM membership_search_tail WHERE rowid = old.id;
END;
CREATE TRIGGER memberships_search_tail_update AFTER UPDATE OF name_key, email_key ON memberships BEGIN
    DELETE FROM membership_search_tail WHERE rowid = old.id;
    INSERT INTO membership_search_tail(rowid, name_tail, email_tail)
    VALUES (new.id, substr(new.name_key, 3), substr(new.email_key, 3));
END;
