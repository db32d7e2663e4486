-- PostgreSQL's 0010 drops the index on `states.client_id`: a state is found through its check-in.
-- DuckDB's `states` never had one (see 0001), so nothing changes here but the table's description.

COMMENT ON TABLE states IS 'The state of each check-in; a client''s states are found through the client''s check-ins.';
