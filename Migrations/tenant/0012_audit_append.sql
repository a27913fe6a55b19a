-- Appending to the audit log in one round trip (AuditLog.append): the lock,
-- the read of the newest hash and the insert used to be three statements.
-- Inside a VOLATILE function each statement takes a fresh snapshot, so the
-- read after the lock sees every entry committed before the lock was
-- granted, as the separate statements did: the chain cannot fork. The lock
-- (the same key as before, held to commit) still orders appends, and the
-- hash is the one AuditLog.swift defines: SHA-256(previous hash ‖ the
-- entry's canonical encoding, which the caller computes).
CREATE FUNCTION audit_append(
    lock_key text, occurred_at timestamptz, actor text, action text, subject text, details jsonb,
    source_ip text, request_id text, trace_id text, encoding bytea
) RETURNS void
LANGUAGE plpgsql VOLATILE SET search_path FROM CURRENT AS $$
DECLARE
    previous bytea;
BEGIN
    PERFORM pg_advisory_xact_lock(hashtext(lock_key));
    SELECT l.hash INTO previous FROM audit_log l ORDER BY l.id DESC LIMIT 1;
    INSERT INTO audit_log (occurred_at, actor, action, subject, details, source_ip, request_id, trace_id, prev_hash, hash)
    VALUES (audit_append.occurred_at, audit_append.actor, audit_append.action, audit_append.subject,
            audit_append.details, audit_append.source_ip, audit_append.request_id, audit_append.trace_id, previous,
            sha256(coalesce(previous, ''::bytea) || encoding));
END;
$$;
