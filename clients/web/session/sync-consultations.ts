import { LIMITS, type ConsultationViewT } from '../../../protocol/frames.ts';
import { announce } from '../state/app-state.ts';
import { addMessages, setHasOlder, setHistory, setTyping, upsertView } from '../state/consultations.ts';
import { updateConsultations, updateWait, type Sync } from './sync.ts';

/** What a screen reader is told of a new message: its start (a 5,000-character message read whole would drown everything else). */
const ANNOUNCED_CHARS = 140;

/**
 * The consultations this person takes part in: the snapshot (of a new session, or of the session
 * resumed after a reload), state changes, messages (live, and the history of each consultation
 * the first time it is seen), typing, and a citizen's place in the queue.
 */
export const syncConsultations: Sync = (client, store, me) => {
  const asked = new Set<string>();
  // Whoever adds a consultation (a push, a reply to pick or accept), its history is loaded once:
  // up to what the SDK has delivered of it (after a reload, what the page before showed), since
  // everything above comes as a chat.message. Each message is kept once by seq whatever the order.
  const loadHistories = () => {
    for (const [id, e] of Object.entries(store.get().consultations)) {
      if (e.history !== 'loading' || asked.has(id)) continue;
      asked.add(id);
      const upTo = client.deliveredUpTo(id);
      if (upTo === 0) {
        updateConsultations(store, (cs) => setHistory(cs, id, 'loaded'));
        continue;
      }
      const below = upTo === undefined ? {} : { beforeSeq: upTo + 1 };
      client.request('consult.history', { consultationId: id, limit: LIMITS.historyPageMax, ...below }).then(
        (page) => updateConsultations(store, (cs) => setHasOlder(setHistory(addMessages(cs, id, page.messages), id, 'loaded'), id, page.hasMore)),
        (e: unknown) => {
          console.warn('lawline: history of', id, 'could not be loaded', e);
          // Asked again when someone opens it again (`actions.openTranscript`).
          asked.delete(id);
          updateConsultations(store, (cs) => setHistory(cs, id, 'failed'));
        },
      );
    }
  };
  const know = (views: readonly ConsultationViewT[]) => updateConsultations(store, (cs) => views.reduce((acc, v) => upsertView(acc, v), cs));
  const offs = [
    store.subscribe(loadHistories),
    // After a reload the SDK reads the consultations of the resumed session and gives them here too.
    client.on('snapshot', know),
    client.on('consult.state', ({ consultation, reason }) => updateConsultations(store, (cs) => upsertView(cs, consultation, reason))),
    client.on('chat.message', (m) => {
      updateConsultations(store, (cs) => addMessages(cs, m.consultationId, [m]));
      if (m.from.id !== me.id) {
        const body = m.body.length > ANNOUNCED_CHARS ? `${m.body.slice(0, ANNOUNCED_CHARS)}…` : m.body;
        store.update((s) => announce(s, 'newMessage', { name: m.from.name, body }));
      }
    }),
    client.on('chat.typing', (ev) => ev.from.id !== me.id && updateConsultations(store, (cs) => setTyping(cs, ev.consultationId, ev.from, ev.typing))),
    client.on('queue.position', ({ consultationId, position, estimatedWaitMs, offered, nobodyOnDuty }) =>
      updateWait(store, consultationId, (w) => ({ ...w, position, estimatedWaitMs, offered: offered === true, nobodyOnDuty: nobodyOnDuty ?? w?.nobodyOnDuty })),
    ),
    client.on('consult.suggest', ({ consultationId }) => updateWait(store, consultationId, (w) => ({ ...w, nobodyOnDuty: true }))),
  ];
  loadHistories();
  return () => offs.forEach((off) => off());
};
