import { queueChanged, setOffers, setPresence, setWaiting } from '../state/desk.ts';
import { updateDesk, type Sync } from './sync.ts';

/**
 * A lawyer's desk: their duty state (on every device), the offers ringing (as the SDK keeps
 * them: an offer whose end came first never rings) and the waiting queue of their categories.
 */
export const syncDesk: Sync = (client, store) => {
  const offers = () => updateDesk(store, (d) => setOffers(d, client.openOffers()));
  const refreshQueue = () =>
    client.request('queue.list', {}).then(
      ({ consultations }) => updateDesk(store, (d) => setWaiting(d, consultations)),
      (e: unknown) => console.warn('lawline: the waiting queue could not be listed', e),
    );
  const offs = [
    client.on('duty.state', ({ presence, reason }) => {
      const was = store.get().desk.presence?.state;
      updateDesk(store, (d) => setPresence(d, presence, reason));
      // Off duty the queue is followed again (on duty the server sends no changes of it): read it as it is now.
      if (presence.state === 'offline' && was !== undefined && was !== 'offline') void refreshQueue();
    }),
    client.on('offer', offers),
    client.on('offer.ended', offers),
    // A new session: offers still out are pushed again, the ends of the others went with the old one.
    client.on('snapshot', () => {
      offers();
      void refreshQueue();
    }),
    client.on('queue.changed', ({ change, consultation }) => updateDesk(store, (d) => queueChanged(d, change, consultation))),
  ];
  return () => offs.forEach((off) => off());
};
