-- bench/serve/read.lua - the dashboard readers of bench/serve.sh for wrk:
-- each request is GET /v1/metrics with one of a few dashboard queries, the
-- connections cycling through them (connection k starts at query k, so all
-- queries are in flight at once).
--
-- Environment: CXM_TOKEN (a token with the read scope), SERVE_QUERIES
-- (queries separated by ';', each the part after '?'; default below),
-- SERVE_THINK_MS (a pause before each request of a connection, like a
-- person looking at the dashboard; default 0: closed loop, each
-- connection asks again as soon as it has its answer), SERVE_MAX_STALE
-- (1, the default: send Cache-Control: max-stale as the dashboard does).
-- At the end it prints one line for bench/serve.sh:
--   read requests=Q ok=O non2xx=E bytes=B duration_us=D p50_us=.. p90_us=.. p99_us=.. max_us=..
--        errors_...=.. cache=fresh:N,stale:N,miss:N (the X-Cxm-Cache header of the answers)
--        stale_max_ms=.. stale_mean_ms=.. (X-Cxm-Stale-Ms: how long since the first change an
--        answer lacks; 0 for a current answer)
-- (latencies as wrk measures them: from sending a request to its answer,
-- each connection sending its next request when the answer came).

local token = os.getenv("CXM_TOKEN") or ""
local queries = {}
for q in string.gmatch(os.getenv("SERVE_QUERIES") or
    "metrics=volume,frt,fcr&by=week,channel;metrics=csat,nps&by=month;metrics=resolution_time,reopen_rate&by=priority", "[^;]+") do
  queries[#queries + 1] = q
end

local think_ms = tonumber(os.getenv("SERVE_THINK_MS") or "0") or 0
-- as the dashboard does (web/src/source.js): Cache-Control: max-stale, so
-- the server answers from its cache rather than wait for a refresh;
-- SERVE_MAX_STALE=0: plain requests (those wait up to --max-wait)
local max_stale = (os.getenv("SERVE_MAX_STALE") or "1") ~= "0"

local threads = {}
local next_tid = 0
function setup(thread)
  next_tid = next_tid + 1
  thread:set("tid", next_tid)
  table.insert(threads, thread)
end

function init(args)
  tid = tid or 1
  k = tid
  nreq, nok, nbad = 0, 0, 0
  cache = {} -- X-Cxm-Cache header value -> answers
  stale_max, stale_sum, stale_n = 0, 0, 0
  reqs = {}
  for i, q in ipairs(queries) do
    local h = { ["Authorization"] = "Bearer " .. token }
    if max_stale then h["Cache-Control"] = "max-stale" end
    reqs[i] = wrk.format("GET", "/v1/metrics?" .. q, h)
  end
end

if think_ms > 0 then
  function delay()
    return think_ms
  end
end

function request()
  k = k + 1
  nreq = nreq + 1
  return reqs[1 + k % #reqs]
end

function response(status, hdrs, body)
  local c = hdrs["X-Cxm-Cache"] or hdrs["x-cxm-cache"] or "none"
  cache[c] = (cache[c] or 0) + 1
  local s = tonumber(hdrs["X-Cxm-Stale-Ms"] or hdrs["x-cxm-stale-ms"] or "")
  if s then
    if s > stale_max then stale_max = s end
    stale_sum, stale_n = stale_sum + s, stale_n + 1
  end
  if status >= 200 and status < 300 then nok = nok + 1 else
    nbad = nbad + 1
    if nbad <= 3 then io.stderr:write("read: HTTP " .. status .. ": " .. string.sub(body or "", 1, 200) .. "\n") end
  end
end

function done(summary, latency, requests)
  local q, ok, bad = 0, 0, 0
  local smax, ssum, sn = 0, 0, 0
  local cache_all = {}
  for _, t in ipairs(threads) do
    q = q + (t:get("nreq") or 0)
    ok = ok + (t:get("nok") or 0)
    bad = bad + (t:get("nbad") or 0)
    for k, v in pairs(t:get("cache") or {}) do cache_all[k] = (cache_all[k] or 0) + v end
    smax = math.max(smax, t:get("stale_max") or 0)
    ssum, sn = ssum + (t:get("stale_sum") or 0), sn + (t:get("stale_n") or 0)
  end
  local cs = {}
  for k, v in pairs(cache_all) do cs[#cs + 1] = k .. ":" .. v end
  table.sort(cs)
  io.write(string.format("read requests=%d ok=%d non2xx=%d bytes=%d duration_us=%d p50_us=%d p90_us=%d p99_us=%d " ..
    "max_us=%d errors_connect=%d errors_read=%d errors_write=%d errors_timeout=%d cache=%s " ..
    "stale_max_ms=%d stale_mean_ms=%d\n",
    q, ok, bad, summary.bytes, summary.duration, latency:percentile(50), latency:percentile(90),
    latency:percentile(99), latency.max, summary.errors.connect, summary.errors.read, summary.errors.write,
    summary.errors.timeout, #cs > 0 and table.concat(cs, ",") or "none", smax, sn > 0 and ssum / sn or 0))
end
