-- wrk script: GET /me of the Spring Session peer (bench/peers/spring-session), the session named by the
-- X-Auth-Token header, as bench/wrk/validate.lua does for Ward's POST /v1/sessions/validate.
-- Environment: PEER_TOKENS: session ids separated by spaces, used in turn (each wrk thread starts at a different
-- one). Counts answers other than 200 (per status) and socket errors, and prints them in done(). Used by bench/peers.sh.
local tokens = {}
for t in string.gmatch(os.getenv("PEER_TOKENS") or "", "[^%s,]+") do
  table.insert(tokens, t)
end
if #tokens == 0 then
  error("set PEER_TOKENS")
end

wrk.method = "GET"
wrk.headers["X-Auth-Token"] = tokens[1]

function request()
  next_request = next_request % #requests + 1
  return requests[next_request]
end

local threads = {}
local started = 0
function setup(thread)
  started = started + 1
  thread:set("thread_id", started)
  table.insert(threads, thread)
end

function init(args)
  requests = {}
  for i, t in ipairs(tokens) do requests[i] = wrk.format(nil, nil, {["X-Auth-Token"] = t}, nil) end
  next_request = ((thread_id or 1) * 7) % #tokens
  ok = 0
  bad = {}
  first_bad = nil
end

function response(status, headers, body)
  if status == 200 then
    ok = ok + 1
  else
    bad[status] = (bad[status] or 0) + 1
    if first_bad == nil then first_bad = status .. " " .. string.sub(body or "", 1, 300) end
  end
end

function done(summary, latency, requests)
  local total_ok, total_bad, by_status, sample = 0, 0, {}, nil
  for _, t in ipairs(threads) do
    total_ok = total_ok + t:get("ok")
    for status, n in pairs(t:get("bad")) do
      by_status[status] = (by_status[status] or 0) + n
      total_bad = total_bad + n
    end
    sample = sample or t:get("first_bad")
  end
  local e = summary.errors
  io.write(string.format("answers 200: %d\n", total_ok))
  io.write(string.format("answers other than 200: %d\n", total_bad))
  for status, n in pairs(by_status) do
    io.write(string.format("  status %d: %d\n", status, n))
  end
  if sample then io.write("  first such answer: " .. sample .. "\n") end
  io.write(string.format("socket errors: connect %d, read %d, write %d, timeout %d\n", e.connect, e.read, e.write, e.timeout))
  io.write(string.format("latency percentiles (us): p50 %d, p90 %d, p99 %d, p99.9 %d, max %d\n",
      latency:percentile(50), latency:percentile(90), latency:percentile(99), latency:percentile(99.9), latency.max))
end
