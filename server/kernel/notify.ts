import type { PushData } from '../../protocol/frames.ts';
import type { Pusher } from '../session/pusher.ts';
import type { ConsultationRecord } from '../store/port.ts';
import { audience, toView } from './views.ts';

/**
 * Whether a consultation belongs in the live queue. A message consultation (留言) never does,
 * however it comes to be queued (left, requeued when its lawyer dropped, transferred, rebuilt):
 * the message desk assigns the queued ones from the store on its next pass (each second at
 * most); one in the live queue as well would be offered live while the desk assigns it.
 */
export function isLive(c: ConsultationRecord): boolean {
  return c.channel !== 'message';
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
    queueChanged: (change: 'added' | 'removed', c: ConsultationRecord) => {
      if (isLive(c)) pusher.push([`queue:${c.category}`], 'queue.changed', { change, consultation: toView(c) });
    },
  };
}
