import { keyed, overLawyers } from './lua.ts';

/**
 * Lua for the presence port (`presence.ts`); the prelude is `lua.ts`'s. Keys under the prefix:
 *   :L            hash   lawyerId -> presence JSON
 *   :leases       zset   lawyerId -> lease expiry (ms)
 *   :b:<cat>|<p>  set    lawyers on duty for category <cat> whose region starts with <p>
 *   :dv:<lawyerId> hash  nodeId -> a device of the lawyer connected there, until (ms)
 *   :wu           zset   lawyerId -> when their wrap-up ends (ms), for lawyers in one (or reconnecting from one)
 * and, read or written with the queue port in the same step: :h:<lawyerId> (held consultations:
 * a lawyer's load when they come on duty), :o and :ox (offers withdrawn when they leave).
 */
/** Keeps `:wu` in step with a lawyer record about to be written: listed while it holds a wrap-up. */
const WRAP_UP = `
local function keepsWrapUp(state) return state == 'wrap-up' or state == 'reconnecting' end
local function inWrapUp(p) return p.state == 'wrap-up' or (p.state == 'reconnecting' and p.resumeState == 'wrap-up') end
local function indexWrapUp(p)
  if p.wrapUpUntil and keepsWrapUp(p.state) then
    redis.call('ZADD', k('wu'), p.wrapUpUntil, p.lawyerId)
  else
    p.wrapUpUntil = nil
    p.wrapUpSince = nil
    redis.call('ZREM', k('wu'), p.lawyerId)
  end
end
local function endWrapUp(p)
  p.resumeState = 'available'
  if p.state == 'wrap-up' then p.state = 'available' end
  p.missedOffers = 0
  p.wrapUpUntil = nil
  indexWrapUp(p)
  putL(p)
end
`;
const withWrapUp = (body: string) => overLawyers(`${WRAP_UP}\n${body}`);

export const PRESENCE_SCRIPTS = {
  /** ARGV: presence JSON (without load/counters). Returns the stored presence JSON. */
  putLawyer: withWrapUp(`
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
indexWrapUp(p)
putL(p)
index(p)
redis.call('ZADD', k('leases'), p.leaseUntil, p.lawyerId)
return cjson.encode(p)`),

  /** ARGV: lawyerId, state. Returns the presence JSON or nil. */
  setState: withWrapUp(`
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
indexWrapUp(p)
putL(p)
return cjson.encode(p)`),

  /** ARGV: lawyerId, until, now. Returns the presence JSON, or nil if the lawyer was neither available nor in wrap-up. */
  beginWrapUp: withWrapUp(`
local p = getL(ARGV[1])
if not p then return nil end
local untilMs = tonumber(ARGV[2])
if p.state == 'available' then
  p.state = 'wrap-up'
  p.resumeState = 'wrap-up'
  p.wrapUpSince = tonumber(ARGV[3])
  p.wrapUpUntil = untilMs
elseif p.state == 'wrap-up' then
  if not p.wrapUpUntil or untilMs > p.wrapUpUntil then p.wrapUpUntil = untilMs end
else
  return nil
end
indexWrapUp(p)
putL(p)
return cjson.encode(p)`),

  /** ARGV: lawyerId. Returns the presence JSON if a wrap-up ended, else nil. */
  endWrapUp: withWrapUp(`
local p = getL(ARGV[1])
if not p or not inWrapUp(p) then return nil end
endWrapUp(p)
return cjson.encode(p)`),

  /** ARGV: now. Ends every wrap-up due by then; returns those presence JSONs. */
  endDueWrapUps: withWrapUp(`
local ended = {}
for _, id in ipairs(redis.call('ZRANGEBYSCORE', k('wu'), '-inf', ARGV[1])) do
  local p = getL(id)
  if p and inWrapUp(p) then
    endWrapUp(p)
    ended[#ended + 1] = cjson.encode(p)
  else
    redis.call('ZREM', k('wu'), id)
  end
end
return ended`),

  /** ARGV: lawyerId. Returns {presence JSON or false, withdrawn offer JSONs...}. */
  removeLawyer: overLawyers(`
local id = ARGV[1]
local raw = redis.call('HGET', k('L'), id)
local withdrawn = {}
if raw then
  unindex(cjson.decode(raw))
  redis.call('HDEL', k('L'), id)
  redis.call('ZREM', k('leases'), id)
  redis.call('ZREM', k('wu'), id)
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

  /** ARGV: lawyerId... , until (last). Extends leases of lawyers still on duty. */
  renewLeases: overLawyers(`
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

  /** ARGV: bucket name (`<cat>|<prefix>`). Returns the presence JSONs of the bucket, in one consistent read. */
  bucket: keyed(`
local ids = redis.call('SMEMBERS', k('b:' .. ARGV[1]))
if #ids == 0 then return {} end
return redis.call('HMGET', k('L'), unpack(ids))`),

  /** ARGV: lawyerId, nodeId, connected (1/0), until, now. Drops lapsed entries; returns how many other nodes have a device of the lawyer. */
  markDevice: keyed(`
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
  renewDevices: keyed(`
for i = 3, #ARGV do
  local key = k('dv:' .. ARGV[i])
  if redis.call('HEXISTS', key, ARGV[1]) == 1 then redis.call('HSET', key, ARGV[1], ARGV[2]) end
end
return 1`),
} as const;
