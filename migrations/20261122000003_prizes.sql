-- Prizes: tiers per round, one prize per person across rounds, staff excluded, and the
-- organiser's verification of each winner before the winners list is published.

ALTER TABLE rounds ADD COLUMN prizes JSONB NOT NULL DEFAULT '[]';
ALTER TABLE contests
    ADD COLUMN one_prize_per_person BOOLEAN NOT NULL DEFAULT TRUE,
    ADD COLUMN winners_published_at TIMESTAMPTZ;
ALTER TABLE participants ADD COLUMN staff BOOLEAN NOT NULL DEFAULT FALSE;

-- The organiser's decision on a winner; awards are recomputed around rejections.
CREATE TABLE winner_checks (
    round_id       BIGINT NOT NULL REFERENCES rounds (id) ON DELETE CASCADE,
    participant_id BIGINT NOT NULL REFERENCES participants (id) ON DELETE CASCADE,
    status         TEXT NOT NULL CHECK (status IN ('verified', 'rejected')),
    reason         TEXT NOT NULL,
    decided_by     BIGINT REFERENCES accounts (id),
    decided_at     TIMESTAMPTZ NOT NULL DEFAULT now(),
    PRIMARY KEY (round_id, participant_id)
);
