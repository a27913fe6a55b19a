-- Middleware for one tenant: source mappings deployed per webhook source,
-- reference tables the mappings enrich from, the raw payloads that mapped or
-- EDI events came from (their lineage), and the X12 interchanges answered.
-- Like every tenant migration, nothing here names another schema.

-- A mapping document pinned to a webhook source. The document is stored as
-- deployed, so a later change to Templates/mappings never alters what runs.
CREATE TABLE mapping_deployments (
    id uuid PRIMARY KEY,
    source text NOT NULL CHECK (source ~ '^[a-z][a-z0-9_-]{0,62}$'),
    mapping_slug text NOT NULL,
    mapping_version text NOT NULL,
    document jsonb NOT NULL,
    active boolean NOT NULL DEFAULT true,
    deployed_by text NOT NULL,
    deployed_at timestamptz NOT NULL DEFAULT now()
);

-- At most one mapping answers for a source.
CREATE UNIQUE INDEX mapping_deployments_active_idx ON mapping_deployments (source) WHERE active;

-- Reference tables (suppliers, items, warehouses, cost centres, EDI partners):
-- one generic key → JSON object store, so a partner adds a table without a migration.
CREATE TABLE reference_entries (
    table_name text NOT NULL CHECK (table_name ~ '^[a-z][a-z0-9_]{0,62}$'),
    key text NOT NULL CHECK (length(key) BETWEEN 1 AND 200),
    value jsonb NOT NULL CHECK (jsonb_typeof(value) = 'object'),
    updated_at timestamptz NOT NULL DEFAULT now(),
    updated_by text NOT NULL,
    PRIMARY KEY (table_name, key)
);

-- One row per table, its version bumped in every transaction that changes
-- the table, so every server process can tell that its cached copy is stale
-- with one small read instead of reloading the table per request.
CREATE TABLE reference_tables (
    table_name text PRIMARY KEY,
    version bigint NOT NULL DEFAULT 1,
    updated_at timestamptz NOT NULL DEFAULT now()
);

-- The payload exactly as received when it was translated (mapping, X12, CSV
-- import) into canonical events, written in the transaction that stored them.
CREATE TABLE raw_payloads (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    received_at timestamptz NOT NULL DEFAULT now(),
    sha256 text NOT NULL,
    content_type text NOT NULL,
    -- Not jsonb: an X12 interchange or CSV rows are not JSON.
    body bytea NOT NULL,
    -- What translated it: 'mapping:<slug>@<version>', 'x12', 'csv:<mapping>'.
    translation text NOT NULL,
    ingress text NOT NULL,
    ingress_detail text NOT NULL DEFAULT '',
    request_id text,
    idempotency_key text,
    -- The events the payload produced (new or already stored ones).
    event_ids text[] NOT NULL
);

CREATE INDEX raw_payloads_event_ids_idx ON raw_payloads USING gin (event_ids);
CREATE INDEX raw_payloads_sha_idx ON raw_payloads (sha256);

-- X12 interchanges accepted, by sender and ISA13, with the 997 they were
-- answered with: a resent interchange gets the same acknowledgment back.
CREATE TABLE edi_interchanges (
    sender_id text NOT NULL,
    control_number text NOT NULL,
    request_hash text NOT NULL,
    acknowledgment text NOT NULL,
    event_ids text[] NOT NULL,
    received_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (sender_id, control_number)
);
