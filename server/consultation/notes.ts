import { ErrorCode } from '../../protocol/errors.ts';
import { err, ok } from '../../protocol/result.ts';
import type { Handler } from '../session/dispatch.ts';
import { relation } from './access.ts';
import { notFound, notMember, transitionError, type ConsultationDeps } from './deps.ts';

/**
 * The lawyer's notes on a consultation (the record's `note`, never in a view: the citizen never
 * sees them). Read by the lawyer who holds it, open or closed, with the handover note of the
 * lawyer who transferred it to them; written while they hold it open, and once it closed only
 * during the wrap-up that began with or after its close: after that the record is final.
 */
export function noteHandlers(deps: ConsultationDeps) {
  const get: Handler<'note.get'> = async ({ identity }, { consultationId }) => {
    const c = await deps.store.getConsultation(consultationId);
    if (!c) return err(notFound);
    if (relation(identity, c) !== 'party') return err(notMember);
    return ok({ note: c.note ?? '', ...(c.handover ? { handover: c.handover } : {}) });
  };

  const set: Handler<'note.set'> = async ({ identity }, { consultationId, note }) => {
    const c = await deps.store.getConsultation(consultationId);
    if (!c) return err(notFound);
    if (relation(identity, c) !== 'party') return err(notMember);
    if (c.state === 'closed') {
      const since = await deps.wrapUp?.since(identity.id);
      if (since === undefined || c.updatedAt < since) return err({ code: ErrorCode.CONSULTATION_STATE, message: 'the notes of a closed consultation are final once its wrap-up is over' });
    } else if (c.state !== 'picked' && c.state !== 'active') {
      return err({ code: ErrorCode.CONSULTATION_STATE, message: `no notes on a consultation that is ${c.state}` });
    }
    // The state stays and so does updatedAt: a note is no step of the consultation (nobody is told), and a closed one's updatedAt says when it closed.
    const result = await deps.store.transition(consultationId, [c.state], { state: c.state, note, updatedAt: c.updatedAt }, identity.id);
    if (!result.ok) return err(transitionError(result, 'write notes on'));
    return ok({ note: result.consultation.note ?? '' });
  };

  return { 'note.get': get, 'note.set': set };
}
