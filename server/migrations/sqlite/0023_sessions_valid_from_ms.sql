-- `sessions_valid_from` in milliseconds, as sessions now record their start: in whole
-- seconds, a session started in the same second as its person's "Sign out everywhere
-- else" or password change outlived it.
UPDATE people SET sessions_valid_from = sessions_valid_from * 1000;
