import type { PushData } from '../../protocol/frames.ts';
import type { Identity } from '../auth/identity.ts';
import type { Pusher } from '../session/pusher.ts';
import type { ConsultationRecord } from '../store/port.ts';
import { audience, toView } from './views.ts';

/** A lawyer sees the queue of the categories on their token; none declared means all. */
export function servesCategory(identity: Identity, c: ConsultationRecord): boolean {
  return !identity.categories || identity.categories.length === 0 || identity.categories.includes(c.category);
}

/** The two pushes every step of a consultation makes. */
export function notifier(pusher: Pusher) {
  return {
    /** Everyone following the consultation sees its new state (the citizen on every device). */
    announce: (c: ConsultationRecord, reason?: PushData<'consult.state'>['reason']) =>
      pusher.push(audience(c), 'consult.state', { consultation: toView(c), ...(reason ? { reason } : {}) }),
    /**
     * Lawyers watching the queue of its category see it come or go: those off duty, browsing
     * to pick. On duty the router brings them work (`queueAudience`), and a broadcast to
     * thousands of lawyers per request would cost more than the routing.
     */
    queueChanged: (change: 'added' | 'removed', c: ConsultationRecord) => pusher.push([`queue:${c.category}`], 'queue.changed', { change, consultation: toView(c) }),
  };
}
