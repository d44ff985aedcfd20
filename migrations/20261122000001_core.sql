-- The core: contests, units, rounds, question bank, participants, attempts, answers, results.
-- Times are timestamptz; the app speaks Asia/Ho_Chi_Minh to people and UTC to the database.

CREATE TABLE contests (
    id              BIGSERIAL PRIMARY KEY,
    slug            TEXT NOT NULL UNIQUE,
    title           TEXT NOT NULL,
    organiser       TEXT NOT NULL,
    rules_md        TEXT NOT NULL DEFAULT '',
    province_code   TEXT,
    cccd_required   BOOLEAN NOT NULL DEFAULT FALSE,
    min_age         INTEGER,
    consent_version TEXT NOT NULL,
    consent_text    TEXT NOT NULL,
    created_at      TIMESTAMPTZ NOT NULL DEFAULT now()
);

-- Đơn vị dự thi: an organiser's own tree, or the 2025 communes of a province.
CREATE TABLE units (
    contest_id  BIGINT NOT NULL REFERENCES contests (id) ON DELETE CASCADE,
    code        TEXT NOT NULL,
    name        TEXT NOT NULL,
    parent_code TEXT,
    kind        TEXT NOT NULL DEFAULT 'unit',
    headcount   INTEGER,
    PRIMARY KEY (contest_id, code)
);

CREATE TABLE questions (
    id          BIGSERIAL PRIMARY KEY,
    contest_id  BIGINT NOT NULL REFERENCES contests (id) ON DELETE CASCADE,
    code        TEXT NOT NULL,
    version     INTEGER NOT NULL DEFAULT 1,
    topic       TEXT NOT NULL,
    difficulty  TEXT NOT NULL CHECK (difficulty IN ('easy', 'medium', 'hard')),
    text        TEXT NOT NULL,
    -- [{"id": 123456, "text": "…"}] in authored order; ids are random so they say nothing
    -- about the authored position of the correct option.
    options     JSONB NOT NULL,
    correct     BIGINT[] NOT NULL,
    explanation TEXT NOT NULL DEFAULT '',
    law         TEXT NOT NULL DEFAULT '',
    article     TEXT NOT NULL DEFAULT '',
    UNIQUE (contest_id, code, version)
);

CREATE TABLE rounds (
    id                    BIGSERIAL PRIMARY KEY,
    contest_id            BIGINT NOT NULL REFERENCES contests (id) ON DELETE CASCADE,
    position              INTEGER NOT NULL,
    title                 TEXT NOT NULL,
    opens_at              TIMESTAMPTZ NOT NULL,
    closes_at             TIMESTAMPTZ NOT NULL,
    grace_ms              INTEGER NOT NULL DEFAULT 2000,
    time_limit_ms         INTEGER NOT NULL,
    attempt_limit         INTEGER,            -- NULL: unlimited
    questions_per_attempt INTEGER NOT NULL,
    draw_rule             JSONB NOT NULL,
    prediction_target     TEXT,               -- NULL: no prediction question
    prediction_question   TEXT,
    ranking_chain         TEXT[] NOT NULL,
    reveal                TEXT NOT NULL DEFAULT 'after_close',
    question_ids          BIGINT[] NOT NULL,  -- the bank this round draws from (question versions)
    prediction_actual     BIGINT,
    finalized_at          TIMESTAMPTZ,
    CHECK (closes_at > opens_at),
    UNIQUE (contest_id, position)
);

CREATE TABLE participants (
    id              BIGSERIAL PRIMARY KEY,
    contest_id      BIGINT NOT NULL REFERENCES contests (id) ON DELETE CASCADE,
    full_name       TEXT NOT NULL,
    dob             DATE NOT NULL,
    sex             TEXT NOT NULL CHECK (sex IN ('male', 'female')),
    phone_enc       BYTEA NOT NULL,
    phone_hmac      BYTEA NOT NULL,
    phone_masked    TEXT NOT NULL,
    cccd_enc        BYTEA,
    cccd_hmac       BYTEA,
    commune_code    TEXT NOT NULL,
    units_version   TEXT NOT NULL,
    unit_code       TEXT NOT NULL,
    consent_at      TIMESTAMPTZ NOT NULL,
    consent_version TEXT NOT NULL,
    created_at      TIMESTAMPTZ NOT NULL DEFAULT now(),
    UNIQUE (contest_id, phone_hmac),
    UNIQUE (contest_id, cccd_hmac),
    FOREIGN KEY (contest_id, unit_code) REFERENCES units (contest_id, code)
);

-- Written by the persister from the round's event stream; idempotent upserts.
CREATE TABLE attempts (
    id             UUID PRIMARY KEY,
    round_id       BIGINT NOT NULL REFERENCES rounds (id) ON DELETE CASCADE,
    participant_id BIGINT NOT NULL REFERENCES participants (id) ON DELETE CASCADE,
    number         INTEGER NOT NULL,
    started_at_ms  BIGINT NOT NULL,
    deadline_ms    BIGINT NOT NULL,
    question_ids   BIGINT[] NOT NULL,
    submitted_at_ms BIGINT,
    duration_ms    BIGINT,
    correct        INTEGER,
    prediction     BIGINT,
    auto_submitted BOOLEAN NOT NULL DEFAULT FALSE,
    UNIQUE (round_id, participant_id, number)
);

CREATE TABLE answers (
    attempt_id     UUID NOT NULL,
    question_id    BIGINT NOT NULL,
    options        BIGINT[] NOT NULL,
    seq            BIGINT NOT NULL,
    answered_at_ms BIGINT NOT NULL,
    PRIMARY KEY (attempt_id, question_id)
);

CREATE TABLE results (
    round_id       BIGINT NOT NULL REFERENCES rounds (id) ON DELETE CASCADE,
    participant_id BIGINT NOT NULL REFERENCES participants (id) ON DELETE CASCADE,
    rank           INTEGER NOT NULL,
    attempt_id     UUID NOT NULL,
    correct        INTEGER NOT NULL,
    prediction     BIGINT,
    distance       BIGINT,
    duration_ms    BIGINT NOT NULL,
    submitted_at_ms BIGINT NOT NULL,
    PRIMARY KEY (round_id, participant_id)
);

CREATE INDEX attempts_round_idx ON attempts (round_id, participant_id);
CREATE INDEX results_rank_idx ON results (round_id, rank);
