-- Shared by the wrk scripts of bench/wrk (each loads it with dofile; every bench script runs wrk from the repository
-- root). A script calls ward_tokens(VAR) for its tokens, sets ward_requests(tokens) to build its requests, and may set
-- ACCEPTED (the statuses that count as success, 200 alone by default) and ACCEPTED_NAME ("200", or "2xx").
-- Counts answers other than those (per status) and socket errors per wrk thread and prints the sums in done().

-- The tokens in environment variable VAR, separated by spaces or commas, and those of the file named by VAR_FILE, one a
-- line (for more than fit in the environment); an error if there are none.
function ward_tokens(var)
  local tokens = {}
  for t in string.gmatch(os.getenv(var) or "", "[^%s,]+") do
    table.insert(tokens, t)
  end
  local file = os.getenv(var .. "_FILE")
  if file and file ~= "" then
    for t in io.lines(file) do
      if t ~= "" then table.insert(tokens, t) end
    end
  end
  if #tokens == 0 then error("set " .. var .. " or " .. var .. "_FILE") end
  return tokens
end

ACCEPTED = { [200] = true }
ACCEPTED_NAME = "200"

-- Each wrk thread has its own Lua state: keep counts per thread and add them up in done().
local threads = {}
local started = 0
function setup(thread)
  started = started + 1
  thread:set("thread_id", started)
  table.insert(threads, thread)
end

-- The script's ward_requests() builds the list of raw requests of one thread; they are used in turn, each thread
-- starting at a different one.
function init(args)
  requests = ward_requests()
  next_request = ((thread_id or 1) * 7) % #requests
  ok = 0
  bad = {}
  first_bad = nil
end

function request()
  next_request = next_request % #requests + 1
  return requests[next_request]
end

function response(status, headers, body)
  if ACCEPTED[status] then
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
  io.write(string.format("answers %s: %d\n", ACCEPTED_NAME, total_ok))
  io.write(string.format("answers other than %s: %d\n", ACCEPTED_NAME, total_bad))
  for status, n in pairs(by_status) do
    io.write(string.format("  status %d: %d\n", status, n))
  end
  if sample then io.write("  first such answer: " .. sample .. "\n") end
  io.write(string.format("socket errors: connect %d, read %d, write %d, timeout %d\n", e.connect, e.read, e.write, e.timeout))
  io.write(string.format("latency percentiles (us): p50 %d, p90 %d, p99 %d, p99.9 %d, max %d\n",
      latency:percentile(50), latency:percentile(90), latency:percentile(99), latency:percentile(99.9), latency.max))
end
