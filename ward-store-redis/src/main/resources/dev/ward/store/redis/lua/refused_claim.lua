-- KEYS: the refusal. ARGV[5..]: the claimant, the time (ms) before which a claim is stale.
-- Compare-and-set: of two nodes claiming one refusal, one wins; a refusal forgotten meanwhile is nobody's.
if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
local at = tonumber(redis.call('HGET', KEYS[1], 'claimed_at'))
if at and at >= tonumber(ARGV[6]) then return 0 end
redis.call('HSET', KEYS[1], 'claimed_by', ARGV[5], 'claimed_at', now)
return 1
