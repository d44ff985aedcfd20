-- Ballot-stuffing detection: what registration keeps to spot clusters, and the cases the
-- detection job files for organisers to review. Nothing here disqualifies anyone.

-- Keyed HMACs (never the raw values): the network address of the registration request and
-- the device id the page generated and kept in the browser.
ALTER TABLE participants
    ADD COLUMN address_hmac BYTEA,
    ADD COLUMN device_hmac BYTEA;
CREATE INDEX participants_address_idx ON participants (contest_id, address_hmac, created_at)
    WHERE address_hmac IS NOT NULL;
CREATE INDEX participants_device_idx ON participants (contest_id, device_hmac, created_at)
    WHERE device_hmac IS NOT NULL;

CREATE TABLE abuse_cases (
    id              BIGSERIAL PRIMARY KEY,
    contest_id      BIGINT NOT NULL REFERENCES contests (id) ON DELETE CASCADE,
    round_id        BIGINT REFERENCES rounds (id) ON DELETE CASCADE,
    rule            TEXT NOT NULL CHECK (rule IN ('registration_burst', 'same_person', 'identical_answers', 'too_fast')),
    -- Identifies the cluster across scans, so a re-scan updates a case instead of filing it again.
    fingerprint     TEXT NOT NULL,
    participant_ids BIGINT[] NOT NULL,
    evidence        JSONB NOT NULL DEFAULT '{}',
    status          TEXT NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'confirmed', 'dismissed')),
    reason          TEXT,
    decided_by      BIGINT REFERENCES accounts (id),
    decided_at      TIMESTAMPTZ,
    created_at      TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at      TIMESTAMPTZ NOT NULL DEFAULT now(),
    UNIQUE (contest_id, rule, fingerprint),
    CHECK ((status = 'open') = (decided_at IS NULL))
);
CREATE INDEX abuse_cases_contest_idx ON abuse_cases (contest_id, status, id);

-- When each contest was last scanned (the job picks the stalest first).
CREATE TABLE abuse_scans (
    contest_id BIGINT PRIMARY KEY REFERENCES contests (id) ON DELETE CASCADE,
    scanned_at TIMESTAMPTZ NOT NULL
);
