-- A role held once per account ("Primary", bit 6 of memberships.role_bits) is held once
-- in the database too. The server checks before it writes (naming the holder), and
-- this index makes sure that two grants at the same moment cannot both succeed. The
-- server refuses to start when a unique_per_account role of the catalogue has no such
-- index (roles::UNIQUE_ROLE_INDEXES). The PostgreSQL twin of this file is
-- ../postgres/0008_one_unique_role_holder.sql; keep the two in step.

-- Where two grants met before this index existed, the member who has held Primary the
-- longest keeps it and the others lose it, each with an entry in the audit log.
INSERT INTO audit_log (at, actor_id, account_id, subject_person_id, action, before, after)
SELECT CAST(strftime('%s', 'now') AS INTEGER), NULL, m.account_id, m.person_id, 'member.roles_changed',
       'Primary, which another member held as well', 'Primary taken away: one member of an account holds it'
  FROM memberships m
 WHERE (m.role_bits & 64) <> 0
   AND EXISTS (SELECT 1 FROM memberships e
                WHERE e.account_id = m.account_id AND (e.role_bits & 64) <> 0 AND e.id < m.id);

UPDATE role_counts
   SET n = n - (SELECT COUNT(*) FROM memberships m
                 WHERE m.account_id = role_counts.account_id AND m.status = role_counts.status
                   AND (m.role_bits & 64) <> 0
                   AND EXISTS (SELECT 1 FROM memberships e
                                WHERE e.account_id = m.account_id AND (e.role_bits & 64) <> 0 AND e.id < m.id))
 WHERE role_key = (SELECT key FROM roles WHERE bit = 6);

UPDATE memberships
   SET role_bits = role_bits & ~64, additional_roles = additional_roles - 1, version = version + 1
 WHERE (role_bits & 64) <> 0
   AND EXISTS (SELECT 1 FROM memberships e
                WHERE e.account_id = memberships.account_id AND (e.role_bits & 64) <> 0 AND e.id < memberships.id);

CREATE UNIQUE INDEX memberships_one_primary ON memberships(account_id) WHERE (role_bits & 64) <> 0;
