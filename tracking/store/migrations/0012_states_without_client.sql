-- A state no longer repeats its check-in's client: it is found through its check-in (see 0010), and
-- writing the client's id took a sixth of the time a bulk import spends on the states. Exporting and
-- erasing a client reach the states through the check-ins, as they reach the scores.

ALTER TABLE states DROP COLUMN client_id;
