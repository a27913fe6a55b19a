-- The control plane's audit log appended in one round trip, like the tenant
-- logs (tenant migration 0012_audit_append.sql explains why the chain
-- cannot fork): lock, newest hash and insert in one VOLATILE function.
CREATE FUNCTION control.audit_append(
    lock_key text, occurred_at timestamptz, actor text, action text, subject text, details jsonb,
    source_ip text, request_id text, trace_id text, encoding bytea
) RETURNS void
LANGUAGE plpgsql VOLATILE AS $$
DECLARE
    previous bytea;
BEGIN
    PERFORM pg_advisory_xact_lock(hashtext(lock_key));
    SELECT l.hash INTO previous FROM control.audit_log l ORDER BY l.id DESC LIMIT 1;
    INSERT INTO control.audit_log
        (occurred_at, actor, action, subject, details, source_ip, request_id, trace_id, prev_hash, hash)
    VALUES (audit_append.occurred_at, audit_append.actor, audit_append.action, audit_append.subject,
            audit_append.details, audit_append.source_ip, audit_append.request_id, audit_append.trace_id, previous,
            sha256(coalesce(previous, ''::bytea) || encoding));
END;
$$;
