-- Foundation: accounts, clients, check-ins and what is derived from them.
-- Every time is UTC (TIMESTAMP without zone); local times are computed from clients.tz.
-- The million-row tables (checkins, scores, states) carry no secondary indexes:
-- building them costs more than the whole import, and their uniqueness is enforced by the
-- ingest, which runs under the database's exclusive write lock.

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
    id BIGINT NOT NULL,
    client_id VARCHAR NOT NULL,
    submitted_at TIMESTAMP NOT NULL,
    instrument_version VARCHAR NOT NULL,
    source VARCHAR NOT NULL,                 -- import | link | demo
    answers UTINYINT[] NOT NULL,             -- 0-10 per item, in the instrument version's item order; NULL = unanswered
    contact_request BOOLEAN NOT NULL DEFAULT FALSE,
    note VARCHAR,
    recorded_at TIMESTAMP NOT NULL,
    period_id BIGINT,                        -- the check-in period answered from a personal link
    edited_at TIMESTAMP                      -- last change by the client within the window
);

-- The items of every instrument version, in order: written at start-up from tracking/instruments/.
CREATE TABLE instrument_items (
    version VARCHAR NOT NULL,
    position INTEGER NOT NULL,               -- 1-based, as DuckDB indexes lists
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
    checkin_id BIGINT NOT NULL,
    context DOUBLE,                          -- 0-100, higher = more strain; NULL = too few items
    relational DOUBLE,
    physiological DOUBLE,
    identity DOUBLE,
    sleep UTINYINT,                          -- the core indicators, as answered
    energy UTINYINT,
    reactivity UTINYINT,
    meaning UTINYINT
);

CREATE TABLE states (
    checkin_id BIGINT NOT NULL,
    client_id VARCHAR NOT NULL,
    state VARCHAR NOT NULL,                  -- a dynamic id, 'mixed' or 'none'
    dominant VARCHAR,                        -- the last dominant established so far, if any
    level_context DOUBLE,                    -- the smoothed levels the state was read from
    level_relational DOUBLE,
    level_physiological DOUBLE,
    level_identity DOUBLE
);

-- The subscale reliabilities the Reliable Change Index uses, as last estimated from the data.
CREATE TABLE reliability (
    dynamic VARCHAR PRIMARY KEY,
    alpha DOUBLE NOT NULL,                   -- Cronbach's alpha of the dynamic's items
    sd DOUBLE NOT NULL,                      -- reference SD of the score (clients' first check-ins)
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
