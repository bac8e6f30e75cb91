-- connstate: delete a v1 key once its connection exists as a v2 hash.
-- KEYS[1] the v2 hash, KEYS[2] the v1 key. Returns 1 deleted, 0 kept (no v2 hash, or no v1 key).
if redis.call('EXISTS', KEYS[1]) == 0 then
  return 0
end
return redis.call('DEL', KEYS[2])
