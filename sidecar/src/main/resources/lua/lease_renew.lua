-- connstate: renew an owner lease, only if it still holds this sidecar's epoch (DESIGN §7).
-- KEYS[1] the lease; ARGV[1] its time to live, ms; ARGV[2] the epoch this sidecar holds
-- Returns {1} when renewed, {0, epoch held now or false} when the lease is not this sidecar's.
local held = redis.call('GET', KEYS[1])
if held == ARGV[2] then
  redis.call('PEXPIRE', KEYS[1], ARGV[1])
  return { 1 }
end
return { 0, held or false }
