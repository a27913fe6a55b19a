-- Cheaper ANALYZE for the tables a busy tenant writes most.
--
-- Autovacuum analyzes a table each time a tenth of it has changed. On the
-- engine benchmark (20,000 runs at 1,000 runs/s on two cores) the ANALYZE
-- of events, audit_log, run_steps and runs came as one burst of about a
-- second, and runs finishing during it took four times as long as the rest.
-- Most of that was reading a 30,000-row sample (the size follows the largest
-- statistics target of the table's columns) and computing statistics for
-- payload columns.
--
-- Payload columns (documents, contexts, results, details, stored answers,
-- hashes, trace ids) get no statistics: nothing filters or joins on them,
-- and expressions over a jsonb column do not use the column's statistics.
-- The other columns of the append-only tables get a target of 10, a
-- 3,000-row sample: their queries go by primary key or narrow indexes, where
-- ten most-common values and a ten-bucket histogram decide as well as a
-- hundred. ANALYZE of those four tables went from about 420 ms to 70 ms at
-- 80,000 events. `runs` keeps the default for its scalar columns: it is
-- updated, and its status and times steer the engine's plans.
ALTER TABLE events
    ALTER COLUMN document SET STATISTICS 0,
    ALTER COLUMN content_hash SET STATISTICS 0,
    ALTER COLUMN traceparent SET STATISTICS 0,
    ALTER COLUMN request_id SET STATISTICS 0,
    ALTER COLUMN seq SET STATISTICS 10,
    ALTER COLUMN event_id SET STATISTICS 10,
    ALTER COLUMN type SET STATISTICS 10,
    ALTER COLUMN schema_version SET STATISTICS 10,
    ALTER COLUMN source SET STATISTICS 10,
    ALTER COLUMN occurred_at SET STATISTICS 10,
    ALTER COLUMN received_at SET STATISTICS 10,
    ALTER COLUMN ingress SET STATISTICS 10,
    ALTER COLUMN ingress_detail SET STATISTICS 10,
    ALTER COLUMN caused_by SET STATISTICS 10;
ALTER TABLE audit_log
    ALTER COLUMN details SET STATISTICS 0,
    ALTER COLUMN hash SET STATISTICS 0,
    ALTER COLUMN prev_hash SET STATISTICS 0,
    ALTER COLUMN id SET STATISTICS 10,
    ALTER COLUMN occurred_at SET STATISTICS 10,
    ALTER COLUMN actor SET STATISTICS 10,
    ALTER COLUMN action SET STATISTICS 10,
    ALTER COLUMN subject SET STATISTICS 10,
    ALTER COLUMN source_ip SET STATISTICS 10,
    ALTER COLUMN request_id SET STATISTICS 10,
    ALTER COLUMN trace_id SET STATISTICS 10;
ALTER TABLE run_steps
    ALTER COLUMN result SET STATISTICS 0,
    ALTER COLUMN id SET STATISTICS 10,
    ALTER COLUMN run_id SET STATISTICS 10,
    ALTER COLUMN step_id SET STATISTICS 10,
    ALTER COLUMN kind SET STATISTICS 10,
    ALTER COLUMN outcome SET STATISTICS 10,
    ALTER COLUMN started_at SET STATISTICS 10,
    ALTER COLUMN finished_at SET STATISTICS 10;
ALTER TABLE event_correlation_keys
    ALTER COLUMN path_id SET STATISTICS 10,
    ALTER COLUMN key SET STATISTICS 10,
    ALTER COLUMN event_seq SET STATISTICS 10;
ALTER TABLE runs ALTER COLUMN context SET STATISTICS 0;
ALTER TABLE ingest_requests
    ALTER COLUMN request_hash SET STATISTICS 0,
    ALTER COLUMN response SET STATISTICS 0;
ALTER TABLE outbox ALTER COLUMN payload SET STATISTICS 0;
