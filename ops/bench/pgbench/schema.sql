-- ops/bench/ingest: a table shaped like a tenant's events inbox (Migrations/tenant/0002_events.sql,
-- the columns that carry the weight: identity key, unique sender id, type, receive time, the document).
DROP TABLE IF EXISTS bench_events;
CREATE TABLE bench_events (
    seq bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    event_id text NOT NULL UNIQUE,
    type text NOT NULL,
    received_at timestamptz NOT NULL DEFAULT now(),
    document jsonb NOT NULL
);
