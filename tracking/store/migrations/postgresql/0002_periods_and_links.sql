-- Check-in periods (one per scheduled week, or an extra one opened on request), the personal links
-- that open them, and the history of answers a client changed within a window (PostgreSQL).

CREATE SEQUENCE period_id_seq START 1;
CREATE TABLE periods (
    id BIGINT PRIMARY KEY DEFAULT nextval('period_id_seq'),
    client_id VARCHAR NOT NULL,
    kind VARCHAR NOT NULL CHECK (kind IN ('scheduled', 'extra')),
    opens_at TIMESTAMP NOT NULL,
    closes_at TIMESTAMP NOT NULL,
    status VARCHAR NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'completed', 'missed', 'expired')),
    checkin_id BIGINT,                       -- the check-in answered for this period
    created_at TIMESTAMP NOT NULL,
    closed_at TIMESTAMP,                     -- when a window without a check-in was recorded as missed
    UNIQUE (client_id, kind, opens_at)
);

CREATE TABLE link_tokens (
    token_hash VARCHAR PRIMARY KEY,          -- SHA-256 of the token; the token itself is never stored
    purpose VARCHAR NOT NULL CHECK (purpose IN ('checkin', 'pause')),
    client_id VARCHAR NOT NULL,
    period_id BIGINT,                        -- for check-in links
    created_at TIMESTAMP NOT NULL,
    expires_at TIMESTAMP NOT NULL,
    revoked_at TIMESTAMP,
    used_at TIMESTAMP
);

CREATE SEQUENCE revision_id_seq START 1;
CREATE TABLE checkin_revisions (
    id BIGINT PRIMARY KEY DEFAULT nextval('revision_id_seq'),
    checkin_id BIGINT NOT NULL,
    revised_at TIMESTAMP NOT NULL,
    previous JSON NOT NULL                   -- the answers, contact request and note before the change
);

CREATE INDEX periods_open ON periods (closes_at) WHERE status = 'open';
CREATE INDEX link_tokens_period ON link_tokens (period_id);
CREATE INDEX link_tokens_client ON link_tokens (client_id);
CREATE INDEX checkin_revisions_checkin ON checkin_revisions (checkin_id);
