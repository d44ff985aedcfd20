-- Organisations (tenants), organiser accounts, memberships and the audit log.

CREATE TABLE organisations (
    id         BIGSERIAL PRIMARY KEY,
    slug       TEXT NOT NULL UNIQUE,
    name       TEXT NOT NULL,
    kind       TEXT NOT NULL DEFAULT 'department' CHECK (kind IN ('department', 'agency', 'school', 'other')),
    created_at TIMESTAMPTZ NOT NULL DEFAULT now()
);

CREATE TABLE accounts (
    id            BIGSERIAL PRIMARY KEY,
    email         TEXT NOT NULL UNIQUE CHECK (email = lower(email)),
    display_name  TEXT NOT NULL,
    password_hash TEXT NOT NULL,
    disabled      BOOLEAN NOT NULL DEFAULT FALSE,
    created_at    TIMESTAMPTZ NOT NULL DEFAULT now()
);

CREATE TABLE memberships (
    organisation_id      BIGINT NOT NULL REFERENCES organisations (id) ON DELETE CASCADE,
    account_id           BIGINT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    role                 TEXT NOT NULL CHECK (role IN ('admin', 'organiser', 'viewer')),
    -- Exports with personal data need this on top of the role.
    personal_data_export BOOLEAN NOT NULL DEFAULT FALSE,
    created_at           TIMESTAMPTZ NOT NULL DEFAULT now(),
    PRIMARY KEY (organisation_id, account_id)
);

-- Contests imported from files before organisations existed have no organisation.
ALTER TABLE contests
    ADD COLUMN organisation_id BIGINT REFERENCES organisations (id),
    ADD COLUMN status TEXT NOT NULL DEFAULT 'published' CHECK (status IN ('draft', 'published')),
    ADD COLUMN registration_opens_at TIMESTAMPTZ,
    ADD COLUMN registration_closes_at TIMESTAMPTZ,
    ADD COLUMN eligibility JSONB NOT NULL DEFAULT '{}',
    ADD COLUMN password_hash TEXT,
    ADD COLUMN logo_url TEXT;

ALTER TABLE rounds
    ADD COLUMN mode TEXT NOT NULL DEFAULT 'self_paced' CHECK (mode IN ('self_paced', 'live')),
    ADD COLUMN answers_changeable BOOLEAN NOT NULL DEFAULT TRUE;

-- An organisation's question bank. Editing a question adds a version; rounds keep the ids
-- of the versions they were published with, so a closed round's results never change.
ALTER TABLE questions
    ALTER COLUMN contest_id DROP NOT NULL,
    ADD COLUMN organisation_id BIGINT REFERENCES organisations (id) ON DELETE CASCADE,
    ADD COLUMN latest BOOLEAN NOT NULL DEFAULT TRUE,
    ADD COLUMN translations JSONB NOT NULL DEFAULT '{}',
    ADD CONSTRAINT questions_owner CHECK (contest_id IS NOT NULL OR organisation_id IS NOT NULL);
CREATE UNIQUE INDEX questions_org_code_version ON questions (organisation_id, code, version)
    WHERE organisation_id IS NOT NULL;

ALTER TABLE participants
    ADD COLUMN disqualified_at TIMESTAMPTZ,
    ADD COLUMN disqualified_reason TEXT;

-- Append-only: who did what to which object, when and from where.
CREATE TABLE audit_log (
    id              BIGSERIAL PRIMARY KEY,
    at              TIMESTAMPTZ NOT NULL DEFAULT now(),
    organisation_id BIGINT REFERENCES organisations (id),
    account_id      BIGINT REFERENCES accounts (id),
    action          TEXT NOT NULL,
    object_type     TEXT NOT NULL,
    object_id       TEXT,
    address         TEXT,
    details         JSONB NOT NULL DEFAULT '{}'
);
CREATE INDEX audit_log_org_idx ON audit_log (organisation_id, id);

CREATE FUNCTION audit_log_is_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'audit_log is append-only';
END;
$$;
CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE ON audit_log
    FOR EACH ROW EXECUTE FUNCTION audit_log_is_append_only();
