#!/usr/bin/env python3
"""DBOS Transact peer of ops/bench/engine: a durable three-step workflow.

Each workflow is match → route → release, like a clean three-way-match run.
Every step is a DBOS datasource transaction (@ds.transaction) that makes one
small write to PostgreSQL, committed in the same transaction as DBOS's
checkpoint of the step's output; the workflow's status lives in the DBOS
system tables. Both are in the one database given, on the bench's cluster.
Steps run at READ COMMITTED, the isolation the engine's step transactions use.

Two phases, like the engine bench:
  1. WORKFLOWS workflows on CONCURRENCY threads, each thread calling the
     workflow function again as soon as its last one returned: completed
     workflows/s over the phase, and p50/p99 of each workflow's start → return;
  2. SINGLE workflows one after another: p50/p99 of one workflow alone.

Prints one line (writes and flushes: write transactions and WAL flushes on
the cluster during phase 1, per workflow):
  PEER workflows=<n> concurrency=<n> seconds=<…> per_s=<…> p50_ms=<…> p99_ms=<…>
       single=<n> single_p50_ms=<…> single_p99_ms=<…> writes=<…> flushes=<…> errors=<n>
"""

import argparse
import logging
import sys
import threading
import time

parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
parser.add_argument("--database-url", required=True, help="postgresql://user@/db?host=/socket/dir&port=N")
parser.add_argument("--workflows", type=int, default=20000)
parser.add_argument("--concurrency", type=int, default=32)
parser.add_argument("--single", type=int, default=200)
parser.add_argument("--warmup", type=int, default=50, help="workflows run first and not measured")
args = parser.parse_args()

import sqlalchemy as sa  # noqa: E402
from dbos import DBOS, DBOSConfig, SQLAlchemyDatasource  # noqa: E402

pool = args.concurrency + 4
with sa.create_engine(sa.make_url(args.database_url).set(drivername="postgresql+psycopg")).begin() as conn:
    conn.execute(sa.text("DROP TABLE IF EXISTS bench_steps"))
    conn.execute(
        sa.text(
            "CREATE TABLE bench_steps (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, run bigint NOT NULL, "
            "step text NOT NULL, outcome text NOT NULL, at timestamptz NOT NULL DEFAULT now())"
        )
    )

config: DBOSConfig = {
    "name": "countersign-bench-dbos",
    "system_database_url": args.database_url,
    "sys_db_pool_size": pool + 8,
    "log_level": "WARNING",
}
DBOS(config=config)
ds = SQLAlchemyDatasource.create(args.database_url, engine_kwargs={"pool_size": pool, "max_overflow": 0})

INSERT = sa.text("INSERT INTO bench_steps (run, step, outcome) VALUES (:run, :step, :outcome)")


@ds.transaction(isolation_level="READ COMMITTED")
def match(run: int) -> str:
    ds.sql_session().execute(INSERT, {"run": run, "step": "match", "outcome": "matched"})
    return "matched"


@ds.transaction(isolation_level="READ COMMITTED")
def route(run: int, outcome: str) -> str:
    taken = "release" if outcome == "matched" else "approve"
    ds.sql_session().execute(INSERT, {"run": run, "step": "route", "outcome": taken})
    return taken


@ds.transaction(isolation_level="READ COMMITTED")
def release(run: int) -> str:
    ds.sql_session().execute(INSERT, {"run": run, "step": "release", "outcome": "released"})
    return "released"


@DBOS.workflow()
def three_way_match(run: int) -> str:
    outcome = match(run)
    if route(run, outcome) == "release":
        return release(run)
    return "approval"


def percentile(values, p):
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


COUNTERS = sa.text("SELECT pg_snapshot_xmax(pg_current_snapshot())::text::bigint, wal_sync FROM pg_stat_wal")


def counters() -> tuple[int, int]:
    with ds.engine.connect() as conn:
        xids, flushes = conn.execute(COUNTERS).one()
    return int(xids), int(flushes)


def main() -> int:
    logging.getLogger("dbos").setLevel(logging.WARNING)
    DBOS.launch()
    errors = 0
    for i in range(args.warmup):
        three_way_match(-1 - i)

    latencies: list[float] = []
    lock = threading.Lock()
    counter = iter(range(args.workflows))
    failures = [0]

    def worker() -> None:
        local = []
        while True:
            with lock:
                run = next(counter, None)
            if run is None:
                break
            started = time.perf_counter()
            try:
                if three_way_match(run) != "released":
                    raise RuntimeError("unexpected outcome")
            except Exception as error:  # counted, and the first few shown
                with lock:
                    failures[0] += 1
                    if failures[0] <= 3:
                        print(f"dbos peer: workflow {run} failed: {error!r}", file=sys.stderr)
                continue
            local.append(time.perf_counter() - started)
        with lock:
            latencies.extend(local)

    threads = [threading.Thread(target=worker) for _ in range(args.concurrency)]
    xids0, flushes0 = counters()
    began = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    seconds = time.perf_counter() - began
    errors += failures[0]
    time.sleep(1)  # backends report WAL statistics at most once a second
    xids, flushes = counters()

    single: list[float] = []
    for i in range(args.single):
        started = time.perf_counter()
        three_way_match(args.workflows + i)
        single.append(time.perf_counter() - started)

    with ds.engine.connect() as conn:
        stored = conn.execute(sa.text("SELECT count(*) FROM bench_steps WHERE run >= 0")).scalar_one()
    expected = 3 * (args.workflows + args.single)
    if stored != expected:
        print(f"dbos peer: {stored} step rows stored, expected {expected}", file=sys.stderr)
        errors += 1
    done = len(latencies)
    print(
        f"PEER workflows={done} concurrency={args.concurrency} seconds={seconds:.3f} per_s={done / seconds:.1f} "
        f"p50_ms={percentile(latencies, 50) * 1000:.2f} p99_ms={percentile(latencies, 99) * 1000:.2f} "
        f"single={len(single)} single_p50_ms={percentile(single, 50) * 1000:.2f} "
        f"single_p99_ms={percentile(single, 99) * 1000:.2f} writes={(xids - xids0) / max(done, 1):.2f} "
        f"flushes={(flushes - flushes0) / max(done, 1):.2f} errors={errors}"
    )
    DBOS.destroy()
    return 0 if errors == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
