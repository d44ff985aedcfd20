-- Stream entries the persister could not decode or apply (src/jobs/dead_letter.rs): set
-- aside with the reason, so that one bad entry never holds up the rest of its round.
-- In Postgres rather than in a Redis list: it is the durable record that `verify`, the
-- console and the finalisation read, it outlives the round's keys in Redis, and the primary
-- key makes recording idempotent (a crash before the XACK records nothing twice).
-- No foreign key to rounds: recording must never fail, whatever happened to the round.
CREATE TABLE persister_dead_letters (
    round_id    BIGINT NOT NULL,
    stream_id   TEXT NOT NULL,
    fields      JSONB NOT NULL,
    reason      TEXT NOT NULL,
    recorded_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    PRIMARY KEY (round_id, stream_id)
);
