-- KEYS: the session's record. ARGV[5..]: session id, old hash, new hash, grace until (ms).
-- Compare-and-set on the current token; the old one becomes the previous (accepted until the grace ends, then told
-- apart as superseded), and the one before it keeps a fingerprint in the record, so that it too answers "expired" or
-- "revoked" rather than "invalid" (the last RING replaced tokens are kept so, decision 0044).
local sid, old, new, grace = ARGV[5], ARGV[6], ARGV[7], ARGV[8]
upgrade(sid)
local r = record(KEYS[1], sid)
local o = raw(old)
if not r or r.z or r.h ~= o then return 0 end
local ring = r.ring
if r.prev then ring = string.sub(r.prev, 1, 4) .. ring end
r.ring = string.sub(ring, 1, 4 * (RING - 1))
r.h, r.prev, r.w, r.o, r.q, r.d = raw(new), string.sub(o, 1, 16), tonumber(grace), now, 0, nil
rewrite(KEYS[1], r)
return 1
