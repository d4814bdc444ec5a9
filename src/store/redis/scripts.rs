//! The server-side scripts: each is one atomic check-and-record on one key (or on
//! one hash tag), timed by the server's `TIME`, and leaves a TTL on what it writes.
//!
//! Lua numbers are doubles: every number written back is formatted with `%.0f`
//! (exact below 2^53; Unix milliseconds are below 2^41).

/// The server's clock in Unix milliseconds, as every script reads it.
macro_rules! now_ms {
    () => {
        "local t = redis.call('TIME')\nlocal now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)\n"
    };
}

/// A failure on a counter (a hash: `c` count, `w` window start, `b` blocked until).
/// ARGV: threshold, window ms (-1: consecutive), block kind (0 fixed, 1 doubling),
/// fixed or first ms, max ms, forget-after ms. Returns `{failures, blocked_until}`
/// (0: not blocked). The same arithmetic as the in-memory store's.
pub(super) const FAIL: &str = concat!(
    now_ms!(),
    r"
local v = redis.call('HMGET', KEYS[1], 'c', 'w', 'b')
local count = tonumber(v[1]) or 0
local start = tonumber(v[2]) or now
local blocked = tonumber(v[3]) or 0
local threshold = tonumber(ARGV[1])
local window = tonumber(ARGV[2])
if window >= 0 and now >= start + window and blocked <= now then
  count = 0
  start = now
end
count = count + 1
local failures = count
if count >= threshold then
  local block = tonumber(ARGV[4])
  if ARGV[3] == '1' then
    block = math.min(block * 2 ^ math.min(count - threshold, 63), tonumber(ARGV[5]))
  end
  blocked = math.max(blocked, now + block)
  if window >= 0 then
    count = 0
    start = blocked
  end
end
local forget
if window >= 0 then forget = start + window else forget = now + tonumber(ARGV[6]) end
redis.call('HSET', KEYS[1], 'c', string.format('%.0f', count), 'w', string.format('%.0f', start),
  'b', string.format('%.0f', blocked))
redis.call('PEXPIREAT', KEYS[1], string.format('%.0f', math.max(forget, blocked)))
if blocked <= now then blocked = 0 end
return {failures, blocked}
"
);

/// A GCRA decision (the key holds the theoretical arrival time). ARGV: interval
/// ms, tolerance ms. Returns 0 when allowed, else the milliseconds to wait.
pub(super) const RATE: &str = concat!(
    now_ms!(),
    r"
local tat = tonumber(redis.call('GET', KEYS[1])) or now
if tat < now then tat = now end
local interval = tonumber(ARGV[1])
local after = tat + interval
local allowed_from = after - (interval + tonumber(ARGV[2]))
if now < allowed_from then return allowed_from - now end
local text = string.format('%.0f', after)
redis.call('SET', KEYS[1], text, 'PXAT', text)
return 0
"
);

/// A revocation appended to the feed (a stream), trimming entries older than the
/// retention. ARGV: retention ms, kind (`t` token, `s` subject), id, until (Unix
/// seconds). Returns the entry's id.
///
/// The id is `<ms>-<µs within the ms>` of the server's clock, not `*`: after the
/// stream is lost (a flush, a restart without persistence) a new one starts again
/// from `0-0`, and `*` within the same millisecond would give an id a replica has
/// already passed. When that id is not above the stream's last one (two in one
/// microsecond), Redis's own `*` is used.
pub(super) const REVOKE: &str = concat!(
    now_ms!(),
    r"
local oldest = string.format('%.0f', math.max(now - tonumber(ARGV[1]), 0))
local id = string.format('%.0f-%d', now, tonumber(t[2]) % 1000)
local added = redis.pcall('XADD', KEYS[1], 'MINID', '~', oldest, id, 'k', ARGV[2], 'v', ARGV[3], 'e', ARGV[4])
if type(added) == 'table' and added.err then
  added = redis.call('XADD', KEYS[1], 'MINID', '~', oldest, '*', 'k', ARGV[2], 'v', ARGV[3], 'e', ARGV[4])
end
return added
"
);

/// An API-key record inserted. KEYS: records (id → JSON), by_hash (hash → id),
/// order (ids, oldest first). ARGV: id, hash, JSON, most records. Returns 1, 0 on
/// a duplicate id or hash, -1 when full.
pub(super) const KEY_INSERT: &str = r"
if redis.call('HEXISTS', KEYS[1], ARGV[1]) == 1 or redis.call('HEXISTS', KEYS[2], ARGV[2]) == 1 then
  return 0
end
if redis.call('LLEN', KEYS[3]) >= tonumber(ARGV[4]) then return -1 end
redis.call('HSET', KEYS[1], ARGV[1], ARGV[3])
redis.call('HSET', KEYS[2], ARGV[2], ARGV[1])
redis.call('RPUSH', KEYS[3], ARGV[1])
return 1
";

/// An API-key record found by its hash. KEYS: records, by_hash. ARGV: hash.
pub(super) const KEY_FIND: &str = r"
local id = redis.call('HGET', KEYS[2], ARGV[1])
if not id then return false end
return redis.call('HGET', KEYS[1], id)
";

/// Every API-key record, oldest first. KEYS: records, order.
pub(super) const KEY_LIST: &str = r"
local ids = redis.call('LRANGE', KEYS[2], 0, -1)
if #ids == 0 then return {} end
return redis.call('HMGET', KEYS[1], unpack(ids))
";

/// An API-key record replaced if it still reads as expected (compare and set).
/// KEYS: records, by_hash. ARGV: id, expected JSON, new JSON, old hash, new hash.
/// Returns 1, 0 when the record changed meanwhile (read again), -1 when the new
/// hash belongs to another record.
pub(super) const KEY_UPDATE: &str = r"
if redis.call('HGET', KEYS[1], ARGV[1]) ~= ARGV[2] then return 0 end
if ARGV[4] ~= ARGV[5] then
  if redis.call('HEXISTS', KEYS[2], ARGV[5]) == 1 then return -1 end
  redis.call('HDEL', KEYS[2], ARGV[4])
  redis.call('HSET', KEYS[2], ARGV[5], ARGV[1])
end
redis.call('HSET', KEYS[1], ARGV[1], ARGV[3])
return 1
";
