-- Personal-data rights under Law 91/2025/QH15 (download, erasure, retention) and the
-- satisfaction survey.

-- Retention: participants' personal data is anonymised this many days after the contest's
-- last round closes (`thiluat retention run`). Re-entry: whether someone whose data was
-- erased may register again with the same phone / CCCD (the contest's rules decide; when
-- not, the keyed HMACs stay until retention to keep "one person, one entry").
ALTER TABLE contests
    ADD COLUMN retention_days INTEGER NOT NULL DEFAULT 365 CHECK (retention_days BETWEEN 0 AND 3650),
    ADD COLUMN reentry_after_erasure BOOLEAN NOT NULL DEFAULT FALSE,
    ADD COLUMN anonymised_at TIMESTAMPTZ;

-- An erased participant keeps the row (results and rankings stay valid) without personal
-- data; a dropped uniqueness HMAC is NULL.
ALTER TABLE participants
    ALTER COLUMN phone_hmac DROP NOT NULL,
    ADD COLUMN erased_at TIMESTAMPTZ,
    ADD COLUMN erased_by TEXT CHECK (erased_by IN ('participant', 'organiser', 'retention'));

-- Anonymous to everyone who reads it: no participant id, no attempt id, no time of day.
-- `marker` is a keyed HMAC of the attempt id: it refuses a second answer for the same
-- attempt and cannot be joined to attempts without the server's secret.
CREATE TABLE survey_responses (
    marker      BYTEA PRIMARY KEY,
    contest_id  BIGINT NOT NULL REFERENCES contests (id) ON DELETE CASCADE,
    round_id    BIGINT NOT NULL REFERENCES rounds (id) ON DELETE CASCADE,
    score       SMALLINT NOT NULL CHECK (score BETWEEN 1 AND 5),
    comment     TEXT CHECK (char_length(comment) <= 1000),
    answered_on DATE NOT NULL
);
CREATE INDEX survey_responses_contest_idx ON survey_responses (contest_id, round_id);
