-- Results are counted as answers arrive, not by reading every answer when someone asks: a
-- GROUP BY over the answers of a million responses takes about 400 ms here, reading these rows
-- well under one. The insert's own transaction adds to them and the retention purge's
-- transaction takes away, so they always equal what the stored answers say (see
-- store/counting.rs). Writers update the rows of a batch in key order, so two collectors
-- sharing the database wait for each other but never deadlock.
--
-- One row per counted thing of a form: `question` = '' and `value` = '' is how many responses
-- the form has; `value` = '' is how many responses answered `question`; otherwise how many
-- chose `value` for `question` (a multiple-choice answer counts once per value). Question ids
-- and option values are never empty, so '' cannot collide with them. Free text is only counted
-- as answered: no text is ever a value here.
CREATE TABLE answer_counts (
    form_id text NOT NULL,
    question text NOT NULL,
    value text NOT NULL,
    n bigint NOT NULL,
    PRIMARY KEY (form_id, question, value)
);

-- How each form's counts were made: its question ids and which of them count values. When a
-- collector starts with a definition that counts otherwise (a question added, a kind changed),
-- it counts that form again from its stored answers; a form never counted (an upgrade from a
-- collector without these tables) has no row here and is counted on the first start.
CREATE TABLE counted_forms (
    form_id text PRIMARY KEY,
    spec text NOT NULL
);
