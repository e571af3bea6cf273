-- bench/serve/ingest.lua - the ingest load of bench/serve.sh for wrk: every
-- request POSTs one batch of NEW records, alternately to /v1/tickets and
-- /v1/responses, as CSV (text/csv) with a header row.
--
-- Ids are unique per run, thread and request: X<run>-<thread>-<n> for
-- tickets and Y<run>-<thread>-<n> for responses, n counting up within a
-- thread (all connections of a wrk thread share its Lua state, so the
-- counter is never reused). Rows are valid for the store's checks (the
-- instants in order, known channels and priorities, scores on their scale)
-- and spread over 2024's weeks and the channels, so they change dashboard
-- numbers as real data would.
--
-- Environment: CXM_TOKEN (a token with the ingest scope; read from the
-- environment so it never shows in a process list), SERVE_BATCH (records a
-- request, default 2000), SERVE_RUN (a run tag, default the time).
-- At the end it prints one line for bench/serve.sh:
--   ingest accepted=A rejected=R requests=Q ok=O non2xx=E duration_us=D lat_p50_us=.. lat_p99_us=.. lat_max_us=..
-- with A summed from the server's answers ("accepted": records whose batch
-- committed, durably, before the answer was sent); requests are counted as
-- sent, ok/non2xx as answered. Per-stream counts come from the store.

local token = os.getenv("CXM_TOKEN") or ""
local batch = tonumber(os.getenv("SERVE_BATCH") or "2000") or 2000
local run = os.getenv("SERVE_RUN") or tostring(os.time())

local threads = {}
local next_tid = 0

function setup(thread)
  next_tid = next_tid + 1
  thread:set("tid", next_tid)
  table.insert(threads, thread)
end

local T_HEADER = "ticket_id,created_at,first_response_at,first_resolved_at,resolved_at,closed_at,answered_at," ..
  "channel,agent,team,priority,status,customer_id,reopens,agent_replies,customer_replies,handle_seconds," ..
  "abandoned,complaint,tags\n"
local R_HEADER = "response_id,at,survey,score,ticket_id,channel,agent,comment\n"
local channels = { "email", "chat", "phone", "web", "social" }
local priorities = { "low", "normal", "high", "urgent" }
local teams = { "APAC", "EMEA", "AMER" }
local surveys = { { "nps", 10 }, { "csat", 5 }, { "ces", 7 } }

-- 256 row tails (everything after the id), built once per thread
local t_tails, r_tails = {}, {}

function init(args)
  tid = tid or 1
  seq = 0
  accepted, rejected, nreq, nok, nbad = 0, 0, 0, 0, 0
  for k = 0, 255 do
    local day = 1 + (k * 37) % 360          -- a day of 2024 (Jan 1 + day)
    local month = 1 + math.floor((day - 1) / 30)
    local dom = 1 + (day - 1) % 28
    local d = string.format("2024-%02d-%02d", month, dom)
    local h = k % 14
    local ch = channels[1 + k % #channels]
    t_tails[k] = string.format(
      ",%sT%02d:%02d:00Z,%sT%02d:%02d:00Z,%sT%02d:00:00Z,%sT%02d:00:00Z,,,%s,agent_%03d,%s,%s,closed,C%06d,0,%d,1,%d,false,false,billing",
      d, h, k % 60, d, h + 1, (k * 7) % 60, d, h + 3, d, h + 3, ch, k % 80, teams[1 + k % 3],
      priorities[1 + k % 4], k * 131, 1 + k % 4, 60 + k * 3)
    local s = surveys[1 + k % 3]
    r_tails[k] = string.format(",%sT%02d:%02d:00Z,%s,%d,,%s,agent_%03d,", d, h, k % 60, s[1], 1 + k % s[2], ch, k % 80)
  end
  headers = {
    ["Authorization"] = "Bearer " .. token,
  }
end

function request()
  local tickets = (nreq % 2) == 0
  nreq = nreq + 1
  local rows = {}
  local pfx = (tickets and "X" or "Y") .. run .. "-" .. tid .. "-"
  local tails = tickets and t_tails or r_tails
  for i = 1, batch do
    seq = seq + 1
    rows[i] = pfx .. seq .. tails[seq % 256]
  end
  rows[batch + 1] = ""
  headers["Content-Type"] = "text/csv"
  return wrk.format("POST", tickets and "/v1/tickets" or "/v1/responses", headers,
    (tickets and T_HEADER or R_HEADER) .. table.concat(rows, "\n"))
end

function response(status, hdrs, body)
  if status >= 200 and status < 300 then nok = nok + 1 else nbad = nbad + 1 end
  local a = tonumber(string.match(body or "", '"accepted":(%d+)') or "0")
  local r = tonumber(string.match(body or "", '"rejected":(%d+)') or "0")
  accepted = accepted + a
  rejected = rejected + r
end

function done(summary, latency, requests)
  local a, r, q, ok, bad = 0, 0, 0, 0, 0
  for _, t in ipairs(threads) do
    a = a + (t:get("accepted") or 0)
    r = r + (t:get("rejected") or 0)
    q = q + (t:get("nreq") or 0)
    ok = ok + (t:get("nok") or 0)
    bad = bad + (t:get("nbad") or 0)
  end
  io.write(string.format("ingest accepted=%d rejected=%d requests=%d ok=%d non2xx=%d duration_us=%d " ..
    "lat_p50_us=%d lat_p99_us=%d lat_max_us=%d\n",
    a, r, q, ok, bad, summary.duration, latency:percentile(50), latency:percentile(99), latency.max))
end
