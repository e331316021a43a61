-- Sessions of a person signed in before this time no longer count: a password reset
-- sets it, so that whoever knew the old password is signed out everywhere.
ALTER TABLE people ADD COLUMN sessions_valid_from INTEGER NOT NULL DEFAULT 0;
