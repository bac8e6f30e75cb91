-- connstate: convert one v1 record (JSON string) to the v2 hash, atomically.
-- KEYS[1] the v2 hash, KEYS[2] the v1 key, KEYS[3] the active set
-- ARGV[1] the v1 JSON the caller read and converted; ARGV[2] expiry in ms; ARGV[3] handle;
-- ARGV[4..] the hash fields, as field, value, ...
-- Returns CONVERTED, ALREADY_CONVERTED (a v2 hash exists: left alone), or V1_CHANGED (the v1
-- record changed or vanished since it was read: nothing written, read it again); the codes are
-- store.ScriptCodes, filled in by the sidecar.
if redis.call('EXISTS', KEYS[1]) == 1 then
  return @ALREADY_CONVERTED@
end
if redis.call('GET', KEYS[2]) ~= ARGV[1] then
  return @V1_CHANGED@
end
local fields = {}
for i = 4, #ARGV do
  fields[#fields + 1] = ARGV[i]
end
redis.call('HSET', KEYS[1], unpack(fields))
redis.call('PEXPIRE', KEYS[1], ARGV[2])
redis.call('SADD', KEYS[3], ARGV[3])
return @CONVERTED@
