-- Ingest writes a batch (idempotency keys with their answers, events, usage,
-- outbox) in one statement planned from a read just before it. When a
-- concurrent batch claimed one of the keys or stored one of the events in
-- between, that statement calls this to abort itself whole, as a
-- serialization failure, and the batch is planned again. SQL has no RAISE
-- of its own; this is the one place that needs it.
CREATE FUNCTION ingest_conflict() RETURNS integer
LANGUAGE plpgsql VOLATILE
AS $$
BEGIN
    RAISE EXCEPTION 'a concurrent ingest stored part of this batch first'
        USING ERRCODE = 'serialization_failure';
END
$$;
