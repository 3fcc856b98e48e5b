import { ErrorCode } from '../../protocol/errors.ts';
import { err, ok } from '../../protocol/result.ts';
import type { Handler } from '../session/dispatch.ts';
import { transitionError, type ConsultationDeps } from './deps.ts';
import { notifier } from '../kernel/notify.ts';
import { person, toView } from '../kernel/views.ts';

const offerGone = { code: ErrorCode.OFFER_GONE, message: 'this offer is no longer yours (expired, withdrawn or taken)' };

/** A lawyer answers an offer the router made (on any of their devices; the others are told). */
export function offerHandlers(deps: ConsultationDeps) {
  const { announce, queueChanged } = notifier(deps.pusher);

  const accept: Handler<'offer.accept'> = async ({ identity }, { consultationId }) => {
    const result = await deps.routing.accept(consultationId, person(identity));
    if (!result.ok) return err(result.current && !result.current.ok ? transitionError(result.current, 'accept') : offerGone);
    // A repeat of an accept that went through: everyone was told then.
    if (result.again) return ok({ consultation: toView(result.consultation) });
    announce(result.consultation);
    queueChanged('removed', result.consultation);
    return ok({ consultation: toView(result.consultation) });
  };

  const decline: Handler<'offer.decline'> = async ({ identity }, { consultationId }) => {
    if (!(await deps.routing.decline(consultationId, identity.id))) return err(offerGone);
    return ok({});
  };

  return { 'offer.accept': accept, 'offer.decline': decline };
}
