-- KEYS: the session's record, its patient index. ARGV[5..]: session id, patient id, idle ms, hard end, break-glass (0/1), max.
-- { 'missing' } when the session is not live; { 'limit' } at max live contexts; else { 'live', new (0/1), fields,
-- replaced an expired one (0/1) }. A new context marks the session (P), so that its validations read the index.
local sid, pid = ARGV[5], ARGV[6]
upgrade(sid)
local r = record(KEYS[1], sid)
if not r or not alive(r) then return { 'missing' } end
local state, fields = usePatient(sid, pid)
if state == 'live' then return { 'live', 0, fields, 0 } end
local live = 0
local index = redis.call('HGETALL', KEYS[2])
for i = 1, #index, 2 do
  if tonumber(index[i + 1]) > now then live = live + 1 end
end
if live >= tonumber(ARGV[10]) then return { 'limit' } end
local hard = tonumber(ARGV[8])
local idle = math.min(now + tonumber(ARGV[7]), hard)
local key = pkey(sid, pid)
redis.call('HSET', key, 'pid', pid, 'opened', int(now), 'seen', int(now), 'idle', int(idle), 'abs', int(hard), 'idle_ms', ARGV[7],
  'n', '1', 'bg', ARGV[9])
redis.call('PEXPIRE', key, idle - now)
redis.call('HSET', KEYS[2], pid, int(idle))
extend(KEYS[2], idle - now)
if not r.P then redis.call('HSET', KEYS[1], 'P', 1) end
return { 'live', 1, redis.call('HGETALL', key), state == 'expired' and 1 or 0 }
