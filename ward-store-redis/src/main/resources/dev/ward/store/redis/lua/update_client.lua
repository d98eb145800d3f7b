-- KEYS: the session's record. ARGV[5..]: session id, then ip and user agent as field/value pieces (p, then g, g1, ...
-- or G, G1, ... for its compact form). Never creates a session that is gone.
upgrade(ARGV[5])
local r = record(KEYS[1], ARGV[5])
if not r then return 0 end
for k in pairs(r) do
  if string.match(k, '^[gG]%d*$') then r[k] = nil end
end
for i = 6, #ARGV - 1, 2 do r[ARGV[i]] = ARGV[i + 1] end
rewrite(KEYS[1], r)
return 1
