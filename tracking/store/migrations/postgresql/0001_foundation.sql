-- Foundation (PostgreSQL): the same tables, names and meaning as the DuckDB migration of this number.
-- Every time is UTC (TIMESTAMP without zone); local times are computed from clients.tz.
-- Unlike on DuckDB, the big tables have primary keys and the indexes the per-client queries need:
-- PostgreSQL plans by them, and many processes read while one writes.

CREATE SEQUENCE coach_id_seq START 1;
CREATE TABLE coaches (
    id INTEGER PRIMARY KEY DEFAULT nextval('coach_id_seq'),
    email VARCHAR NOT NULL UNIQUE,          -- stored lower-case
    name VARCHAR NOT NULL,
    is_admin BOOLEAN NOT NULL DEFAULT FALSE,
    password_hash VARCHAR NOT NULL,          -- Argon2id
    totp_secret VARCHAR,                     -- set once a second factor is enrolled
    lang VARCHAR NOT NULL DEFAULT 'nl',
    active BOOLEAN NOT NULL DEFAULT TRUE,
    failed_logins INTEGER NOT NULL DEFAULT 0,
    locked_until TIMESTAMP,
    digest_weekday SMALLINT NOT NULL DEFAULT 0,   -- 0 = Monday
    digest_time VARCHAR NOT NULL DEFAULT '08:00',
    tz VARCHAR NOT NULL DEFAULT 'Europe/Amsterdam',
    created_at TIMESTAMP NOT NULL
);

CREATE TABLE clients (
    id VARCHAR PRIMARY KEY,                  -- the practice's own id, as given to import or client add
    coach_id INTEGER,                        -- NULL until a coach takes the client on
    name VARCHAR,                            -- first name or pseudonym
    email VARCHAR,
    lang VARCHAR NOT NULL DEFAULT 'nl',
    tz VARCHAR NOT NULL DEFAULT 'Europe/Amsterdam',
    reminder_weekday SMALLINT,               -- 0 = Monday; NULL = no reminders scheduled
    reminder_time VARCHAR,                   -- 'HH:MM' in the client's time zone
    status VARCHAR NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'paused', 'ended')),
    show_trend BOOLEAN NOT NULL DEFAULT FALSE,
    focus VARCHAR CHECK (focus IN ('context', 'relational', 'physiological', 'identity')),
    schedule_from TIMESTAMP,                 -- reminders start at the first scheduled time after this
    created_at TIMESTAMP NOT NULL
);

CREATE SEQUENCE focus_change_id_seq START 1;
CREATE TABLE focus_changes (
    id BIGINT PRIMARY KEY DEFAULT nextval('focus_change_id_seq'),
    client_id VARCHAR NOT NULL,
    focus VARCHAR,                           -- NULL: no focus set
    changed_by INTEGER,
    changed_at TIMESTAMP NOT NULL,
    note VARCHAR
);

CREATE TABLE checkins (
    id BIGINT PRIMARY KEY,
    client_id VARCHAR NOT NULL,
    submitted_at TIMESTAMP NOT NULL,
    instrument_version VARCHAR NOT NULL,
    source VARCHAR NOT NULL,                 -- import | link | demo
    answers SMALLINT[] NOT NULL,             -- 0-10 per item, in the instrument version's item order; NULL = unanswered
    contact_request BOOLEAN NOT NULL DEFAULT FALSE,
    note VARCHAR,
    recorded_at TIMESTAMP NOT NULL,
    period_id BIGINT,                        -- the check-in period answered from a personal link
    edited_at TIMESTAMP                      -- last change by the client within the window
);

-- The items of every instrument version, in order: written at start-up from tracking/instruments/.
CREATE TABLE instrument_items (
    version VARCHAR NOT NULL,
    position INTEGER NOT NULL,               -- 1-based, as arrays are indexed
    item_id VARCHAR NOT NULL,
    dynamic VARCHAR NOT NULL,
    direction VARCHAR NOT NULL,
    PRIMARY KEY (version, position)
);

-- One row per answered item, for reading: check-ins keep their answers as one list, which is a
-- third of the cost to write.
CREATE VIEW answers AS
SELECT k.id AS checkin_id, i.item_id, k.answers[i.position] AS value
FROM checkins k JOIN instrument_items i ON i.version = k.instrument_version
WHERE k.answers[i.position] IS NOT NULL;

CREATE TABLE scores (
    checkin_id BIGINT PRIMARY KEY,
    context DOUBLE PRECISION,                          -- 0-100, higher = more strain; NULL = too few items
    relational DOUBLE PRECISION,
    physiological DOUBLE PRECISION,
    identity DOUBLE PRECISION,
    sleep SMALLINT,                          -- the core indicators, as answered
    energy SMALLINT,
    reactivity SMALLINT,
    meaning SMALLINT
);

CREATE TABLE states (
    checkin_id BIGINT PRIMARY KEY,
    client_id VARCHAR NOT NULL,
    state VARCHAR NOT NULL,                  -- a dynamic id, 'mixed' or 'none'
    dominant VARCHAR,                        -- the last dominant established so far, if any
    level_context DOUBLE PRECISION,                    -- the smoothed levels the state was read from
    level_relational DOUBLE PRECISION,
    level_physiological DOUBLE PRECISION,
    level_identity DOUBLE PRECISION
);

-- The subscale reliabilities the Reliable Change Index uses, as last estimated from the data.
CREATE TABLE reliability (
    dynamic VARCHAR PRIMARY KEY,
    alpha DOUBLE PRECISION NOT NULL,                   -- Cronbach's alpha of the dynamic's items
    sd DOUBLE PRECISION NOT NULL,                      -- reference SD of the score (clients' first check-ins)
    source VARCHAR NOT NULL,                 -- 'estimated' or 'fallback'
    n INTEGER NOT NULL,
    estimated_at TIMESTAMP NOT NULL
);

CREATE SEQUENCE flag_id_seq START 1;
CREATE TABLE flags (
    id BIGINT PRIMARY KEY DEFAULT nextval('flag_id_seq'),
    key VARCHAR NOT NULL UNIQUE,             -- client, kind, time and subject: the same finding keeps its row
    client_id VARCHAR NOT NULL,
    kind VARCHAR NOT NULL,
    checkin_id BIGINT,
    checkin_at TIMESTAMP NOT NULL,             -- when the check-in that raised it was submitted
    from_dynamic VARCHAR,
    to_dynamic VARCHAR,
    dynamic VARCHAR,
    evidence JSON NOT NULL,
    status VARCHAR NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'acknowledged', 'resolved')),
    acknowledged_by INTEGER,
    acknowledged_at TIMESTAMP,
    acknowledge_note VARCHAR,
    resolved_by INTEGER,
    resolved_at TIMESTAMP,
    raised_at TIMESTAMP NOT NULL,
    withdrawn_at TIMESTAMP                   -- later data no longer supports it
);

CREATE SEQUENCE observation_id_seq START 1;
CREATE TABLE observations (
    id BIGINT PRIMARY KEY DEFAULT nextval('observation_id_seq'),
    client_id VARCHAR NOT NULL,
    coach_id INTEGER NOT NULL,
    observed_at TIMESTAMP NOT NULL,
    tension_in_body VARCHAR,
    reaction_to_uncertainty VARCHAR,
    reference VARCHAR CHECK (reference IN ('internal', 'external', 'mixed')),
    responsibility VARCHAR CHECK (responsibility IN ('takes_quickly', 'freezes', 'mixed')),
    rating_context SMALLINT CHECK (rating_context BETWEEN 0 AND 10),
    rating_relational SMALLINT CHECK (rating_relational BETWEEN 0 AND 10),
    rating_physiological SMALLINT CHECK (rating_physiological BETWEEN 0 AND 10),
    rating_identity SMALLINT CHECK (rating_identity BETWEEN 0 AND 10),
    note VARCHAR,
    created_at TIMESTAMP NOT NULL
);

CREATE SEQUENCE outbox_id_seq START 1;
CREATE TABLE outbox (
    id BIGINT PRIMARY KEY DEFAULT nextval('outbox_id_seq'),
    key VARCHAR NOT NULL UNIQUE,             -- kind, recipient and period: one email per key, ever
    kind VARCHAR NOT NULL,                   -- invitation | followup | link | contact | digest | paused
    client_id VARCHAR,
    coach_id INTEGER,
    period_id BIGINT,                        -- invitations and follow-ups: the check-in period
    lang VARCHAR NOT NULL DEFAULT 'nl',
    recipient VARCHAR NOT NULL,
    subject VARCHAR NOT NULL,
    body_text VARCHAR NOT NULL,
    body_html VARCHAR,
    status VARCHAR NOT NULL DEFAULT 'pending'
        CHECK (status IN ('pending', 'sending', 'sent', 'failed', 'cancelled')),
    attempts INTEGER NOT NULL DEFAULT 0,
    next_attempt_at TIMESTAMP,               -- NULL: not sent automatically (sent, cancelled, given up)
    claimed_at TIMESTAMP,
    claimed_by VARCHAR,                      -- host:pid:run of the process that claimed it
    sent_at TIMESTAMP,
    last_error VARCHAR,
    created_at TIMESTAMP NOT NULL
);

CREATE SEQUENCE audit_id_seq START 1;
CREATE TABLE audit_log (
    id BIGINT PRIMARY KEY DEFAULT nextval('audit_id_seq'),
    logged_at TIMESTAMP NOT NULL,
    actor VARCHAR NOT NULL,                  -- 'cli', 'coach:<id>', 'client:<id>', 'scheduler', 'anonymous'
    action VARCHAR NOT NULL,
    client_id VARCHAR,
    detail JSON
);

CREATE INDEX clients_coach ON clients (coach_id);
CREATE INDEX focus_changes_client ON focus_changes (client_id);
CREATE INDEX checkins_client_time ON checkins (client_id, submitted_at);
CREATE INDEX checkins_period ON checkins (period_id) WHERE period_id IS NOT NULL;
CREATE INDEX states_client ON states (client_id);
CREATE INDEX flags_client ON flags (client_id);
CREATE INDEX observations_client ON observations (client_id);
CREATE INDEX outbox_due ON outbox (next_attempt_at) WHERE status IN ('pending', 'failed');
CREATE INDEX outbox_client ON outbox (client_id);
CREATE INDEX outbox_period ON outbox (period_id);
CREATE INDEX audit_log_client ON audit_log (client_id);
