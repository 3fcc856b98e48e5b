import { ok } from '../../protocol/result.ts';
import type { HandlerTable } from '../session/dispatch.ts';
import type { AlertRequest } from '../kernel/observe.ts';
import { chatHandlers } from './chat.ts';
import type { ConsultationDeps } from './deps.ts';
import { lifecycleHandlers } from './lifecycle.ts';
import { noteHandlers } from './notes.ts';
import { offerHandlers } from './offers.ts';
import { pastHandler } from './past.ts';

export { openConsultations } from './lifecycle.ts';
export type { ConsultationDeps } from './deps.ts';

/** Every request but duty and the directory (presence/), alerts and calls (call/) is about a consultation. */
export function consultationHandlers(deps: ConsultationDeps): Omit<HandlerTable, 'duty.on' | 'duty.get' | 'duty.away' | 'duty.off' | 'duty.ready' | 'directory.list' | 'session.end' | AlertRequest | `call.${string}`> {
  return { ping: async () => ok({ at: deps.now() }), ...lifecycleHandlers(deps), ...offerHandlers(deps), ...chatHandlers(deps), ...noteHandlers(deps), 'consult.past': pastHandler(deps) };
}
