import { keyed } from './lua.ts';

/**
 * Lua for the call port (`calls.ts`); the prelude is `lua.ts`'s. Keys under the prefix:
 *   :c:<lawyerId> string "<until>|<consultationId>" of the lawyer's one call (expires on its own)
 */
export const CALL_SCRIPTS = {
  /** ARGV: lawyerId, consultationId, until, now. Returns {'ok'} or {'in-call', holder}. */
  claimCall: keyed(`
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
  endCall: keyed(`
local key = k('c:' .. ARGV[1])
local held = redis.call('GET', key)
if held and string.sub(held, string.find(held, '|', 1, true) + 1) == ARGV[2] then redis.call('DEL', key) end
return 1`),
} as const;
