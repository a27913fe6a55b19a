-- ops/bench/ingest: 100 events per transaction, in one INSERT ... SELECT.
-- Variables as in insert-1.sql; ids are p<run>-<client>-<n>-<1..100>.
\set n :n + 1
INSERT INTO bench_events (event_id, type, document)
SELECT e.id, 'stock.adjusted', replace(:doc, 'r00p-00-000000000', e.id)::jsonb
FROM (SELECT 'p' || :run || '-' || lpad(:client_id::text, 2, '0') || '-' || lpad(:n::text, 9, '0') || '-' || lpad(g::text, 3, '0') AS id
      FROM generate_series(1, 100) AS g) AS e;
