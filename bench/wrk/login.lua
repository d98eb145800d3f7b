-- wrk script: POST /v1/auth/login as an app back-end makes it for its users, with its API key and the user's address.
-- Environment: WARD_API_KEY (wak_...), WARD_TENANT, WARD_USERNAME, WARD_PASSWORD (a right password: each request is
-- one Argon2id verification and a new session). Used by bench/patients.sh (COMPARE=login).
dofile("bench/wrk/common.lua")
local key = os.getenv("WARD_API_KEY") or error("set WARD_API_KEY")
local body = string.format('{"tenant":"%s","username":"%s","password":"%s","client":{"ip":"203.0.113.7","user_agent":"Firefox"}}',
  os.getenv("WARD_TENANT") or error("set WARD_TENANT"), os.getenv("WARD_USERNAME") or error("set WARD_USERNAME"),
  os.getenv("WARD_PASSWORD") or error("set WARD_PASSWORD"))

wrk.method = "POST"
wrk.headers["Authorization"] = "Bearer " .. key
wrk.headers["Content-Type"] = "application/json"

function ward_requests()
  return { wrk.format(nil, nil, nil, body) }
end
