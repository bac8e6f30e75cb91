-- connstate v2: one change to one connection, atomically (DESIGN §4, §7).
-- Sets/removes hash fields, increments `version`, refreshes the expiry, keeps the index sets
-- (unless INDEX is false: Redis Cluster forbids cross-slot keys, so the sidecar updates them
-- itself) and publishes the change event carrying the new version.
--
-- Called one of two ways. One change to one connection:
-- KEYS[1] the connection hash, e.g. sharpmush:conn:{42}
-- KEYS[2] (LEASES, x of a dead owner) that owner's lease
-- (the sender's own lease, OWN_LEASE, is filled in rather than sent with every change: 35 bytes a call)
-- ARGV[1] op, time and epoch in one argument (two fewer to frame on every call): "<op><at>:<epoch>",
--   e.g. "m1770999400000:3", unpacked below into
-- ARGV[1] op: r register | b bind | u unbind | m metadata update | t touch | d disconnect | x expire
-- ARGV[2] time of the change, Unix ms
-- ARGV[3] the sender's lease epoch ('' without leases)
-- r: field, value, ...      (every field but handle, version, lastSeen)
-- b: playerRef
-- m: n, key1, value1, ... keyN, valueN, removedKey, ...   (metadata keys, without meta:)
-- t: as m (n and what follows may be left out), and LastConnectionSignal set to the change's
--    time, ARGV[2]: derived here rather than sent twice (DESIGN §4)
-- d: [reason]
-- x: owner, session ('' for any), reason — only if the connection still has that owner (and
--    session), and, for a dead owner's connection (KEYS[2]), only while that owner has no lease
-- Returns {APPLIED, version}, {UNCHANGED, version}, {NO_CONNECTION}, {CONFLICT, boundRef},
-- {FENCED, lease} when the sender's lease does not hold its epoch (nothing was changed);
-- r returns {OWNER_UNLEASED} for a new connection whose owner (not the sender) holds no lease;
-- r returns {UNCHANGED, HGETALL} when the connection exists, {EXISTS_AS_V1} when it exists
-- only as a v1 record (convert it, then register again); b, u, d and x also return the previous
-- playerRef (false if none) third, d and x its owner fourth.
-- Or, outside Redis Cluster, write-behind changes (m and t) of several connections in one call,
-- each still applied, versioned and published on its own (DESIGN §4: one slot allows it):
-- KEYS[1..n] the connection hashes
-- ARGV[1] "*<base>:<epoch>": the earliest change time of the batch, Unix ms, and the lease epoch
-- then per key, in order: "<op><at - base>" or "<op><at - base>:<count>" followed by count
--   arguments as for m or t above (n, key1, value1, ..., removedKey, ...)
-- Returns {code1, version1, code2, version2, ...}: APPLIED and the new version, or
-- NO_CONNECTION and 0; {FENCED, lease} as above for the whole call.
-- The codes are store.ScriptCodes, filled in by the sidecar.
-- Key names are not spelled here: store.RedisKeys fills in the patterns (…_HEAD, …_TAIL).
-- This copy belongs to shard @SHARD@. Each shard's text (so its SHA) differs, so only that
-- shard's own SCRIPT LOAD can load it, and its NOSCRIPT barrier keeps its writes in order.
local APPLIED, UNCHANGED, NO_CONNECTION, CONFLICT, EXISTS_AS_V1, FENCED, OWNER_UNLEASED =
  @APPLIED@, @UNCHANGED@, @NO_CONNECTION@, @CONFLICT@, @EXISTS_AS_V1@, @FENCED@, @OWNER_UNLEASED@
local CONNECTION_HEAD, CONNECTION_TAIL = @CONNECTION_HEAD@, @CONNECTION_TAIL@
local TOMBSTONE_SUFFIX = @TOMBSTONE_SUFFIX@
-- Redis Cluster: how long the player an unbind or a disconnect removed is remembered, so that a
-- retry (its first attempt answered 503 before the sidecar cleaned the player's set) can clean it
local TOMBSTONE_MS = 300000
local PLAYER_HEAD, PLAYER_TAIL = @PLAYER_HEAD@, @PLAYER_TAIL@
local ACTIVE_KEY = @ACTIVE_KEY@
local OWNERS_KEY, OWNER_HEAD, OWNER_TAIL = @OWNERS_KEY@, @OWNER_HEAD@, @OWNER_TAIL@
local LEASE_HEAD, LEASE_TAIL = @LEASE_HEAD@, @LEASE_TAIL@
local CHANNEL = @EVENTS_CHANNEL@
-- the instance id, and as a JSON string, quotes included
local ORIGIN, ORIGIN_JSON = @ORIGIN@, @ORIGIN_JSON@
local TTL = @TTL@
local INDEX = @INDEX@
-- LEGACY: v1 keys may exist (read fallback: not in Redis Cluster). DUAL: keep the v1 key current.
local LEGACY = @LEGACY@
local DUAL = @DUAL@
-- LEASES: fence every change with the sender's lease (OWN_LEASE); OWNERS: keep the owner index
-- here (leases on, outside Redis Cluster)
local LEASES = @LEASES@
local OWNERS = @OWNERS@
local OWN_LEASE = @OWN_LEASE@
local LAST_SIGNAL = 'meta:' .. @LAST_SIGNAL@

-- the change being applied: its connection's key, handle and v1 key, its op and time
local key, handle, legacyKey, op, at, epoch, base
local NUMERIC = { connectedAt = true }

local function target(k)
  key = k
  handle = string.sub(key, #CONNECTION_HEAD + 1, #key - #CONNECTION_TAIL)
  legacyKey = @LEGACY_HEAD@ .. handle
end

local batch = string.sub(ARGV[1], 1, 1) == '*'
if batch then
  local head = ARGV[1]
  local colon = string.find(head, ':', 3, true)
  base = tonumber(string.sub(head, 2, colon - 1))
  epoch = string.sub(head, colon + 1)
else
  local head = ARGV[1]
  local colon = string.find(head, ':', 2, true)
  ARGV[1] = string.sub(head, 1, 1)
  table.insert(ARGV, 2, string.sub(head, 2, colon - 1))
  table.insert(ARGV, 3, string.sub(head, colon + 1))
  op, at, epoch = ARGV[1], ARGV[2], ARGV[3]
  target(KEYS[1])
end

-- a sender whose lease lapsed, or was taken by another process with its id, never writes
if LEASES then
  local lease = redis.call('GET', OWN_LEASE)
  if lease ~= epoch then
    return { FENCED, lease or false }
  end
end

local function publish(kind, version, changes)
  redis.call('PUBLISH', CHANNEL, '{"type":"' .. kind .. '","handle":' .. handle .. ',"version":' .. version ..
    ',"changes":' .. changes .. ',"origin":' .. ORIGIN_JSON .. ',"at":' .. at .. '}')
end

local function playerKey(ref)
  return PLAYER_HEAD .. ref .. PLAYER_TAIL
end

local function ownerKey(owner)
  return OWNER_HEAD .. owner .. OWNER_TAIL
end

local function listOwner(owner)
  if OWNERS and owner then
    redis.call('SADD', OWNERS_KEY, owner)
    redis.call('SADD', ownerKey(owner), handle)
  end
end

-- the owners set lists exactly the owners that have connections
local function unlistOwner(owner)
  if OWNERS and owner then
    redis.call('SREM', ownerKey(owner), handle)
    if redis.call('SCARD', ownerKey(owner)) == 0 then
      redis.call('SREM', OWNERS_KEY, owner)
    end
  end
end

-- the event's "changes": plain fields on top, meta:<K> under "metadata", removals as null
local function changesJson(sets, dels)
  local top, meta = {}, {}
  for i = 1, #sets, 2 do
    local f, v = sets[i], sets[i + 1]
    if string.sub(f, 1, 5) == 'meta:' then
      meta[#meta + 1] = cjson.encode(string.sub(f, 6)) .. ':' .. cjson.encode(v)
    elseif NUMERIC[f] then
      top[#top + 1] = '"' .. f .. '":' .. v
    else
      top[#top + 1] = '"' .. f .. '":' .. cjson.encode(v)
    end
  end
  for _, f in ipairs(dels) do
    if string.sub(f, 1, 5) == 'meta:' then
      meta[#meta + 1] = cjson.encode(string.sub(f, 6)) .. ':null'
    else
      top[#top + 1] = '"' .. f .. '":null'
    end
  end
  if #meta > 0 then
    top[#top + 1] = '"metadata":{' .. table.concat(meta, ',') .. '}'
  end
  return '{' .. table.concat(top, ',') .. '}'
end

-- dual mode: the v1 document of the hash as it is now (legacyJson comes from legacy_json.lua)
local function mirror()
  if DUAL then
    redis.call('SET', legacyKey, legacyJson(redis.call('HGETALL', key)), 'PX', TTL)
  end
end

-- lastSeen never goes backwards (DESIGN §3): two sidecars' changes may reach Redis in another
-- order than they were made, so the later time is kept, and published as the event's `at`
local function keepLater()
  local seen = redis.call('HGET', key, 'lastSeen')
  if seen and tonumber(seen) > tonumber(at) then
    at = seen
  end
end

-- a change that finds its connection already there puts it back in the index sets, in case an
-- earlier attempt whose answer was lost left them behind (Redis Cluster: the sidecar does this),
-- and refreshes the expiry: a write, so that a WAIT after it also covers that earlier attempt
local function reindex(bound)
  redis.call('PEXPIRE', key, TTL)
  if INDEX then
    redis.call('SADD', ACTIVE_KEY, handle)
    if bound then
      redis.call('SADD', playerKey(bound), handle)
    end
  end
  listOwner(redis.call('HGET', key, 'owner'))
end

-- store a change: fields, lastSeen, version + 1, expiry; returns the new version
local function store(sets, dels)
  keepLater()
  redis.call('HSET', key, 'lastSeen', at, unpack(sets))
  if #dels > 0 then
    redis.call('HDEL', key, unpack(dels))
  end
  local version = redis.call('HINCRBY', key, 'version', 1)
  redis.call('PEXPIRE', key, TTL)
  return version
end

-- m and t: args[first] is n, then n keys and values, then removed keys, up to args[last]
-- (first > last: none); returns the new version
local function metadata(args, first, last)
  local n = first <= last and tonumber(args[first]) or 0
  local sets, dels = {}, {}
  if op == 't' then
    -- the change's own time as sent, not the later lastSeen keepLater may adopt
    sets[1], sets[2] = LAST_SIGNAL, at
  end
  for i = first + 1, first + 2 * n, 2 do
    sets[#sets + 1] = 'meta:' .. args[i]
    sets[#sets + 1] = args[i + 1]
  end
  for i = first + 1 + 2 * n, last do
    dels[#dels + 1] = 'meta:' .. args[i]
  end
  local changes = changesJson(sets, dels)
  local version = store(sets, dels)
  mirror()
  publish('updated', version, changes)
  return version
end

if batch then
  local out, i = {}, 2
  for k = 1, #KEYS do
    target(KEYS[k])
    local head = ARGV[i]
    local colon = string.find(head, ':', 2, true)
    local count = colon and tonumber(string.sub(head, colon + 1)) or 0
    op = string.sub(head, 1, 1)
    -- %.14g: exact for every time before the year 5138
    at = tostring(base + tonumber(string.sub(head, 2, colon and colon - 1 or #head)))
    if op ~= 'm' and op ~= 't' then
      return redis.error_reply('connstate: op ' .. op .. ' cannot be batched')
    end
    local code, version = NO_CONNECTION, 0
    if redis.call('EXISTS', key) == 1 then
      code, version = APPLIED, metadata(ARGV, i + 1, i + count)
    end
    out[#out + 1] = code
    out[#out + 1] = version
    i = i + 1 + count
  end
  return out
end

if op == 'r' then
  if redis.call('EXISTS', key) == 1 then
    reindex(redis.call('HGET', key, 'playerRef'))
    return { UNCHANGED, redis.call('HGETALL', key) }
  end
  if LEGACY and redis.call('EXISTS', legacyKey) == 1 then
    -- it exists as a v1 record: the caller converts it first, then registers again
    return { EXISTS_AS_V1 }
  end
  local sets, owner = {}, false
  for i = 4, #ARGV, 2 do
    sets[#sets + 1] = ARGV[i]
    sets[#sets + 1] = ARGV[i + 1]
    if ARGV[i] == 'owner' then
      owner = ARGV[i + 1]
    end
  end
  if OWNERS and owner and owner ~= ORIGIN and redis.call('EXISTS', LEASE_HEAD .. owner .. LEASE_TAIL) == 0 then
    -- an owner no sidecar leases is dead already: its connection would be expired at the next reap
    return { OWNER_UNLEASED }
  end
  local changes = changesJson(sets, {})
  redis.call('HSET', key, 'handle', handle, 'version', 1, 'lastSeen', at, unpack(sets))
  redis.call('PEXPIRE', key, TTL)
  if INDEX then
    redis.call('SADD', ACTIVE_KEY, handle)
  end
  listOwner(owner)
  mirror()
  publish('registered', 1, changes)
  return { APPLIED, 1 }
end

-- removes the connection and its index entries and publishes `kind`; returns the script's reply
local function remove(kind, reason)
  local fields = redis.call('HMGET', key, 'playerRef', 'version', 'owner')
  local bound, owner = fields[1], fields[3]
  local version = tonumber(fields[2] or '0') + 1
  redis.call('DEL', key)
  if not INDEX and bound then
    redis.call('SET', key .. TOMBSTONE_SUFFIX, bound, 'PX', TOMBSTONE_MS)
  end
  if LEGACY then
    -- a v1 key left from before the conversion must not bring the connection back
    redis.call('DEL', legacyKey)
  end
  if INDEX then
    redis.call('SREM', ACTIVE_KEY, handle)
    if bound then
      redis.call('SREM', playerKey(bound), handle)
    end
  end
  unlistOwner(owner)
  local changes = '{}'
  if reason then
    changes = '{"reason":' .. cjson.encode(reason) .. '}'
  end
  publish(kind, version, changes)
  return { APPLIED, version, bound, owner or false }
end

if op == 'd' then
  if redis.call('EXISTS', key) == 0 then
    -- a connection that exists only as a v1 record is disconnected by removing that record
    if LEGACY and redis.call('DEL', legacyKey) == 1 then
      redis.call('SREM', ACTIVE_KEY, handle)
      publish('disconnected', 1, ARGV[4] and ('{"reason":' .. cjson.encode(ARGV[4]) .. '}') or '{}')
      return { APPLIED, 1, false, false }
    end
    if INDEX then
      -- an earlier attempt may have removed the hash and not the index entry
      redis.call('SREM', ACTIVE_KEY, handle)
      return { UNCHANGED, 0 }
    end
    -- Redis Cluster: the sidecar removes the index entries; the player comes from the tombstone
    return { UNCHANGED, 0, redis.call('GET', key .. TOMBSTONE_SUFFIX) or false }
  end
  return remove('disconnected', ARGV[4])
end

if op == 'x' then
  local owner, session, reason = ARGV[4], ARGV[5], ARGV[6]
  if redis.call('EXISTS', key) == 0 then
    -- gone already (disconnected, expired by another sidecar, or its hash expired): the owner
    -- index may still list it
    unlistOwner(owner)
    return { NO_CONNECTION }
  end
  local fields = redis.call('HMGET', key, 'owner', 'session', 'version')
  local version = tonumber(fields[3] or '0')
  if fields[1] ~= owner or (session ~= '' and fields[2] ~= session) then
    -- registered again since, by another owner or session: not this owner's connection any more
    if fields[1] ~= owner then
      unlistOwner(owner)
    end
    return { UNCHANGED, version }
  end
  if KEYS[2] and redis.call('EXISTS', KEYS[2]) == 1 then
    -- the owner took a lease again (a restart): its connections live on
    return { UNCHANGED, version }
  end
  return remove('expired', reason)
end

if redis.call('EXISTS', key) == 0 then
  return { NO_CONNECTION }
end

if op == 'm' or op == 't' then
  return { APPLIED, metadata(ARGV, 4, #ARGV) }
end

if op == 'b' then
  local ref = ARGV[4]
  local bound = redis.call('HGET', key, 'playerRef')
  if bound == ref then
    reindex(bound)
    return { UNCHANGED, tonumber(redis.call('HGET', key, 'version')), bound }
  end
  if bound then
    return { CONFLICT, bound }
  end
  local version = store({ 'state', 'LoggedIn', 'playerRef', ref }, {})
  mirror()
  if INDEX then
    redis.call('SADD', playerKey(ref), handle)
  end
  publish('bound', version, '{"state":"LoggedIn","playerRef":' .. cjson.encode(ref) .. '}')
  return { APPLIED, version, false }
end

if op == 'u' then
  local bound = redis.call('HGET', key, 'playerRef')
  if not bound then
    reindex(false)
    -- Redis Cluster: an earlier attempt may have unbound it and not cleaned the player's set
    local unbound = not INDEX and redis.call('GET', key .. TOMBSTONE_SUFFIX) or false
    return { UNCHANGED, tonumber(redis.call('HGET', key, 'version')), unbound }
  end
  if not INDEX then
    redis.call('SET', key .. TOMBSTONE_SUFFIX, bound, 'PX', TOMBSTONE_MS)
  end
  local version = store({ 'state', 'Connected' }, { 'playerRef' })
  mirror()
  if INDEX then
    redis.call('SREM', playerKey(bound), handle)
  end
  publish('unbound', version, '{"state":"Connected","playerRef":null}')
  return { APPLIED, version, bound }
end

return redis.error_reply('connstate: unknown op ' .. tostring(op))
