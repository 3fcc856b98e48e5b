import { LIMITS } from '../../protocol/frames.ts';
import { ok } from '../../protocol/result.ts';
import type { ConsultationState } from '../../protocol/vocabulary.ts';
import { toView } from '../kernel/views.ts';
import type { Handler } from '../session/dispatch.ts';
import type { ConsultationDeps } from './deps.ts';

const ENDED: readonly ConsultationState[] = ['closed', 'cancelled'];

/** A page when the client names no size: what a phone shows before anyone scrolls, twice. */
const PAGE_DEFAULT = 20;

/**
 * consult.past: a citizen's own ended consultations, or those a lawyer held when they ended (one
 * handed on is the next lawyer's), a page at a time from where the last page ended (the
 * permission table lets only citizens and lawyers ask). One more than the page is read to learn
 * whether older ones remain.
 */
export function pastHandler(deps: ConsultationDeps): Handler<'consult.past'> {
  return async ({ identity }, { before, limit }) => {
    const size = Math.min(limit ?? PAGE_DEFAULT, LIMITS.pastPageMax);
    const whose = identity.role === 'lawyer' ? { lawyerId: identity.id } : { citizenId: identity.id };
    const found = await deps.store.listConsultations({ ...whose, states: ENDED, ...(before ? { before } : {}), limit: size + 1 });
    return ok({ consultations: found.slice(0, size).map(toView), hasMore: found.length > size });
  };
}
