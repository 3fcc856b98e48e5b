/**
 * Lua for cross-node delivery (`delivery.ts`). Like the backplane's (lua.ts), KEYS[1] is the deployment's
 * hash-tagged prefix `{<prefix>}` and every key and sharded channel is built from it, so all
 * live in one slot and run unchanged on Redis Cluster. Keys under the prefix:
 *   :a:<audience>  set     nodes with a session listening on the audience key
 *   :na:<node>     set     audience keys the node registered (to clean up after it)
 *   :ne:<node>     string  the node's epoch: exists while the node is alive (expires)
 *   :ns:<node>     string  last delivery seq sent to the node in this epoch
 *   :nd:<node>     stream  recent deliveries to the node, id <seq>-1, for gap repair (capped)
 * Channel :n:<node> (SPUBLISH) carries "<epoch> <seq> <JSON array of messages>".
 */

const PRELUDE = `
local P = KEYS[1]
local function k(name) return P .. ':' .. name end
`;

export const DELIVERY_SCRIPTS = {
  /**
   * ARGV: node, epoch, ttlMs, stream cap. A node (re)joins with a fresh epoch: its sequence
   * starts over and whatever was sent to an earlier epoch is gone.
   */
  register: `${PRELUDE}
local node = ARGV[1]
redis.call('SET', k('ne:' .. node), ARGV[2], 'PX', ARGV[3])
redis.call('SET', k('ns:' .. node), 0)
redis.call('DEL', k('nd:' .. node))
return 1`,

  /** ARGV: node, epoch, ttlMs. Extends the node's life; returns 0 if its epoch is gone (Redis lost it, or it expired). */
  renew: `${PRELUDE}
local key = k('ne:' .. ARGV[1])
if redis.call('GET', key) ~= ARGV[2] then return 0 end
redis.call('PEXPIRE', key, ARGV[3])
redis.call('PEXPIRE', k('ns:' .. ARGV[1]), ARGV[3] * 2)
return 1`,

  /** ARGV: node, audience keys... Adds the node to each key's set. */
  listen: `${PRELUDE}
for i = 2, #ARGV do
  redis.call('SADD', k('a:' .. ARGV[i]), ARGV[1])
  redis.call('SADD', k('na:' .. ARGV[1]), ARGV[i])
end
return 1`,

  /** ARGV: node, audience keys... */
  unlisten: `${PRELUDE}
for i = 2, #ARGV do
  redis.call('SREM', k('a:' .. ARGV[i]), ARGV[1])
  redis.call('SREM', k('na:' .. ARGV[1]), ARGV[i])
end
return 1`,

  /**
   * ARGV: sender node, stream cap, message count, then per message: audience key count, the
   * keys, the message JSON. Each other live node listening on any key of a message gets it
   * once; each such node gets one stream entry and one SPUBLISH for the whole batch. A node
   * whose epoch is gone is dead: it leaves every set it was in. Returns the nodes sent to.
   */
  deliver: `${PRELUDE}
local sender = ARGV[1]
local cap = ARGV[2]
local batches, order, alive = {}, {}, {}
local function isAlive(node)
  if alive[node] == nil then
    local epoch = redis.call('GET', k('ne:' .. node))
    alive[node] = epoch or false
    if not epoch then
      for _, key in ipairs(redis.call('SMEMBERS', k('na:' .. node))) do redis.call('SREM', k('a:' .. key), node) end
      redis.call('DEL', k('na:' .. node), k('ns:' .. node), k('nd:' .. node))
    end
  end
  return alive[node] ~= false
end
local i = 4
for _ = 1, tonumber(ARGV[3]) do
  local n = tonumber(ARGV[i])
  local targets = {}
  for j = i + 1, i + n do
    for _, node in ipairs(redis.call('SMEMBERS', k('a:' .. ARGV[j]))) do
      if node ~= sender and not targets[node] and isAlive(node) then targets[node] = true end
    end
  end
  local body = ARGV[i + n + 1]
  for node in pairs(targets) do
    if not batches[node] then batches[node] = {}; order[#order + 1] = node end
    table.insert(batches[node], body)
  end
  i = i + n + 2
end
for _, node in ipairs(order) do
  local seq = redis.call('INCR', k('ns:' .. node))
  local batch = '[' .. table.concat(batches[node], ',') .. ']'
  redis.call('XADD', k('nd:' .. node), 'MAXLEN', '~', cap, seq .. '-1', 'b', batch)
  redis.call('SPUBLISH', k('n:' .. node), alive[node] .. ' ' .. seq .. ' ' .. batch)
end
return #order`,
} as const;

export type DeliveryScriptName = keyof typeof DELIVERY_SCRIPTS;
