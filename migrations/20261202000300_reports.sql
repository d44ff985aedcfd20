-- Reports for agencies: the overall ranking over rounds, the collective ranking's formula,
-- participants' occupation for the participation statistics, and the indexes these
-- aggregations need on national-size contests.

ALTER TABLE contests
    -- NULL: the contest does not rank over rounds; else {"prizes": [{"name", "count"}]}.
    ADD COLUMN overall_ranking JSONB,
    -- {"rate_weight", "participant_weight", "prize_points": {"<prize name>": points}}
    ADD COLUMN collective_scoring JSONB NOT NULL DEFAULT '{"rate_weight": 1, "participant_weight": 0, "prize_points": {}}',
    ADD COLUMN occupation_required BOOLEAN NOT NULL DEFAULT FALSE;

-- The fixed list of src/domain/occupation.rs.
ALTER TABLE participants ADD COLUMN occupation TEXT CHECK (occupation IN
    ('student', 'civil_servant', 'armed_forces', 'worker', 'farmer', 'business', 'other'));

-- Collective rankings and statistics group a contest's participants by unit.
CREATE INDEX participants_contest_unit_idx ON participants (contest_id, unit_code);
-- Overall results sum each participant's counted attempts over rounds.
CREATE INDEX results_participant_idx ON results (participant_id, round_id);
