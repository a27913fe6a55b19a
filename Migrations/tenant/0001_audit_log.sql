-- Tenant audit log: append-only and hash-chained, like control.audit_log but
-- inside the tenant's own schema (no reference to any other schema, so that
-- the schema can be distributed on its own). Unqualified names: the migrator
-- sets search_path to the tenant schema.
CREATE TABLE audit_log (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    occurred_at timestamptz NOT NULL DEFAULT now(),
    actor text NOT NULL,
    action text NOT NULL,
    subject text NOT NULL,
    details jsonb NOT NULL DEFAULT '{}'::jsonb,
    source_ip text,
    request_id text,
    trace_id text,
    prev_hash bytea,
    hash bytea NOT NULL
);

CREATE INDEX audit_log_subject_idx ON audit_log (subject, id);

CREATE FUNCTION audit_log_append_only() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'audit log is append-only' USING ERRCODE = 'insufficient_privilege';
END;
$$;

CREATE TRIGGER audit_log_append_only
    BEFORE UPDATE OR DELETE OR TRUNCATE ON audit_log
    FOR EACH STATEMENT EXECUTE FUNCTION audit_log_append_only();

-- The tenant's login role (named like its schema) gets table privileges by
-- default at provisioning; on the audit log it may only read and append.
-- Schemas created without a role (tests, tools) simply skip this.
DO $$
BEGIN
    EXECUTE format('REVOKE UPDATE, DELETE, TRUNCATE ON audit_log FROM %I', current_schema());
EXCEPTION WHEN undefined_object THEN
    NULL;
END;
$$;
