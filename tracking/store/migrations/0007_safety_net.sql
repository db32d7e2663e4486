-- The client's safety net and language. A check-in whose answers cross a level the practice set as a
-- concern is recorded once, with its numbers, and stays at the top of the coach's caseload until the
-- coach has seen it. The language a client chose themselves on the check-in page is remembered on the
-- client (`lang`), with when they chose it, so the coach sees the change.

CREATE SEQUENCE concern_id_seq START 1;
CREATE TABLE concerns (
    id BIGINT PRIMARY KEY DEFAULT nextval('concern_id_seq'),
    client_id VARCHAR NOT NULL,
    checkin_id BIGINT NOT NULL UNIQUE,         -- one concern per check-in, also when it is changed
    checkin_at TIMESTAMP NOT NULL,
    evidence JSON NOT NULL,                    -- the levels crossed and the scores that crossed them
    raised_at TIMESTAMP NOT NULL,
    acknowledged_by INTEGER,
    acknowledged_at TIMESTAMP
);

ALTER TABLE clients ADD COLUMN lang_chosen_at TIMESTAMP;
