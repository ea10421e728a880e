-- What keeps robots out without knowing anyone (see defence.rs).
--
-- Each solved challenge and each no-JS render token is good for one answer: its key is kept
-- here until it expires (after that it is refused as expired anyway), with the submission id
-- of the answer that used it, so a resend of that same answer (the widget's retry after a lost
-- reply) is still accepted. The primary key makes the first of several collectors win.
-- No address, no cookie, nothing about a resident.
CREATE TABLE spent (
    key text PRIMARY KEY,
    submission_id text,
    expires_at bigint NOT NULL
);
CREATE INDEX spent_expires ON spent (expires_at);

-- The secret the challenges and tokens are signed with, made by the first collector to start:
-- every collector sharing the database signs and verifies alike.
CREATE TABLE secrets (
    name text PRIMARY KEY,
    value text NOT NULL
);
