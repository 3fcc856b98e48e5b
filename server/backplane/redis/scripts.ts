/**
 * Lua for every read-modify-write of the Redis backplane: each runs atomically, so two nodes
 * racing can never double-offer a consultation or fill a lawyer past capacity.
 *
 * Every script takes KEYS[1] = the key prefix with its hash tag, `{<prefix>}`, and builds its
 * keys from it. All keys of one deployment share that tag, so they live in one slot and every
 * script runs unchanged on Redis Cluster. Keys under the prefix:
 *   :L            hash   lawyerId -> presence JSON
 *   :leases       zset   lawyerId -> lease expiry (ms)
 *   :b:<cat>|<p>  set    lawyers on duty for category <cat> whose region starts with <p>
 *   :h:<lawyerId> set    consultations the lawyer holds (on duty or not)
 *   :q            zset   consultationId -> service order (priority first, then FIFO)
 *   :e            hash   consultationId -> queue entry JSON
 *   :o            hash   consultationId -> offer JSON
 *   :ox           zset   consultationId -> offer expiry (ms)
 *   :fc           string counter for front-of-queue entries
 *   :c:<lawyerId> string "<until>|<consultationId>" of the lawyer's one call (expires on its own)
 *   :lead:<role>  string the node holding the role (expires on its own)
 *   :as:<lawyerId> hash  "<assistantId>|<nodeId>" -> seat held until (ms)
 *   :dv:<lawyerId> hash  nodeId -> a device of the lawyer connected there, until (ms)
 * cjson encodes an empty array as {}: the TypeScript side restores arrays on decode.
 */

const PRELUDE = `
local P = KEYS[1]
local function k(name) return P .. ':' .. name end
local function getL(id)
  local raw = redis.call('HGET', k('L'), id)
  if not raw then return nil end
  return cjson.decode(raw)
end
local function putL(p) redis.call('HSET', k('L'), p.lawyerId, cjson.encode(p)) end
local DIGITS = {4, 2, 0}
local function bucketKeys(p)
  local keys = {}
  for _, c in ipairs(p.categories) do
    for _, d in ipairs(DIGITS) do keys[#keys + 1] = k('b:' .. c .. '|' .. string.sub(p.region, 1, d)) end
  end
  return keys
end
local function index(p) for _, key in ipairs(bucketKeys(p)) do redis.call('SADD', key, p.lawyerId) end end
local function unindex(p) for _, key in ipairs(bucketKeys(p)) do redis.call('SREM', key, p.lawyerId) end end
local function contains(list, x)
  for _, v in ipairs(list) do if v == x then return true end end
  return false
end
-- Removes a consultation's offer and gives the lawyer's capacity back; returns the offer JSON.
local function withdraw(cid)
  local raw = redis.call('HGET', k('o'), cid)
  if not raw then return nil end
  redis.call('HDEL', k('o'), cid)
  redis.call('ZREM', k('ox'), cid)
  local offer = cjson.decode(raw)
  local p = getL(offer.lawyerId)
  if p and p.load > 0 then p.load = p.load - 1; putL(p) end
  return raw
end
local function unqueue(cid)
  redis.call('ZREM', k('q'), cid)
  redis.call('HDEL', k('e'), cid)
end
`;

const script = (body: string) => `${PRELUDE}\n${body}`;

export const SCRIPTS = {
  /** ARGV: presence JSON (without load/counters). Returns the stored presence JSON. */
  putLawyer: script(`
local p = cjson.decode(ARGV[1])
local prev = getL(p.lawyerId)
if prev then
  unindex(prev)
  p.load = prev.load
  p.lastAssignedAt = prev.lastAssignedAt
  p.lastOfferAt = prev.lastOfferAt
  p.missedOffers = (p.state == 'available') and 0 or prev.missedOffers
  p.resumeState = (p.state == 'reconnecting') and (prev.resumeState or 'available') or p.state
else
  p.load = redis.call('SCARD', k('h:' .. p.lawyerId))
  p.lastOfferAt = 0
  p.missedOffers = 0
  p.resumeState = (p.state == 'reconnecting') and 'available' or p.state
end
putL(p)
index(p)
redis.call('ZADD', k('leases'), p.leaseUntil, p.lawyerId)
return cjson.encode(p)`),

  /** ARGV: lawyerId, state. Returns the presence JSON or nil. */
  setState: script(`
local p = getL(ARGV[1])
if not p then return nil end
local state = ARGV[2]
if state == 'reconnecting' then
  if p.state ~= 'reconnecting' then p.resumeState = p.state end
else
  p.resumeState = state
  if state == 'available' then p.missedOffers = 0 end
end
p.state = state
putL(p)
return cjson.encode(p)`),

  /** ARGV: lawyerId. Returns {presence JSON or false, withdrawn offer JSONs...}. */
  removeLawyer: script(`
local id = ARGV[1]
local raw = redis.call('HGET', k('L'), id)
local withdrawn = {}
if raw then
  unindex(cjson.decode(raw))
  redis.call('HDEL', k('L'), id)
  redis.call('ZREM', k('leases'), id)
end
local all = redis.call('HGETALL', k('o'))
for i = 1, #all, 2 do
  local offer = cjson.decode(all[i + 1])
  if offer.lawyerId == id then
    redis.call('HDEL', k('o'), all[i])
    redis.call('ZREM', k('ox'), all[i])
    withdrawn[#withdrawn + 1] = all[i + 1]
  end
end
return {raw or false, unpack(withdrawn)}`),

  /** ARGV: lawyerId. Withdraws the lawyer's offers if they are reconnecting. Returns the withdrawn offer JSONs. */
  withdrawOffers: script(`
local p = getL(ARGV[1])
local withdrawn = {}
if not p or p.state ~= 'reconnecting' then return withdrawn end
local all = redis.call('HGETALL', k('o'))
for i = 1, #all, 2 do
  if cjson.decode(all[i + 1]).lawyerId == ARGV[1] then withdrawn[#withdrawn + 1] = withdraw(all[i]) end
end
return withdrawn`),

  /** ARGV: lawyerId... , until (last). Extends leases of lawyers still on duty. */
  renewLeases: script(`
local untilMs = tonumber(ARGV[#ARGV])
for i = 1, #ARGV - 1 do
  local p = getL(ARGV[i])
  if p and untilMs > p.leaseUntil then
    p.leaseUntil = untilMs
    putL(p)
    redis.call('ZADD', k('leases'), untilMs, ARGV[i])
  end
end
return 1`),

  /** ARGV: entry JSON, front ('1'/'0'), order (enqueuedAt). */
  enqueue: script(`
local e = cjson.decode(ARGV[1])
local order = tonumber(ARGV[3])
if ARGV[2] == '1' then order = -1e12 + redis.call('INCR', k('fc')) end
redis.call('HSET', k('e'), e.consultationId, ARGV[1])
redis.call('ZADD', k('q'), -e.priority * 1e13 + order, e.consultationId)
return 1`),

  /** ARGV: consultationId. Returns {entry JSON or false, withdrawn offer JSON or false}. */
  dequeue: script(`
local cid = ARGV[1]
local raw = redis.call('HGET', k('e'), cid)
if not raw then return {false, false} end
unqueue(cid)
return {raw, withdraw(cid) or false}`),

  /** ARGV: consultationId, lawyerId, expiresAt, now. Returns 'ok' or the refusal reason. */
  offer: script(`
local cid, id = ARGV[1], ARGV[2]
local rawEntry = redis.call('HGET', k('e'), cid)
if not rawEntry then return 'not-queued' end
if redis.call('HEXISTS', k('o'), cid) == 1 then return 'already-offered' end
local p = getL(id)
if not p then return 'not-on-duty' end
if p.state ~= 'available' then return 'not-available' end
if p.load >= p.capacity then return 'no-capacity' end
if contains(cjson.decode(rawEntry).declinedBy, id) then return 'declined-before' end
local expiresAt = tonumber(ARGV[3])
redis.call('HSET', k('o'), cid, cjson.encode({consultationId = cid, lawyerId = id, expiresAt = expiresAt}))
redis.call('ZADD', k('ox'), expiresAt, cid)
p.load = p.load + 1
p.lastOfferAt = tonumber(ARGV[4])
putL(p)
return 'ok'`),

  /** ARGV: consultationId, lawyerId, now. Returns {'ok', entry JSON or false} or {'no-offer'}. */
  accept: script(`
local cid, id = ARGV[1], ARGV[2]
local raw = redis.call('HGET', k('o'), cid)
if not raw or cjson.decode(raw).lawyerId ~= id then return {'no-offer'} end
redis.call('HDEL', k('o'), cid)
redis.call('ZREM', k('ox'), cid)
local entry = redis.call('HGET', k('e'), cid)
unqueue(cid)
redis.call('SADD', k('h:' .. id), cid)
local p = getL(id)
if p then p.lastAssignedAt = tonumber(ARGV[3]); p.missedOffers = 0; putL(p) end
return {'ok', entry or false}`),

  /** ARGV: consultationId, lawyerId, outcome. Returns {0} or {1, presence JSON or false}. */
  reject: script(`
local cid, id = ARGV[1], ARGV[2]
local raw = redis.call('HGET', k('o'), cid)
if not raw or cjson.decode(raw).lawyerId ~= id then return {0} end
withdraw(cid)
local rawEntry = redis.call('HGET', k('e'), cid)
if rawEntry then
  local e = cjson.decode(rawEntry)
  local declined = {}
  for _, v in ipairs(e.declinedBy) do declined[#declined + 1] = v end
  declined[#declined + 1] = id
  e.declinedBy = declined
  redis.call('HSET', k('e'), cid, cjson.encode(e))
end
local p = getL(id)
if p then
  if ARGV[3] == 'timeout' then p.missedOffers = p.missedOffers + 1 else p.missedOffers = 0 end
  putL(p)
  return {1, cjson.encode(p)}
end
return {1, false}`),

  /** ARGV: consultationId, lawyerId, now. Returns {'ok', entry JSON} or {reason}. */
  claim: script(`
local cid, id = ARGV[1], ARGV[2]
local entry = redis.call('HGET', k('e'), cid)
if not entry then return {'not-queued'} end
if redis.call('HEXISTS', k('o'), cid) == 1 then return {'already-offered'} end
local p = getL(id)
if p and p.load >= p.capacity then return {'no-capacity'} end
unqueue(cid)
redis.call('SADD', k('h:' .. id), cid)
if p then p.load = p.load + 1; p.lastAssignedAt = tonumber(ARGV[3]); putL(p) end
return {'ok', entry}`),

  /** ARGV: lawyerId, consultationId. */
  hold: script(`
if redis.call('SADD', k('h:' .. ARGV[1]), ARGV[2]) == 0 then return 0 end
local p = getL(ARGV[1])
if p then p.load = p.load + 1; putL(p) end
return 1`),

  /** ARGV: lawyerId, consultationId. Idempotent per consultation. */
  release: script(`
if redis.call('SREM', k('h:' .. ARGV[1]), ARGV[2]) == 0 then return 0 end
local p = getL(ARGV[1])
if p and p.load > 0 then p.load = p.load - 1; putL(p) end
return 1`),

  /** ARGV: lawyerId, consultationId, until, now. Returns {'ok'} or {'in-call', holder}. */
  claimCall: script(`
local key = k('c:' .. ARGV[1])
local held = redis.call('GET', key)
if held then
  local sep = string.find(held, '|', 1, true)
  local expires = tonumber(string.sub(held, 1, sep - 1))
  local holder = string.sub(held, sep + 1)
  if holder ~= ARGV[2] and expires > tonumber(ARGV[4]) then return {'in-call', holder} end
end
redis.call('SET', key, ARGV[3] .. '|' .. ARGV[2], 'PX', math.max(1, tonumber(ARGV[3]) - tonumber(ARGV[4])))
return {'ok'}`),

  /** ARGV: lawyerId, consultationId. Deletes the call slot only if this consultation holds it. */
  endCall: script(`
local key = k('c:' .. ARGV[1])
local held = redis.call('GET', key)
if held and string.sub(held, string.find(held, '|', 1, true) + 1) == ARGV[2] then redis.call('DEL', key) end
return 1`),

  /** ARGV: role, holder, ttlMs. Returns 1 if the holder has the role (taken or kept), 0 if another node does. */
  lead: script(`
local key = k('lead:' .. ARGV[1])
local current = redis.call('GET', key)
if current and current ~= ARGV[2] then return 0 end
redis.call('SET', key, ARGV[2], 'PX', ARGV[3])
return 1`),

  /** ARGV: lawyerId, assistantId, nodeId, max, until, now. Drops lapsed seats; returns 1 if the assistant has a seat. */
  claimSeat: script(`
local key = k('as:' .. ARGV[1])
local now = tonumber(ARGV[6])
local all = redis.call('HGETALL', key)
local holders, count = {}, 0
for i = 1, #all, 2 do
  if tonumber(all[i + 1]) <= now then
    redis.call('HDEL', key, all[i])
  else
    local who = string.sub(all[i], 1, string.find(all[i], '|', 1, true) - 1)
    if not holders[who] then holders[who] = true; count = count + 1 end
  end
end
if not holders[ARGV[2]] and count >= tonumber(ARGV[4]) then return 0 end
redis.call('HSET', key, ARGV[2] .. '|' .. ARGV[3], ARGV[5])
return 1`),

  /** ARGV: nodeId, until, then lawyerId/assistantId pairs. Extends the node's seats that still exist; returns the pairs that did not, flat. */
  renewSeats: script(`
local lost = {}
for i = 3, #ARGV, 2 do
  local key = k('as:' .. ARGV[i])
  local seat = ARGV[i + 1] .. '|' .. ARGV[1]
  if redis.call('HEXISTS', key, seat) == 1 then
    redis.call('HSET', key, seat, ARGV[2])
  else
    lost[#lost + 1] = ARGV[i]
    lost[#lost + 1] = ARGV[i + 1]
  end
end
return lost`),

  /** ARGV: lawyerId, nodeId, connected (1/0), until, now. Drops lapsed entries; returns how many other nodes have a device of the lawyer. */
  markDevice: script(`
local key = k('dv:' .. ARGV[1])
local now = tonumber(ARGV[5])
if ARGV[3] == '1' then redis.call('HSET', key, ARGV[2], ARGV[4]) else redis.call('HDEL', key, ARGV[2]) end
local all = redis.call('HGETALL', key)
local others = 0
for i = 1, #all, 2 do
  if tonumber(all[i + 1]) <= now then
    redis.call('HDEL', key, all[i])
  elseif all[i] ~= ARGV[2] then
    others = others + 1
  end
end
return others`),

  /** ARGV: nodeId, until, then lawyerIds. Extends the node's device entries that still exist. */
  renewDevices: script(`
for i = 3, #ARGV do
  local key = k('dv:' .. ARGV[i])
  if redis.call('HEXISTS', key, ARGV[1]) == 1 then redis.call('HSET', key, ARGV[1], ARGV[2]) end
end
return 1`),

  /** ARGV: bucket name (`<cat>|<prefix>`). Returns the presence JSONs of the bucket, in one consistent read. */
  bucket: script(`
local ids = redis.call('SMEMBERS', k('b:' .. ARGV[1]))
if #ids == 0 then return {} end
return redis.call('HMGET', k('L'), unpack(ids))`),
} as const;

export type ScriptName = keyof typeof SCRIPTS;
