-- Several entries appended to the control plane's audit log in one round
-- trip, as tenant logs do (tenant migration 0013_engine_lease.sql).
CREATE FUNCTION control.audit_append_many(lock_key text, entries jsonb) RETURNS void
LANGUAGE plpgsql VOLATILE AS $$
DECLARE
    previous bytea;
    entry jsonb;
    current bytea;
BEGIN
    PERFORM pg_advisory_xact_lock(hashtext(lock_key));
    SELECT l.hash INTO previous FROM control.audit_log l ORDER BY l.id DESC LIMIT 1;
    FOR entry IN SELECT value FROM jsonb_array_elements(entries) LOOP
        current := sha256(coalesce(previous, ''::bytea) || decode(entry->>'encoding', 'base64'));
        INSERT INTO control.audit_log (occurred_at, actor, action, subject, details, source_ip, request_id, trace_id,
                                       prev_hash, hash)
        VALUES (timestamptz 'epoch' + (entry->>'micros')::bigint * interval '1 microsecond', entry->>'actor',
                entry->>'action', entry->>'subject', entry->'details', entry->>'source_ip', entry->>'request_id',
                entry->>'trace_id', previous, current);
        previous := current;
    END LOOP;
END;
$$;
