-- KEYS: the session's patient index. ARGV[5..]: session id. Answers { live contexts' fields, expired patient ids },
-- removing the expired ones (and those whose TTL already ran out) with their data.
local sid = ARGV[5]
local live, expired = {}, {}
local index = redis.call('HGETALL', KEYS[1])
for i = 1, #index, 2 do
  local pid = index[i]
  local c, fields = context(pkey(sid, pid))
  if c and tonumber(c.idle) > now and tonumber(c.abs) > now then
    live[#live + 1] = fields
  else
    redis.call('DEL', pkey(sid, pid), pdkey(sid, pid))
    redis.call('HDEL', KEYS[1], pid)
    expired[#expired + 1] = pid
  end
end
return { live, expired }
