#!/usr/bin/env python3
"""Prints ops/bench/engine's table from the key=value lines it collected.

Environment: BURST (driver, burst), BURST_DB and SINGLE_DB (measure.sql),
PEER_OUT (the DBOS peer, empty without it), CPU_SERVER and CPU_PG (clock
ticks over burst + drain), TICKS (ticks per second), WRITES and FLUSHES
(write transactions and WAL flushes on the cluster over burst + drain), RUNS,
RATE (runs offered per second, 0 when unpaced).
"""

import math
import os


def kv(name: str) -> dict:
    return dict(field.split("=", 1) for field in os.environ.get(name, "").split() if "=" in field)


def num(d: dict, key: str) -> float:
    try:
        return float(d.get(key) or "nan")
    except ValueError:
        return math.nan


burst, bdb, sdb, peer = kv("BURST"), kv("BURST_DB"), kv("SINGLE_DB"), kv("PEER_OUT")
runs = int(os.environ["RUNS"])
window = num(bdb, "complete_window_s")
ours = num(bdb, "completed") / window if window > 0 else math.nan
end_to_end = num(bdb, "completed") / num(bdb, "end_to_end_s") if num(bdb, "end_to_end_s") > 0 else math.nan


def cell(value: float, fmt: str) -> str:
    return "-" if math.isnan(value) else fmt % value


def row(label: str, ours_value: float, theirs: float, fmt: str, higher_is_better: bool) -> None:
    ratio = math.nan
    if peer and ours_value > 0 and theirs > 0:
        ratio = ours_value / theirs if higher_is_better else theirs / ours_value
    print("%-38s %12s %12s %8s" % (label, cell(ours_value, fmt), cell(theirs, fmt) if peer else "-", cell(ratio, "%.2fx")))


print()
print("%-38s %12s %12s %8s" % ("measure", "countersign", "DBOS 3.4", "ratio"))
row("completed runs/s (burst)", ours, num(peer, "per_s"), "%.0f", True)
row("runs/s, first event → last outcome", end_to_end, num(peer, "per_s"), "%.0f", True)
row("p50 ms under load, event → outcome", num(bdb, "p50"), num(peer, "p50_ms"), "%.1f", False)
row("p99 ms under load", num(bdb, "p99"), num(peer, "p99_ms"), "%.1f", False)
row("single run p50 ms", num(sdb, "p50"), num(peer, "single_p50_ms"), "%.1f", False)
row("single run p99 ms", num(sdb, "p99"), num(peer, "single_p99_ms"), "%.1f", False)
row("write transactions per run (burst)", float(os.environ["WRITES"]) / runs, num(peer, "writes"), "%.1f", False)
row("WAL flushes per run (burst)", float(os.environ["FLUSHES"]) / runs, num(peer, "flushes"), "%.2f", False)
print("ratio: times better for Countersign (its runs/s over DBOS's; DBOS's milliseconds over its)")
print("DBOS: runs/s both ways are its workflows/s over the concurrent phase; latency is workflow call → return;")
print("Countersign's latency is invoice stored → run completed")
print()


def met(ok: bool) -> str:
    return "met" if ok else "NOT met"


p99, single_p50 = num(bdb, "p99"), num(sdb, "p50")
print(
    f"targets: >= 1,000 completed runs/s: {met(ours >= 1000)} ({ours:.0f}); p99 event-to-outcome < 250 ms: "
    f"{met(p99 < 250)} ({p99:.1f} ms); single-run p50 < 10 ms: {met(single_p50 < 10)} ({single_p50:.1f} ms)"
)
events, ingest_s = num(bdb, "events"), num(bdb, "ingest_s")
# Each run is three events; stored faster than runs complete, the burst was an overload, and its p99 is how
# long the backlog made the last runs wait rather than a latency at a rate the engine sustains.
offered = events / 3 / ingest_s if ingest_s > 0 else math.nan
rate = float(os.environ.get("RATE") or 0)
if rate > 0:
    print(f"paced: runs offered at {rate:.0f}/s, so the p99 above is the latency at that sustained load")
elif offered > ours * 1.05:
    print(
        f"unpaced: the burst offered {offered:.0f} runs/s, more than the {ours:.0f} completed, so the p99 above is the"
    )
    print("  backlog's age; the latency target is measured at a sustained load: --rate 1000 (or higher)")
print()
print(
    f"burst: {bdb.get('completed')} of {bdb.get('runs')} runs completed; {burst.get('requests')} requests, "
    f"p50 {burst.get('req_p50_ms')} ms, p99 {burst.get('req_p99_ms')} ms, {burst.get('throttled')} answered 429;"
)
print(
    f"  events stored over {ingest_s:.2f} s ({events / max(ingest_s, 1e-9):.0f} events/s, "
    f"{events / max(num(bdb, 'ingest_commits'), 1):.1f} per ingest commit); runs completed over {window:.2f} s;"
)
print(
    f"  first event to last outcome {num(bdb, 'end_to_end_s'):.2f} s ({end_to_end:.0f} runs/s); "
    f"last event to last outcome (drain) {num(bdb, 'drain_s'):.2f} s; slowest run {bdb.get('max')} ms"
)
ticks = float(os.environ["TICKS"])
server_cpu, pg_cpu = float(os.environ["CPU_SERVER"]) / ticks, float(os.environ["CPU_PG"]) / ticks
print(
    f"  CPU per run: server {server_cpu * 1e6 / runs:.0f} us, PostgreSQL {pg_cpu * 1e6 / runs:.0f} us "
    f"(burst + drain: {server_cpu:.1f} s server, {pg_cpu:.1f} s PostgreSQL)"
)
print(
    f"single: {sdb.get('completed')} runs, p50 {sdb.get('p50')} ms, p99 {sdb.get('p99')} ms, slowest {sdb.get('max')} ms; "
    f"{sdb.get('overlapping')} still running when the next trio was stored"
)
print()
print("where a run's time goes (medians, ms): invoice stored → run created (dispatch) → its first step's")
print("transaction begins (pickup) → from each step's begin to the next's (documents, match, route);")
print("the release step's transaction completes the run")
for label, d in (("burst", bdb), ("single", sdb)):
    print(
        f"  {label:<7} dispatch {d.get('b_dispatch')}  pickup {d.get('b_pickup')}  documents {d.get('b_documents')}  "
        f"match {d.get('b_match')}  route {d.get('b_route')}"
    )
if peer:
    print()
    print(
        f"DBOS: {peer.get('workflows')} workflows on {peer.get('concurrency')} threads in {peer.get('seconds')} s, "
        f"then {peer.get('single')} one at a time; errors {peer.get('errors')}"
    )
