-- Measures one phase of ops/bench/engine from the tenant's own tables.
-- psql -v prefix=PO-B- (the phase's PO numbers) -v schema=t_<tenant>; prints one
-- line of key=value pairs (milliseconds unless the name says otherwise).
--
-- A run's event-to-outcome latency is runs.completed_at − events.received_at
-- of its trigger (the invoice). Both are now() of their transaction: the ingest
-- commit that stored the invoice, and the step transition that completed the
-- run (so the final commit's own flush is not in the figure; the ingest
-- commit's is).
--
-- The breakdown (b_*, medians): dispatch = the invoice's received_at → the run's
-- created_at, now() of the dispatch transaction that read the invoice (it can be
-- slightly negative: that transaction may begin, and wait for the engine cursor's
-- lock, before the invoice commits); pickup = created_at → the first step's
-- run_steps.started_at, which the engine takes just before each step's
-- transaction; documents, match, route = from that step's start to the next's
-- (its own transaction, commit included, and the wait until the run is picked
-- up again). The release step's transaction completes the run.
SET search_path TO :"schema";
WITH r AS (
    SELECT r.id, r.status, r.created_at, r.completed_at, e.received_at, e.seq
    FROM runs r JOIN events e ON e.seq = r.trigger_event_seq
    WHERE r.correlation_key LIKE :'prefix' || '%'
), done AS (
    SELECT r.*, extract(epoch FROM completed_at - received_at) * 1000 AS ms,
           lead(received_at) OVER (ORDER BY seq) AS next_received
    FROM r WHERE status = 'completed'
), steps AS (
    SELECT s.run_id,
           max(s.started_at) FILTER (WHERE s.step_id = 'documents') AS documents,
           max(s.started_at) FILTER (WHERE s.step_id = 'match') AS match,
           max(s.started_at) FILTER (WHERE s.step_id = 'route') AS route,
           max(s.started_at) FILTER (WHERE s.step_id = 'release') AS release
    FROM run_steps s JOIN done d ON d.id = s.run_id GROUP BY s.run_id
), gaps AS (
    SELECT extract(epoch FROM d.created_at - d.received_at) * 1000 AS dispatch,
           extract(epoch FROM s.documents - d.created_at) * 1000 AS pickup,
           extract(epoch FROM s.match - s.documents) * 1000 AS documents,
           extract(epoch FROM s.route - s.match) * 1000 AS match,
           extract(epoch FROM s.release - s.route) * 1000 AS route
    FROM done d JOIN steps s ON s.run_id = d.id
), events AS (
    SELECT min(received_at) AS first_received, max(received_at) AS last_received, count(*) AS n,
           count(DISTINCT received_at) AS commits
    FROM events WHERE ingress = 'api' AND document #>> '{data,po_number}' LIKE :'prefix' || '%'
)
SELECT format(
    'runs=%s completed=%s exceptions=%s unfinished=%s events=%s ingest_commits=%s '
    'ingest_s=%s complete_window_s=%s end_to_end_s=%s drain_s=%s '
    'p50=%s p99=%s max=%s overlapping=%s '
    'b_dispatch=%s b_pickup=%s b_documents=%s b_match=%s b_route=%s',
    (SELECT count(*) FROM r), (SELECT count(*) FROM done), (SELECT count(*) FROM r WHERE status = 'exception'),
    (SELECT count(*) FROM r WHERE status NOT IN ('completed', 'exception')),
    (SELECT n FROM events), (SELECT commits FROM events),
    round(extract(epoch FROM (SELECT last_received - first_received FROM events))::numeric, 3),
    round(extract(epoch FROM (SELECT max(completed_at) - min(completed_at) FROM done))::numeric, 3),
    round(extract(epoch FROM (SELECT max(completed_at) FROM done) - (SELECT first_received FROM events))::numeric, 3),
    round(extract(epoch FROM (SELECT max(completed_at) FROM done) - (SELECT last_received FROM events))::numeric, 3),
    round((SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY ms) FROM done)::numeric, 2),
    round((SELECT percentile_cont(0.99) WITHIN GROUP (ORDER BY ms) FROM done)::numeric, 2),
    round((SELECT max(ms) FROM done)::numeric, 2),
    -- Runs still going when the next run's trio was stored (matters for the single-run phase).
    (SELECT count(*) FROM done WHERE next_received IS NOT NULL AND completed_at > next_received),
    round((SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY dispatch) FROM gaps)::numeric, 2),
    round((SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY pickup) FROM gaps)::numeric, 2),
    round((SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY documents) FROM gaps)::numeric, 2),
    round((SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY match) FROM gaps)::numeric, 2),
    round((SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY route) FROM gaps)::numeric, 2));
