import { overQueue } from './lua.ts';

/**
 * Lua for the queue port (`queue.ts`); the prelude is `lua.ts`'s. Keys under the prefix:
 *   :q            zset   consultationId -> service order (priority first, then FIFO)
 *   :e            hash   consultationId -> queue entry JSON
 *   :o            hash   consultationId -> offer JSON
 *   :ox           zset   consultationId -> offer expiry (ms)
 *   :fc           string counter for front-of-queue entries
 *   :h:<lawyerId> set    consultations the lawyer holds (on duty or not)
 *   :hw:<consultationId>  set  the lawyers who hold it (absent: none). It replaced a count in
 *                 the hash :hb: a hold made before has no :hw, and `unclaim` leaves it (the
 *                 record, read after, tells `LiveQueue.unclaim` whose it is)
 * and the presence port's :L, whose `load`, `lastOfferAt`, `lastAssignedAt` and
 * `missedOffers` each claim moves in the same script: one atomic step over both (invariant 3).
 */
/** Puts entry `e` (its JSON `raw`) in the queue, at the front of its priority or by `order`. */
const ENQUEUE = `
local function enqueue(e, raw, front, order)
  if front then order = -1e12 + redis.call('INCR', k('fc')) end
  redis.call('HSET', k('e'), e.consultationId, raw)
  redis.call('ZADD', k('q'), -e.priority * 1e13 + order, e.consultationId)
end`;

export const QUEUE_SCRIPTS = {
  /** ARGV: entry JSON, front ('1'/'0'), order (enqueuedAt). */
  enqueue: overQueue(`${ENQUEUE}
enqueue(cjson.decode(ARGV[1]), ARGV[1], ARGV[2] == '1', tonumber(ARGV[3]))
return 1`),

  /** ARGV: consultationId. Returns {entry JSON or false, withdrawn offer JSON or false}. */
  dequeue: overQueue(`
local cid = ARGV[1]
local raw = redis.call('HGET', k('e'), cid)
if not raw then return {false, false} end
unqueue(cid)
return {raw, withdraw(cid) or false}`),

  /** ARGV: consultationId, lawyerId, expiresAt, now. Returns 'ok' or the refusal reason. */
  offer: overQueue(`
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

  /** ARGV: consultationId, lawyerId, now. Returns {'ok', entry JSON or false, offer JSON} or {'no-offer'}. */
  accept: overQueue(`
local cid, id = ARGV[1], ARGV[2]
local raw = redis.call('HGET', k('o'), cid)
if not raw or cjson.decode(raw).lawyerId ~= id then return {'no-offer'} end
redis.call('HDEL', k('o'), cid)
redis.call('ZREM', k('ox'), cid)
local entry = redis.call('HGET', k('e'), cid)
unqueue(cid)
local p = getL(id)
-- The offer's unit of load becomes the held consultation's, unless a hold of it was already counted.
if holdFor(id, cid) == 0 and p and p.load > 0 then p.load = p.load - 1 end
if p then p.lastAssignedAt = tonumber(ARGV[3]); p.missedOffers = 0; putL(p) end
return {'ok', entry or false, raw}`),

  /** ARGV: consultationId, lawyerId, outcome. Returns {0} or {1, presence JSON or false, offer JSON}. */
  reject: overQueue(`
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
  return {1, cjson.encode(p), raw}
end
return {1, false, raw}`),

  /** ARGV: consultationId, lawyerId, now. Returns {'ok', entry JSON} or {reason}. */
  claim: overQueue(`
local cid, id = ARGV[1], ARGV[2]
local entry = redis.call('HGET', k('e'), cid)
if not entry then return {'not-queued'} end
if redis.call('HEXISTS', k('o'), cid) == 1 then return {'already-offered'} end
local p = getL(id)
if p and p.load >= p.capacity then return {'no-capacity'} end
unqueue(cid)
local added = holdFor(id, cid)
if p then p.load = p.load + added; p.lastAssignedAt = tonumber(ARGV[3]); putL(p) end
return {'ok', entry}`),

  /** ARGV: lawyerId, consultationId. */
  hold: overQueue(`
if holdFor(ARGV[1], ARGV[2]) == 0 then return 0 end
local p = getL(ARGV[1])
if p then p.load = p.load + 1; putL(p) end
return 1`),

  /** ARGV: lawyerId, consultationId. Idempotent per consultation. */
  release: overQueue(`return releaseFor(ARGV[1], ARGV[2])`),

  /** ARGV: entry JSON, order (enqueuedAt). Returns {1 if queued by it else 0, {lawyer ids whose hold went}}. */
  unclaim: overQueue(`${ENQUEUE}
local e = cjson.decode(ARGV[1])
local cid = e.consultationId
local released = redis.call('SMEMBERS', k('hw:' .. cid))
for _, id in ipairs(released) do releaseFor(id, cid) end
if redis.call('HEXISTS', k('e'), cid) == 1 then return {0, released} end
enqueue(e, ARGV[1], false, tonumber(ARGV[2]))
return {1, released}`),

  /** ARGV: lawyerId. Withdraws the lawyer's offers if they are reconnecting. Returns the withdrawn offer JSONs. */
  withdrawOffers: overQueue(`
local p = getL(ARGV[1])
local withdrawn = {}
if not p or p.state ~= 'reconnecting' then return withdrawn end
local all = redis.call('HGETALL', k('o'))
for i = 1, #all, 2 do
  if cjson.decode(all[i + 1]).lawyerId == ARGV[1] then withdrawn[#withdrawn + 1] = withdraw(all[i]) end
end
return withdrawn`),
} as const;
