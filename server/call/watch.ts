import type { PushData, PushEvent } from '../../protocol/frames.ts';
import type { Pusher } from '../session/pusher.ts';
import type { Session } from '../session/session.ts';

/**
 * The pusher every service is given, which also tells `changed` of each consultation's new
 * state as it is announced (`consult.state`): however a consultation stops being active (closed,
 * cancelled, transferred, requeued when its lawyer dropped), its call ends, with no domain
 * folder calling another.
 */
export function watchConsultations(pusher: Pusher, changed: (c: PushData<'consult.state'>['consultation']) => void): Pusher {
  return {
    push<E extends PushEvent>(keys: readonly string[], event: E, data: PushData<E>, skip?: Session): void {
      pusher.push(keys, event, data, skip);
      if (event === 'consult.state') changed((data as PushData<'consult.state'>).consultation);
    },
    mute: (userId, keys) => pusher.mute(userId, keys),
    unmute: (userId, keys) => pusher.unmute(userId, keys),
  };
}
