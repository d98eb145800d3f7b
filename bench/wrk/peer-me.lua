-- wrk script: GET /me of the Spring Session peer (bench/peers/spring-session), the session named by the
-- X-Auth-Token header, as bench/wrk/validate.lua does for Ward's POST /v1/sessions/validate.
-- Environment: PEER_TOKENS: session ids separated by spaces, used in turn (each wrk thread starts at a different
-- one). Used by bench/peers.sh.
dofile("bench/wrk/common.lua")
local tokens = ward_tokens("PEER_TOKENS")

wrk.method = "GET"

function ward_requests()
  local list = {}
  for i, t in ipairs(tokens) do list[i] = wrk.format(nil, nil, { ["X-Auth-Token"] = t }, nil) end
  return list
end
