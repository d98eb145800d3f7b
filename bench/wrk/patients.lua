-- wrk script: patient-context calls as a clinician's browser makes them, each session with its own token (Bearer).
-- Environment: WARD_TOKENS (session tokens separated by spaces, used in turn), WARD_METHOD (POST, PUT or GET),
-- WARD_PATH (a path where {p} is replaced by p-1 .. p-WARD_PATIENTS, cycled per session; default 1),
-- WARD_BODY (the request body, optional). Used by bench/patients.sh. Counts answers other than 200/204.
local tokens = {}
for t in string.gmatch(os.getenv("WARD_TOKENS") or "", "[^%s,]+") do
  table.insert(tokens, t)
end
local method = os.getenv("WARD_METHOD") or "GET"
local path = os.getenv("WARD_PATH")
local patients = tonumber(os.getenv("WARD_PATIENTS") or "1")
local payload = os.getenv("WARD_BODY")
if #tokens == 0 or not path then
  error("set WARD_TOKENS and WARD_PATH")
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
  for p = 1, patients do
    for _, t in ipairs(tokens) do
      local headers = { ["Authorization"] = "Bearer " .. t }
      if payload then headers["Content-Type"] = "application/json" end
      table.insert(requests, wrk.format(method, (string.gsub(path, "{p}", "p-" .. p)), headers, payload))
    end
  end
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
  if status == 200 or status == 204 then
    ok = ok + 1
  else
    bad[status] = (bad[status] or 0) + 1
    if first_bad == nil then first_bad = status .. " " .. string.sub(body or "", 1, 300) end
  end
end

function done(summary, latency, requests)
  local total_ok, total_bad, sample = 0, 0, nil
  for _, t in ipairs(threads) do
    total_ok = total_ok + t:get("ok")
    for status, n in pairs(t:get("bad")) do total_bad = total_bad + n end
    sample = sample or t:get("first_bad")
  end
  io.write(string.format("answers 2xx: %d\n", total_ok))
  io.write(string.format("answers other than 2xx: %d\n", total_bad))
  if sample then io.write("  first such answer: " .. sample .. "\n") end
  io.write(string.format("latency percentiles (us): p50 %d, p99 %d, max %d\n",
      latency:percentile(50), latency:percentile(99), latency.max))
end
