-- Events in and out for one tenant: the inbox, idempotent ingest requests,
-- dead letters, usage counters, outbound endpoints and their outbox. Like every
-- tenant migration, nothing here names another schema.

-- The inbox: every accepted canonical event, exactly once per sender id.
CREATE TABLE events (
    seq bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    event_id text NOT NULL UNIQUE CHECK (length(event_id) BETWEEN 1 AND 200),
    type text NOT NULL,
    schema_version integer NOT NULL CHECK (schema_version >= 1),
    source text NOT NULL,
    occurred_at timestamptz NOT NULL,
    received_at timestamptz NOT NULL DEFAULT now(),
    -- Lineage: how it arrived ('api' or 'webhook'), the webhook source or
    -- credential, the event that caused it, the request and trace it came with.
    ingress text NOT NULL CHECK (ingress IN ('api', 'webhook', 'replay', 'internal')),
    ingress_detail text NOT NULL DEFAULT '',
    caused_by text,
    traceparent text,
    request_id text,
    -- SHA-256 of the canonical document, to tell a harmless re-send from a conflicting one.
    content_hash text NOT NULL,
    document jsonb NOT NULL
);

CREATE INDEX events_type_idx ON events (type, seq);
CREATE INDEX events_received_idx ON events (received_at, seq);

-- One row per idempotency key (`webhook-id` or `Idempotency-Key`): the first
-- answer, returned again to every repeat of the same request.
CREATE TABLE ingest_requests (
    key text PRIMARY KEY,
    request_hash text NOT NULL,
    status integer NOT NULL,
    -- The body exactly as first sent, byte for byte.
    response text NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now()
);

CREATE INDEX ingest_requests_created_idx ON ingest_requests (created_at);

-- What could not be applied, with the reason, kept until someone replays or
-- resolves it: events refused by the catalog and deliveries that ran out of tries.
CREATE TABLE dead_letters (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    kind text NOT NULL CHECK (kind IN ('event', 'delivery')),
    reason_code text NOT NULL,
    reason text NOT NULL,
    event_id text,
    outbox_seq bigint,
    ingress text,
    ingress_detail text NOT NULL DEFAULT '',
    request_id text,
    traceparent text,
    -- The payload exactly as received; not jsonb because it may not be JSON at all.
    payload bytea NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    replayed_at timestamptz,
    replay_count integer NOT NULL DEFAULT 0,
    resolution text
);

CREATE INDEX dead_letters_open_idx ON dead_letters (kind, id) WHERE replayed_at IS NULL;

-- Metered usage per UTC day and metric, counted in the same transaction as
-- the work it measures. Concurrent writers use different shards so that
-- they never queue on one hot row; readers sum the shards.
CREATE TABLE usage_counters (
    day date NOT NULL,
    metric text NOT NULL,
    shard smallint NOT NULL DEFAULT 0 CHECK (shard BETWEEN 0 AND 63),
    quantity bigint NOT NULL DEFAULT 0 CHECK (quantity >= 0),
    PRIMARY KEY (day, metric, shard)
);

-- Outbound webhook endpoints. Signing secrets are sealed (AES-256-GCM)
-- under the master key.
CREATE TABLE endpoints (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    url text NOT NULL CHECK (url ~ '^https?://' AND length(url) <= 2048),
    description text NOT NULL DEFAULT '',
    -- Empty means every event type.
    event_types text[] NOT NULL DEFAULT '{}',
    secret_sealed bytea NOT NULL,
    -- After a rotation, deliveries are signed with both secrets until this ends.
    previous_secret_sealed bytea,
    previous_valid_until timestamptz,
    enabled boolean NOT NULL DEFAULT true,
    disabled_reason text,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    -- Circuit breaker, persisted so that every worker sees the same state.
    breaker_state text NOT NULL DEFAULT 'closed' CHECK (breaker_state IN ('closed', 'open', 'half_open')),
    consecutive_failures integer NOT NULL DEFAULT 0,
    open_until timestamptz,
    trial_started_at timestamptz,
    failing_since timestamptz,
    reopen_count integer NOT NULL DEFAULT 0,
    -- Which worker is delivering to this endpoint right now; one at a time keeps order.
    lease_owner text,
    lease_until timestamptz
);

-- Outbound messages: one per endpoint and event, written in the transaction
-- that stored the event. `message_id` is the `webhook-id`, stable across retries.
CREATE TABLE outbox (
    seq bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    message_id text NOT NULL,
    endpoint_id uuid NOT NULL REFERENCES endpoints ON DELETE CASCADE,
    event_type text NOT NULL,
    event_seq bigint REFERENCES events (seq),
    payload text NOT NULL,
    state text NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'delivered', 'dead')),
    attempts integer NOT NULL DEFAULT 0,
    next_attempt_at timestamptz NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    delivered_at timestamptz,
    last_error text,
    UNIQUE (endpoint_id, message_id)
);

CREATE INDEX outbox_pending_idx ON outbox (endpoint_id, seq) WHERE state = 'pending';
CREATE INDEX outbox_created_idx ON outbox (created_at, seq);

CREATE TABLE delivery_attempts (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    outbox_seq bigint NOT NULL REFERENCES outbox ON DELETE CASCADE,
    attempt integer NOT NULL,
    started_at timestamptz NOT NULL,
    status_code integer,
    latency_ms integer NOT NULL,
    response_excerpt text NOT NULL DEFAULT '',
    error text
);

CREATE INDEX delivery_attempts_outbox_idx ON delivery_attempts (outbox_seq, attempt);
