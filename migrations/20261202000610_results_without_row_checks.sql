-- Finalising a round of a million participants wrote a million results rows, and each one
-- fired two foreign-key checks (a lookup and a row lock on the participant and the round):
-- most of the ranking's time. Results are derived: finalisation writes them only from
-- attempts, whose own keys are checked. So the per-row checks go, and what the foreign
-- keys' ON DELETE CASCADE did is done once per statement by triggers.

ALTER TABLE results
    DROP CONSTRAINT results_round_id_fkey,
    DROP CONSTRAINT results_participant_id_fkey;

CREATE FUNCTION results_follow_deletes() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_TABLE_NAME = 'rounds' THEN
        DELETE FROM results x USING gone g WHERE x.round_id = g.id;
    ELSE
        DELETE FROM results x USING gone g WHERE x.participant_id = g.id;
    END IF;
    RETURN NULL;
END
$$;

CREATE TRIGGER results_follow_round_deletes AFTER DELETE ON rounds
    REFERENCING OLD TABLE AS gone FOR EACH STATEMENT EXECUTE FUNCTION results_follow_deletes();
CREATE TRIGGER results_follow_participant_deletes AFTER DELETE ON participants
    REFERENCING OLD TABLE AS gone FOR EACH STATEMENT EXECUTE FUNCTION results_follow_deletes();
