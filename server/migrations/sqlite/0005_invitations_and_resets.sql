-- Invitations (F15) and forgotten passwords (F18).
--
-- An invitation may be for a contact the account already has (Invite to Community);
-- `membership_id` names it, so accepting completes that membership instead of adding one.
ALTER TABLE invitations ADD COLUMN membership_id INTEGER REFERENCES memberships(id) ON DELETE CASCADE;
CREATE INDEX invitations_email ON invitations(account_id, email);

-- One-time links to choose a new password. Only a hash of the token is kept.
CREATE TABLE password_resets (
    id          INTEGER PRIMARY KEY,
    person_id   INTEGER NOT NULL REFERENCES people(id) ON DELETE CASCADE,
    token_hash  TEXT NOT NULL UNIQUE,
    created_at  INTEGER NOT NULL,
    expires_at  INTEGER NOT NULL,
    used_at     INTEGER
);
CREATE INDEX password_resets_person ON password_resets(person_id);

-- Whether the member's person has registered: the list shows "Invite to Community" for
-- those who have not. Kept here like the other listed person fields.
ALTER TABLE memberships ADD COLUMN registered INTEGER NOT NULL DEFAULT 1;
UPDATE memberships SET registered = 0
 WHERE person_id IN (SELECT id FROM people WHERE registered_at IS NULL);
