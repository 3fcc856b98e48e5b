import type { RequestType } from '../../protocol/frames.ts';
import type { Role } from '../../protocol/vocabulary.ts';

/**
 * Who may send which request: the one table (invariant 5). A request type without a row does
 * not compile. Finer checks (is this my consultation?) live in the services; this table is
 * the first gate. `permissions.test.ts` walks every (type, role) pair against a written-out
 * matrix, so a change here must be made twice, deliberately.
 */
export const PERMISSIONS = {
  hello: ['citizen', 'lawyer', 'assistant', 'supervisor', 'admin'],
  ping: ['citizen', 'lawyer', 'assistant', 'supervisor', 'admin'],
  'consult.request': ['citizen'],
  'consult.cancel': ['citizen'],
  'queue.list': ['lawyer'],
  'consult.pick': ['lawyer'],
  'consult.join': ['lawyer'],
  'consult.close': ['citizen', 'lawyer'],
  'consult.transfer': ['lawyer'],
  'consult.convert': ['citizen'],
  'consult.list': ['citizen', 'lawyer', 'assistant', 'supervisor'],
  'consult.history': ['citizen', 'lawyer', 'assistant', 'supervisor'],
  // Assistants write on behalf of their lawyer; supervisors only watch.
  'duty.on': ['lawyer'],
  'duty.away': ['lawyer'],
  'duty.off': ['lawyer'],
  'directory.list': ['citizen', 'lawyer', 'assistant', 'supervisor'],
  'offer.accept': ['lawyer'],
  'offer.decline': ['lawyer'],
  'chat.send': ['citizen', 'lawyer', 'assistant'],
  'chat.typing': ['citizen', 'lawyer', 'assistant'],
  'chat.read': ['citizen', 'lawyer', 'assistant'],
} as const satisfies Record<RequestType, readonly Role[]>;

export function isAllowed(type: RequestType, role: Role): boolean {
  return (PERMISSIONS[type] as readonly Role[]).includes(role);
}
