-- A flag's evidence (about 430 bytes of JSON, of which most field names and settings repeat from flag
-- to flag) is stored compressed with Zstandard. DuckDB's own choice for text, a dictionary with FSST,
-- took half a second to write the evidence of 200,000 flags and kept it in 27 MiB; Zstandard takes a
-- fifth of a second and 11 MiB, and reading all of it back costs a few hundredths of a second more.
-- DuckDB sets a column's compression when the table is made, so the table is rebuilt with its rows.

CREATE TABLE flags_compressed (
    id BIGINT PRIMARY KEY DEFAULT nextval('flag_id_seq'),
    key VARCHAR NOT NULL,                    -- client, kind, time and subject: the same finding keeps its row
    client_id VARCHAR NOT NULL,
    kind VARCHAR NOT NULL,
    checkin_id BIGINT,                       -- NULL when a moment raised it (a focus change, a closed window)
    checkin_at TIMESTAMP NOT NULL,           -- when it was raised: the check-in, focus change or window close
    from_dynamic VARCHAR,
    to_dynamic VARCHAR,
    dynamic VARCHAR,
    evidence JSON USING COMPRESSION zstd NOT NULL,  -- the numbers and the rule id; worded by tracking/flag_text.py
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

INSERT INTO flags_compressed (id, key, client_id, kind, checkin_id, checkin_at, from_dynamic, to_dynamic, dynamic, evidence, status,
                              acknowledged_by, acknowledged_at, acknowledge_note, resolved_by, resolved_at, raised_at,
                              withdrawn_at, retired_at, retired_reason, retired_checkin_id)
SELECT id, key, client_id, kind, checkin_id, checkin_at, from_dynamic, to_dynamic, dynamic, evidence, status,
       acknowledged_by, acknowledged_at, acknowledge_note, resolved_by, resolved_at, raised_at,
       withdrawn_at, retired_at, retired_reason, retired_checkin_id
FROM flags ORDER BY id;

DROP TABLE flags;
ALTER TABLE flags_compressed RENAME TO flags;
