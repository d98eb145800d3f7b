-- KEYS: the session's record (or, for a token of the earlier format, its pointer). ARGV[5..]: session id ('' for a token
-- of the earlier format), token hash (hex). The tenant of the session the token belongs to (any of its tokens, live
-- or not), changing nothing; false when it is nobody's. Checked as touch checks it, with the same commands either way.
local sid, hash = ARGV[5], ARGV[6]
local h = raw(hash)
if sid == '' then
  sid = redis.call('GET', P .. 't' .. TAG .. string.sub(hash, 1, 32)) or redis.call('GET', okey(hash))
  if not sid then return false end
  upgrade(sid)
  return redis.call('HGET', rkey(kOf(sid)), 't')
end
local key = KEYS[1]
local both = redis.call('HGET', key, 'h') or ''
if string.sub(both, 1, 32) ~= h then
  if not mentions(both, h) then
    if redis.call('GET', okey(hash)) ~= sid then return false end
  else
    local r = record(key, sid)
    if not r or (r.prev ~= string.sub(h, 1, 16) and not inRing(r.ring, h)) then return false end
  end
end
return redis.call('HGET', key, 't')
