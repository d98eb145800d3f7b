-- wrk script: POST /v1/sessions/validate as an app back-end would, with its API key.
-- Environment: WARD_API_KEY (wak_...) and WARD_TOKENS: one session token (wst_...) or several separated by
-- spaces, used in turn (each wrk thread starts at a different one); or WARD_TOKENS_FILE, a file of tokens one a line
-- (for more than fit in the environment). Used by bench/run-wrk.sh.
-- Counts answers other than 200 (per status) and socket errors, and prints them in done().
local key = os.getenv("WARD_API_KEY")
local tokens = {}
for t in string.gmatch(os.getenv("WARD_TOKENS") or "", "[^%s,]+") do
  table.insert(tokens, t)
end
local file = os.getenv("WARD_TOKENS_FILE")
if file and file ~= "" then
  for t in io.lines(file) do
    if t ~= "" then table.insert(tokens, t) end
  end
end
if not key or #tokens == 0 then
  error("set WARD_API_KEY and WARD_TOKENS or WARD_TOKENS_FILE")
end

local function body(token) return '{"token":"' .. token .. '"}' end

wrk.method = "POST"
wrk.headers["Authorization"] = "Bearer " .. key
wrk.headers["Content-Type"] = "application/json"
wrk.body = body(tokens[1])

if #tokens > 1 then
  -- Requests built once per thread in init(); with a single token wrk sends its static request.
  function request()
    next_request = next_request % #requests + 1
    return requests[next_request]
  end
end

-- Each wrk thread has its own Lua state: keep counts per thread and add them up in done().
local threads = {}

local started = 0
function setup(thread)
  started = started + 1
  thread:set("thread_id", started)
  table.insert(threads, thread)
end

function init(args)
  requests = {}
  for i, t in ipairs(tokens) do requests[i] = wrk.format(nil, nil, nil, body(t)) end
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
