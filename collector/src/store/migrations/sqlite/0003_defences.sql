-- What keeps robots out without knowing anyone (see defence.rs).
--
-- Each solved challenge and each no-JS render token is good for one answer: its key is kept
-- here until it expires (after that it is refused as expired anyway), with the submission id
-- of the answer that used it, so a resend of that same answer (the widget's retry after a lost
-- reply) is still accepted. No address, no cookie, nothing about a resident.
CREATE TABLE spent (
    key TEXT PRIMARY KEY,
    submission_id TEXT,
    expires_at INTEGER NOT NULL
) WITHOUT ROWID;
CREATE INDEX spent_expires ON spent (expires_at);

-- The secret the challenges and tokens are signed with, made at the first start: every
-- collector sharing the database signs and verifies alike, and a restart keeps challenges
-- already handed out valid.
CREATE TABLE secrets (
    name TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
