-- wrk script for ops/bench/ingest: every request is a NEW signed webhook.
--
-- Environment:
--   BENCH_BODY_FILE  the 1 KB event (wrk/stock-adjusted-1k.json); its sample id
--                    r00p-00-000000000 is replaced in every request
--   BENCH_SECRET     the tenant's webhook secret for the source, whsec_<base64>
--   BENCH_RUN        4 characters naming this wrk run (such as r01m), so that ids
--                    never repeat across runs against the same database
--
-- Each request gets the event id <run>-<thread>-<counter> (17 characters, the
-- sample's length, so every body is exactly as long as the file) and the
-- webhook-id msg_<event id>: the server answers a repeated webhook-id from
-- storage without writing, so nothing may repeat. The signature is Standard
-- Webhooks v1, HMAC-SHA256(secret, id.timestamp.body), computed through
-- LuaJIT's ffi with OpenSSL's libcrypto (wrk links it already).
--
-- At the end it prints one line that the bench script parses:
--   BENCH rps=<requests/s> p50_ms=<…> p99_ms=<…> mean_ms=<…> max_ms=<…>
--         requests=<n> errors=<n> status_errors=<n>
-- status_errors counts answers >= 400, so 2xx = requests - status_errors.

local ffi = require("ffi")
ffi.cdef [[
typedef struct evp_md_st EVP_MD;
const EVP_MD *EVP_sha256(void);
unsigned char *HMAC(const EVP_MD *evp_md, const void *key, int key_len, const unsigned char *d, size_t n,
                    unsigned char *md, unsigned int *md_len);
int EVP_EncodeBlock(unsigned char *t, const unsigned char *f, int n);
int EVP_DecodeBlock(unsigned char *t, const unsigned char *f, int n);
]]

local function load_crypto()
  for _, name in ipairs({ "libcrypto.so.3", "crypto" }) do
    local ok, lib = pcall(ffi.load, name)
    if ok then return lib end
  end
  error("ingest.lua: cannot load OpenSSL's libcrypto through ffi")
end

local SAMPLE_ID = "r00p-00-000000000"

local function read_file(path)
  local file = assert(io.open(path, "rb"), "ingest.lua: cannot open BENCH_BODY_FILE " .. tostring(path))
  local text = file:read("*a")
  file:close()
  return text
end

-- Runs in every thread's own Lua state (init is per thread).
local crypto, md, key, key_len, mac, mac_len, encoded, head, tail, run, thread_tag, counter, path, headers

-- setup runs in the main state, once per thread: give each thread its number.
local next_thread = 0
function setup(thread)
  next_thread = next_thread + 1
  thread:set("thread_number", next_thread)
end

function init(args)
  crypto = load_crypto()
  md = crypto.EVP_sha256()

  local secret = assert(os.getenv("BENCH_SECRET"), "ingest.lua: BENCH_SECRET is not set")
  local b64 = assert(secret:match("^whsec_(.+)$"), "ingest.lua: BENCH_SECRET must look like whsec_<base64>")
  local decoded = ffi.new("unsigned char[?]", #b64)
  local n = crypto.EVP_DecodeBlock(decoded, b64, #b64)
  assert(n > 0, "ingest.lua: BENCH_SECRET is not valid base64")
  local _, padding = b64:gsub("=", "")
  key_len = n - padding -- EVP_DecodeBlock counts the bytes that padding stands for
  key = ffi.string(decoded, key_len)

  mac = ffi.new("unsigned char[32]")
  mac_len = ffi.new("unsigned int[1]")
  encoded = ffi.new("unsigned char[64]")

  local body = read_file(assert(os.getenv("BENCH_BODY_FILE"), "ingest.lua: BENCH_BODY_FILE is not set"))
  local at = assert(body:find(SAMPLE_ID, 1, true), "ingest.lua: the body has no sample id " .. SAMPLE_ID)
  head, tail = body:sub(1, at - 1), body:sub(at + #SAMPLE_ID)

  run = os.getenv("BENCH_RUN") or "r01m"
  assert(#run == 4, "ingest.lua: BENCH_RUN must be 4 characters")
  thread_tag = tonumber(rawget(_G, "thread_number")) or 1 -- set by setup() through thread:set
  counter = 0
  path = wrk.path
  headers = { ["Content-Type"] = "application/json" }
end

function request()
  counter = counter + 1
  local id = string.format("%s-%02d-%09d", run, thread_tag, counter)
  local body = head .. id .. tail
  local webhook_id = "msg_" .. id
  local timestamp = tostring(os.time())
  local signed = webhook_id .. "." .. timestamp .. "." .. body
  crypto.HMAC(md, key, key_len, signed, #signed, mac, mac_len)
  local length = crypto.EVP_EncodeBlock(encoded, mac, mac_len[0])
  headers["webhook-id"] = webhook_id
  headers["webhook-timestamp"] = timestamp
  headers["webhook-signature"] = "v1," .. ffi.string(encoded, length)
  return wrk.format("POST", path, headers, body)
end

-- No response() hook on purpose (it hands every reply to Lua and slows the
-- client): summary.errors.status counts answers >= 400, and the bench script
-- checks the stored events against the 2xx count afterwards.
function done(summary, latency, requests)
  local errors = summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout
  local seconds = summary.duration / 1e6
  io.write(string.format(
    "BENCH rps=%.0f p50_ms=%.3f p99_ms=%.3f mean_ms=%.3f max_ms=%.3f requests=%d errors=%d status_errors=%d\n",
    summary.requests / seconds, latency:percentile(50) / 1000, latency:percentile(99) / 1000,
    latency.mean / 1000, latency.max / 1000, summary.requests, errors, summary.errors.status))
end
