#!/usr/bin/env python3
"""Load driver for ops/bench/engine: three-way-match trios through POST /v1/events.

Standard library only (asyncio streams, HTTP/1.1 keep-alive). Two modes:

  burst   RUNS runs, each a purchase order, its goods receipt and a matching
          invoice (the shapes of Tests/CLITests/EngineCrashTests.swift's
          cleanMatch, with ids and numbers unique per run), sent over
          CONNECTIONS connections as {"events": [...]} batches of
          RUNS_PER_REQUEST runs (3 events each, in order PO, receipt, invoice
          per run). Connection c sends the runs c*R .. c*R+R-1, then
          (c+C)*R .., so runs go out roughly in index order overall. With
          --rate, run i is not sent before start + i/rate (open loop);
          without, every connection sends as fast as it is answered.
  single  COUNT runs one after another, each trio in one request. After each
          trio the driver watches the tenant's newest run in the database
          (PostgreSQL's wire protocol over the cluster's Unix socket, one
          indexed query every 2 ms) until it has completed, pauses GAP seconds,
          and sends the next. The bench reads the latency from the database's
          timestamps, so the polling interval does not enter the figure.

Every /v1 API key is rate-limited by the server (a token bucket per key,
burst 100, 50 requests/s). Connection c uses key c % len(keys) and waits for
a token from a client-side copy of that bucket (a little slower than the
server's), so the driver stays under the limit instead of collecting 429s; a
429 that happens anyway is waited out (Retry-After) and the request is sent
again, and counted.

Event ids are <tag>-<run:07d>-1po / -2gr / -3inv: the server inserts a
batch's events sorted by id, so this keeps each run's events in order PO,
receipt, invoice. PO numbers are PO-<tag>-<run>, which the bench uses to
find its runs. Latency is not judged here (the database's timestamps are);
the driver reports per-request HTTP latency and errors, and writes one line:

  DRIVER mode=burst runs=<n> requests=<n> events=<n> errors=<n> throttled=<n>
         seconds=<wall> req_p50_ms=<…> req_p99_ms=<…> events_per_s=<…>
"""

import argparse
import asyncio
import os
import socket
import struct
import sys
import time
from urllib.parse import urlsplit

KEY_BURST = 90  # the server allows 100
KEY_RATE = 48.0  # requests/s; the server allows 50


def trio(tag: str, i: int) -> list[str]:
    po = f"PO-{tag}-{i}"
    n = f"{i:07d}"
    return [
        '{"type":"purchase_order.created","id":"%s-%s-1po","occurred_at":"2026-11-02T09:00:00Z","source":"erp",'
        '"data":{"po_number":"%s","supplier":{"id":"SUP-1","name":"Supplier"},"currency":"USD",'
        '"created_by":"buyer@client.example","lines":[{"line":1,"sku":"SKU-1","quantity":"10","uom":"EA",'
        '"unit_price":"1.00"}],"freight":"0.00","tax":"0.00"}}' % (tag, n, po),
        '{"type":"goods_receipt.posted","id":"%s-%s-2gr","occurred_at":"2026-11-03T09:00:00Z","source":"wms",'
        '"data":{"receipt_number":"GR-%s-%d","po_number":"%s","warehouse":"DAL-1","received_by":"dock@client.example",'
        '"lines":[{"po_line":1,"sku":"SKU-1","quantity":"10","uom":"EA","condition":"good"}]}}' % (tag, n, tag, i, po),
        '{"type":"invoice.received","id":"%s-%s-3inv","occurred_at":"2026-11-04T09:00:00Z","source":"ap",'
        '"data":{"invoice_number":"INV-%s-%d","supplier":{"id":"SUP-1","name":"Supplier"},"po_number":"%s",'
        '"invoice_date":"2026-11-04","currency":"USD","submitted_by":"clerk@client.example",'
        '"lines":[{"po_line":1,"sku":"SKU-1","quantity":"10","uom":"EA","unit_price":"1.00"}],'
        '"freight":"0.00","tax":"0.00","total":"10.00"}}' % (tag, n, tag, i, po),
    ]


def batch_body(tag: str, runs: range) -> bytes:
    events = [e for i in runs for e in trio(tag, i)]
    return ('{"events":[' + ",".join(events) + "]}").encode()


class Bucket:
    """A client-side copy of the server's per-key token bucket."""

    def __init__(self, capacity: float, rate: float):
        self.capacity, self.rate = capacity, rate
        self.tokens, self.at = capacity, time.monotonic()

    async def take(self) -> None:
        while True:
            now = time.monotonic()
            self.tokens = min(self.capacity, self.tokens + (now - self.at) * self.rate)
            self.at = now
            if self.tokens >= 1:
                self.tokens -= 1
                return
            await asyncio.sleep((1 - self.tokens) / self.rate)


class Connection:
    def __init__(self, host: str, port: int, key: str):
        self.host, self.port = host, port
        self.head = f"Host: {host}:{port}\r\nAuthorization: Bearer {key}\r\nContent-Type: application/json\r\n"
        self.reader = self.writer = None

    async def request(self, method: str, path: str, body: bytes = b"") -> tuple[int, dict, bytes]:
        if self.writer is None:
            self.reader, self.writer = await asyncio.open_connection(self.host, self.port)
        head = f"{method} {path} HTTP/1.1\r\n{self.head}Content-Length: {len(body)}\r\n\r\n".encode()
        try:
            self.writer.write(head + body)
            await self.writer.drain()
            raw = await self.reader.readuntil(b"\r\n\r\n")
        except (ConnectionError, asyncio.IncompleteReadError):
            self.close()
            raise
        lines = raw.decode("latin-1").split("\r\n")
        status = int(lines[0].split(" ", 2)[1])
        headers = {}
        for line in lines[1:]:
            if ":" in line:
                name, value = line.split(":", 1)
                headers[name.strip().lower()] = value.strip()
        length = int(headers.get("content-length", "0"))
        payload = await self.reader.readexactly(length) if length else b""
        if headers.get("connection", "").lower() == "close":
            self.close()
        return status, headers, payload

    def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
        self.reader = self.writer = None


class Postgres:
    """Just enough of PostgreSQL's protocol (v3, trust authentication, simple
    queries, text results) to watch a run from the standard library."""

    def __init__(self, socket_dir: str, port: int, user: str, database: str):
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.connect(os.path.join(socket_dir, f".s.PGSQL.{port}"))
        params = b"".join(k.encode() + b"\0" + v.encode() + b"\0" for k, v in (("user", user), ("database", database)))
        body = struct.pack("!I", 196608) + params + b"\0"
        self.sock.sendall(struct.pack("!I", len(body) + 4) + body)
        self._until_ready()

    def _read(self, n: int) -> bytes:
        data = b""
        while len(data) < n:
            chunk = self.sock.recv(n - len(data))
            if not chunk:
                raise ConnectionError("PostgreSQL closed the connection")
            data += chunk
        return data

    def _message(self) -> tuple[bytes, bytes]:
        kind, length = struct.unpack("!cI", self._read(5))
        return kind, self._read(length - 4)

    def _until_ready(self, rows: list | None = None) -> None:
        error = None
        while True:
            kind, body = self._message()
            if kind == b"R" and struct.unpack("!I", body[:4])[0] != 0:
                raise RuntimeError("PostgreSQL asks for a password; the bench cluster trusts its Unix socket")
            if kind == b"E":
                error = body.replace(b"\0", b" ").decode(errors="replace")
            elif kind == b"D" and rows is not None:
                count, at, row = struct.unpack("!H", body[:2])[0], 2, []
                for _ in range(count):
                    size = struct.unpack("!i", body[at : at + 4])[0]
                    at += 4
                    row.append(None if size < 0 else body[at : at + size].decode())
                    at += max(size, 0)
                rows.append(row)
            elif kind == b"Z":
                if error:
                    raise RuntimeError("PostgreSQL: " + error)
                return

    def query(self, sql: str) -> list:
        body = sql.encode() + b"\0"
        self.sock.sendall(b"Q" + struct.pack("!I", len(body) + 4) + body)
        rows: list = []
        self._until_ready(rows)
        return rows

    def close(self) -> None:
        self.sock.close()


class Stats:
    def __init__(self):
        self.latencies: list[float] = []
        self.requests = self.events = self.errors = self.throttled = 0
        self.samples: list[str] = []

    def error(self, what: str) -> None:
        self.errors += 1
        if len(self.samples) < 5:
            self.samples.append(what[:300])


async def send(conn: Connection, bucket: Bucket, body: bytes, events: int, stats: Stats) -> bool:
    """POSTs one batch until it is answered other than 429; True on 2xx."""
    for _ in range(20):
        await bucket.take()
        started = time.perf_counter()
        try:
            status, headers, payload = await conn.request("POST", "/v1/events", body)
        except (OSError, asyncio.IncompleteReadError) as error:
            stats.error(f"connection: {error!r}")
            await asyncio.sleep(0.05)
            continue
        stats.latencies.append(time.perf_counter() - started)
        stats.requests += 1
        if status == 429:
            stats.throttled += 1
            await asyncio.sleep(float(headers.get("retry-after", "1") or 1))
            continue
        if 200 <= status < 300:
            stats.events += events
            return True
        stats.error(f"HTTP {status}: {payload.decode(errors='replace')}")
        return False
    stats.error("gave up after 20 tries")
    return False


def percentile(values: list[float], p: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


async def burst(args, keys: list[str], host: str, port: int) -> Stats:
    stats = Stats()
    per = args.runs_per_request
    chunks = [range(start, min(start + per, args.runs)) for start in range(0, args.runs, per)]
    buckets = [Bucket(KEY_BURST, KEY_RATE) for _ in keys]
    begin = time.monotonic()

    async def worker(c: int) -> None:
        conn = Connection(host, port, keys[c % len(keys)])
        bucket = buckets[c % len(keys)]
        try:
            for chunk in chunks[c :: args.connections]:
                if args.rate > 0:
                    due = begin + chunk.start / args.rate
                    delay = due - time.monotonic()
                    if delay > 0:
                        await asyncio.sleep(delay)
                await send(conn, bucket, batch_body(args.tag, chunk), 3 * len(chunk), stats)
        finally:
            conn.close()

    await asyncio.gather(*(worker(c) for c in range(args.connections)))
    stats.seconds = time.monotonic() - begin
    return stats


async def single(args, keys: list[str], host: str, port: int) -> Stats:
    stats = Stats()
    conn = Connection(host, port, keys[0])
    bucket = Bucket(KEY_BURST, KEY_RATE)
    database = Postgres(args.pg_socket, args.pg_port, args.pg_user, args.pg_database)
    schema = '"' + args.schema.replace('"', '""') + '"'
    newest = (
        f"SELECT correlation_key, status FROM {schema}.runs WHERE template_slug = 'three-way-match' "
        "ORDER BY created_at DESC LIMIT 1"
    )
    begin = time.monotonic()
    try:
        for i in range(args.count):
            if not await send(conn, bucket, batch_body(args.tag, range(i, i + 1)), 3, stats):
                break
            key, deadline = f"PO-{args.tag}-{i}", time.monotonic() + args.timeout
            while True:
                rows = database.query(newest)
                if rows and rows[0][0] == key and rows[0][1] in ("completed", "exception"):
                    break
                if time.monotonic() > deadline:
                    stats.error(f"run {key} did not finish within {args.timeout} s (newest run: {rows})")
                    return stats
                await asyncio.sleep(0.002)
            await asyncio.sleep(args.gap)
    finally:
        conn.close()
        database.close()
    stats.seconds = time.monotonic() - begin
    return stats


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("mode", choices=["burst", "single"])
    parser.add_argument("--url", required=True, help="the server, http://127.0.0.1:PORT")
    parser.add_argument("--keys-file", required=True, help="API keys, one a line (events:write)")
    parser.add_argument("--tag", required=True, help="distinguishes this phase's ids and PO numbers")
    parser.add_argument("--runs", type=int, default=20000)
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--runs-per-request", type=int, default=4)
    parser.add_argument("--rate", type=float, default=0, help="runs/s offered (0: as fast as answered)")
    parser.add_argument("--count", type=int, default=200, help="single: runs, one at a time")
    parser.add_argument("--gap", type=float, default=0.02, help="single: pause after a run completes, seconds")
    parser.add_argument("--timeout", type=float, default=30, help="single: seconds to wait for one run")
    parser.add_argument("--pg-socket", help="single: the cluster's Unix socket folder")
    parser.add_argument("--pg-port", type=int, default=5432)
    parser.add_argument("--pg-user", default="countersign")
    parser.add_argument("--pg-database", help="single: the bench database")
    parser.add_argument("--schema", help="single: the tenant's schema, t_<slug>")
    args = parser.parse_args()
    url = urlsplit(args.url)
    keys = [line.strip() for line in open(args.keys_file) if line.strip()]
    if not keys:
        print("driver: no API keys in " + args.keys_file, file=sys.stderr)
        return 2
    if args.runs_per_request < 1 or args.connections < 1:
        print("driver: --runs-per-request and --connections must be at least 1", file=sys.stderr)
        return 2
    if args.mode == "single" and not (args.pg_socket and args.pg_database and args.schema):
        print("driver: single needs --pg-socket, --pg-database and --schema", file=sys.stderr)
        return 2
    run = burst if args.mode == "burst" else single
    stats = asyncio.run(run(args, keys, url.hostname or "127.0.0.1", url.port or 80))
    for sample in stats.samples:
        print("driver error: " + sample, file=sys.stderr)
    runs = args.runs if args.mode == "burst" else args.count
    print(
        f"DRIVER mode={args.mode} runs={runs} requests={stats.requests} events={stats.events} "
        f"errors={stats.errors} throttled={stats.throttled} seconds={stats.seconds:.3f} "
        f"req_p50_ms={percentile(stats.latencies, 50) * 1000:.2f} req_p99_ms={percentile(stats.latencies, 99) * 1000:.2f} "
        f"events_per_s={stats.events / max(stats.seconds, 1e-9):.0f}"
    )
    return 0 if stats.errors == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
