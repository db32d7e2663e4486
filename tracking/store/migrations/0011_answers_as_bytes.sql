-- PostgreSQL's 0011 keeps a check-in's answers as one byte per item. DuckDB keeps them as a list of
-- UTINYINT, which it stores as compactly and reads in bulk, so nothing changes here but the
-- column's description.

COMMENT ON COLUMN checkins.answers IS 'One answer per item in the instrument version''s item order (0-10); NULL = unanswered.';
