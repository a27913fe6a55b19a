-- The engine's queue of events to dispatch, replacing the cursor over
-- events.seq. A sequence value is taken when an event is inserted, but
-- transactions commit in any order (concurrent ingest batches, emit steps):
-- a dispatch that read up to seq 112 while the transaction holding 100 had
-- not committed yet moved the cursor past 100, and that event never started
-- or woke a run. Here each event gets a row in the transaction that stores
-- it, and a dispatch deletes the rows it reads (FOR UPDATE SKIP LOCKED), so
-- an event committed late is simply dispatched late.
CREATE TABLE engine_inbox (
    event_seq bigint PRIMARY KEY
);

-- Once per INSERT statement (a whole ingest batch), not once per row.
CREATE FUNCTION events_queue_for_engine() RETURNS trigger
LANGUAGE plpgsql SET search_path FROM CURRENT AS $$
BEGIN
    INSERT INTO engine_inbox (event_seq) SELECT seq FROM stored;
    RETURN NULL;
END;
$$;

-- Created before the queue is seeded: the trigger's lock waits for inserts in
-- flight and holds new ones until this commits, so none falls between the two.
CREATE TRIGGER events_queue_for_engine
    AFTER INSERT ON events REFERENCING NEW TABLE AS stored
    FOR EACH STATEMENT EXECUTE FUNCTION events_queue_for_engine();

INSERT INTO engine_inbox (event_seq)
SELECT seq FROM events WHERE seq > (SELECT last_event_seq FROM engine_cursor);

DROP TABLE engine_cursor;
