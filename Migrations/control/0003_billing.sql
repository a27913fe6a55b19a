-- Billing: tenant lifecycle history, usage kept past a tenant's deletion,
-- price books with their plans and assignments, and issued statements.
-- Statements are computed from these (see Sources/Billing and Sources/Metering);
-- only issued ones are stored, and those never change.

-- Every lifecycle change of every tenant, in order: what proration reads.
-- control.tenants keeps only the latest suspended_at (a resume clears it),
-- so the history is recorded here by a trigger on the status column, in the
-- transaction that changes it, whichever code path makes the change.
CREATE TABLE control.tenant_lifecycle (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    tenant_id uuid NOT NULL REFERENCES control.tenants,
    kind text NOT NULL CHECK (kind IN ('created', 'suspended', 'resumed', 'deleted')),
    at timestamptz NOT NULL DEFAULT now()
);

CREATE INDEX tenant_lifecycle_tenant_idx ON control.tenant_lifecycle (tenant_id, at, id);

-- A tenant is billable from the moment provisioning completes (status
-- becomes active), not from the row's creation: a half-provisioned tenant
-- cannot work. 'deleting' already ends the tenant's life for billing: its
-- keys and connections are refused from then on.
CREATE FUNCTION control.record_tenant_lifecycle() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    event text;
BEGIN
    IF NEW.status IS NOT DISTINCT FROM OLD.status THEN
        RETURN NEW;
    END IF;
    event := CASE
        WHEN OLD.status = 'provisioning' AND NEW.status = 'active' THEN 'created'
        WHEN OLD.status = 'active' AND NEW.status = 'suspended' THEN 'suspended'
        WHEN OLD.status = 'suspended' AND NEW.status = 'active' THEN 'resumed'
        WHEN NEW.status IN ('deleting', 'deleted') AND OLD.status NOT IN ('deleting', 'deleted') THEN 'deleted'
    END;
    IF event IS NOT NULL THEN
        INSERT INTO control.tenant_lifecycle (tenant_id, kind) VALUES (NEW.id, event);
    END IF;
    IF event = 'deleted' THEN
        PERFORM control.archive_tenant_usage(NEW.id, NEW.slug);
    END IF;
    RETURN NEW;
END;
$$;

CREATE TRIGGER tenants_lifecycle
    AFTER UPDATE OF status ON control.tenants
    FOR EACH ROW EXECUTE FUNCTION control.record_tenant_lifecycle();

-- Daily usage of deleted tenants: their schema, and usage_counters with it,
-- is dropped, but the month they were deleted in is still billed.
CREATE TABLE control.archived_usage (
    tenant_id uuid NOT NULL REFERENCES control.tenants,
    day date NOT NULL,
    metric text NOT NULL,
    quantity bigint NOT NULL CHECK (quantity >= 0),
    PRIMARY KEY (tenant_id, day, metric)
);

-- Copies the tenant's counters (summed over shards) when it starts being
-- deleted. The slug is checked against the tenant naming rule before it is
-- used as an identifier.
CREATE FUNCTION control.archive_tenant_usage(tenant uuid, slug text) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
    IF slug !~ '^[a-z][a-z0-9_]{1,40}$' OR to_regclass(format('%I.usage_counters', 't_' || slug)) IS NULL THEN
        RETURN;
    END IF;
    EXECUTE format(
        'INSERT INTO control.archived_usage (tenant_id, day, metric, quantity)
         SELECT $1, day, metric, sum(quantity) FROM %I.usage_counters GROUP BY day, metric
         ON CONFLICT (tenant_id, day, metric) DO UPDATE SET quantity = EXCLUDED.quantity',
        't_' || slug) USING tenant;
END;
$$;

-- History of tenants that existed before this migration, from the audit log
-- (which has every transition) and, where it is silent, the tenants table.
INSERT INTO control.tenant_lifecycle (tenant_id, kind, at)
SELECT t.id, 'created', coalesce(t.activated_at, t.created_at)
FROM control.tenants t WHERE t.status <> 'provisioning';

INSERT INTO control.tenant_lifecycle (tenant_id, kind, at)
SELECT t.id,
       CASE a.action WHEN 'tenant.suspended' THEN 'suspended' WHEN 'tenant.resumed' THEN 'resumed' ELSE 'deleted' END,
       a.occurred_at
FROM control.audit_log a
JOIN control.tenants t ON a.subject = 'tenant:' || t.slug
WHERE a.action IN ('tenant.suspended', 'tenant.resumed', 'tenant.deleting')
  AND a.occurred_at >= coalesce(t.activated_at, t.created_at)
ORDER BY a.id;

-- One seller's prices: the provider's ('provider') or a partner's
-- ('partner:<slug>'), all in one currency.
CREATE TABLE control.price_books (
    seller text PRIMARY KEY CHECK (seller = 'provider' OR seller ~ '^partner:[a-z][a-z0-9_]{1,40}$'),
    name text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    currency text NOT NULL CHECK (currency ~ '^[A-Z]{3}$'),
    created_at timestamptz NOT NULL DEFAULT now()
);

-- A plan as the JSON document Billing reads (Plan.decode), checked before it is stored.
CREATE TABLE control.billing_plans (
    seller text NOT NULL REFERENCES control.price_books,
    code text NOT NULL CHECK (code ~ '^[a-z0-9][a-z0-9_-]{0,63}$'),
    document text NOT NULL,
    updated_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (seller, code)
);

-- From effective_from on, the tenant is billed by the seller under plan_code,
-- until its next assignment by the same seller.
CREATE TABLE control.plan_assignments (
    seller text NOT NULL,
    tenant_id uuid NOT NULL REFERENCES control.tenants,
    plan_code text NOT NULL,
    effective_from date NOT NULL,
    assigned_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (seller, tenant_id, effective_from),
    FOREIGN KEY (seller, plan_code) REFERENCES control.billing_plans (seller, code)
);

-- Issued statements, credit notes and debit notes, exactly as issued.
-- `number` is deterministic (month/seller/buyer, notes add /C<n>), so a
-- second issue of one month is a primary-key conflict. `document` is the
-- statement's JSON export; `content_sha256` the SHA-256 of its canonical
-- text, checked whenever it is read back.
CREATE TABLE control.billing_statements (
    seq bigint GENERATED ALWAYS AS IDENTITY UNIQUE,
    number text PRIMARY KEY,
    kind text NOT NULL CHECK (kind IN ('statement', 'credit_note', 'debit_note')),
    corrects text REFERENCES control.billing_statements (number),
    seller text NOT NULL,
    buyer text NOT NULL,
    month text NOT NULL CHECK (month ~ '^[0-9]{4}-[0-9]{2}$'),
    currency text NOT NULL,
    total text NOT NULL,
    document text NOT NULL,
    content_sha256 bytea NOT NULL,
    issued_at timestamptz NOT NULL DEFAULT now(),
    issued_by text NOT NULL,
    CHECK ((kind = 'statement') = (corrects IS NULL))
);

CREATE INDEX billing_statements_buyer_idx ON control.billing_statements (buyer, month);
CREATE INDEX billing_statements_corrects_idx ON control.billing_statements (corrects, seq);

-- Issued means final: updates and deletes are refused for every role, owner
-- included (a trigger, because privileges alone do not bind the owner). A
-- correction is a new credit or debit note.
CREATE FUNCTION control.billing_statements_immutable() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'issued statements cannot be changed; issue a credit or debit note'
        USING ERRCODE = 'insufficient_privilege';
END;
$$;

CREATE TRIGGER billing_statements_immutable
    BEFORE UPDATE OR DELETE OR TRUNCATE ON control.billing_statements
    FOR EACH STATEMENT EXECUTE FUNCTION control.billing_statements_immutable();
