-- One row per accepted submission, as in the SQLite schema. `answers` is the normalised answers
-- as a JSON object, kept as text rather than jsonb: jsonb refuses the escape \u0000, and one
-- resident's odd input must not fail the batch it is committed with. `received_at` is set by the
-- collector (whole seconds, UTC) so both backends date answers with the same clock.
-- No client address, no user agent: the collector stores what the resident typed and nothing
-- about them.
CREATE TABLE responses (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    form_id text NOT NULL,
    submission_id text,
    received_at timestamptz NOT NULL,
    answers text NOT NULL
);

-- Idempotency: the widget retries with the same submission id; it must be stored once. Rows
-- without a submission id (NULL) never collide. It is also the arbiter of the inserts'
-- ON CONFLICT, and serves reads and purges by form.
CREATE UNIQUE INDEX responses_form_submission ON responses (form_id, submission_id);
