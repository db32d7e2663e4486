-- Sign-in through the practice's OpenID Connect provider (PostgreSQL): Streamlit keeps the provider's
-- identity in a signed cookie that Koers cannot withdraw, so Koers records each such sign-in and ends it
-- here (sign-out, idle, deactivation); an ended sign-in stays refused in every tab that shares the cookie.

CREATE TABLE provider_sessions (
    session_key VARCHAR PRIMARY KEY,         -- hash of issuer, subject, issued-at and nonce of the ID token
    coach_id INTEGER NOT NULL REFERENCES coaches (id),
    started_at TIMESTAMP NOT NULL,
    last_active_at TIMESTAMP NOT NULL,
    ended_at TIMESTAMP,
    end_reason VARCHAR                       -- signed_out | idle | inactive
);
CREATE INDEX provider_sessions_coach ON provider_sessions (coach_id) WHERE ended_at IS NULL;
