-- wrk script: POST /v1/sessions/validate as an app back-end would, with its API key.
-- Environment: WARD_API_KEY (wak_...) and WARD_TOKENS: one session token (wst_...) or several separated by
-- spaces, used in turn (each wrk thread starts at a different one); or WARD_TOKENS_FILE, a file of tokens one a line
-- (for more than fit in the environment). Used by bench/run-wrk.sh.
dofile("bench/wrk/common.lua")
local key = os.getenv("WARD_API_KEY") or error("set WARD_API_KEY")
local tokens = ward_tokens("WARD_TOKENS")

wrk.method = "POST"
wrk.headers["Authorization"] = "Bearer " .. key
wrk.headers["Content-Type"] = "application/json"

function ward_requests()
  local list = {}
  for i, t in ipairs(tokens) do list[i] = wrk.format(nil, nil, nil, '{"token":"' .. t .. '"}') end
  return list
end
