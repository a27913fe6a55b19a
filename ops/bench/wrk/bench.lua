-- wrk script for ops/bench/http.
-- With BENCH_BODY_FILE set, every request is a POST of that file as JSON;
-- otherwise wrk's default GET is used. At the end it prints one line that the
-- bench script parses:
--   BENCH rps=<requests/s> p50_ms=<…> p99_ms=<…> requests=<n> errors=<n> status_errors=<n>

local body_file = os.getenv("BENCH_BODY_FILE")
if body_file and body_file ~= "" then
  local file = assert(io.open(body_file, "rb"))
  wrk.method = "POST"
  wrk.body = file:read("*a")
  file:close()
  wrk.headers["Content-Type"] = "application/json"
end

-- No response() hook on purpose: it makes wrk hand every reply to Lua, which
-- slows the client. summary.errors.status already counts statuses >= 400, and
-- the bench script checks each route's answer with curl before measuring.
function done(summary, latency, requests)
  local errors = summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout
  local seconds = summary.duration / 1e6
  io.write(string.format("BENCH rps=%.0f p50_ms=%.3f p99_ms=%.3f requests=%d errors=%d status_errors=%d\n",
    summary.requests / seconds, latency:percentile(50) / 1000, latency:percentile(99) / 1000,
    summary.requests, errors, summary.errors.status))
end
