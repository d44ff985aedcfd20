-- "Lan tỏa" prizes: each participant's share code, and who referred whom (registration ?ref=).
CREATE TABLE referrals (
    participant_id bigint PRIMARY KEY REFERENCES participants(id) ON DELETE CASCADE,
    contest_id bigint NOT NULL REFERENCES contests(id) ON DELETE CASCADE,
    code text NOT NULL UNIQUE,
    referred_by bigint REFERENCES participants(id) ON DELETE SET NULL
);
CREATE INDEX referrals_referred_by ON referrals (referred_by);

-- Extra time an organiser grants a participant (disability, a documented outage): extra minutes
-- and/or a multiplier of the round's time limit, applied when an attempt starts.
CREATE TABLE time_extensions (
    participant_id bigint PRIMARY KEY REFERENCES participants(id) ON DELETE CASCADE,
    extra_minutes integer NOT NULL DEFAULT 0 CHECK (extra_minutes BETWEEN 0 AND 600),
    multiplier_pct integer NOT NULL DEFAULT 100 CHECK (multiplier_pct BETWEEN 100 AND 300),
    reason text NOT NULL,
    granted_by bigint,
    granted_at timestamptz NOT NULL DEFAULT now()
);
