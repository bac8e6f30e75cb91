-- connstate: take an owner lease with a new epoch (DESIGN §7).
-- KEYS[1] the lease, e.g. sharpmush:lease:{connsrv-1}; KEYS[2] its epoch counter (same slot)
-- ARGV[1] the lease's time to live, ms; ARGV[2] '' to take it whoever holds it (a start: a
-- restarted sidecar replaces its predecessor), else the epoch this sidecar last held: it is
-- taken only if it lapsed or still holds that epoch (another process may hold the id now)
-- Returns {1, epoch} when taken, {0, epoch held by another} when not.
local held = redis.call('GET', KEYS[1])
if ARGV[2] ~= '' and held and held ~= ARGV[2] then
  return { 0, held }
end
local epoch = redis.call('INCR', KEYS[2])
redis.call('SET', KEYS[1], epoch, 'PX', ARGV[1])
return { 1, tostring(epoch) }
