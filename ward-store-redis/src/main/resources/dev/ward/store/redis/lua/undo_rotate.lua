-- KEYS: the session's record. ARGV[5..]: session id, old hash, new hash.
-- Takes back a rotation whose new token never reached its holder: only while the new token is still the current
-- one (nobody can have used it), the old one becomes current again and the new one is forgotten.
local sid, old, new = ARGV[5], ARGV[6], ARGV[7]
local r = record(KEYS[1], sid)
if not r or r.h ~= raw(new) or r.prev ~= string.sub(raw(old), 1, 16) then return 0 end
r.h, r.prev, r.w = raw(old), nil, nil
rewrite(KEYS[1], r)
return 1
