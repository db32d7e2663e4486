-- DuckDB's 0009 stores a flag's evidence compressed with Zstandard. PostgreSQL compresses a value
-- only when a row outgrows a page's share (TOAST, about 2 kB), which a flag's evidence (about 430
-- bytes) does not, so nothing changes here but the column's description in the catalogue.

COMMENT ON COLUMN flags.evidence IS 'The numbers and the rule id of the flag; worded by tracking/flag_text.py.';
