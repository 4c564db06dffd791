-- oracle_log_analytics uploads only the string `log` of each record (a record without one crashes
-- the flush). This filter makes `log` the whole record as one JSON object, so Logging Analytics
-- receives level, service, trace_id, log_type and the Kubernetes metadata, and parses them with a
-- JSON parser. Fluent Bit's Lua has no JSON library, hence the small encoder.

local MAX_DEPTH = 32

local ESCAPES = {
  ['"'] = '\\"', ['\\'] = '\\\\', ['\b'] = '\\b', ['\f'] = '\\f',
  ['\n'] = '\\n', ['\r'] = '\\r', ['\t'] = '\\t',
}

local function escape_char(c)
  return ESCAPES[c] or string.format('\\u%04x', string.byte(c))
end

local function encode_string(s)
  return '"' .. string.gsub(s, '[%c"\\]', escape_char) .. '"'
end

local function encode_number(n)
  if n ~= n or n == math.huge or n == -math.huge then
    return 'null'
  end
  if n == math.floor(n) and math.abs(n) < 2 ^ 53 then
    return string.format('%d', n)
  end
  return string.format('%.17g', n)
end

-- A msgpack array arrives as a table with keys 1..n; anything else is an object.
local function array_length(t)
  local n = 0
  for _ in pairs(t) do
    n = n + 1
  end
  if n == 0 then
    return nil
  end
  for i = 1, n do
    if t[i] == nil then
      return nil
    end
  end
  return n
end

local encode_value

local function encode_table(t, depth)
  if depth > MAX_DEPTH then
    return encode_string('[nested deeper than ' .. MAX_DEPTH .. ' levels]')
  end
  local parts = {}
  local n = array_length(t)
  if n then
    for i = 1, n do
      parts[i] = encode_value(t[i], depth + 1)
    end
    return '[' .. table.concat(parts, ',') .. ']'
  end
  local keys = {}
  for k in pairs(t) do
    keys[#keys + 1] = tostring(k)
  end
  table.sort(keys)
  for i, k in ipairs(keys) do
    local v = t[k]
    if v == nil then
      v = t[tonumber(k)]
    end
    parts[i] = encode_string(k) .. ':' .. encode_value(v, depth + 1)
  end
  return '{' .. table.concat(parts, ',') .. '}'
end

encode_value = function(v, depth)
  local kind = type(v)
  if kind == 'string' then
    return encode_string(v)
  elseif kind == 'number' then
    return encode_number(v)
  elseif kind == 'boolean' then
    return tostring(v)
  elseif kind == 'table' then
    return encode_table(v, depth)
  end
  return 'null'
end

local function rfc3339(timestamp)
  local seconds = math.floor(timestamp)
  local millis = math.min(999, math.floor((timestamp - seconds) * 1000 + 0.5))
  return os.date('!%Y-%m-%dT%H:%M:%S', seconds) .. string.format('.%03dZ', millis)
end

function record_as_log(tag, timestamp, record)
  local ok, encoded = pcall(function()
    local copy = {}
    for k, v in pairs(record) do
      copy[k] = v
    end
    copy.event_time = rfc3339(timestamp)
    return encode_table(copy, 1)
  end)
  if not ok then
    encoded = '{"encoding_error":' .. encode_string(tostring(encoded)) .. '}'
  end
  -- 2: replace the record, keep its timestamp.
  return 2, timestamp, { log = encoded }
end
