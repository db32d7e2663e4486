-- A state is found through its check-in: by `checkin_id` (its primary key), and a client's states
-- through the client's check-ins (`checkins_client_time`). The index on `states.client_id` served
-- nothing else, and building it again after a bulk import took a third of a second per million
-- states. Exporting or erasing one client reads the table once.

DROP INDEX IF EXISTS states_client;
