-- Flags that retire (PostgreSQL): a flag that no longer describes the client (a shift superseded by a
-- later one, a change back within noise, a mismatch the focus or the dominant resolved, missed
-- check-ins followed by a check-in) keeps its row with status 'retired', when and why. 'open' means
-- "needs attention now". PostgreSQL changes the CHECK constraint in place; the key stays unique.

ALTER TABLE flags DROP CONSTRAINT flags_status_check;
ALTER TABLE flags ADD CONSTRAINT flags_status_check
    CHECK (status IN ('open', 'acknowledged', 'resolved', 'retired'));
ALTER TABLE flags ALTER COLUMN checkin_id DROP NOT NULL;  -- NULL when a moment raised it (a focus change)
ALTER TABLE flags ADD COLUMN retired_at TIMESTAMP;        -- when the data stopped describing it
ALTER TABLE flags ADD COLUMN retired_reason VARCHAR;      -- why; see tracking.detection.flags RETIRE_REASONS
ALTER TABLE flags ADD COLUMN retired_checkin_id BIGINT;   -- the check-in that retired it, if one did

-- Reliable change as a control chart also rests on each score's typical week-to-week variation and
-- on how much means of several weeks vary (the clustering), for the block sizes it was estimated for.
ALTER TABLE reliability ADD COLUMN weekly_noise DOUBLE PRECISION;
ALTER TABLE reliability ADD COLUMN clustering_recent DOUBLE PRECISION;
ALTER TABLE reliability ADD COLUMN clustering_baseline DOUBLE PRECISION;
ALTER TABLE reliability ADD COLUMN recent_checkins INTEGER;
ALTER TABLE reliability ADD COLUMN baseline_checkins INTEGER;
