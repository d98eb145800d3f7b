-- KEYS: the session's patient index (the slot). ARGV[5..]: op (touch|get|put|del), session id, patient id, key,
-- sealed value (put), max keys (put). Answers { state, fields, done (0/1), value ('' when none) }.
local op, sid, pid, k = ARGV[5], ARGV[6], ARGV[7], ARGV[8]
local state, fields = usePatient(sid, pid)
if state ~= 'live' then return { state, fields, 0, '' } end
local dk = pdkey(sid, pid)
if op == 'get' then
  local v = redis.call('HGET', dk, k)
  if v then return { 'live', fields, 1, v } end
  return { 'live', fields, 0, '' }
elseif op == 'put' then
  if redis.call('HEXISTS', dk, k) == 0 and redis.call('HLEN', dk) >= tonumber(ARGV[10]) then
    return { 'limit', fields, 0, '' }
  end
  redis.call('HSET', dk, k, ARGV[9])
  redis.call('PEXPIRE', dk, redis.call('PTTL', pkey(sid, pid)))
  return { 'live', fields, 1, '' }
elseif op == 'del' then
  return { 'live', fields, redis.call('HDEL', dk, k), '' }
end
return { 'live', fields, 0, '' }
