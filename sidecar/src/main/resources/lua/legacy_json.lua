-- connstate: render a v2 connection hash as the v1 (legacy) JSON document (DESIGN §4),
-- exactly as SharpMUSH's v1 store wrote it with System.Text.Json's default options:
-- compact, PascalCase, nulls written, strings escaped by the default JavaScriptEncoder,
-- DateTimeOffset as ISO-8601 with trailing fractional zeros trimmed.
--
-- Meant to be concatenated in front of another script's text: everything is local,
-- the one entry point is legacyJson(flat), flat being what HGETALL returns for the hash
-- (field, value, field, value, ...). Fields owner and version are not part of v1.
-- Numbers stay the hash's digit strings (Redis's Lua 5.1 has only doubles; tostring
-- would print 1.7e+12). Metadata keys come out in ascending byte order (not via the
-- locale-aware < of Lua strings: redis-server sets LC_COLLATE from the environment).

-- ASCII bytes escaped by System.Text.Json's default encoder, and how
local LEGACY_ASCII_ESCAPES = {
  [8] = '\\b', [9] = '\\t', [10] = '\\n', [12] = '\\f', [13] = '\\r',
  [34] = '\\u0022', [92] = '\\\\',
  [38] = '\\u0026', [39] = '\\u0027', [43] = '\\u002B', [60] = '\\u003C', [62] = '\\u003E',
  [96] = '\\u0060', [127] = '\\u007F',
}
for b = 0, 31 do
  if not LEGACY_ASCII_ESCAPES[b] then
    LEGACY_ASCII_ESCAPES[b] = string.format('\\u%04X', b)
  end
end

-- decodes the UTF-8 sequence starting at byte i of s: code point and the next index;
-- an invalid or truncated sequence yields U+FFFD for its first byte
local function legacyUtf8At(s, i, n)
  local b = string.byte(s, i)
  local need, cp, min
  if b >= 0xC2 and b <= 0xDF then
    need, cp, min = 1, b - 0xC0, 0x80
  elseif b >= 0xE0 and b <= 0xEF then
    need, cp, min = 2, b - 0xE0, 0x800
  elseif b >= 0xF0 and b <= 0xF4 then
    need, cp, min = 3, b - 0xF0, 0x10000
  else
    return 0xFFFD, i + 1
  end
  if i + need > n then
    return 0xFFFD, i + 1
  end
  for k = 1, need do
    local c = string.byte(s, i + k)
    if c < 0x80 or c > 0xBF then
      return 0xFFFD, i + 1
    end
    cp = cp * 64 + (c - 0x80)
  end
  if cp < min or cp > 0x10FFFF or (cp >= 0xD800 and cp <= 0xDFFF) then
    return 0xFFFD, i + 1
  end
  return cp, i + need + 1
end

-- a JSON string literal, escaped as System.Text.Json's default JavaScriptEncoder does
local function legacyString(s)
  if not string.find(s, '[%z\1-\31"\\&\'+<>`\127-\255]') then
    return '"' .. s .. '"'
  end
  local out, n, i = { '"' }, #s, 1
  while i <= n do
    local j = string.find(s, '[%z\1-\31"\\&\'+<>`\127-\255]', i)
    if not j then
      out[#out + 1] = string.sub(s, i)
      break
    end
    if j > i then
      out[#out + 1] = string.sub(s, i, j - 1)
    end
    local b = string.byte(s, j)
    if b < 128 then
      out[#out + 1] = LEGACY_ASCII_ESCAPES[b]
      i = j + 1
    else
      local cp
      cp, i = legacyUtf8At(s, j, n)
      if cp >= 0x10000 then
        cp = cp - 0x10000
        out[#out + 1] = string.format('\\u%04X\\u%04X', 0xD800 + math.floor(cp / 1024), 0xDC00 + cp % 1024)
      else
        out[#out + 1] = string.format('\\u%04X', cp)
      end
    end
  end
  out[#out + 1] = '"'
  return table.concat(out)
end

local function legacyStringOrNull(s)
  if s == nil then
    return 'null'
  end
  return legacyString(s)
end

-- an integer as JSON: the digit string itself when canonical, else re-printed
local function legacyInteger(s)
  if s == nil then
    return nil
  end
  if string.find(s, '^%-?[1-9]%d*$') or s == '0' then
    return s
  end
  local v = tonumber(s)
  if v == nil or v ~= v or v == math.huge or v == -math.huge then
    return nil
  end
  return string.format('%.0f', v)
end

-- Howard Hinnant's civil_from_days: days since 1970-01-01 -> year, month, day
local function legacyCivilFromDays(z)
  z = z + 719468
  local era = math.floor(z / 146097)
  local doe = z - era * 146097
  local yoe = math.floor((doe - math.floor(doe / 1460) + math.floor(doe / 36524) - math.floor(doe / 146096)) / 365)
  local doy = doe - (365 * yoe + math.floor(yoe / 4) - math.floor(yoe / 100))
  local mp = math.floor((5 * doy + 2) / 153)
  local d = doy - math.floor((153 * mp + 2) / 5) + 1
  local m
  if mp < 10 then
    m = mp + 3
  else
    m = mp - 9
  end
  local y = yoe + era * 400
  if m <= 2 then
    y = y + 1
  end
  return y, m, d
end

-- Unix ms (digit string) -> DateTimeOffset in UTC as System.Text.Json writes it:
-- 2026-02-13T17:16:01.765+00:00, fractional zeros trimmed, no fraction when zero;
-- missing or unreadable -> default(DateTimeOffset)
local function legacyTimestamp(s)
  local ms = s and tonumber(s)
  if ms == nil or ms ~= ms or ms == math.huge or ms == -math.huge then
    return '"0001-01-01T00:00:00+00:00"'
  end
  ms = math.floor(ms)
  local days = math.floor(ms / 86400000)
  local rem = ms - days * 86400000
  local y, m, d = legacyCivilFromDays(days)
  local hh = math.floor(rem / 3600000)
  rem = rem - hh * 3600000
  local mi = math.floor(rem / 60000)
  rem = rem - mi * 60000
  local ss = math.floor(rem / 1000)
  local frac = rem - ss * 1000
  local text = string.format('%04d-%02d-%02dT%02d:%02d:%02d', y, m, d, hh, mi, ss)
  if frac > 0 then
    text = text .. '.' .. string.gsub(string.format('%03d', frac), '0+$', '')
  end
  return '"' .. text .. '+00:00"'
end

-- "#5:1700000000000" -> {"Number":5,"CreationMilliseconds":1700000000000},
-- "#100" -> {"Number":100,"CreationMilliseconds":null}, absent (or unreadable) -> null
local function legacyPlayerRef(ref)
  if ref == nil then
    return 'null'
  end
  local num, created = string.match(ref, '^#(%-?%d+):(%-?%d+)$')
  if not num then
    num = string.match(ref, '^#(%-?%d+)$')
  end
  num = legacyInteger(num)
  if not num then
    return 'null'
  end
  return '{"Number":' .. num .. ',"CreationMilliseconds":' .. (legacyInteger(created) or 'null') .. '}'
end

-- a < b comparing bytes, whatever the locale
local function legacyBytesLess(a, b)
  local n = math.min(#a, #b)
  for i = 1, n do
    local x, y = string.byte(a, i), string.byte(b, i)
    if x ~= y then
      return x < y
    end
  end
  return #a < #b
end

local function legacyJson(flat)
  local f, keys, meta = {}, {}, {}
  for i = 1, #flat, 2 do
    local name, value = flat[i], flat[i + 1]
    if string.sub(name, 1, 5) == 'meta:' then
      local k = string.sub(name, 6)
      keys[#keys + 1] = k
      meta[k] = value
    else
      f[name] = value
    end
  end
  table.sort(keys, legacyBytesLess)
  local pairs_ = {}
  for i, k in ipairs(keys) do
    pairs_[i] = legacyString(k) .. ':' .. legacyString(meta[k])
  end
  return '{"Handle":' .. (legacyInteger(f.handle) or '0')
    .. ',"PlayerRef":' .. legacyPlayerRef(f.playerRef)
    .. ',"State":' .. legacyStringOrNull(f.state)
    .. ',"IpAddress":' .. legacyStringOrNull(f.ipAddress)
    .. ',"Hostname":' .. legacyStringOrNull(f.hostname)
    .. ',"ConnectionType":' .. legacyStringOrNull(f.connectionType)
    .. ',"ConnectedAt":' .. legacyTimestamp(f.connectedAt)
    .. ',"LastSeen":' .. legacyTimestamp(f.lastSeen)
    .. ',"Metadata":{' .. table.concat(pairs_, ',') .. '}}'
end
