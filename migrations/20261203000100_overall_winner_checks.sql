-- The organiser's decision on a winner of an overall prize (the contest's ranking over its
-- rounds), as winner_checks is for the rounds' prizes: verified, or rejected with a reason
-- (the prize then passes to the next in the overall ranking). The API names the overall
-- ranking round 0.
CREATE TABLE overall_winner_checks (
    contest_id     BIGINT NOT NULL REFERENCES contests (id) ON DELETE CASCADE,
    participant_id BIGINT NOT NULL REFERENCES participants (id) ON DELETE CASCADE,
    status         TEXT NOT NULL CHECK (status IN ('verified', 'rejected')),
    reason         TEXT NOT NULL,
    decided_by     BIGINT REFERENCES accounts (id),
    decided_at     TIMESTAMPTZ NOT NULL DEFAULT now(),
    PRIMARY KEY (contest_id, participant_id)
);
