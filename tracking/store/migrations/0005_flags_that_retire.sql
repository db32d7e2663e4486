-- Flags that retire: a flag that no longer describes the client (a shift superseded by a later one,
-- a change back within noise, a mismatch the focus or the dominant resolved, missed check-ins
-- followed by a check-in) keeps its row with status 'retired', when and why. 'open' means "needs
-- attention now". DuckDB cannot change a CHECK constraint, so the table is rebuilt with its rows,
-- ids and acknowledgements. The key is no longer a UNIQUE index: with many flags the index cost more
-- than the rest of writing them, and the merge that writes flags keeps keys unique (it runs under the
-- database's exclusive write lock, like the ingest of check-ins).

CREATE TABLE flags_retiring (
    id BIGINT PRIMARY KEY DEFAULT nextval('flag_id_seq'),
    key VARCHAR NOT NULL,                    -- client, kind, time and subject: the same finding keeps its row
    client_id VARCHAR NOT NULL,
    kind VARCHAR NOT NULL,
    checkin_id BIGINT,                       -- NULL when a moment raised it (a focus change, a closed window)
    checkin_at TIMESTAMP NOT NULL,           -- when it was raised: the check-in, focus change or window close
    from_dynamic VARCHAR,
    to_dynamic VARCHAR,
    dynamic VARCHAR,
    evidence JSON NOT NULL,                  -- the numbers and the rule id; worded by tracking/flag_text.py
    status VARCHAR NOT NULL DEFAULT 'open'
        CHECK (status IN ('open', 'acknowledged', 'resolved', 'retired')),
    acknowledged_by INTEGER,
    acknowledged_at TIMESTAMP,
    acknowledge_note VARCHAR,
    resolved_by INTEGER,
    resolved_at TIMESTAMP,
    raised_at TIMESTAMP NOT NULL,
    withdrawn_at TIMESTAMP,                  -- later data no longer supports it
    retired_at TIMESTAMP,                    -- when the data stopped describing it (the check-in or focus change)
    retired_reason VARCHAR,                  -- why; see tracking.detection.flags RETIRE_REASONS
    retired_checkin_id BIGINT                -- the check-in that retired it, if one did
);

INSERT INTO flags_retiring (id, key, client_id, kind, checkin_id, checkin_at, from_dynamic, to_dynamic, dynamic,
                            evidence, status, acknowledged_by, acknowledged_at, acknowledge_note, resolved_by,
                            resolved_at, raised_at, withdrawn_at)
SELECT id, key, client_id, kind, checkin_id, checkin_at, from_dynamic, to_dynamic, dynamic, evidence, status,
       acknowledged_by, acknowledged_at, acknowledge_note, resolved_by, resolved_at, raised_at, withdrawn_at
FROM flags;

DROP TABLE flags;
ALTER TABLE flags_retiring RENAME TO flags;

-- Reliable change as a control chart also rests on each score's typical week-to-week variation and
-- on how much means of several weeks vary (the clustering), for the block sizes it was estimated for.
ALTER TABLE reliability ADD COLUMN weekly_noise DOUBLE;
ALTER TABLE reliability ADD COLUMN clustering_recent DOUBLE;
ALTER TABLE reliability ADD COLUMN clustering_baseline DOUBLE;
ALTER TABLE reliability ADD COLUMN recent_checkins INTEGER;
ALTER TABLE reliability ADD COLUMN baseline_checkins INTEGER;
