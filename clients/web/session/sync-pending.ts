import { acked, addOutgoing, failed, type Consultations } from '../state/consultations.ts';
import { updateConsultations, type Sync } from './sync.ts';

type Settle = (cs: Consultations) => Consultations;

/**
 * The messages the page before this one wrote and never saw acknowledged (typed offline, or as
 * the page went): the SDK kept them and sends each once, with its id. Each is shown as sending in
 * its consultation once that is known again (the snapshot), then as stored when its ack comes,
 * or as failed. One the server had stored already comes in the history with the same id and is
 * shown there only (`addOutgoing`, `addMessages`).
 */
export const syncPending: Sync = (client, store, me) => {
  const unplaced = new Map(client.pendingChats().map((chat) => [chat.clientMsgId, { chat, settled: undefined as Settle | undefined }]));
  let stopped = false;
  for (const [clientMsgId, entry] of unplaced) {
    const { consultationId } = entry.chat;
    const settle = (f: Settle) => {
      if (stopped) return;
      // Not shown yet: settled as it is placed.
      if (unplaced.has(clientMsgId)) entry.settled = f;
      else updateConsultations(store, f);
    };
    entry.chat.acked.then(
      (ack) => settle((cs) => acked(cs, consultationId, clientMsgId, ack, me)),
      (e: Error) => settle((cs) => failed(cs, consultationId, clientMsgId, e.message)),
    );
  }
  const place = () => {
    for (const [clientMsgId, { chat, settled }] of unplaced) {
      if (!store.get().consultations[chat.consultationId]) continue;
      unplaced.delete(clientMsgId);
      const shown: Settle = (cs) => addOutgoing(cs, chat.consultationId, { clientMsgId, body: chat.body, at: chat.at });
      updateConsultations(store, (cs) => (settled ? settled(shown(cs)) : shown(cs)));
    }
  };
  const off = unplaced.size ? store.subscribe(place) : undefined;
  place();
  return () => {
    stopped = true;
    off?.();
  };
};
