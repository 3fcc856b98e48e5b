import type { RequestType } from '../../protocol/frames.ts';
import type { Role } from '../../protocol/vocabulary.ts';

/**
 * The operations of the HTTP APIs (the operations API on the internal listener; the service record on the client port). Each gateway
 * route names one; the `http:` prefix keeps them apart from frame types.
 */
export const OPS_HTTP_OPERATIONS = ['http:roster.put', 'http:roster.get', 'http:coverage.get'] as const;
export const CLIENT_HTTP_OPERATIONS = ['http:record.get'] as const;
export const HTTP_OPERATIONS = [...OPS_HTTP_OPERATIONS, ...CLIENT_HTTP_OPERATIONS] as const;
export type HttpOperation = (typeof HTTP_OPERATIONS)[number];

/** Every way in that needs an identity: a request frame over the WebSocket, or an HTTP operation. */
export type EntryPoint = RequestType | HttpOperation;

/**
 * Who may do what, over any entry point: the one table (invariant 5). A request type or HTTP
 * operation without a row does not compile. Finer checks (is this my consultation?) live in
 * the services; this table is the first gate. `permissions.test.ts` walks every (entry point,
 * role) pair against a written-out matrix, so a change here must be made twice, deliberately.
 */
export const PERMISSIONS = {
  hello: ['citizen', 'lawyer', 'assistant', 'supervisor', 'admin'],
  ping: ['citizen', 'lawyer', 'assistant', 'supervisor', 'admin'],
  'session.end': ['citizen', 'lawyer', 'assistant', 'supervisor', 'admin'],
  'consult.request': ['citizen'],
  'consult.cancel': ['citizen'],
  'queue.list': ['lawyer'],
  'queue.positions': ['citizen'],
  'consult.pick': ['lawyer'],
  'consult.join': ['lawyer'],
  'consult.close': ['citizen', 'lawyer'],
  'consult.transfer': ['lawyer'],
  'consult.convert': ['citizen'],
  'consult.list': ['citizen', 'lawyer', 'assistant', 'supervisor'],
  'consult.history': ['citizen', 'lawyer', 'assistant', 'supervisor'],
  // A citizen's own record of past consultations; a lawyer's, of those they held when they ended (the console's closed today).
  'consult.past': ['citizen', 'lawyer'],
  // Assistants write on behalf of their lawyer; supervisors only watch.
  'duty.on': ['lawyer'],
  'duty.get': ['lawyer'],
  'duty.away': ['lawyer'],
  'duty.off': ['lawyer'],
  'duty.ready': ['lawyer'],
  // The lawyer's own notes: not their assistants' (who write to the citizen, not the file), nor the citizen's.
  'note.get': ['lawyer'],
  'note.set': ['lawyer'],
  'directory.list': ['citizen', 'lawyer', 'assistant', 'supervisor'],
  'offer.accept': ['lawyer'],
  'offer.decline': ['lawyer'],
  'chat.send': ['citizen', 'lawyer', 'assistant'],
  'chat.typing': ['citizen', 'lawyer', 'assistant'],
  'chat.read': ['citizen', 'lawyer', 'assistant'],
  // Risk alerts are the duty office's: supervisors only (regional scope comes with the board).
  // Each answers at most LIMITS.alertPageMax alerts; each step is audited (server/alerts).
  'alert.list': ['supervisor'],
  'alert.ack': ['supervisor'],
  'alert.annotate': ['supervisor'],
  'alert.close': ['supervisor'],
  'alert.rules': ['supervisor'],
  // Calls: the two parties only (the service checks which consultation); assistants write for
  // their lawyer but never take calls, supervisors monitor (a later step), never join.
  'call.start': ['citizen', 'lawyer'],
  'call.accept': ['citizen', 'lawyer'],
  'call.decline': ['citizen', 'lawyer'],
  'call.hangup': ['citizen', 'lawyer'],
  'call.offer': ['citizen', 'lawyer'],
  'call.subscribe': ['citizen', 'lawyer'],
  'call.answer': ['citizen', 'lawyer'],
  'call.ice': ['citizen', 'lawyer'],
  'call.restart': ['citizen', 'lawyer'],
  'call.media': ['citizen', 'lawyer'],
  // Silent monitoring of a call: supervisors only, audited.
  'call.monitor': ['supervisor'],
  'call.monitor.answer': ['supervisor'],
  'call.monitor.end': ['supervisor'],
  // Operations API: the duty roster and the coverage report are run by operations and supervisors.
  'http:roster.put': ['supervisor', 'admin'],
  'http:roster.get': ['supervisor', 'admin'],
  'http:coverage.get': ['supervisor', 'admin'],
  // A consultation's service record (JSON, or a page to print), on the client port: its parties, the lawyer's assistants, supervisors (audited).
  'http:record.get': ['citizen', 'lawyer', 'assistant', 'supervisor'],
} as const satisfies Record<EntryPoint, readonly Role[]>;

export function isAllowed(entry: EntryPoint, role: Role): boolean {
  return (PERMISSIONS[entry] as readonly Role[]).includes(role);
}
