-- ops/bench/ingest: one event per transaction (pgbench's implicit transaction around one statement).
-- Variables: -D doc='<the 1 KB event, quoted>' (wrk/stock-adjusted-1k.json), -D run=N, -D n=0.
-- :n counts per client and persists across its transactions, so event ids are
-- p<run>-<client>-<n>, zero-padded like the wrk script's: unique without a sequence,
-- ascending per client like a sender's.
-- The document is text with the event id put in, cast to jsonb per row, as the server
-- sends its documents (a constant jsonb would be parsed once per statement).
\set n :n + 1
INSERT INTO bench_events (event_id, type, document)
SELECT e.id, 'stock.adjusted', replace(:doc, 'r00p-00-000000000', e.id)::jsonb
FROM (SELECT 'p' || :run || '-' || lpad(:client_id::text, 2, '0') || '-' || lpad(:n::text, 9, '0') AS id) AS e;
