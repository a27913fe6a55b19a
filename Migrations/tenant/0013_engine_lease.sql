-- The tenant runtime's lease: one worker at a time executes the tenant's
-- workflows, and another takes over when the holder stops renewing it (the
-- holder died or hangs). Every engine transaction renews the lease as its
-- first statement and so holds this row's lock to its commit: the tenant's
-- engine transactions never overlap, across processes or within one. That is
-- what keeps a dispatch from missing a run whose step is deciding, at the same
-- moment, to wait for the very document being dispatched. Times are the
-- database's clock, the one clock every worker shares.
CREATE TABLE engine_lease (
    only_row boolean PRIMARY KEY DEFAULT true CHECK (only_row),
    holder text NOT NULL,
    acquired_at timestamptz NOT NULL,
    renewed_at timestamptz NOT NULL,
    expires_at timestamptz NOT NULL
);

-- Several audit entries appended in one round trip under one lock: a batch of
-- step transitions writes all of its entries at once. Same chain, same hash
-- as audit_append (tenant migration 0012): each entry links to the one before.
-- entries: [{"micros", "actor", "action", "subject", "details", "source_ip",
-- "request_id", "trace_id", "encoding" (base64)}], in order.
CREATE FUNCTION audit_append_many(lock_key text, entries jsonb) RETURNS void
LANGUAGE plpgsql VOLATILE SET search_path FROM CURRENT AS $$
DECLARE
    previous bytea;
    entry jsonb;
    current bytea;
BEGIN
    PERFORM pg_advisory_xact_lock(hashtext(lock_key));
    SELECT l.hash INTO previous FROM audit_log l ORDER BY l.id DESC LIMIT 1;
    FOR entry IN SELECT value FROM jsonb_array_elements(entries) LOOP
        current := sha256(coalesce(previous, ''::bytea) || decode(entry->>'encoding', 'base64'));
        INSERT INTO audit_log (occurred_at, actor, action, subject, details, source_ip, request_id, trace_id,
                               prev_hash, hash)
        VALUES (timestamptz 'epoch' + (entry->>'micros')::bigint * interval '1 microsecond', entry->>'actor',
                entry->>'action', entry->>'subject', entry->'details', entry->>'source_ip', entry->>'request_id',
                entry->>'trace_id', previous, current);
        previous := current;
    END LOOP;
END;
$$;
