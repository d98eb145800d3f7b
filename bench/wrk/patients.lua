-- wrk script: patient-context calls as a clinician's browser makes them, each session with its own token (Bearer).
-- Environment: WARD_TOKENS (session tokens separated by spaces, used in turn), WARD_METHOD (POST, PUT or GET),
-- WARD_PATH (a path where {p} is replaced by p-1 .. p-WARD_PATIENTS, cycled per session; default 1),
-- WARD_BODY (the request body, optional). Used by bench/patients.sh. Counts answers other than 200/204.
dofile("bench/wrk/common.lua")
local tokens = ward_tokens("WARD_TOKENS")
local method = os.getenv("WARD_METHOD") or "GET"
local path = os.getenv("WARD_PATH") or error("set WARD_PATH")
local patients = tonumber(os.getenv("WARD_PATIENTS") or "1")
local payload = os.getenv("WARD_BODY")
ACCEPTED = { [200] = true, [204] = true }
ACCEPTED_NAME = "2xx"

function ward_requests()
  local list = {}
  for p = 1, patients do
    for _, t in ipairs(tokens) do
      local headers = { ["Authorization"] = "Bearer " .. t }
      if payload then headers["Content-Type"] = "application/json" end
      table.insert(list, wrk.format(method, (string.gsub(path, "{p}", "p-" .. p)), headers, payload))
    end
  end
  return list
end
