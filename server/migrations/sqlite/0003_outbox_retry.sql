-- The outbox sender (server/src/mail.rs) retries failed deliveries with a growing delay:
-- a message is due when it is unsent and its next_attempt_at (Unix seconds) has passed.
-- New rows are due at once (0).
ALTER TABLE outbox ADD COLUMN next_attempt_at INTEGER NOT NULL DEFAULT 0;

-- The sender's query: unsent and due. Sent mail (nearly every row) is not in the index.
CREATE INDEX outbox_due ON outbox(next_attempt_at, id) WHERE sent_at IS NULL;
