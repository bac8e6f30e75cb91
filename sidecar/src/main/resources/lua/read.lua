-- connstate: read connection hashes, each whole only if it is small enough to hold safely
-- (DESIGN §8: a record grown past the limits by hand or by an older version must never stop a start).
-- KEYS the connection hashes. ARGV[1] most fields, ARGV[2] most bytes (as MEMORY USAGE counts them).
-- One element per key: false when there is no hash; when within the bounds, its fields and values
-- as one string, each as its length in bytes, a colon and its bytes; else
-- {OVERSIZED, fields, bytes, field, value, ...} with the fixed fields only (no metadata).
-- The codes and the fixed fields are filled in by the sidecar (store.ScriptCodes, model.Fields).
local OVERSIZED = @OVERSIZED@
local FIXED = @FIXED_FIELDS@
local maxFields, maxBytes = tonumber(ARGV[1]), tonumber(ARGV[2])
local out = {}
for i, key in ipairs(KEYS) do
  local fields = redis.call('HLEN', key)
  if fields == 0 then
    out[i] = false
  else
    local bytes = redis.call('MEMORY', 'USAGE', key, 'SAMPLES', '0') or 0
    if fields <= maxFields and bytes <= maxBytes then
      -- one string per hash, "<bytes>:<field><bytes>:<value>…": the sidecar reads one reply
      -- instead of one per field and value (the startup load's cost was mostly those replies)
      local flat = redis.call('HGETALL', key)
      for j = 1, #flat do
        flat[j] = #flat[j] .. ':' .. flat[j]
      end
      out[i] = table.concat(flat)
    else
      local values = redis.call('HMGET', key, unpack(FIXED))
      local reply = { OVERSIZED, fields, bytes }
      for j, field in ipairs(FIXED) do
        if values[j] then
          reply[#reply + 1] = field
          reply[#reply + 1] = values[j]
        end
      end
      out[i] = reply
    end
  end
end
return out
