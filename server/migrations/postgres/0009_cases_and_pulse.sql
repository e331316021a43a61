-- Cases and the pulse feed (issue 14, SPEC F20). The SQLite twin of this file is
-- ../sqlite/0009_cases_and_pulse.sql; keep the two in step.

-- What the case list sorts and searches by, kept on the case so that each order is one
-- index walk: the lower-cased title, the primary contact's name (a copy, kept in step
-- wherever the primary contact or their name changes) and the time of the last change.
ALTER TABLE cases ADD COLUMN description TEXT NOT NULL DEFAULT '';
ALTER TABLE cases ADD COLUMN title_key TEXT NOT NULL DEFAULT '';
ALTER TABLE cases ADD COLUMN primary_name TEXT NOT NULL DEFAULT '';
ALTER TABLE cases ADD COLUMN primary_name_key TEXT NOT NULL DEFAULT '';
ALTER TABLE cases ADD COLUMN updated_at BIGINT NOT NULL DEFAULT 0;
UPDATE cases
   SET title_key = lower(title),
       updated_at = COALESCE(resolved_at, opened_at),
       primary_name = COALESCE((SELECT display_name FROM people WHERE id = cases.primary_contact_id), ''),
       primary_name_key = COALESCE((SELECT name_key FROM people WHERE id = cases.primary_contact_id), '');

DROP INDEX cases_account;
CREATE INDEX cases_by_number ON cases(account_id, id);
CREATE INDEX cases_by_title ON cases(account_id, title_key, id);
CREATE INDEX cases_by_primary ON cases(account_id, primary_name_key, id);
CREATE INDEX cases_by_updated ON cases(account_id, updated_at, id);
CREATE INDEX cases_by_status ON cases(account_id, status, id);

-- A notification is read once its person has seen it on the notifications page.
ALTER TABLE notifications ADD COLUMN read_at BIGINT;
DROP INDEX notifications_person;
CREATE INDEX notifications_person ON notifications(person_id, id);
CREATE INDEX notifications_unread ON notifications(person_id) WHERE read_at IS NULL;
CREATE INDEX notifications_case ON notifications(case_id, person_id);

-- Whether a person wants an email for each pulse message that notifies them.
ALTER TABLE people ADD COLUMN pulse_emails BOOLEAN NOT NULL DEFAULT FALSE;
