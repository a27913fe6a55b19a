-- Only events a deployed workflow reacts to are queued for the engine.
--
-- Until now every stored event got an engine_inbox row, and every ingest
-- commit woke a dispatch that deleted those rows again in a transaction of
-- its own, with its own WAL flush: for a tenant whose workflows ignore most
-- of its traffic (stock adjustments, shipments), a second commit per ingest
-- batch that started and woke nothing. An event a workflow reacts to is one
-- whose type an active deployment's template is triggered by or correlates
-- on; dispatch ignored the others already.
--
-- Relevance is decided when the event is stored, against the deployments
-- committed by then, where dispatch decided it a moment later. A deployment
-- committed in that moment misses events stored just before it: the same race
-- as a deployment committed just after a dispatch, which was always there.

-- The event types the template reacts to, kept with the document so that the
-- per-batch check is one index-free look at a handful of active rows.
ALTER TABLE deployments ADD COLUMN reacts_to jsonb GENERATED ALWAYS AS (
    jsonb_path_query_array(document, '$.trigger') || jsonb_path_query_array(document, '$.correlation.documents.*.event')
) STORED;

CREATE OR REPLACE FUNCTION events_queue_for_engine() RETURNS trigger
LANGUAGE plpgsql SET search_path FROM CURRENT AS $$
BEGIN
    INSERT INTO engine_inbox (event_seq)
    SELECT s.seq FROM stored s
    WHERE EXISTS (SELECT 1 FROM deployments d WHERE d.active AND d.reacts_to ? s.type);
    RETURN NULL;
END;
$$;

-- ingest_batch (0010) now also tells whether it queued anything for the
-- engine, so that ingest wakes the engine only then.
DROP FUNCTION ingest_batch(text[], text[], text[], text[], text[], text[], text[], text[], text[], text[], text[],
                           text[], text[], text[], text[], text[], timestamptz, smallint, boolean);

CREATE FUNCTION ingest_batch(
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
DECLARE
    claimed_count bigint;
    inserted_count bigint;
BEGIN
    WITH claimed AS (
        INSERT INTO ingest_requests (key, request_hash, status, response)
        SELECT k, h, s::integer, r FROM unnest(keys, request_hashes, statuses, responses) AS u(k, h, s, r)
        ON CONFLICT (key) DO NOTHING
        RETURNING 1
    ), inserted AS (
        INSERT INTO events (event_id, type, schema_version, source, occurred_at, received_at, ingress, ingress_detail,
                            caused_by, traceparent, request_id, content_hash, document)
        SELECT id, type, version::integer, source, occurred_at::timestamptz, received, ingress, detail,
               NULLIF(caused_by, ''), NULLIF(traceparent, ''), NULLIF(request_id, ''), hash, document::jsonb
        FROM unnest(ids, types, versions, sources, occurred, ingresses, details, causes, traceparents, request_ids,
                    hashes, documents)
             AS u(id, type, version, source, occurred_at, ingress, detail, caused_by, traceparent, request_id, hash,
                  document)
        ON CONFLICT (event_id) DO NOTHING
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
    SELECT (SELECT count(*) FROM claimed), (SELECT count(*) FROM inserted), (SELECT count(*) FROM queued_messages)
    INTO claimed_count, inserted_count, queued;
    IF claimed_count <> coalesce(cardinality(keys), 0) OR inserted_count <> coalesce(cardinality(ids), 0) THEN
        RAISE EXCEPTION 'a concurrent ingest stored part of this batch first' USING ERRCODE = 'serialization_failure';
    END IF;
    -- The trigger's test, for the batch's types: whether it queued a row.
    for_engine := EXISTS (SELECT 1 FROM deployments d WHERE d.active AND d.reacts_to ?| types);
END
$$;
