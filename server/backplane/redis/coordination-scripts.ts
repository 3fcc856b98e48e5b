import { keyed } from './lua.ts';

/**
 * Lua for the coordination port (`coordination.ts`); the prelude is `lua.ts`'s. Keys under the prefix:
 *   :lead:<role>   string the node holding the role (expires on its own)
 *   :as:<lawyerId> hash   "<assistantId>|<nodeId>" -> seat held until (ms)
 *   :mn:<subject>  zset   member -> when it last mentioned the subject (ms); expires a window after the last mention
 */
export const COORDINATION_SCRIPTS = {
  /** ARGV: role, holder, ttlMs. Returns 1 if the holder has the role (taken or kept), 0 if another node does. */
  lead: keyed(`
local key = k('lead:' .. ARGV[1])
local current = redis.call('GET', key)
if current and current ~= ARGV[2] then return 0 end
redis.call('SET', key, ARGV[2], 'PX', ARGV[3])
return 1`),

  /** ARGV: lawyerId, assistantId, nodeId, max, until, now. Drops lapsed seats; returns 1 if the assistant has a seat. */
  claimSeat: keyed(`
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

  /** ARGV: subject, member, at, windowMs, max. Returns {members within the window, the newest max of them oldest first}. */
  mention: keyed(`
local key = k('mn:' .. ARGV[1])
local at = tonumber(ARGV[3])
redis.call('ZADD', key, at, ARGV[2])
redis.call('ZREMRANGEBYSCORE', key, '-inf', '(' .. (at - tonumber(ARGV[4])))
redis.call('PEXPIRE', key, ARGV[4])
return {redis.call('ZCARD', key), redis.call('ZRANGE', key, -tonumber(ARGV[5]), -1)}`),

  /** ARGV: nodeId, until, then lawyerId/assistantId pairs. Extends the node's seats that still exist; returns the pairs that did not, flat. */
  renewSeats: keyed(`
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
} as const;
