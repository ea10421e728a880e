-- One row per accepted submission. `answers` is the normalised answers as a JSON object;
-- `received_at` is RFC 3339 UTC with seconds precision. No client address, no user agent:
-- the collector stores what the resident typed and nothing about them.
CREATE TABLE responses (
    id INTEGER PRIMARY KEY,
    form_id TEXT NOT NULL,
    submission_id TEXT,
    received_at TEXT NOT NULL,
    answers TEXT NOT NULL
);

-- Idempotency: the widget retries with the same submission id; it must be stored once.
-- Rows without a submission id (NULL) never collide. Also serves exports by form.
CREATE UNIQUE INDEX responses_form_submission ON responses (form_id, submission_id);
