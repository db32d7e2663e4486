-- A state no longer repeats its check-in's client: it is found through its check-in (see 0010), and
-- the client's id was the widest column a bulk import wrote for every state (a tenth of a second per
-- million on the server's COPY). Exporting and erasing a client reach the states through the
-- check-ins, as they reach the scores.

ALTER TABLE states DROP COLUMN client_id;
