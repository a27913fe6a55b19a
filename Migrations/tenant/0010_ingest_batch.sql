-- Ingest's write of one group-committed batch: idempotency keys with their
-- final answers, events, usage and outbox, in one call, planned once per
-- session. Sessions plan every statement afresh (plan_cache_mode =
-- force_custom_plan: a generic plan cannot see how many ids an `= ANY($1)`
-- array holds); for this statement that planning was over a third of the
-- database's work per event, and nothing in it depends on the arrays'
-- sizes, so here the plan is generic.
--
-- The batch was planned from a read just before this call. When a
-- concurrent batch claimed one of the keys or stored one of the events in
-- between, the counts come out short and the call aborts whole, as a
-- serialization failure, so that the caller plans the batch again.
CREATE FUNCTION ingest_batch(
    keys text[], request_hashes text[], statuses text[], responses text[],
    ids text[], types text[], versions text[], sources text[], occurred text[], ingresses text[], details text[],
    causes text[], traceparents text[], request_ids text[], hashes text[], documents text[],
    received timestamptz, usage_shard smallint, count_usage boolean
) RETURNS bigint
LANGUAGE plpgsql VOLATILE
SET plan_cache_mode = force_generic_plan
SET search_path FROM CURRENT
AS $$
DECLARE
    claimed_count bigint;
    inserted_count bigint;
    queued_count bigint;
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
    ), queued AS (
        INSERT INTO outbox (message_id, endpoint_id, event_type, event_seq, payload, next_attempt_at)
        SELECT 'msg_' || replace(gen_random_uuid()::text, '-', ''), ep.id, i.type, i.seq, i.document::text, now()
        FROM inserted i
        JOIN endpoints ep ON ep.enabled AND (cardinality(ep.event_types) = 0 OR i.type = ANY(ep.event_types))
        ORDER BY i.seq, ep.id
        RETURNING 1
    )
    SELECT (SELECT count(*) FROM claimed), (SELECT count(*) FROM inserted), (SELECT count(*) FROM queued)
    INTO claimed_count, inserted_count, queued_count;
    IF claimed_count <> coalesce(cardinality(keys), 0) OR inserted_count <> coalesce(cardinality(ids), 0) THEN
        RAISE EXCEPTION 'a concurrent ingest stored part of this batch first' USING ERRCODE = 'serialization_failure';
    END IF;
    RETURN queued_count;
END
$$;
