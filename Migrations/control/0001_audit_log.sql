-- Control-plane audit log: append-only and hash-chained.
-- Every state change an auditor cares about (partners, tenants, credentials,
-- plans, statements) writes one row in the same transaction as the change.
-- `hash` = SHA-256(prev_hash || canonical encoding of the entry, see AuditLog.swift);
-- `countersign audit verify`
-- recomputes the chain, so an edited or deleted row is detected.
CREATE TABLE control.audit_log (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    occurred_at timestamptz NOT NULL DEFAULT now(),
    -- who: 'user:<uuid>', 'credential:<prefix>', 'system:<component>'
    actor text NOT NULL,
    -- what: dotted verb such as 'tenant.created'
    action text NOT NULL,
    -- which object: 'tenant:<slug>', 'partner:<uuid>'
    subject text NOT NULL,
    -- never secrets: the writer passes redacted values only
    details jsonb NOT NULL DEFAULT '{}'::jsonb,
    source_ip text,
    request_id text,
    trace_id text,
    prev_hash bytea,
    hash bytea NOT NULL
);

CREATE INDEX audit_log_subject_idx ON control.audit_log (subject, id);

-- Append-only: updates and deletes are refused for every role, owner included
-- (a trigger, because privileges alone do not bind the table owner).
CREATE FUNCTION control.audit_log_append_only() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'audit log is append-only' USING ERRCODE = 'insufficient_privilege';
END;
$$;

CREATE TRIGGER audit_log_append_only
    BEFORE UPDATE OR DELETE OR TRUNCATE ON control.audit_log
    FOR EACH STATEMENT EXECUTE FUNCTION control.audit_log_append_only();
