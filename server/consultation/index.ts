import { ok } from '../../protocol/result.ts';
import type { HandlerTable } from '../session/dispatch.ts';
import { chatHandlers } from './chat.ts';
import type { ConsultationDeps } from './deps.ts';
import { lifecycleHandlers } from './lifecycle.ts';

export { openConsultations } from './lifecycle.ts';
export type { ConsultationDeps } from './deps.ts';

export function consultationHandlers(deps: ConsultationDeps): HandlerTable {
  return { ping: async () => ok({ at: deps.now() }), ...lifecycleHandlers(deps), ...chatHandlers(deps) };
}
