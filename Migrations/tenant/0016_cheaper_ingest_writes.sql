-- Two costs of every ingest commit, found in the database's profile under
-- the ingest benchmark (ops/bench/README.md).
--
-- 1. ingest_batch inserts keys and events with plain INSERTs. Since 0010 it
--    inserted with ON CONFLICT DO NOTHING and, when a key or an event id
--    turned out to be stored already, counted the rows short and aborted
--    itself as a serialization failure: nothing of a batch is written unless
--    all of it is. ON CONFLICT bought nothing more than that, and it is not
--    free: every row is first looked up in the unique index, then inserted
--    speculatively, 8% of the database's CPU. A plain INSERT fails on a
--    stored key or event id with unique_violation, which aborts the
--    statement just the same; ingest then reads what is stored and plans the
--    batch again, as it did on the serialization failure (EventInbox).
--
-- 2. The engine-queue trigger (0011, 0014) tested each stored row against
--    deployments in a nested loop, rescanning them per row, and set that
--    plan up even for a tenant with no active deployment: 6% of the
--    database's CPU with none. It now looks once whether anything is
--    deployed, and reads the types deployments react to once per statement.

CREATE OR REPLACE FUNCTION ingest_batch(
    keys text[], request_hashes text[], statuses text[], responses text[],
    ids text[], types text[], versions text[], sources text[], occurred text[], ingresses text[], details text[],
    causes text[], traceparents text[], request_ids text[], hashes text[], documents text[],
    received timestamptz, usage_shard smallint, count_usage boolean,
    OUT queued bigint, OUT for_engine boolean
)
LANGUAGE plpgsql VOLATILE
SET plan_cache_mode = force_generic_plan
SET search_path FROM CURRENT
AS $$
BEGIN
    WITH claimed AS (
        INSERT INTO ingest_requests (key, request_hash, status, response)
        SELECT k, h, s::integer, r FROM unnest(keys, request_hashes, statuses, responses) AS u(k, h, s, r)
    ), inserted AS (
        INSERT INTO events (event_id, type, schema_version, source, occurred_at, received_at, ingress, ingress_detail,
                            caused_by, traceparent, request_id, content_hash, document)
        SELECT id, type, version::integer, source, occurred_at::timestamptz, received, ingress, detail,
               NULLIF(caused_by, ''), NULLIF(traceparent, ''), NULLIF(request_id, ''), hash, document::jsonb
        FROM unnest(ids, types, versions, sources, occurred, ingresses, details, causes, traceparents, request_ids,
                    hashes, documents)
             AS u(id, type, version, source, occurred_at, ingress, detail, caused_by, traceparent, request_id, hash,
                  document)
        RETURNING seq, type, document
    ), counted AS (
        INSERT INTO usage_counters (day, metric, shard, quantity)
        SELECT (now() AT TIME ZONE 'UTC')::date, 'events.accepted', usage_shard, count(*)
        FROM inserted HAVING count(*) > 0 AND count_usage
        ON CONFLICT (day, metric, shard) DO UPDATE SET quantity = usage_counters.quantity + EXCLUDED.quantity
    ), queued_messages AS (
        INSERT INTO outbox (message_id, endpoint_id, event_type, event_seq, payload, next_attempt_at)
        SELECT 'msg_' || replace(gen_random_uuid()::text, '-', ''), ep.id, i.type, i.seq, i.document::text, now()
        FROM inserted i
        JOIN endpoints ep ON ep.enabled AND (cardinality(ep.event_types) = 0 OR i.type = ANY(ep.event_types))
        ORDER BY i.seq, ep.id
        RETURNING 1
    )
    SELECT count(*) FROM queued_messages INTO queued;
    -- The trigger's test, for the batch's types: whether it queued a row.
    for_engine := EXISTS (SELECT 1 FROM deployments d WHERE d.active AND d.reacts_to ?| types);
END
$$;

CREATE OR REPLACE FUNCTION events_queue_for_engine() RETURNS trigger
LANGUAGE plpgsql SET search_path FROM CURRENT AS $$
BEGIN
    IF EXISTS (SELECT 1 FROM deployments WHERE active) THEN
        INSERT INTO engine_inbox (event_seq)
        SELECT s.seq FROM stored s
        WHERE s.type IN (SELECT jsonb_array_elements_text(d.reacts_to) FROM deployments d WHERE d.active);
    END IF;
    RETURN NULL;
END;
$$;
