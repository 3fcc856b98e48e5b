/**
 * What every Lua script of the Redis backplane starts with. Each script runs atomically, so two
 * nodes racing can never double-offer a consultation or fill a lawyer past capacity.
 *
 * Every script takes KEYS[1] = the key prefix with its hash tag, `{<prefix>}`, and builds its
 * keys from it. All keys of one deployment share that tag, so they live in one slot and every
 * script runs unchanged on Redis Cluster. The keys under the prefix, by the port that owns them
 * (each `*-scripts.ts` names at its top the ones it reads and writes):
 *   presence      :L  :leases  :b:<cat>|<p>  :dv:<lawyerId>  :wu
 *   queue         :q  :e  :o  :ox  :fc  :h:<lawyerId>  :hw:<consultationId>
 *   calls         :c:<lawyerId>
 *   coordination  :lead:<role>  :as:<lawyerId>  :mn:<subject>
 *   delivery      see delivery-scripts.ts
 * cjson encodes an empty array as {}: the TypeScript side restores arrays on decode.
 */

/** The prefix and the key builder. */
const KEY = `
local P = KEYS[1]
local function k(name) return P .. ':' .. name end
`;

/** Lawyer records (`:L`) and the bucket index (`:b:…`) they are found in. */
const LAWYERS = `
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
`;

/** Offers and queue membership; a withdrawn offer gives its lawyer's unit of load back (needs LAWYERS). */
const OFFERS = `
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
-- Adds cid to what lawyer id holds, and id to its holders (:hw:<cid>); 1 if added, 0 if they held it already.
local function holdFor(id, cid)
  local added = redis.call('SADD', k('h:' .. id), cid)
  if added == 1 then redis.call('SADD', k('hw:' .. cid), id) end
  return added
end
-- Takes cid from what lawyer id holds; 1 if they held it.
local function unholdFor(id, cid)
  if redis.call('SREM', k('h:' .. id), cid) == 0 then return 0 end
  redis.call('SREM', k('hw:' .. cid), id)
  return 1
end
-- Takes cid from what lawyer id holds, and their unit of load with it; 1 if they held it.
local function releaseFor(id, cid)
  if unholdFor(id, cid) == 0 then return 0 end
  local p = getL(id)
  if p and p.load > 0 then p.load = p.load - 1; putL(p) end
  return 1
end
`;

/** A script that uses only its own keys. */
export const keyed = (body: string) => `${KEY}\n${body}`;
/** A script over lawyer records. */
export const overLawyers = (body: string) => `${KEY}${LAWYERS}\n${body}`;
/** A script over the queue and offers, and the lawyers' load they move. */
export const overQueue = (body: string) => `${KEY}${LAWYERS}${OFFERS}\n${body}`;
