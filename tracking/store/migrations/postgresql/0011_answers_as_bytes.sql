-- A check-in's answers as one byte per item, in the instrument version's item order: 0-10 as
-- answered, 255 for an item left unanswered. As an array of SMALLINT they took 60 bytes a check-in
-- and the server read every element on its own; a bulk import spent a third of its COPY of the
-- check-ins on that. The `answers` view reads them as before: one row per answered item.

-- Koers only ever stored 0-10; a value a byte cannot hold stops the migration, and nothing changes.
DO $$
DECLARE
    bad RECORD;
BEGIN
    SELECT k.id, a.value INTO bad
    FROM checkins k, unnest(k.answers) AS a(value)
    WHERE a.value < 0 OR a.value > 254
    ORDER BY k.id LIMIT 1;
    IF FOUND THEN
        RAISE EXCEPTION 'check-in % holds the answer %, which is not a whole number from 0 to 254: correct it, then run koers init again', bad.id, bad.value;
    END IF;
END
$$;

DROP VIEW answers;

CREATE FUNCTION pg_temp.answer_bytes(answers SMALLINT[]) RETURNS BYTEA LANGUAGE sql IMMUTABLE AS $$
    SELECT coalesce(decode(string_agg(lpad(to_hex(coalesce(value, 255)), 2, '0'), '' ORDER BY position), 'hex'),
                    ''::BYTEA)
    FROM unnest(answers) WITH ORDINALITY AS answer(value, position)
$$;

ALTER TABLE checkins ALTER COLUMN answers TYPE BYTEA USING pg_temp.answer_bytes(answers);

COMMENT ON COLUMN checkins.answers IS
    'One byte per item in the instrument version''s item order: 0-10 as answered, 255 = unanswered.';

-- An item past a check-in's last byte is unanswered, as it was past the end of an array.
CREATE VIEW answers AS
SELECT k.id AS checkin_id, i.item_id, get_byte(k.answers, i.position - 1)::SMALLINT AS value
FROM checkins k JOIN instrument_items i ON i.version = k.instrument_version
WHERE CASE WHEN i.position <= length(k.answers) THEN get_byte(k.answers, i.position - 1) <> 255 ELSE FALSE END;
