import { setPresence } from '../state/desk.ts';
import { updateDesk, updateWait, type Sync } from './sync.ts';

/*
 * What a screen shows that the server pushes only when it changes: a lawyer's duty state and a
 * citizen's place in the queue. A page that starts on a resumed session (a reload) was told them
 * before and kept nothing, and a new session is not told a place that has not moved: so each is
 * read again at every snapshot (`duty.get`, `queue.positions`). A push heard while the read is out
 * wins over its answer: every change is pushed, in order, so the last push is never older than
 * the state it reports, while the answer may have been read before it.
 */

export const catchUpDuty: Sync = (client, store) => {
  let heard = 0;
  const offs = [
    client.on('duty.state', () => heard++),
    client.on('snapshot', () => {
      const asked = heard;
      client.request('duty.get', {}).then(
        ({ presence }) => heard === asked && updateDesk(store, (d) => setPresence(d, presence, d.reason)),
        (e: unknown) => console.warn('lawline: the duty state could not be read', e),
      );
    }),
  ];
  return () => offs.forEach((off) => off());
};

export const catchUpWaits: Sync = (client, store) => {
  const heard = new Map<string, number>();
  const hear = (id: string) => heard.set(id, (heard.get(id) ?? 0) + 1);
  const offs = [
    client.on('queue.position', ({ consultationId }) => hear(consultationId)),
    client.on('consult.suggest', ({ consultationId }) => hear(consultationId)),
    client.on('snapshot', (consultations) => {
      if (!consultations.some((c) => c.state === 'queued' && c.channel === 'text')) return;
      const asked = new Map(heard);
      client.request('queue.positions', {}).then(
        ({ positions }) => {
          for (const { consultationId, position, estimatedWaitMs, nobodyOnDuty, offered } of positions) {
            if (heard.get(consultationId) !== asked.get(consultationId)) continue;
            updateWait(store, consultationId, (w) => ({ ...w, position, estimatedWaitMs, nobodyOnDuty, offered: offered === true }));
          }
        },
        (e: unknown) => console.warn('lawline: the places in the queue could not be read', e),
      );
    }),
  ];
  return () => offs.forEach((off) => off());
};
