-- Protection of coaches' accounts.
-- sign_in_attempts: failures per sign-in step and email, keyed by an HMAC of the normalised email
-- (with a key derived from KOERS_SECRET_KEY), for unknown emails as for coaches' own, so the lock-out
-- does not tell which accounts exist. A failure is claimed (counted) before a password or code is
-- checked; a success deletes the row.
-- coach_sessions: the sign-in generation that ends every other session of a coach (a password change,
-- a reset, a deactivation), and the last TOTP time step used, so a code works once.

CREATE TABLE sign_in_attempts (
    attempt_key VARCHAR PRIMARY KEY,         -- step and HMAC of the email, hex; never the email itself
    failures INTEGER NOT NULL,
    locked_until TIMESTAMP,
    last_failure_at TIMESTAMP NOT NULL
);

CREATE TABLE coach_sessions (
    coach_id INTEGER PRIMARY KEY,
    generation INTEGER NOT NULL DEFAULT 0,
    totp_last_step BIGINT                    -- the 30-second TOTP step of the last code accepted
);
