-- Issue 16 item 3: a password someone else chose for the account (the operator's
-- `thiluat admin create`, an admin adding a member or resetting their password) is
-- one-time: it must be changed at the first login, and after `password_expires_at`
-- (72 hours after it was set) it opens nothing any more.
ALTER TABLE accounts
    ADD COLUMN password_change_required BOOLEAN NOT NULL DEFAULT FALSE,
    ADD COLUMN password_expires_at TIMESTAMPTZ,
    ADD CONSTRAINT one_time_password_expires CHECK (NOT password_change_required OR password_expires_at IS NOT NULL);
